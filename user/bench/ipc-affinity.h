/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ipc-affinity.h - where the two processes of an ipc measurement run.
 *
 * Every two-process measurement (channel, pipe, unix socket, cache line)
 * forks through ipc_fork_pinned(), so the caller always runs on one CPU
 * and its peer on another, the same two CPUs for every subject; several
 * peers of one measurement (publish/subscribe) spread over the others.  Left to
 * the scheduler, a freshly forked peer sometimes lands on the caller's
 * CPU, and then the two take turns on one core for the whole (short) run.
 */
#ifndef MYMAP_BENCH_IPC_AFFINITY_H
#define MYMAP_BENCH_IPC_AFFINITY_H

#include <sys/types.h>

/*
 * Pins the caller to the first CPU it was allowed to run on (at the first
 * call), flushes stdio and forks; the child pins itself to the second.
 * With fewer than two CPUs allowed, or when pinning fails, nobody is
 * pinned.  Returns as fork(2).
 */
pid_t ipc_fork_pinned(void);

/*
 * As ipc_fork_pinned(), the child pinned to the @nth allowed CPU other
 * than the caller's (counting from the peer's, wrapping around): peers
 * 0, 1, 2... of one measurement each get a CPU of their own while there
 * are enough.
 */
pid_t ipc_fork_pinned_nth(unsigned int nth);

/* How many CPUs the peers have (0 when nobody is pinned). */
unsigned int ipc_peer_cpus(void);

/*
 * The CPUs used, as "caller on CPU a, peer on CPU b" or why none are;
 * a static string.
 */
const char *ipc_affinity_describe(void);

#endif /* MYMAP_BENCH_IPC_AFFINITY_H */
