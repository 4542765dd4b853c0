// SPDX-License-Identifier: GPL-2.0
/* ipc-affinity.c - the caller on one CPU, its forked peers on others. */
#include "ipc-affinity.h"

#include <errno.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/*
 * Chosen once from the mask the process started with: once the caller is
 * pinned, its mask (and every child's) holds one CPU only.  A child
 * inherits these through fork.
 */
static bool chosen;
static int cpu_of[2] = {-1, -1}; /* [0] the caller, [1] the peer */
static int others[CPU_SETSIZE];	 /* every allowed CPU but the caller's, from cpu_of[1] */
static int nr_others;
static char description[96];

static void choose(void)
{
	cpu_set_t set;
	int found = 0;

	chosen = true;
	if (sched_getaffinity(0, sizeof(set), &set)) {
		snprintf(description, sizeof(description), "not pinned: sched_getaffinity: %s",
			 strerror(errno));
		return;
	}
	for (int cpu = 0; cpu < CPU_SETSIZE; cpu++)
		if (CPU_ISSET(cpu, &set)) {
			if (found < 2)
				cpu_of[found] = cpu;
			if (found++ > 0)
				others[nr_others++] = cpu;
		}
	if (found < 2) {
		cpu_of[0] = cpu_of[1] = -1;
		nr_others = 0;
		snprintf(description, sizeof(description),
			 "not pinned: fewer than two CPUs allowed");
		return;
	}
	snprintf(description, sizeof(description), "receiver/caller on CPU %d, peer on CPU %d",
		 cpu_of[0], cpu_of[1]);
}

static void pin(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) && cpu == cpu_of[0]) {
		snprintf(description, sizeof(description), "not pinned: sched_setaffinity: %s",
			 strerror(errno));
		cpu_of[0] = cpu_of[1] = -1;
		nr_others = 0;
	}
}

pid_t ipc_fork_pinned_nth(unsigned int nth)
{
	pid_t pid;

	if (!chosen)
		choose();
	pin(cpu_of[0]);
	fflush(NULL);
	pid = fork();
	if (pid == 0 && nr_others > 0)
		pin(others[nth % (unsigned int)nr_others]);
	return pid;
}

pid_t ipc_fork_pinned(void)
{
	return ipc_fork_pinned_nth(0);
}

unsigned int ipc_peer_cpus(void)
{
	if (!chosen)
		choose();
	return (unsigned int)nr_others;
}

const char *ipc_affinity_describe(void)
{
	if (!chosen)
		choose();
	return description;
}
