// SPDX-License-Identifier: GPL-2.0
/* spsc.c - the single-producer single-consumer message ring. */
#include "spsc.h"

#include <errno.h>

/* Bytes of length header in front of each payload: none when the lengths lie apart. */
static uint32_t slot_header(uint32_t slot_size)
{
	return slot_size >= IPC_SPSC_LENS_APART ? 0 : (uint32_t)sizeof(struct ipc_spsc_slot);
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
	uint32_t header = slot_header(slot_size);
	struct ipc_spsc_end e = {
	    .data = (char *)q + data_off,
	    .stride = ipc_slots_stride(header, slot_size),
	    .mask = capacity - 1,
	};

	ipc_slots_init(&q->slots, header, slot_size, capacity, data_off);
	atomic_init(&q->head, start);
	atomic_init(&q->tail, start);
	/* No length left by earlier use of the memory may pass for a published one. */
	e.lens = header ? NULL : (struct ipc_len *)(e.data + (size_t)e.stride * capacity);
	for (uint32_t i = 0; i < capacity; i++)
		*ipc_spsc_len(&e, ipc_spsc_slot(&e, i), i) = (struct ipc_len){0, ~0u};
}

/* Is @head - @tail a fill level the ring can have?  0, or -EBADMSG naming both. */
static int check_fill(const struct ipc_spsc_end *e, uint32_t head, uint32_t tail)
{
	if (head - tail <= e->capacity)
		return 0;
	if (tail - head <= e->capacity)
		return ipc_corrupt("message ring tail 0x%x is ahead of head 0x%x", tail, head);
	return ipc_corrupt("message ring head 0x%x is %u slots ahead of tail 0x%x, capacity %u",
			   head, head - tail, tail, e->capacity);
}

int ipc_spsc_attach(struct ipc_spsc_end *e, struct ipc_spsc *q, uint32_t slot_size,
		    uint32_t capacity, uint64_t data_off, int producer)
{
	struct ipc_slots expected;
	int err;

	e->q = q;
	e->header = slot_header(slot_size);
	ipc_slots_init(&expected, e->header, slot_size, capacity, data_off);
	err = ipc_slots_check(&q->slots, &expected);
	if (err)
		return err;
	e->data = (char *)q + data_off;
	e->stride = expected.stride;
	e->mask = capacity - 1;
	e->capacity = capacity;
	e->lap_shift = (uint32_t)__builtin_ctz(capacity);
	e->lens = e->header ? NULL : (struct ipc_len *)(e->data + (size_t)e->stride * capacity);
	if (producer) {
		/* Only this side writes head, so the relaxed value is the truth. */
		e->mine = atomic_load_explicit(&q->head, memory_order_relaxed);
		e->theirs = atomic_load_explicit(&q->tail, memory_order_acquire);
		err = check_fill(e, e->mine, e->theirs);
	} else {
		e->mine = atomic_load_explicit(&q->tail, memory_order_relaxed);
		e->theirs = atomic_load_explicit(&q->head, memory_order_acquire);
		err = check_fill(e, e->theirs, e->mine);
	}
	e->tag = ipc_lap_tag(e->mine, e->lap_shift);
	return err;
}

int ipc_spsc_reload_tail(struct ipc_spsc_end *e)
{
	/* Pairs with the consumer's release of tail in ipc_spsc_release(). */
	uint32_t tail = atomic_load_explicit(&e->q->tail, memory_order_acquire);
	int err = check_fill(e, e->mine, tail);

	if (err)
		return err;
	e->theirs = tail;
	return e->mine - e->theirs == e->capacity ? -EAGAIN : 0;
}

int ipc_spsc_reload_head(struct ipc_spsc_end *e)
{
	/* Pairs with the producer's release of head in ipc_spsc_publish(). */
	uint32_t head = atomic_load_explicit(&e->q->head, memory_order_acquire);
	int err = check_fill(e, head, e->mine);

	if (err)
		return err;
	e->theirs = head;
	return e->mine == e->theirs ? -EAGAIN : 0;
}

int ipc_spsc_bad_len(const struct ipc_spsc_end *e, uint32_t word, uint32_t check)
{
	if (check != ~word)
		return ipc_corrupt("message ring slot %u (index 0x%x): length word 0x%08x and its "
				   "check 0x%08x disagree",
				   e->mine & e->mask, e->mine, word, check);
	return ipc_corrupt("message ring slot %u (index 0x%x) has tag 0x%x, expected 0x%x",
			   e->mine & e->mask, e->mine, word >> IPC_LEN_BITS,
			   e->tag >> IPC_LEN_BITS);
}

uint32_t ipc_spsc_count(const struct ipc_spsc *q)
{
	return atomic_load_explicit(&q->head, memory_order_acquire) -
	       atomic_load_explicit(&q->tail, memory_order_acquire);
}
