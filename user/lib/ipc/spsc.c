// SPDX-License-Identifier: GPL-2.0
/* spsc.c - the single-producer single-consumer message ring. */
#include "spsc.h"

static struct ipc_spsc_slot *slot_at(const struct ipc_spsc_end *e, uint32_t index)
{
	return ipc_slot(e->q, &e->q->slots, index);
}

size_t ipc_spsc_data_bytes(uint32_t slot_size, uint32_t capacity)
{
	return ipc_slots_bytes(sizeof(struct ipc_spsc_slot), slot_size, capacity);
}

void ipc_spsc_format(struct ipc_spsc *q, uint32_t slot_size, uint32_t capacity, uint64_t data_off,
		     uint32_t start)
{
	ipc_slots_init(&q->slots, sizeof(struct ipc_spsc_slot), slot_size, capacity, data_off);
	atomic_init(&q->head, start);
	atomic_init(&q->tail, start);
}

void ipc_spsc_attach(struct ipc_spsc_end *e, struct ipc_spsc *q, int producer)
{
	e->q = q;
	if (producer) {
		/* Only this side writes head, so the relaxed value is the truth. */
		e->mine = atomic_load_explicit(&q->head, memory_order_relaxed);
		e->theirs = atomic_load_explicit(&q->tail, memory_order_acquire);
	} else {
		e->mine = atomic_load_explicit(&q->tail, memory_order_relaxed);
		e->theirs = atomic_load_explicit(&q->head, memory_order_acquire);
	}
}

void *ipc_spsc_reserve(struct ipc_spsc_end *e)
{
	if (e->mine - e->theirs == e->q->slots.capacity) {
		/* Pairs with the consumer's release of tail in ipc_spsc_release(). */
		e->theirs = atomic_load_explicit(&e->q->tail, memory_order_acquire);
		if (e->mine - e->theirs == e->q->slots.capacity)
			return NULL;
	}
	return slot_at(e, e->mine)->payload;
}

void ipc_spsc_publish(struct ipc_spsc_end *e, uint32_t len)
{
	slot_at(e, e->mine)->len = len;
	e->mine++;
	/* Pairs with the consumer's acquire of head in ipc_spsc_peek(). */
	atomic_store_explicit(&e->q->head, e->mine, memory_order_release);
}

const void *ipc_spsc_peek(struct ipc_spsc_end *e, uint32_t *len)
{
	struct ipc_spsc_slot *s;

	if (e->mine == e->theirs) {
		e->theirs = atomic_load_explicit(&e->q->head, memory_order_acquire);
		if (e->mine == e->theirs)
			return NULL;
	}
	s = slot_at(e, e->mine);
	*len = s->len;
	return s->payload;
}

void ipc_spsc_release(struct ipc_spsc_end *e)
{
	e->mine++;
	atomic_store_explicit(&e->q->tail, e->mine, memory_order_release);
}

uint32_t ipc_spsc_count(const struct ipc_spsc *q)
{
	return atomic_load_explicit(&q->head, memory_order_acquire) -
	       atomic_load_explicit(&q->tail, memory_order_acquire);
}
