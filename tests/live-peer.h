/* SPDX-License-Identifier: GPL-2.0 */
/*
 * live-peer.h - a process that lives, doing nothing, until killed: an
 * identity (mymap_self_id()) a test can write into a lock word as a live
 * holder that never lets go.
 */
#ifndef MYMAP_TESTS_LIVE_PEER_H
#define MYMAP_TESTS_LIVE_PEER_H

#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mymap.h"

/* Forks the peer; its pid, or -1, and its identity in *@id (0 if unknown). */
static inline pid_t live_peer(uint64_t *id)
{
	int fds[2];
	pid_t pid;

	*id = 0;
	if (pipe(fds) < 0)
		return -1;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		uint64_t mine = mymap_self_id();

		if (write(fds[1], &mine, sizeof(mine)) == sizeof(mine))
			pause();
		_exit(0);
	}
	if (pid < 0 || read(fds[0], id, sizeof(*id)) != sizeof(*id))
		*id = 0;
	close(fds[0]);
	close(fds[1]);
	return pid;
}

/* Kills and reaps a peer from live_peer(); nothing for a pid below 1. */
static inline void end_peer(pid_t pid)
{
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
}

#endif /* MYMAP_TESTS_LIVE_PEER_H */
