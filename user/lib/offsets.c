// SPDX-License-Identifier: GPL-2.0
/*
 * offsets.c - how processes name memory in a shared heap: offsets from the
 * region's start, converted with a range check, and the root slots where
 * they publish the offsets of their shared structures.  No lock: the
 * conversions read only the handle, the slots are atomic words.
 */
#include <errno.h>

#include "error.h"
#include "heap.h"

mymap_off_t mymap_offset(const struct mymap_heap *heap, const void *ptr)
{
	uintptr_t p = (uintptr_t)ptr, base = (uintptr_t)heap->base;

	if (!ptr)
		return 0;
	if (p < base || p - base >= heap->region.size) {
		mm_fail(MYMAP_ERR_FOREIGN, EINVAL, "mymap_offset: %p is outside the region", ptr);
		return 0;
	}
	return p - base;
}

void *mymap_ptr(const struct mymap_heap *heap, mymap_off_t off, size_t len)
{
	if (!off)
		return NULL;
	if (off >= heap->region.size || len > heap->region.size - off) {
		mm_fail(MYMAP_ERR_FOREIGN, EINVAL,
			"mymap_ptr: %zu bytes at offset %#llx are outside the %zu-byte region", len,
			(unsigned long long)off, heap->region.size);
		return NULL;
	}
	return heap->base + off;
}

mymap_off_t mymap_root_get(const struct mymap_heap *heap, unsigned int slot)
{
	if (slot >= MYMAP_ROOT_SLOTS) {
		mm_fail(MYMAP_ERR_ARGUMENT, EINVAL, "mymap_root_get: no slot %u", slot);
		return 0;
	}
	return atomic_load(&heap->hdr->roots[slot]);
}

int mymap_root_cas(struct mymap_heap *heap, unsigned int slot, mymap_off_t *expected,
		   mymap_off_t desired)
{
	if (slot >= MYMAP_ROOT_SLOTS || !expected)
		return mm_fail(MYMAP_ERR_ARGUMENT, EINVAL, "mymap_root_cas: no slot %u", slot);
	if (atomic_compare_exchange_strong(&heap->hdr->roots[slot], expected, desired))
		return 0;
	errno = EAGAIN;
	return -1;
}
