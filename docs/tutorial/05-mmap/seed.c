// SPDX-License-Identifier: GPL-2.0
/*
 * seed.c - maps /dev/mymap and prints its first ten bytes, which a freshly
 * loaded driver sets to 0, 1, ..., 9.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* Prints "seed: WHAT: errno text" and a hint; returns main()'s failure. */
static int fail(const char *what, const char *hint)
{
	fprintf(stderr, "seed: %s: %s; %s\n", what, strerror(errno), hint);
	return 1;
}

int main(void)
{
	size_t len = (size_t)sysconf(_SC_PAGESIZE);
	unsigned char *bytes;
	int fd;

	fd = open("/dev/mymap", O_RDWR);
	if (fd < 0)
		return fail("open /dev/mymap", "is the module loaded, and are you root?");
	bytes = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	if (bytes == MAP_FAILED)
		return fail("mmap /dev/mymap", "does the driver implement mmap?");
	/* The mapping holds its own reference to the open file. */
	if (close(fd))
		return fail("close /dev/mymap", "the mapping is still usable");

	for (int i = 0; i < 10; i++)
		printf("%u%c", bytes[i], i < 9 ? ' ' : '\n');

	if (munmap(bytes, len))
		return fail("munmap", "the address or length is wrong");
	if (fflush(stdout))
		return fail("write to stdout", "is the output writable?");
	return 0;
}
