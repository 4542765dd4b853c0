// SPDX-License-Identifier: GPL-2.0
/*
 * fresh-child.c - a measurement in a forked child, its result sent back
 * through a pipe.
 */
#include "fresh-child.h"
#include "procfs.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Writes all of @buf; false on error. */
static bool write_all(int fd, const void *buf, size_t size)
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
static size_t read_all(int fd, void *buf, size_t size)
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

bool fresh_child_run(void (*measure)(const void *arg, void *result), const void *arg, void *result,
		     size_t size)
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
		_exit(write_all(fds[1], result, size) ? 0 : 1);
	}
	close(fds[1]);
	got = read_all(fds[0], result, size);
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
