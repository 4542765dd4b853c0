/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ipc-baseline.h - what a channel is compared with in the ipc benchmark:
 * a pipe and a unix stream socket between two processes, memcpy of the
 * same bytes in one process (the ceiling: a channel copies at least once),
 * and one cache line bounced between two processes (the floor of any
 * shared-memory latency).
 */
#ifndef MYMAP_BENCH_IPC_BASELINE_H
#define MYMAP_BENCH_IPC_BASELINE_H

#include <stddef.h>
#include <stdint.h>

#include "ipc-measure.h"

enum ipc_kernel_path {
	IPC_PIPE,	 /* pipe(2), its buffer raised to 1 MiB */
	IPC_UNIX_STREAM, /* socketpair(AF_UNIX, SOCK_STREAM), buffers raised to 1 MiB */
};

/* A child writes @count messages of @size bytes; the caller reads them all. */
int ipc_baseline_rate(enum ipc_kernel_path path, size_t size, uint64_t count, struct ipc_rate *out);

/* @iters round trips of @size bytes through @path, as ipc_measure_pingpong. */
int ipc_baseline_pingpong(enum ipc_kernel_path path, size_t size, uint32_t iters, double *rtt_ns);

/*
 * memcpy of @size bytes, @count times, in one process: the source walks
 * through a window of @window bytes (the channel's ring: what its copies
 * read and write), the destination is one message-sized buffer (what a
 * receiver copies into).  Nothing crosses between cores: the ceiling.
 */
int ipc_baseline_memcpy(size_t size, uint64_t count, size_t window, struct ipc_rate *out);

/*
 * The reference ring: the least a zero-copy shared-memory ring can do,
 * to measure a channel against on the same two cores.  A child writes
 * @count messages of @size bytes into @capacity slots of shared memory
 * (memcpy from a buffer, then a store-release of head); the caller reads
 * one byte per cache line of each in place and store-releases tail.
 * Both poll, as a channel spins, then yield; no lengths, no checks, no
 * sleeping.
 */
int ipc_baseline_ring(size_t size, uint64_t count, uint32_t capacity, struct ipc_rate *out);

/*
 * @iters round trips of one cache line between this process and a child,
 * both busy-polling an atomic word in shared memory: half a round trip is
 * the cost of moving one line from one core to another.
 */
int ipc_baseline_cacheline(uint32_t iters, double *rtt_ns);

#endif /* MYMAP_BENCH_IPC_BASELINE_H */
