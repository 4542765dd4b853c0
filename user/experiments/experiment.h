/* SPDX-License-Identifier: GPL-2.0 */
/*
 * experiment.h - everything an experiment needs besides its own file, so
 * that each one builds alone:  gcc brk-sbrk.c && ./a.out
 *
 *   TAP output     tap_ok(), tap_skip(), tap_diag(), tap_done(): one line
 *                  per claim checked, as the project's tests print it
 *   the header     report_begin(), report_about(): stdout that never
 *                  mallocs, the C library measured, what the program shows
 *   /proc/self     procfs_*(): the memory layout, read without malloc
 *   a fresh child  fresh_child_run(): a measurement in a process whose
 *                  malloc has never run
 *   a second run   spawn_*(): this program or another one as a child
 *   glibc chunks   malloc_chunk_size(), malloc_size_field()
 *
 * Every function is static: each program is one translation unit and uses
 * what it needs.  Nothing here calls malloc, because what the experiments
 * watch is malloc's own state: stdout gets a static buffer, /proc is read
 * with open(2)/read(2) into a static buffer, and nothing is thread-safe
 * (the experiments that start threads measure from one thread at a time).
 */
#ifndef MYMAP_EXPERIMENT_H
#define MYMAP_EXPERIMENT_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* strsignal, memfd_create, mremap, MADV_* */
#endif

#include <errno.h>
#include <fcntl.h>
#include <gnu/libc-version.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Each program uses some of these helpers; the rest must not warn. */
#define EXP_HELPER __attribute__((unused)) static

/*
 * TAP.  "ok N - claim: what was seen", "not ok N - ...", or for a check
 * that cannot run here "ok N - claim # SKIP reason", counted as skipped,
 * never as passed.  tap_done() ends with "N passed, N failed, N skipped".
 */

static unsigned int tap_count, tap_failures, tap_skips;

/* Reports one check; returns @pass so callers can skip dependent checks. */
__attribute__((format(printf, 2, 3))) EXP_HELPER bool tap_ok(bool pass, const char *fmt, ...)
{
	va_list ap;

	tap_count++;
	if (!pass)
		tap_failures++;
	printf("%sok %u - ", pass ? "" : "not ", tap_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	return pass;
}

/* Reports the check @claim as not run here, for the reason given. */
__attribute__((format(printf, 2, 3))) EXP_HELPER void tap_skip(const char *claim,
							       const char *reason_fmt, ...)
{
	va_list ap;

	tap_count++;
	tap_skips++;
	printf("ok %u - %s # SKIP ", tap_count, claim);
	va_start(ap, reason_fmt);
	vprintf(reason_fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

/* A "# " comment line: context for a reader, never counted. */
__attribute__((format(printf, 1, 2))) EXP_HELPER void tap_diag(const char *fmt, ...)
{
	va_list ap;

	fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

/* Prints the plan and the totals; the exit status main() should return. */
EXP_HELPER int tap_done(void)
{
	printf("1..%u\n", tap_count);
	printf("%u passed, %u failed, %u skipped\n", tap_count - tap_failures - tap_skips,
	       tap_failures, tap_skips);
	fflush(stdout);
	return tap_failures ? 1 : 0;
}

/*
 * The header of every experiment's output.
 */

/* stdout's buffer: static, so the first printf does not malloc one. */
static char report_stdout_buffer[BUFSIZ] __attribute__((unused));

/*
 * Gives stdout a static buffer, then prints "# <title>" and the C library's
 * name and version as TAP comments.  Call it first in main(), before any
 * output: stdio mallocs its buffer on the first write to a stream that has
 * none, which would move the program break the experiment is watching.
 */
EXP_HELPER void report_begin(const char *title)
{
	setvbuf(stdout, report_stdout_buffer, _IOFBF, sizeof(report_stdout_buffer));
	printf("# %s\n", title);
	printf("# measured with GNU libc %s (%s)\n", gnu_get_libc_version(),
	       gnu_get_libc_release());
	/* The experiments assert glibc's defaults; these variables change them. */
	if (getenv("GLIBC_TUNABLES") || getenv("MALLOC_TOP_PAD_") ||
	    getenv("MALLOC_MMAP_THRESHOLD_") || getenv("MALLOC_TRIM_THRESHOLD_") ||
	    getenv("MALLOC_MMAP_MAX_") || getenv("MALLOC_ARENA_MAX"))
		printf("# GLIBC_TUNABLES or MALLOC_* is set: malloc's defaults may differ from "
		       "what these checks expect\n");
	fflush(stdout);
}

/*
 * What the program shows and why it matters, for a reader: @text printed
 * as "# " lines, one per line of @text.
 */
EXP_HELPER void report_about(const char *text)
{
	while (*text) {
		size_t len = strcspn(text, "\n");

		printf("#   %.*s\n", (int)len, text);
		text += len;
		if (*text)
			text++;
	}
	fflush(stdout);
}

/* The C library's version, e.g. "2.36" (gnu_get_libc_version()). */
EXP_HELPER const char *report_libc_version(void)
{
	return gnu_get_libc_version();
}

/*
 * True if the C library is glibc at least @major.@minor: the experiments
 * say so when a number they print is specific to a glibc version.
 */
EXP_HELPER bool report_glibc_at_least(int major, int minor)
{
	char *end;
	long have_major = strtol(gnu_get_libc_version(), &end, 10);
	long have_minor = *end == '.' ? strtol(end + 1, NULL, 10) : 0;

	return have_major > major || (have_major == major && have_minor >= minor);
}

/*
 * /proc/self without malloc.  fopen() and getline() would malloc a FILE and
 * a buffer, move the program break and spoil the measurement; these read
 * into one static buffer and parse by hand.  Every call rereads the file,
 * so each answer is a fresh snapshot.
 */

/* Big enough for the maps of these small programs with room to spare. */
static char procfs_text[64 * 1024] __attribute__((unused));

/* One line of /proc/self/maps: [start, end), permissions, and name. */
struct mapping {
	uintptr_t start, end;
	char perms[5];	/* "rw-p" */
	char name[128]; /* "[heap]", a path, or "" for anonymous memory */
};

/* Reads all of @path into procfs_text[], NUL-terminated; false on error or overflow. */
EXP_HELPER bool procfs_read(const char *path)
{
	size_t used = 0;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return false;
	/* A /proc file is generated as it is read: read until EOF. */
	while ((n = read(fd, procfs_text + used, sizeof(procfs_text) - 1 - used)) > 0)
		used += (size_t)n;
	close(fd);
	procfs_text[used] = '\0';
	return n == 0 && used < sizeof(procfs_text) - 1;
}

/* Parses "start-end perms offset dev inode   name" from @line into @m. */
EXP_HELPER bool procfs_parse_maps_line(const char *line, struct mapping *m)
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

/* The line after @line in procfs_text[], or the terminating NUL. */
EXP_HELPER const char *procfs_next_line(const char *line)
{
	line += strcspn(line, "\n");
	return *line ? line + 1 : line;
}

/*
 * Finds the mapping that contains @addr.  Returns true and fills @m, or
 * false if no mapping contains it (or /proc/self/maps cannot be read).
 */
EXP_HELPER bool procfs_mapping_at(uintptr_t addr, struct mapping *m)
{
	if (!procfs_read("/proc/self/maps"))
		return false;
	for (const char *line = procfs_text; *line; line = procfs_next_line(line))
		if (procfs_parse_maps_line(line, m) && m->start <= addr && addr < m->end)
			return true;
	return false;
}

/*
 * Finds the line named "[heap]": the kernel's name for the mapping between
 * the start of the heap and the program break.  Returns false when there is
 * none, which is the case while the break still equals the heap's start.
 */
EXP_HELPER bool procfs_heap(struct mapping *m)
{
	if (!procfs_read("/proc/self/maps"))
		return false;
	for (const char *line = procfs_text; *line; line = procfs_next_line(line))
		if (procfs_parse_maps_line(line, m) && strcmp(m->name, "[heap]") == 0)
			return true;
	return false;
}

/*
 * Calls @each(@m, @arg) for every anonymous read-write mapping (no name,
 * perms "rw-p"); returns how many there are, or -1 if maps is unreadable.
 */
EXP_HELPER int procfs_each_anonymous(void (*each)(const struct mapping *m, void *arg), void *arg)
{
	struct mapping m;
	int count = 0;

	if (!procfs_read("/proc/self/maps"))
		return -1;
	for (const char *line = procfs_text; *line; line = procfs_next_line(line))
		if (procfs_parse_maps_line(line, &m) && !m.name[0] &&
		    strcmp(m.perms, "rw-p") == 0) {
			count++;
			if (each)
				each(&m, arg);
		}
	return count;
}

/*
 * Where the heap starts (the kernel's start_brk, field 47 of
 * /proc/self/stat); 0 if it cannot be read.
 */
EXP_HELPER uintptr_t procfs_start_brk(void)
{
	const char *p;

	if (!procfs_read("/proc/self/stat"))
		return 0;
	/* Field 2, the command name, may contain spaces: count from its ')'. */
	p = strrchr(procfs_text, ')');
	if (!p)
		return 0;
	/* After ')' comes field 3; walk to field 47. */
	for (int field = 2; field < 47 && p; field++)
		p = strchr(p + 1, ' ');
	return p ? (uintptr_t)strtoull(p + 1, NULL, 10) : 0;
}

/* The number after "@field:" at the start of a line of procfs_text[]; -1 if none. */
EXP_HELPER long procfs_field(const char *text, const char *field)
{
	size_t len = strlen(field);

	for (const char *line = text; *line; line = procfs_next_line(line))
		if (strncmp(line, field, len) == 0 && line[len] == ':')
			return strtol(line + len + 1, NULL, 10);
	return -1;
}

/*
 * The value of a "Name:   N kB" line of /proc/self/status, such as
 * "VmRSS", in kB; -1 if the field is absent or the file unreadable.
 */
EXP_HELPER long procfs_status_kb(const char *field)
{
	return procfs_read("/proc/self/status") ? procfs_field(procfs_text, field) : -1;
}

/*
 * The value in kB of @field ("Rss", "Private_Dirty", "LazyFree", ...) in
 * /proc/self/smaps for the mapping that contains @addr; -1 if there is no
 * such mapping or field.
 */
EXP_HELPER long procfs_smaps_kb(uintptr_t addr, const char *field)
{
	struct mapping m;
	bool inside = false;

	if (!procfs_read("/proc/self/smaps"))
		return -1;
	for (const char *line = procfs_text; *line; line = procfs_next_line(line)) {
		/* A mapping's header line starts a new block of fields. */
		if (procfs_parse_maps_line(line, &m)) {
			inside = m.start <= addr && addr < m.end;
			continue;
		}
		if (inside && strncmp(line, field, strlen(field)) == 0 &&
		    line[strlen(field)] == ':')
			return strtol(line + strlen(field) + 1, NULL, 10);
	}
	return -1;
}

/* The first number of /proc/sys/... file @path; -1 if unreadable. */
EXP_HELPER long procfs_sysctl(const char *path)
{
	return procfs_read(path) ? strtol(procfs_text, NULL, 10) : -1;
}

/*
 * A fresh child.  malloc keeps state for the life of a process (the heap's
 * top, the thresholds it adjusts as it goes), so every measurement that
 * depends on that state runs in its own fork()ed child.  The child inherits
 * the parent's memory, so the parent itself must not have called malloc.
 */

/* Writes all of @buf; false on error. */
EXP_HELPER bool fresh_write_all(int fd, const void *buf, size_t size)
{
	const char *p = buf;

	while (size) {
		ssize_t n = write(fd, p, size);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		p += n;
		size -= (size_t)n;
	}
	return true;
}

/* Reads up to @size bytes until EOF; returns how many arrived. */
EXP_HELPER size_t fresh_read_all(int fd, void *buf, size_t size)
{
	char *p = buf;
	size_t got = 0;

	while (got < size) {
		ssize_t n = read(fd, p + got, size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	return got;
}

/*
 * Forks; the child calls @measure(@arg, @result), sends the @size bytes at
 * @result back through a pipe and exits.  Returns true when all @size bytes
 * arrived and the child exited with status 0; otherwise prints a TAP comment
 * saying what happened (signal, status, errno) and returns false.
 *
 * Exits the program with status 1 if the caller's own heap is not empty
 * (its break has moved from the start of the heap): the child would then
 * not start fresh and every number it reported would mislead.
 */
EXP_HELPER bool fresh_child_run(void (*measure)(const void *arg, void *result), const void *arg,
				void *result, size_t size)
{
	int fds[2], status;
	size_t got;
	pid_t pid;

	if ((uintptr_t)sbrk(0) != procfs_start_brk()) {
		printf("# fresh_child_run: the parent's heap is in use (break %p), "
		       "so a child would not start fresh; fix the experiment\n",
		       sbrk(0));
		exit(1);
	}
	if (pipe(fds) < 0) {
		printf("# fresh_child_run: pipe: %s\n", strerror(errno));
		return false;
	}
	/* Nothing may sit in stdout's buffer, or the child would print it again. */
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		printf("# fresh_child_run: fork: %s\n", strerror(errno));
		close(fds[0]);
		close(fds[1]);
		return false;
	}
	if (pid == 0) {
		close(fds[0]);
		measure(arg, result);
		/* _exit: the child must not flush stdio buffers it inherited. */
		_exit(fresh_write_all(fds[1], result, size) ? 0 : 1);
	}
	close(fds[1]);
	got = fresh_read_all(fds[0], result, size);
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			printf("# fresh_child_run: waitpid: %s\n", strerror(errno));
			return false;
		}
	if (WIFSIGNALED(status)) {
		printf("# fresh_child_run: the child was killed by signal %d (%s)\n",
		       WTERMSIG(status), strsignal(WTERMSIG(status)));
		return false;
	}
	if (WEXITSTATUS(status) != 0 || got != size) {
		printf("# fresh_child_run: the child exited with status %d after sending %zu of "
		       "%zu bytes\n",
		       WEXITSTATUS(status), got, size);
		return false;
	}
	return true;
}

/*
 * A second program: another tool (strace), or this same program in a
 * different role.
 */

/*
 * Puts the path of the running program (/proc/self/exe) into @buf of @size
 * bytes, NUL-terminated.  Returns false with errno set if it cannot.
 */
EXP_HELPER bool spawn_self_path(char *buf, size_t size)
{
	ssize_t len = readlink("/proc/self/exe", buf, size - 1);

	if (len < 0)
		return false;
	buf[len] = '\0';
	return true;
}

/*
 * Runs @argv[0] (searched in PATH) with @argv, and waits for it.  With
 * @quiet, its stdout and stderr go to /dev/null.  Returns its exit status;
 * 127 if it could not be executed (not installed), 128 + N if signal N
 * killed it, or -1 with errno set if fork or waitpid failed.
 */
EXP_HELPER int spawn_and_wait(char *const argv[], bool quiet)
{
	int status;
	pid_t pid;

	/* Nothing may sit in stdout's buffer, or the child would print it again. */
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (quiet) {
			int null = open("/dev/null", O_WRONLY);

			dup2(null, STDOUT_FILENO);
			dup2(null, STDERR_FILENO);
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/*
 * glibc's chunks (64-bit glibc; see malloc/malloc.c).
 */

/* The smallest chunk malloc makes: two size fields and two list pointers. */
#define MALLOC_MIN_CHUNK 32

/* Bit 1 of a chunk's size field: the chunk is a mapping of its own. */
#define MALLOC_IS_MMAPPED 2

/*
 * The size of the chunk malloc carves for @request bytes: the request plus
 * the 8-byte size field in front of it, rounded up to 16, at least 32.
 * Every malloc threshold is compared with this, never with the request.
 */
EXP_HELPER size_t malloc_chunk_size(size_t request)
{
	size_t chunk = (request + 8 + 15) & ~(size_t)15;

	return chunk < MALLOC_MIN_CHUNK ? MALLOC_MIN_CHUNK : chunk;
}

/*
 * The size field just before a block malloc returned: the chunk's size in
 * the high bits, flags in the low three (MALLOC_IS_MMAPPED among them).
 */
EXP_HELPER size_t malloc_size_field(const void *block)
{
	/* Through an integer: the field is outside the block, where gcc allows no pointer. */
	const size_t *field = (const size_t *)((uintptr_t)block - sizeof(size_t));

	return *field;
}

#endif /* MYMAP_EXPERIMENT_H */
