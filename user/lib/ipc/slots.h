/* SPDX-License-Identifier: GPL-2.0 */
/*
 * slots.h - the geometry of an array of equal slots behind a ring header,
 * shared by the message ring (spsc.h) and the MPMC queue (mpmc.h): each
 * slot is a header and a payload rounded up to whole cache lines, and a
 * free-running index picks slot index % capacity.
 */
#ifndef MYMAP_IPC_SLOTS_H
#define MYMAP_IPC_SLOTS_H

#include <stddef.h>
#include <stdint.h>

#include "align.h"
#include "corrupt.h"

/*
 * In the region, inside the ring header.  Written once by format, and
 * checked once at attach against the geometry the endpoint computes from
 * the channel's validated shape; the endpoint then addresses the slots
 * with its own copy only.
 */
struct ipc_slots {
	uint32_t payload;  /* bytes a slot carries */
	uint32_t stride;   /* bytes from one slot to the next */
	uint32_t capacity; /* slots, a power of two */
	uint32_t mask;	   /* capacity - 1 */
	uint64_t data_off; /* from the start of the ring header */
};

static inline uint32_t ipc_slots_stride(uint64_t header, uint32_t payload)
{
	return (uint32_t)ipc_align_up(header + payload, IPC_CACHE_LINE);
}

/* Bytes of @capacity slots of @header + @payload bytes. */
static inline size_t ipc_slots_bytes(uint64_t header, uint32_t payload, uint32_t capacity)
{
	return (size_t)ipc_slots_stride(header, payload) * capacity;
}

static inline void ipc_slots_init(struct ipc_slots *s, uint64_t header, uint32_t payload,
				  uint32_t capacity, uint64_t data_off)
{
	s->payload = payload;
	s->stride = ipc_slots_stride(header, payload);
	s->capacity = capacity;
	s->mask = capacity - 1;
	s->data_off = data_off;
}

/*
 * Does the geometry @shared, read from the region, match @expected?
 * 0, or -EBADMSG naming the first field that differs.
 */
static inline int ipc_slots_check(const struct ipc_slots *shared, const struct ipc_slots *expected)
{
	uint32_t payload = IPC_READ_ONCE(shared->payload), stride = IPC_READ_ONCE(shared->stride);
	uint32_t capacity = IPC_READ_ONCE(shared->capacity), mask = IPC_READ_ONCE(shared->mask);
	uint64_t data_off = IPC_READ_ONCE(shared->data_off);

	if (payload != expected->payload)
		return ipc_corrupt("ring slot payload %u, expected %u", payload, expected->payload);
	if (stride != expected->stride)
		return ipc_corrupt("ring slot stride %u, expected %u", stride, expected->stride);
	if (capacity != expected->capacity)
		return ipc_corrupt("ring capacity %u, expected %u", capacity, expected->capacity);
	if (mask != expected->mask)
		return ipc_corrupt("ring mask 0x%x, expected 0x%x", mask, expected->mask);
	if (data_off != expected->data_off)
		return ipc_corrupt("ring data offset %llu, expected %llu",
				   (unsigned long long)data_off,
				   (unsigned long long)expected->data_off);
	return 0;
}

/*
 * The slot free-running @index names, in the ring whose header is @ring,
 * by the endpoint's own copy @s of the geometry: always inside the slots.
 */
static inline void *ipc_slot(void *ring, const struct ipc_slots *s, uint32_t index)
{
	return (char *)ring + s->data_off + (size_t)(index & s->mask) * s->stride;
}

/*
 * A message's length word with its lap tag: bits 27-31 hold 16 + the
 * index's lap (index / capacity) modulo 16.  A slot whose word lacks the
 * tag of the index being read was not written for it (a stale lap, or
 * never written): an index moved by someone other than its owner.
 * Lengths are at most 64 MiB, 27 bits.  The word is stored with its
 * complement, so that damage to either one is seen: only a writer that
 * forges both (a message, then) gets a length through.
 */
#define IPC_LEN_BITS 27
#define IPC_LEN_MASK ((1u << IPC_LEN_BITS) - 1)

struct ipc_len {
	uint32_t word;	/* length | lap tag */
	uint32_t check; /* ~word */
};

static inline uint32_t ipc_lap_tag(uint32_t index, uint32_t lap_shift)
{
	return ((index >> lap_shift & 15u) | 16u) << IPC_LEN_BITS;
}

/* Stores @len for the slot of @index (before the store-release that publishes it). */
static inline void ipc_len_store(struct ipc_len *l, uint32_t len, uint32_t index,
				 uint32_t lap_shift)
{
	uint32_t word = len | ipc_lap_tag(index, lap_shift);

	l->word = word;
	l->check = ~word;
}

/*
 * The length stored for the slot of @index in *@len: 0, or -EBADMSG when
 * the word and its check disagree or the word lacks @index's tag
 * (@what and @slot name the slot in the message).
 */
static inline int ipc_len_load(const struct ipc_len *l, uint32_t index, uint32_t lap_shift,
			       uint32_t *len, const char *what, uint32_t slot)
{
	uint32_t word = IPC_READ_ONCE(l->word), check = IPC_READ_ONCE(l->check);
	uint32_t tag = ipc_lap_tag(index, lap_shift);

	if (check != ~word)
		return ipc_corrupt("%s %u (index 0x%x): length word 0x%08x and its check 0x%08x "
				   "disagree",
				   what, slot, index, word, check);
	if ((word & ~IPC_LEN_MASK) != tag)
		return ipc_corrupt("%s %u (index 0x%x) has tag 0x%x, expected 0x%x", what, slot,
				   index, word >> IPC_LEN_BITS, tag >> IPC_LEN_BITS);
	*len = word & IPC_LEN_MASK;
	return 0;
}

#endif /* MYMAP_IPC_SLOTS_H */
