// SPDX-License-Identifier: GPL-2.0
/* stream.c - the single-producer single-consumer byte ring. */
#include "stream.h"

#include <string.h>

#include "corrupt.h"

void ipc_stream_format(struct ipc_stream *q, uint32_t capacity, uint64_t data_off, uint32_t start)
{
	q->capacity = capacity;
	q->mask = capacity - 1;
	q->data_off = data_off;
	atomic_init(&q->head, start);
	atomic_init(&q->tail, start);
}

/* Is @head - @tail a fill level the ring can have?  0, or -EBADMSG naming both. */
static int check_fill(const struct ipc_stream_end *e, uint32_t head, uint32_t tail)
{
	if (head - tail <= e->capacity)
		return 0;
	if (tail - head <= e->capacity)
		return ipc_corrupt("stream tail 0x%x is ahead of head 0x%x", tail, head);
	return ipc_corrupt("stream head 0x%x is %u bytes ahead of tail 0x%x, capacity %u", head,
			   head - tail, tail, e->capacity);
}

int ipc_stream_attach(struct ipc_stream_end *e, struct ipc_stream *q, uint32_t capacity,
		      uint64_t data_off, int writer)
{
	uint32_t cap = IPC_READ_ONCE(q->capacity), mask = IPC_READ_ONCE(q->mask);
	uint64_t off = IPC_READ_ONCE(q->data_off);

	if (cap != capacity || mask != capacity - 1)
		return ipc_corrupt("stream capacity %u mask 0x%x, expected %u and 0x%x", cap, mask,
				   capacity, capacity - 1);
	if (off != data_off)
		return ipc_corrupt("stream data offset %llu, expected %llu",
				   (unsigned long long)off, (unsigned long long)data_off);
	e->q = q;
	e->data = (unsigned char *)q + data_off;
	e->capacity = capacity;
	if (writer) {
		e->mine = atomic_load_explicit(&q->head, memory_order_relaxed);
		e->theirs = atomic_load_explicit(&q->tail, memory_order_acquire);
		return check_fill(e, e->mine, e->theirs);
	}
	e->mine = atomic_load_explicit(&q->tail, memory_order_relaxed);
	e->theirs = atomic_load_explicit(&q->head, memory_order_acquire);
	return check_fill(e, e->theirs, e->mine);
}

static size_t min_size(size_t a, size_t b)
{
	return a < b ? a : b;
}

ssize_t ipc_stream_write(struct ipc_stream_end *e, const void *buf, size_t len)
{
	uint32_t cap = e->capacity, at, first;
	size_t n;

	if (cap - (e->mine - e->theirs) < min_size(len, cap)) {
		/* Pairs with the reader's release of tail. */
		uint32_t tail = atomic_load_explicit(&e->q->tail, memory_order_acquire);
		int err = check_fill(e, e->mine, tail);

		if (err)
			return err;
		e->theirs = tail;
	}
	n = min_size(len, cap - (e->mine - e->theirs));
	if (!n)
		return 0;
	at = e->mine & (cap - 1);
	first = (uint32_t)min_size(n, cap - at);
	memcpy(e->data + at, buf, first);
	memcpy(e->data, (const unsigned char *)buf + first, n - first);
	e->mine += (uint32_t)n;
	/* Pairs with the reader's acquire of head. */
	atomic_store_explicit(&e->q->head, e->mine, memory_order_release);
	return (ssize_t)n;
}

ssize_t ipc_stream_read(struct ipc_stream_end *e, void *buf, size_t len)
{
	uint32_t cap = e->capacity, at, first;
	size_t n;

	if (e->theirs - e->mine < min_size(len, cap)) {
		uint32_t head = atomic_load_explicit(&e->q->head, memory_order_acquire);
		int err = check_fill(e, head, e->mine);

		if (err)
			return err;
		e->theirs = head;
	}
	n = min_size(len, e->theirs - e->mine);
	if (!n)
		return 0;
	at = e->mine & (cap - 1);
	first = (uint32_t)min_size(n, cap - at);
	memcpy(buf, e->data + at, first);
	memcpy((unsigned char *)buf + first, e->data, n - first);
	e->mine += (uint32_t)n;
	atomic_store_explicit(&e->q->tail, e->mine, memory_order_release);
	return (ssize_t)n;
}

uint32_t ipc_stream_count(const struct ipc_stream *q)
{
	return atomic_load_explicit(&q->head, memory_order_acquire) -
	       atomic_load_explicit(&q->tail, memory_order_acquire);
}
