// SPDX-License-Identifier: GPL-2.0
/*
 * holders.c - finds the processes that have the device open or mapped.
 */
#include "holders.h"
#include "sysfile.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

unsigned int holders_count_maps(const char *maps, dev_t node_dev, ino_t node_ino)
{
	unsigned int count = 0;
	const char *line = maps;

	while (line && *line) {
		unsigned int major, minor;
		unsigned long long ino;

		/* start-end perms offset major:minor inode [path] */
		if (sscanf(line, "%*x-%*x %*s %*x %x:%x %llu", &major, &minor, &ino) == 3 &&
		    ino != 0 && makedev(major, minor) == node_dev && (ino_t)ino == node_ino)
			count++;
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	return count;
}

/* Reads a whole (small, procfs) file into a malloc'ed string; NULL on error. */
static char *read_all(const char *path)
{
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (!buf || fd < 0) {
		free(buf);
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	for (;;) {
		ssize_t n;

		if (cap - len < 2) {
			char *bigger = realloc(buf, cap * 2);

			if (!bigger)
				break;
			buf = bigger;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	return buf;
}

static unsigned int count_open_fds(const char *proc, pid_t pid, dev_t rdev)
{
	char path[64];
	struct dirent *d;
	unsigned int count = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "%s/%d/fd", proc, (int)pid);
	dir = opendir(path);
	if (!dir)
		return 0;
	while ((d = readdir(dir))) {
		struct stat st;

		if (d->d_name[0] == '.')
			continue;
		/* stat() follows the magic link to the open file itself. */
		if (fstatat(dirfd(dir), d->d_name, &st, 0) == 0 && S_ISCHR(st.st_mode) &&
		    st.st_rdev == rdev)
			count++;
	}
	closedir(dir);
	return count;
}

static int by_pid(const void *a, const void *b)
{
	const struct mymap_holder *x = a, *y = b;

	return (x->pid > y->pid) - (x->pid < y->pid);
}

int holders_find(const char *proc, const struct holder_target *t, struct mymap_holder **out,
		 size_t *n)
{
	struct mymap_holder *list = NULL;
	size_t len = 0, cap = 0;
	struct dirent *d;
	DIR *dir = opendir(proc);

	if (!dir)
		return -errno;
	while ((d = readdir(dir))) {
		struct mymap_holder h = {0};
		char path[64], *maps;

		if (!isdigit((unsigned char)d->d_name[0]))
			continue;
		h.pid = (pid_t)atoi(d->d_name);
		if (h.pid == getpid())
			continue;
		h.open_fds = count_open_fds(proc, h.pid, t->rdev);
		snprintf(path, sizeof(path), "%s/%d/maps", proc, (int)h.pid);
		maps = read_all(path);
		if (maps)
			h.mappings = holders_count_maps(maps, t->node_dev, t->node_ino);
		free(maps);
		if (!h.open_fds && !h.mappings)
			continue;
		snprintf(path, sizeof(path), "%s/%d/comm", proc, (int)h.pid);
		if (read_line_file(path, h.comm, sizeof(h.comm)) < 0)
			snprintf(h.comm, sizeof(h.comm), "?");
		if (len == cap) {
			struct mymap_holder *bigger;

			cap = cap ? cap * 2 : 8;
			bigger = realloc(list, cap * sizeof(*list));
			if (!bigger) {
				free(list);
				closedir(dir);
				return -ENOMEM;
			}
			list = bigger;
		}
		list[len++] = h;
	}
	closedir(dir);
	if (len)
		qsort(list, len, sizeof(*list), by_pid);
	*out = list;
	*n = len;
	return 0;
}
