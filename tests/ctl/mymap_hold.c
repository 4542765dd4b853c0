// SPDX-License-Identifier: GPL-2.0
/*
 * mymap_hold - keeps /dev/mymap busy for mymapctl's tests: `--open` keeps a
 * descriptor, `--map` maps one page (and closes the descriptor unless
 * --open is given too, so only the mapping holds the module).  Prints
 * "ready" once it holds the device, then waits for SIGTERM or SIGINT.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	bool keep_open = false, map = false;
	sigset_t mask;
	void *p;
	int fd, sig, i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--open") == 0)
			keep_open = true;
		else if (strcmp(argv[i], "--map") == 0)
			map = true;
		else {
			fprintf(stderr, "usage: mymap_hold [--open] [--map]\n");
			return 2;
		}
	}
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	fd = open("/dev/mymap", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "mymap_hold: open /dev/mymap: %s\n", strerror(errno));
		return 1;
	}
	if (map) {
		p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (p == MAP_FAILED) {
			fprintf(stderr, "mymap_hold: mmap: %s\n", strerror(errno));
			return 1;
		}
	}
	if (!keep_open)
		close(fd);
	printf("ready\n");
	fflush(stdout);
	sigwait(&mask, &sig);
	return 0;
}
