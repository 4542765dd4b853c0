// SPDX-License-Identifier: GPL-2.0
/*
 * shm-open - demonstrates POSIX shared memory: two processes that share no
 * mapping by inheritance (the second is a fresh exec) open the same object
 * by name with shm_open() and see each other's stores.
 */
#include "experiment.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define PAGE 4096

static const char question[] = "question from the first process";
static const char answer[] = "answer from the second process";

/* The second process: opens @name, checks the question, writes the answer. */
static int peer(const char *name)
{
	int fd = shm_open(name, O_RDWR, 0);
	char *map;

	if (fd < 0)
		return 2;
	map = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd); /* the mapping keeps the object open */
	if (map == MAP_FAILED)
		return 3;
	if (strcmp(map, question) != 0)
		return 4;
	strcpy(map, answer);
	munmap(map, PAGE);
	return 0;
}

/* Starts this program again as the peer for @name; returns its exit status or -1. */
static int run_peer(char *name)
{
	char self[PATH_MAX];
	char *argv[] = {self, "--peer", name, NULL};

	return spawn_self_path(self, sizeof(self)) ? spawn_and_wait(argv, false) : -1;
}

int main(int argc, char **argv)
{
	char name[64], path[80];
	int fd, status;
	char *map;

	if (argc == 3 && strcmp(argv[1], "--peer") == 0)
		return peer(argv[2]);

	report_begin("experiment 7d: POSIX shared memory with shm_open between two processes");
	report_about(
	    "Unrelated processes share memory by name: shm_open() makes a file in a tmpfs\n"
	    "(/dev/shm) that each process maps.  This program starts a second, unrelated\n"
	    "process that opens the same name and answers through the shared page.");
	tap_diag("shm_open is in libc itself since glibc 2.34 (before, link with -lrt); this is %s",
		 report_libc_version());
	snprintf(name, sizeof(name), "/mymap-exp-%d", (int)getpid());
	snprintf(path, sizeof(path), "/dev/shm%s", name);
	fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
	if (!tap_ok(fd >= 0 && ftruncate(fd, PAGE) == 0,
		    "shm_open(\"%s\", O_CREAT|O_EXCL) and ftruncate to one page: %s", name,
		    fd < 0 ? strerror(errno) : "created"))
		return tap_done();
	tap_ok(access(path, F_OK) == 0, "the object is a file in a tmpfs: %s exists", path);
	map = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (!tap_ok(map != MAP_FAILED, "mmap(MAP_SHARED) of it: %s",
		    map == MAP_FAILED ? strerror(errno) : "mapped")) {
		shm_unlink(name);
		return tap_done();
	}
	strcpy(map, question);

	status = run_peer(name);
	tap_ok(status == 0,
	       "a second process (fork + exec, so nothing inherited) opens the name and finds the "
	       "question: exit status %d (2: shm_open, 3: mmap, 4: wrong contents)",
	       status);
	tap_ok(strcmp(map, answer) == 0,
	       "and its answer appears in the first one's mapping: \"%s\"", map);

	tap_ok(shm_unlink(name) == 0 && access(path, F_OK) != 0,
	       "shm_unlink removes the name: %s is gone", path);
	errno = 0;
	fd = shm_open(name, O_RDWR, 0);
	tap_ok(fd < 0 && errno == ENOENT, "shm_open of the removed name fails with ENOENT: %s",
	       strerror(errno));
	if (fd >= 0)
		close(fd);
	tap_ok(strcmp(map, answer) == 0,
	       "the existing mapping still works: the memory lives until its last unmap");
	munmap(map, PAGE);
	return tap_done();
}
