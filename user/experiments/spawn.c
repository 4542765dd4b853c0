// SPDX-License-Identifier: GPL-2.0
/*
 * spawn.c - fork, exec and wait, for experiments that need a second program.
 */
#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

bool spawn_self_path(char *buf, size_t size)
{
	ssize_t len = readlink("/proc/self/exe", buf, size - 1);

	if (len < 0)
		return false;
	buf[len] = '\0';
	return true;
}

int spawn_and_wait(char *const argv[], bool quiet)
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
