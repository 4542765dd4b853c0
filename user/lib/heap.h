/* SPDX-License-Identifier: GPL-2.0 */
/*
 * heap.h - what every part of the allocator shares: the handle
 * (handle.h), the block header (block.h), the journal (journal.h), the
 * TLSF core (tlsf.h) and the large-block grid (grid.h), and the entry
 * points between the allocator's files.
 */
#ifndef MYMAP_HEAP_H
#define MYMAP_HEAP_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "block.h"
#include "counters.h"
#include "grid.h"
#include "handle.h"
#include "journal.h"
#include "tlsf.h"

/* Frees used block @at; the caller holds the lock (alloc.c). */
int mm_free_locked(struct mymap_heap *h, uint32_t at);

/*
 * Recovery after the lock was taken over from @dead, a dead process:
 * replay, rebuild the lists, return its threads' cache slots (check.c).
 */
void mm_recover(struct mymap_heap *h, uint64_t dead);

/* Formats the region of @h (heap.c, also used by tests). */
void mm_format(struct mymap_heap *h);

#endif /* MYMAP_HEAP_H */
