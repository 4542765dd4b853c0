/* SPDX-License-Identifier: GPL-2.0 */
/*
 * counters.h - the heap's statistics counters (struct mm_counters in the
 * heap header), changed under the lock by the paths that hand out and
 * take back blocks; mymap_heap_stats() reads them.
 */
#ifndef MYMAP_COUNTERS_H
#define MYMAP_COUNTERS_H

#include <stdint.h>

#include "block.h"

/*
 * Adds @delta to the bytes in use.  Changed only under the lock, but read
 * without it when a cache slot serves a request (its peak, tcache.h): one
 * store the reader sees whole.
 */
static inline void mm_in_use_add(struct mm_counters *c, int64_t delta)
{
	__atomic_store_n(&c->in_use, c->in_use + (uint64_t)delta, __ATOMIC_RELAXED);
}

/*
 * Raises the peak to the bytes in use now, less @cached: the bytes the
 * calling thread's slot holds, which the counters still count as in use.
 */
static inline void mm_count_peak(struct mm_counters *c, uint64_t cached)
{
	uint64_t in_use = c->in_use - cached;

	if (in_use > c->peak_in_use)
		c->peak_in_use = in_use;
}

/* Counts a block of @used units handed out (@cached as for mm_count_peak). */
static inline void mm_count_alloc(struct mm_counters *c, uint32_t used, uint64_t cached)
{
	mm_in_use_add(c, (int64_t)mm_usable_of(used));
	mm_count_peak(c, cached);
	c->used_blocks++;
	c->alloc_count++;
}

#endif /* MYMAP_COUNTERS_H */
