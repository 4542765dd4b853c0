// SPDX-License-Identifier: GPL-2.0
/* spsc.c - the single-producer single-consumer message ring. */
#include "spsc.h"

/* Bytes of length header in front of each payload: none when the lengths lie apart. */
static uint32_t slot_header(uint32_t slot_size)
{
	return slot_size >= IPC_SPSC_LENS_APART ? 0 : (uint32_t)sizeof(struct ipc_spsc_slot);
}

static void *slot_at(const struct ipc_spsc_end *e, uint32_t index)
{
	return (char *)ipc_slot(e->q, &e->q->slots, index) + e->header;
}

static uint32_t *len_at(const struct ipc_spsc_end *e, uint32_t index)
{
	if (e->lens)
		return &e->lens[index & e->q->slots.mask];
	return &((struct ipc_spsc_slot *)ipc_slot(e->q, &e->q->slots, index))->len;
}

size_t ipc_spsc_data_bytes(uint32_t slot_size, uint32_t capacity)
{
	uint32_t header = slot_header(slot_size);
	size_t lens =
	    header ? 0 : ipc_align_up((uint64_t)capacity * sizeof(uint32_t), IPC_CACHE_LINE);

	return ipc_slots_bytes(header, slot_size, capacity) + lens;
}

void ipc_spsc_format(struct ipc_spsc *q, uint32_t slot_size, uint32_t capacity, uint64_t data_off,
		     uint32_t start)
{
	ipc_slots_init(&q->slots, slot_header(slot_size), slot_size, capacity, data_off);
	atomic_init(&q->head, start);
	atomic_init(&q->tail, start);
}

void ipc_spsc_attach(struct ipc_spsc_end *e, struct ipc_spsc *q, int producer)
{
	const struct ipc_slots *s = &q->slots;

	e->q = q;
	/* Derived from the slot geometry, as the slots themselves are. */
	e->header = slot_header(s->payload);
	e->lens = e->header
		      ? NULL
		      : (uint32_t *)((char *)q + s->data_off + (size_t)s->stride * s->capacity);
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
	return slot_at(e, e->mine);
}

void ipc_spsc_publish(struct ipc_spsc_end *e, uint32_t len)
{
	*len_at(e, e->mine) = len;
	e->mine++;
	/* Pairs with the consumer's acquire of head in ipc_spsc_peek(). */
	atomic_store_explicit(&e->q->head, e->mine, memory_order_release);
}

const void *ipc_spsc_peek(struct ipc_spsc_end *e, uint32_t *len)
{
	if (e->mine == e->theirs) {
		e->theirs = atomic_load_explicit(&e->q->head, memory_order_acquire);
		if (e->mine == e->theirs)
			return NULL;
	}
	*len = *len_at(e, e->mine);
	return slot_at(e, e->mine);
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
