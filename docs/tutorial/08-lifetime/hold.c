// SPDX-License-Identifier: GPL-2.0
/*
 * hold.c - maps /dev/mymap, closes the descriptor and keeps the mapping
 * until its standard input ends, so a check can look at the device meanwhile.
 *
 * usage: hold [--fork]
 * With --fork, a child process inherits the mapping and holds it too.
 * Prints "mapped" once the mapping (and the child) exist, then waits.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static int fail(const char *what)
{
	fprintf(stderr, "hold: %s: %s\n", what, strerror(errno));
	return 1;
}

/* Blocks until whoever holds the other end of stdin closes it. */
static int wait_for_eof(void)
{
	char buf[64];
	ssize_t got;

	while ((got = read(STDIN_FILENO, buf, sizeof(buf))) != 0) {
		if (got < 0 && errno != EINTR)
			return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	size_t len = (size_t)sysconf(_SC_PAGESIZE);
	int forking = argc == 2 && !strcmp(argv[1], "--fork");
	pid_t child = 0;
	int status;
	void *map;
	int fd;

	if (argc > 1 && !forking) {
		fprintf(stderr, "usage: hold [--fork]\n");
		return 2;
	}
	fd = open("/dev/mymap", O_RDWR);
	if (fd < 0)
		return fail("open /dev/mymap");
	map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		return fail("mmap /dev/mymap");
	/* From here on only the mapping keeps the file open. */
	if (close(fd))
		return fail("close /dev/mymap");

	/* fork() copies the mapping before it returns, in either process. */
	if (forking) {
		child = fork();
		if (child < 0)
			return fail("fork");
		if (child == 0)
			return wait_for_eof() ? fail("read stdin") : 0;
	}
	if (printf("mapped\n") < 0 || fflush(stdout))
		return fail("write stdout");
	if (wait_for_eof())
		return fail("read stdin");
	if (child > 0 && (waitpid(child, &status, 0) < 0 || status != 0))
		return fail("the child holding the mapping");
	if (munmap(map, len))
		return fail("munmap");
	return 0;
}
