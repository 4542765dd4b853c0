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

/* In the region, inside the ring header.  Written once by format. */
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

/* The slot free-running @index names, in the ring whose header is @ring. */
static inline void *ipc_slot(void *ring, const struct ipc_slots *s, uint32_t index)
{
	return (char *)ring + s->data_off + (size_t)(index & s->mask) * s->stride;
}

#endif /* MYMAP_IPC_SLOTS_H */
