/* SPDX-License-Identifier: GPL-2.0 */
/*
 * stream.h - a single-producer single-consumer byte stream: a ring of
 * bytes with no message boundaries, like a pipe.
 *
 * The same two free-running 32-bit indices as the message ring (spsc.h),
 * counting bytes instead of slots; capacity is a power of two no larger
 * than 2^31.  A write or read that crosses the end of the ring is split
 * in two copies.  The memory-ordering contract is spsc.h's: the bytes are
 * written before the store-release of head that the reader's load-acquire
 * sees, and read before the store-release of tail the writer's
 * load-acquire sees.  Never blocks; channel.c adds waiting.
 *
 * The region is untrusted: each side keeps the capacity, the data's place
 * and its own index privately, and checks the other side's index whenever
 * it loads it (0 <= head - tail <= capacity), so that no copy leaves the
 * ring.  Bytes a damaged index makes appear inside the ring cannot be
 * told from written ones: a stream has no boundaries to check.
 */
#ifndef MYMAP_IPC_STREAM_H
#define MYMAP_IPC_STREAM_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "align.h"

/* In the region.  The bytes follow at data_off from the start of this. */
struct ipc_stream {
	uint32_t capacity; /* bytes, a power of two */
	uint32_t mask;
	uint64_t data_off;
	IPC_KEPT_APART(_Atomic uint32_t, head, tail);
} __attribute__((aligned(64)));

/* One side's private view: nothing here is read from the region again. */
struct ipc_stream_end {
	struct ipc_stream *q;
	unsigned char *data;
	uint32_t capacity;
	uint32_t mine;
	uint32_t theirs;
};

/* Formats @q with @capacity bytes at @data_off after it; indices start at @start. */
void ipc_stream_format(struct ipc_stream *q, uint32_t capacity, uint64_t data_off, uint32_t start);

/*
 * Attaches as the writer (@writer != 0) or the reader to @q, formatted for
 * @capacity and @data_off.  0, or -EBADMSG when @q records another
 * geometry or head - tail is not within 0..capacity.
 */
int ipc_stream_attach(struct ipc_stream_end *e, struct ipc_stream *q, uint32_t capacity,
		      uint64_t data_off, int writer);

/*
 * Copies up to @len bytes in; returns how many fit (0 when full), or
 * -EBADMSG when tail is ahead of head or more than capacity behind it.
 */
ssize_t ipc_stream_write(struct ipc_stream_end *e, const void *buf, size_t len);

/*
 * Copies up to @len bytes out; returns how many there were (0 when empty),
 * or -EBADMSG when head is more than capacity ahead of tail or behind it.
 */
ssize_t ipc_stream_read(struct ipc_stream_end *e, void *buf, size_t len);

/* Bytes in the ring, as seen now. */
uint32_t ipc_stream_count(const struct ipc_stream *q);

#endif /* MYMAP_IPC_STREAM_H */
