// SPDX-License-Identifier: GPL-2.0
/* stream.c - the single-producer single-consumer byte ring. */
#include "stream.h"

#include <string.h>

void ipc_stream_format(struct ipc_stream *q, uint32_t capacity, uint64_t data_off, uint32_t start)
{
	q->capacity = capacity;
	q->mask = capacity - 1;
	q->data_off = data_off;
	atomic_init(&q->head, start);
	atomic_init(&q->tail, start);
}

void ipc_stream_attach(struct ipc_stream_end *e, struct ipc_stream *q, int writer)
{
	e->q = q;
	e->data = (unsigned char *)q + q->data_off;
	if (writer) {
		e->mine = atomic_load_explicit(&q->head, memory_order_relaxed);
		e->theirs = atomic_load_explicit(&q->tail, memory_order_acquire);
	} else {
		e->mine = atomic_load_explicit(&q->tail, memory_order_relaxed);
		e->theirs = atomic_load_explicit(&q->head, memory_order_acquire);
	}
}

static size_t min_size(size_t a, size_t b)
{
	return a < b ? a : b;
}

size_t ipc_stream_write(struct ipc_stream_end *e, const void *buf, size_t len)
{
	uint32_t cap = e->q->capacity, at, first;
	size_t n;

	if (cap - (e->mine - e->theirs) < min_size(len, cap))
		/* Pairs with the reader's release of tail. */
		e->theirs = atomic_load_explicit(&e->q->tail, memory_order_acquire);
	n = min_size(len, cap - (e->mine - e->theirs));
	if (!n)
		return 0;
	at = e->mine & e->q->mask;
	first = (uint32_t)min_size(n, cap - at);
	memcpy(e->data + at, buf, first);
	memcpy(e->data, (const unsigned char *)buf + first, n - first);
	e->mine += (uint32_t)n;
	/* Pairs with the reader's acquire of head. */
	atomic_store_explicit(&e->q->head, e->mine, memory_order_release);
	return n;
}

size_t ipc_stream_read(struct ipc_stream_end *e, void *buf, size_t len)
{
	uint32_t cap = e->q->capacity, at, first;
	size_t n;

	if (e->theirs - e->mine < min_size(len, cap))
		e->theirs = atomic_load_explicit(&e->q->head, memory_order_acquire);
	n = min_size(len, e->theirs - e->mine);
	if (!n)
		return 0;
	at = e->mine & e->q->mask;
	first = (uint32_t)min_size(n, cap - at);
	memcpy(buf, e->data + at, first);
	memcpy((unsigned char *)buf + first, e->data, n - first);
	e->mine += (uint32_t)n;
	atomic_store_explicit(&e->q->tail, e->mine, memory_order_release);
	return n;
}

uint32_t ipc_stream_count(const struct ipc_stream *q)
{
	return atomic_load_explicit(&q->head, memory_order_acquire) -
	       atomic_load_explicit(&q->tail, memory_order_acquire);
}
