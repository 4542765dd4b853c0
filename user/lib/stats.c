// SPDX-License-Identifier: GPL-2.0
/*
 * stats.c - mymap_heap_stats(): the counters the allocator keeps, and the
 * largest free block.
 */
#include <string.h>

#include "error.h"
#include "heap.h"
#include "cache.h"
#include "lock.h"
#include "pcache.h"

/* The largest free block, in units: the biggest in the top non-empty class. */
static uint32_t largest_free_units(struct mymap_heap *h)
{
	const struct mm_header *hdr = h->hdr;
	uint64_t limit = hdr->counters.free_blocks;
	uint32_t best = 0;

	if (!hdr->fl_bitmap)
		return 0;
	unsigned int fl = 63u - (unsigned int)__builtin_clzll(hdr->fl_bitmap);

	if (fl >= MM_FL_COUNT || !hdr->sl_bitmap[fl])
		return 0;
	unsigned int sl = mm_fls(hdr->sl_bitmap[fl]);

	if (sl >= MM_SL_COUNT)
		return 0;
	for (uint32_t at = hdr->heads[fl][sl]; at && limit; limit--) {
		if (!mm_free_block_ok(h, at))
			break;
		if (mm_block_at(h, at)->size > best)
			best = mm_block_at(h, at)->size;
		at = mm_links_at(h, at)->next;
	}
	return best;
}

int mymap_heap_stats(struct mymap_heap *heap, struct mymap_stats *out)
{
	if (!heap || !out)
		return mm_fail(MYMAP_ERR_ARGUMENT, EINVAL, "mymap_heap_stats: NULL argument");
	memset(out, 0, sizeof(*out));
	mm_lock(heap);
	/*
	 * Cached blocks are free for every purpose but speed: count them as
	 * such.  This thread's own and dead threads' go back to the heap;
	 * those in live threads' slots are moved from in use to free here.
	 */
	struct mm_pcache_totals cached;

	mm_caches_return(heap);
	mm_pcache_totals(heap, &cached);
	const struct mm_header *hdr = heap->hdr;
	const struct mm_counters *c = &hdr->counters;
	uint32_t largest = largest_free_units(heap);

	out->region_size = hdr->region_size;
	out->in_use = c->in_use - cached.bytes;
	out->free = c->free + cached.bytes;
	out->largest_free = largest ? mm_usable_of(largest) : 0;
	out->peak_in_use = c->peak_in_use > cached.peak ? c->peak_in_use : cached.peak;
	out->used_blocks = c->used_blocks - cached.blocks;
	out->free_blocks = c->free_blocks + cached.blocks;
	out->alloc_count = c->alloc_count + cached.allocs;
	out->free_count = c->free_count + cached.frees;
	out->failed_count = c->failed_count;
	out->integrity_errors = atomic_load(&c->integrity_errors);
	out->recoveries = c->recoveries;
	out->generation = hdr->generation;
	mm_unlock(heap);
	out->fragmentation = out->free ? 1.0 - (double)out->largest_free / (double)out->free : 0.0;
	return 0;
}
