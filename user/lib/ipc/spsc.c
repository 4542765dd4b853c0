// SPDX-License-Identifier: GPL-2.0
/* spsc.c - the single-producer single-consumer message ring. */
#include "spsc.h"

#include <errno.h>

/* Bytes of length header in front of each payload: none when the lengths lie apart. */
static uint32_t slot_header(uint32_t slot_size)
{
	return slot_size >= IPC_SPSC_LENS_APART ? 0 : (uint32_t)sizeof(struct ipc_spsc_slot);
}

static void *slot_at(const struct ipc_spsc_end *e, uint32_t index)
{
	return (char *)ipc_slot(e->q, &e->slots, index) + e->header;
}

static struct ipc_len *len_at(const struct ipc_spsc_end *e, uint32_t index)
{
	if (e->lens)
		return &e->lens[index & e->slots.mask];
	return &((struct ipc_spsc_slot *)ipc_slot(e->q, &e->slots, index))->len;
}

size_t ipc_spsc_data_bytes(uint32_t slot_size, uint32_t capacity)
{
	uint32_t header = slot_header(slot_size);
	size_t lens =
	    header ? 0 : ipc_align_up((uint64_t)capacity * sizeof(struct ipc_len), IPC_CACHE_LINE);

	return ipc_slots_bytes(header, slot_size, capacity) + lens;
}

void ipc_spsc_format(struct ipc_spsc *q, uint32_t slot_size, uint32_t capacity, uint64_t data_off,
		     uint32_t start)
{
	struct ipc_spsc_end e;

	ipc_slots_init(&q->slots, slot_header(slot_size), slot_size, capacity, data_off);
	atomic_init(&q->head, start);
	atomic_init(&q->tail, start);
	/* No length left by earlier use of the memory may pass for a published one. */
	e.q = q;
	e.slots = q->slots;
	e.header = slot_header(slot_size);
	e.lens = e.header
		     ? NULL
		     : (struct ipc_len *)((char *)q + data_off + (size_t)e.slots.stride * capacity);
	for (uint32_t i = 0; i < capacity; i++)
		*len_at(&e, i) = (struct ipc_len){0, ~0u};
}

/* Is @head - @tail a fill level the ring can have?  0, or -EBADMSG naming both. */
static int check_fill(const struct ipc_spsc_end *e, uint32_t head, uint32_t tail)
{
	if (head - tail <= e->slots.capacity)
		return 0;
	if (tail - head <= e->slots.capacity)
		return ipc_corrupt("message ring tail 0x%x is ahead of head 0x%x", tail, head);
	return ipc_corrupt("message ring head 0x%x is %u slots ahead of tail 0x%x, capacity %u",
			   head, head - tail, tail, e->slots.capacity);
}

int ipc_spsc_attach(struct ipc_spsc_end *e, struct ipc_spsc *q, uint32_t slot_size,
		    uint32_t capacity, uint64_t data_off, int producer)
{
	int err;

	e->q = q;
	e->header = slot_header(slot_size);
	ipc_slots_init(&e->slots, e->header, slot_size, capacity, data_off);
	err = ipc_slots_check(&q->slots, &e->slots);
	if (err)
		return err;
	e->lap_shift = (uint32_t)__builtin_ctz(capacity);
	e->lens =
	    e->header
		? NULL
		: (struct ipc_len *)((char *)q + data_off + (size_t)e->slots.stride * capacity);
	if (producer) {
		e->mine = atomic_load_explicit(&q->head, memory_order_relaxed);
		e->theirs = atomic_load_explicit(&q->tail, memory_order_acquire);
		return check_fill(e, e->mine, e->theirs);
	}
	e->mine = atomic_load_explicit(&q->tail, memory_order_relaxed);
	e->theirs = atomic_load_explicit(&q->head, memory_order_acquire);
	return check_fill(e, e->theirs, e->mine);
}

int ipc_spsc_reserve(struct ipc_spsc_end *e, void **slot)
{
	if (e->mine - e->theirs == e->slots.capacity) {
		/* Pairs with the consumer's release of tail in ipc_spsc_release(). */
		uint32_t tail = atomic_load_explicit(&e->q->tail, memory_order_acquire);
		int err = check_fill(e, e->mine, tail);

		if (err)
			return err;
		e->theirs = tail;
		if (e->mine - e->theirs == e->slots.capacity)
			return -EAGAIN;
	}
	*slot = slot_at(e, e->mine);
	return 0;
}

void ipc_spsc_publish(struct ipc_spsc_end *e, uint32_t len)
{
	ipc_len_store(len_at(e, e->mine), len, e->mine, e->lap_shift);
	e->mine++;
	/* Pairs with the consumer's acquire of head in ipc_spsc_peek(). */
	atomic_store_explicit(&e->q->head, e->mine, memory_order_release);
}

int ipc_spsc_peek(struct ipc_spsc_end *e, const void **slot, uint32_t *len)
{
	int err;

	if (e->mine == e->theirs) {
		uint32_t head = atomic_load_explicit(&e->q->head, memory_order_acquire);

		err = check_fill(e, head, e->mine);
		if (err)
			return err;
		e->theirs = head;
		if (e->mine == e->theirs)
			return -EAGAIN;
	}
	err = ipc_len_load(len_at(e, e->mine), e->mine, e->lap_shift, len, "message ring slot",
			   e->mine & e->slots.mask);
	if (err)
		return err;
	*slot = slot_at(e, e->mine);
	return 0;
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
