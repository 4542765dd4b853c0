// SPDX-License-Identifier: GPL-2.0
/*
 * waitwake.c - waits on and wakes words of /dev/mymap with MYMAP_IOC_WAIT
 * and MYMAP_IOC_WAKE, alone or as a parent waking a waiting child.
 *
 * usage: waitwake wait OFFSET EXPECTED TIMEOUT_MS   prints "wait: ok|ERRNO"
 *        waitwake wake OFFSET COUNT                 prints "wake: N|ERRNO"
 *        waitwake pair OFFSET [--store]
 * pair forks a child that waits on the word at OFFSET while it holds the
 * value it holds now (10 s at most); the parent, with --store, first
 * stores another value there, then wakes one waiter every millisecond
 * until one is woken or the child has ended.  It prints the child's
 * "wait: ..." line.  Exits 0 when it could ask, 1 otherwise.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mymap_uapi.h"

static int fail(const char *what)
{
	fprintf(stderr, "waitwake: %s: %s\n", what, strerror(errno));
	return 1;
}

/* A whole decimal or 0x number, or -1. */
static int number(const char *text, unsigned long long *value)
{
	char *end;

	errno = 0;
	*value = strtoull(text, &end, 0);
	return errno || end == text || *end ? -1 : 0;
}

static const char *outcome(long ret)
{
	return ret < 0 ? strerrorname_np(errno) : "ok";
}

static long wait_word(int fd, __u64 offset, __u32 expected, __u64 timeout_ms)
{
	struct mymap_wait arg = {
	    .offset = offset, .expected = expected, .timeout_ns = timeout_ms * 1000000};

	return ioctl(fd, MYMAP_IOC_WAIT, &arg);
}

static long wake_word(int fd, __u64 offset, __u32 count)
{
	struct mymap_wake arg = {.offset = offset, .count = count};

	return ioctl(fd, MYMAP_IOC_WAKE, &arg);
}

/*
 * The child waits while the word holds what it holds now; the parent
 * wakes until someone is woken or the child is gone, within 10 s.
 */
static int pair(int fd, __u64 offset, int store)
{
	size_t len = (size_t)sysconf(_SC_PAGESIZE);
	off_t page = (off_t)(offset & ~(__u64)(len - 1));
	__u32 *word;
	struct timespec ms = {.tv_nsec = 1000000};
	__u32 now;
	int status;
	pid_t child;
	void *map;

	map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, page);
	if (map == MAP_FAILED)
		return fail("mmap /dev/mymap");
	word = (__u32 *)((char *)map + (offset - (__u64)page));
	now = __atomic_load_n(word, __ATOMIC_RELAXED);
	child = fork();
	if (child < 0)
		return fail("fork");
	if (child == 0) {
		printf("wait: %s\n", outcome(wait_word(fd, offset, now, 10000)));
		_exit(fflush(stdout) ? 1 : 0);
	}
	/* Store, then wake: the order a waker must keep (see mymap_13.c). */
	if (store)
		__atomic_store_n(word, now + 1, __ATOMIC_RELAXED);
	for (int i = 0; i < 10000; i++) {
		long woken = wake_word(fd, offset, 1);

		if (woken < 0)
			return fail("ioctl MYMAP_IOC_WAKE");
		if (woken > 0 || waitpid(child, &status, WNOHANG) == child)
			break;
		nanosleep(&ms, NULL);
	}
	if (waitpid(child, &status, 0) < 0 && errno != ECHILD)
		return fail("waitpid");
	return munmap(map, len) ? fail("munmap") : 0;
}

int main(int argc, char **argv)
{
	unsigned long long a = 0, b = 0, c = 0;
	int fd, ret = 0;

	fd = open("/dev/mymap", O_RDWR);
	if (fd < 0)
		return fail("open /dev/mymap");
	if (argc == 5 && !strcmp(argv[1], "wait") && !number(argv[2], &a) && !number(argv[3], &b) &&
	    !number(argv[4], &c)) {
		printf("wait: %s\n", outcome(wait_word(fd, a, (__u32)b, c)));
	} else if (argc == 4 && !strcmp(argv[1], "wake") && !number(argv[2], &a) &&
		   !number(argv[3], &b)) {
		long woken = wake_word(fd, a, (__u32)b);

		if (woken < 0)
			printf("wake: %s\n", outcome(woken));
		else
			printf("wake: %ld\n", woken);
	} else if ((argc == 3 || (argc == 4 && !strcmp(argv[3], "--store"))) &&
		   !strcmp(argv[1], "pair") && !number(argv[2], &a)) {
		ret = pair(fd, a, argc == 4);
	} else {
		fprintf(stderr, "waitwake: bad arguments; see the usage in waitwake.c\n");
		ret = 1;
	}
	if (close(fd))
		return fail("close /dev/mymap");
	return fflush(stdout) ? fail("write stdout") : ret;
}
