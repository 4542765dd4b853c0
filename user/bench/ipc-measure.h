/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ipc-measure.h - measuring a channel between two processes: streaming
 * throughput and ping-pong round trips.  Shared by the ipc benchmark and
 * `mymap-ipc bench|pingpong`, so both report the same thing.
 *
 * Each measurement creates its own channels in @heap (names carry the
 * caller's pid), forks the peer, which inherits the heap, and removes
 * the channels afterwards.
 */
#ifndef MYMAP_BENCH_IPC_MEASURE_H
#define MYMAP_BENCH_IPC_MEASURE_H

#include <stddef.h>
#include <stdint.h>

struct mymap_heap;

/* A throughput run: @messages of @bytes in total took @seconds. */
struct ipc_rate {
	double seconds;
	uint64_t messages;
	uint64_t bytes;
	uint64_t sleeps; /* times the receiver slept */
};

/*
 * Fills @out's time, messages and bytes for a run of @count messages of
 * @size bytes whose clock started at @t0, on receipt of the first: that
 * one, which includes the start-up, is not counted.
 */
void ipc_rate_since(struct ipc_rate *out, uint64_t t0, uint64_t count, size_t size);

/* How a receiver consumes a message. */
enum ipc_consume {
	IPC_CONSUME_COPY, /* mymap_channel_recv into a private buffer */
	IPC_CONSUME_VIEW, /* recv_view, read every cache line in place, release */
};

/*
 * A child sends @count messages of @size bytes (copied from a buffer with
 * mymap_channel_send); the caller receives them.  @spin as for
 * mymap_channel_set_spin on both sides.  The clock starts at the first
 * message received.  Returns 0 or a negative errno.
 */
int ipc_measure_rate(struct mymap_heap *heap, size_t size, uint64_t count, uint32_t spin,
		     enum ipc_consume consume, struct ipc_rate *out);

/*
 * @iters round trips of @size bytes (after a few unmeasured ones): the
 * caller sends, a child echoes the message back through a second
 * channel.  Fills @rtt_ns[0..iters).  Returns 0 or a negative errno.
 */
int ipc_measure_pingpong(struct mymap_heap *heap, size_t size, uint32_t iters, uint32_t spin,
			 double *rtt_ns);

/* A MESSAGES channel's capacity for @size-byte messages: about 1 MiB in flight, 4 to 256. */
uint32_t ipc_measure_capacity(size_t size);

/* Most subscribers ipc_measure_pubsub() runs. */
#define IPC_PUBSUB_MAX_SUBS 8

/*
 * Publish/subscribe: the caller publishes @count messages of @size bytes
 * (never waiting) to @subs subscriber processes that read each in place
 * (every cache line) until the publisher closes.  *@per_sub is the mean
 * subscriber: the messages it got over the time the publisher took to
 * publish them all; *@lost, the messages all of them lost by falling a
 * lap behind.  Returns 0 or a negative errno.
 */
int ipc_measure_pubsub(struct mymap_heap *heap, size_t size, uint64_t count, unsigned int subs,
		       struct ipc_rate *per_sub, uint64_t *lost);

#endif /* MYMAP_BENCH_IPC_MEASURE_H */
