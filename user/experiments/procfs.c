// SPDX-License-Identifier: GPL-2.0
/*
 * procfs.c - reads /proc/self/{maps,stat,status} with raw system calls into a
 * static buffer, so that looking at the heap never changes it.
 */
#include "procfs.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Big enough for the maps of these small programs with room to spare. */
static char text[64 * 1024];

/* Reads all of @path into text[], NUL-terminated; false on error or overflow. */
static bool read_whole(const char *path)
{
	size_t used = 0;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return false;
	/* A /proc file is generated as it is read: read until EOF. */
	while ((n = read(fd, text + used, sizeof(text) - 1 - used)) > 0)
		used += (size_t)n;
	close(fd);
	text[used] = '\0';
	return n == 0 && used < sizeof(text) - 1;
}

/* Parses "start-end perms offset dev inode   name" from @line into @m. */
static bool parse_maps_line(const char *line, struct mapping *m)
{
	char *p;
	const char *name;
	size_t len;

	m->start = (uintptr_t)strtoull(line, &p, 16);
	if (*p != '-')
		return false;
	m->end = (uintptr_t)strtoull(p + 1, &p, 16);
	if (*p != ' ' || strlen(p) < 5)
		return false;
	memcpy(m->perms, p + 1, 4);
	m->perms[4] = '\0';
	/* The name starts after the fifth field; skip offset, device and inode. */
	name = p + 5;
	for (int field = 0; field < 3; field++) {
		while (*name == ' ')
			name++;
		while (*name && *name != ' ' && *name != '\n')
			name++;
	}
	while (*name == ' ')
		name++;
	len = strcspn(name, "\n");
	if (len >= sizeof(m->name))
		len = sizeof(m->name) - 1;
	memcpy(m->name, name, len);
	m->name[len] = '\0';
	return true;
}

/*
 * Calls @match on every line of /proc/self/maps until it returns true;
 * returns whether one did (with @m holding that line), and counts lines.
 */
static bool scan_maps(bool (*match)(const struct mapping *m, uintptr_t key), uintptr_t key,
		      struct mapping *m, int *lines)
{
	const char *line = text;

	*lines = 0;
	if (!read_whole("/proc/self/maps")) {
		*lines = -1;
		return false;
	}
	while (*line) {
		if (parse_maps_line(line, m)) {
			++*lines;
			if (match && match(m, key))
				return true;
		}
		line += strcspn(line, "\n");
		if (*line)
			line++;
	}
	return false;
}

static bool contains(const struct mapping *m, uintptr_t addr)
{
	return m->start <= addr && addr < m->end;
}

static bool is_heap(const struct mapping *m, uintptr_t unused)
{
	(void)unused;
	return strcmp(m->name, "[heap]") == 0;
}

bool procfs_mapping_at(uintptr_t addr, struct mapping *m)
{
	int lines;

	return scan_maps(contains, addr, m, &lines);
}

bool procfs_heap(struct mapping *m)
{
	int lines;

	return scan_maps(is_heap, 0, m, &lines);
}

int procfs_count_mappings(void)
{
	struct mapping m;
	int lines;

	scan_maps(NULL, 0, &m, &lines);
	return lines;
}

uintptr_t procfs_start_brk(void)
{
	const char *p;

	if (!read_whole("/proc/self/stat"))
		return 0;
	/* Field 2, the command name, may contain spaces: count from its ')'. */
	p = strrchr(text, ')');
	if (!p)
		return 0;
	/* After ')' comes field 3; walk to field 47. */
	for (int field = 2; field < 47 && p; field++)
		p = strchr(p + 1, ' ');
	return p ? (uintptr_t)strtoull(p + 1, NULL, 10) : 0;
}

long procfs_status_kb(const char *field)
{
	size_t len = strlen(field);
	const char *line = text;

	if (!read_whole("/proc/self/status"))
		return -1;
	while (*line) {
		if (strncmp(line, field, len) == 0 && line[len] == ':')
			return strtol(line + len + 1, NULL, 10);
		line += strcspn(line, "\n");
		if (*line)
			line++;
	}
	return -1;
}
