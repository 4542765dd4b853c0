// SPDX-License-Identifier: GPL-2.0
/* pubsub.c - one publisher, subscribers with cursors of their own (see pubsub.h). */
#include "pubsub.h"

#include <errno.h>

static uint64_t seq_writing(uint32_t index)
{
	return (uint64_t)index * 2 + 1;
}

static uint64_t seq_whole(uint32_t index)
{
	return (uint64_t)index * 2 + 2;
}

static uint64_t header_bytes(void)
{
	return ipc_align_up(sizeof(struct ipc_pubsub), IPC_CACHE_LINE);
}

size_t ipc_pubsub_bytes(uint32_t payload, uint32_t capacity)
{
	return header_bytes() + ipc_slots_bytes(sizeof(struct ipc_pubsub_slot), payload, capacity);
}

void ipc_pubsub_format(struct ipc_pubsub *q, uint32_t payload, uint32_t capacity, uint32_t start)
{
	ipc_slots_init(&q->slots, sizeof(struct ipc_pubsub_slot), payload, capacity,
		       header_bytes());
	for (uint32_t i = 0; i < capacity; i++) {
		struct ipc_pubsub_slot *s = ipc_slot(q, &q->slots, i);

		/* No index's whole value: nothing was ever published here. */
		atomic_store_explicit(&s->seq, 0, memory_order_relaxed);
		atomic_store_explicit(&s->len, 0, memory_order_relaxed);
		atomic_store_explicit(&s->check, ~0u, memory_order_relaxed);
	}
	atomic_store_explicit(&q->head, start, memory_order_release);
}

int ipc_pubsub_attach(struct ipc_pubsub_end *e, struct ipc_pubsub *q, uint32_t payload,
		      uint32_t capacity)
{
	int err;

	ipc_slots_init(&e->geo, sizeof(struct ipc_pubsub_slot), payload, capacity, header_bytes());
	err = ipc_slots_check(&q->slots, &e->geo);
	if (err)
		return err;
	e->q = q;
	e->index = atomic_load_explicit(&q->head, memory_order_acquire);
	e->lost = 0;
	return 0;
}

static struct ipc_pubsub_slot *slot_of(struct ipc_pubsub_end *e, uint32_t index)
{
	return ipc_slot(e->q, &e->geo, index);
}

void *ipc_pubsub_begin(struct ipc_pubsub_end *e)
{
	struct ipc_pubsub_slot *s = slot_of(e, e->index);

	atomic_store_explicit(&s->seq, seq_writing(e->index), memory_order_relaxed);
	/* Orders the odd mark before the payload's writes (the readers' fence pairs). */
	atomic_thread_fence(memory_order_release);
	return s + 1;
}

void ipc_pubsub_publish(struct ipc_pubsub_end *e, uint32_t len)
{
	struct ipc_pubsub_slot *s = slot_of(e, e->index);

	atomic_store_explicit(&s->len, len, memory_order_relaxed);
	atomic_store_explicit(&s->check, ~len, memory_order_relaxed);
	atomic_store_explicit(&s->seq, seq_whole(e->index), memory_order_release);
	e->index++;
	atomic_store_explicit(&e->q->head, e->index, memory_order_release);
}

/* Head as seen now, checked against the cursor: -EBADMSG when behind it. */
static int load_head(struct ipc_pubsub_end *e, uint32_t *head)
{
	uint32_t h = atomic_load_explicit(&e->q->head, memory_order_acquire);

	if (h - e->index > UINT32_MAX / 2)
		return ipc_corrupt("publish/subscribe head 0x%x is behind the cursor 0x%x", h,
				   e->index);
	*head = h;
	return 0;
}

/* A slot's length over the payload, or not matching its check: -EBADMSG naming them. */
static __attribute__((cold)) int bad_len(const struct ipc_pubsub_end *e, uint32_t len,
					 uint32_t check)
{
	uint32_t index = e->index - 1;

	if (len > e->geo.payload)
		return ipc_corrupt("publish/subscribe slot %u (index 0x%x): length %u over the "
				   "payload %u",
				   index & e->geo.mask, index, len, e->geo.payload);
	return ipc_corrupt("publish/subscribe slot %u (index 0x%x): length %u does not match "
			   "its check 0x%x",
			   index & e->geo.mask, index, len, check);
}

int ipc_pubsub_peek(struct ipc_pubsub_end *e, const void **data, uint32_t *len, uint64_t *seq)
{
	uint32_t head = e->index;
	int err = load_head(e, &head);

	if (err)
		return err;
	/* A lap behind: the oldest messages are overwritten already. */
	if (head - e->index > e->geo.capacity) {
		e->lost += head - e->index - e->geo.capacity;
		e->index = head - e->geo.capacity;
	}
	/* At most a lap of slots to look at: each is taken or counted lost. */
	for (uint32_t n = 0; n <= e->geo.capacity && e->index != head; n++) {
		struct ipc_pubsub_slot *s = slot_of(e, e->index);
		uint64_t got = atomic_load_explicit(&s->seq, memory_order_acquire);
		uint32_t l = atomic_load_explicit(&s->len, memory_order_relaxed);
		uint32_t check = atomic_load_explicit(&s->check, memory_order_relaxed);

		if (got != seq_whole(e->index)) {
			/* Overwritten by a later lap (or damaged): never delivered. */
			e->lost++;
			e->index++;
			continue;
		}
		if (l > e->geo.payload || check != ~l) {
			/* A later lap's publisher rewriting them is no damage: lost. */
			atomic_thread_fence(memory_order_acquire);
			e->lost++;
			e->index++;
			if (atomic_load_explicit(&s->seq, memory_order_relaxed) != got)
				continue;
			return bad_len(e, l, check);
		}
		*data = s + 1;
		*len = l;
		*seq = got;
		return 0;
	}
	return -EAGAIN;
}

bool ipc_pubsub_still_valid(struct ipc_pubsub_end *e, uint64_t seq)
{
	struct ipc_pubsub_slot *s = slot_of(e, e->index);
	uint64_t now;

	/* Orders the reads of the payload before the second look (seqlock). */
	atomic_thread_fence(memory_order_acquire);
	now = atomic_load_explicit(&s->seq, memory_order_relaxed);
	e->index++;
	if (now == seq && seq == seq_whole(e->index - 1))
		return true;
	e->lost++;
	return false;
}

uint32_t ipc_pubsub_pending(const struct ipc_pubsub_end *e)
{
	uint32_t n = atomic_load_explicit(&e->q->head, memory_order_acquire) - e->index;

	return n > e->geo.capacity ? e->geo.capacity : n;
}
