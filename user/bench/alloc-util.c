// SPDX-License-Identifier: GPL-2.0
/* alloc-util.c - harness memory and resident-set measurement for the alloc workloads. */
#include "alloc-util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

void *alloc_buffer(size_t size, int shared)
{
	int flags = (shared ? MAP_SHARED : MAP_PRIVATE) | MAP_ANONYMOUS | MAP_POPULATE;
	void *p = mmap(NULL, size ? size : 1, PROT_READ | PROT_WRITE, flags, -1, 0);

	if (p == MAP_FAILED) {
		fprintf(stderr, "mymap-bench-alloc: cannot map %zu bytes for the harness: %s\n",
			size, strerror(errno));
		return NULL;
	}
	return p;
}

void alloc_buffer_free(void *buf, size_t size)
{
	if (buf)
		munmap(buf, size ? size : 1);
}

/*
 * A "Name:   N kB" line of /proc/self/status, in KiB; -1 if missing.
 * read() into the stack, not stdio: stdio would call the allocator that
 * is being measured.
 */
static long status_kib(const char *name)
{
	char buf[4096];
	size_t len = strlen(name);
	ssize_t got;
	int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	got = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (got <= 0)
		return -1;
	buf[got] = '\0';
	for (char *line = buf; line; line = strchr(line, '\n')) {
		if (*line == '\n')
			line++;
		if (strncmp(line, name, len) == 0 && line[len] == ':')
			return strtol(line + len + 1, NULL, 10);
	}
	return -1;
}

long alloc_rss_reset(void)
{
	/* "5" resets the peak RSS (VmHWM) to the current RSS: Linux >= 4.0 */
	int fd = open("/proc/self/clear_refs", O_WRONLY | O_CLOEXEC);

	if (fd >= 0) {
		if (write(fd, "5", 1) != 1)
			fprintf(stderr, "mymap-bench-alloc: cannot reset peak RSS: %s\n",
				strerror(errno));
		close(fd);
	}
	return status_kib("VmRSS");
}

long alloc_rss_growth_kib(long base_kib)
{
	long hwm = status_kib("VmHWM");

	if (hwm < 0 || base_kib < 0)
		return -1;
	return hwm > base_kib ? hwm - base_kib : 0;
}

long alloc_preemptions(long *faults)
{
	struct rusage ru;

	if (getrusage(RUSAGE_THREAD, &ru) < 0)
		return -1;
	if (faults)
		*faults = ru.ru_minflt + ru.ru_majflt;
	return ru.ru_nivcsw;
}
