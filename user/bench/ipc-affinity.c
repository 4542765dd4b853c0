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
static int caller_cpu = -1;
static int peer_cpus[CPU_SETSIZE]; /* every allowed CPU but the caller's */
static int nr_peer_cpus;	   /* 0: nobody is pinned */
static char description[96];

static void choose(void)
{
	cpu_set_t set;

	chosen = true;
	if (sched_getaffinity(0, sizeof(set), &set)) {
		snprintf(description, sizeof(description), "not pinned: sched_getaffinity: %s",
			 strerror(errno));
		return;
	}
	for (int cpu = 0; cpu < CPU_SETSIZE; cpu++)
		if (!CPU_ISSET(cpu, &set))
			continue;
		else if (caller_cpu < 0)
			caller_cpu = cpu;
		else
			peer_cpus[nr_peer_cpus++] = cpu;
	if (nr_peer_cpus == 0) {
		caller_cpu = -1;
		snprintf(description, sizeof(description),
			 "not pinned: fewer than two CPUs allowed");
		return;
	}
	snprintf(description, sizeof(description), "receiver/caller on CPU %d, peer on CPU %d",
		 caller_cpu, peer_cpus[0]);
}

static void pin(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) && cpu == caller_cpu) {
		snprintf(description, sizeof(description), "not pinned: sched_setaffinity: %s",
			 strerror(errno));
		caller_cpu = -1;
		nr_peer_cpus = 0;
	}
}

pid_t ipc_fork_pinned_nth(unsigned int nth)
{
	pid_t pid;

	if (!chosen)
		choose();
	pin(caller_cpu);
	fflush(NULL);
	pid = fork();
	if (pid == 0 && nr_peer_cpus > 0)
		pin(peer_cpus[nth % (unsigned int)nr_peer_cpus]);
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
	return (unsigned int)nr_peer_cpus;
}

const char *ipc_affinity_describe(void)
{
	if (!chosen)
		choose();
	return description;
}
