// SPDX-License-Identifier: GPL-2.0
/*
 * stats.c - mymap_heap_stats(): the counters the allocator keeps, and the
 * largest free block.
 */
#include <errno.h>
#include <string.h>

#include "error.h"
#include "heap.h"
#include "lock.h"
#include "tcache.h"

/* The smallest block of class (@fl, @sl), in units (the inverse of
 * mm_class_of). */
static uint32_t class_min_units(unsigned int fl, unsigned int sl)
{
	if (fl == 0)
		return sl < MM_MIN_UNITS ? MM_MIN_UNITS : sl;
	return (MM_SL_COUNT + sl) << (fl - 1);
}

/*
 * The largest free block, in units: the biggest in the top non-empty
 * class, 0 if none.  The walk follows links another process can write, so
 * it is bounded by what the arena can hold, never by a counter in the
 * region: no more blocks of that class than fit between first and end.
 * Each step also checks the back link, which a cycle cannot keep
 * consistent.  Returns -1 (reported) if the list is damaged.
 */
static int64_t largest_free_units(struct mymap_heap *h)
{
	const struct mm_header *hdr = h->hdr;
	uint32_t best = 0, prev = 0;

	if (!hdr->fl_bitmap)
		return 0;
	unsigned int fl = 63u - (unsigned int)__builtin_clzll(hdr->fl_bitmap);

	if (fl >= MM_FL_COUNT || !hdr->sl_bitmap[fl])
		return mm_damaged(h, "mymap_heap_stats: free-list bitmaps", 0);
	unsigned int sl = mm_fls(hdr->sl_bitmap[fl]);

	if (sl >= MM_SL_COUNT)
		return mm_damaged(h, "mymap_heap_stats: free-list bitmaps", 0);
	uint64_t limit = (h->end - h->first) / class_min_units(fl, sl) + 1;
	uint32_t at = hdr->heads[fl][sl];

	for (; at && limit; limit--) {
		unsigned int bfl, bsl;

		if (!mm_free_block_ok(h, at) || mm_links_at(h, at)->prev != prev)
			break;
		uint32_t size = mm_block_at(h, at)->size;

		mm_class_of(size, &bfl, &bsl);
		if (bfl != fl || bsl != sl)
			break;
		if (size > best)
			best = size;
		prev = at;
		at = mm_links_at(h, at)->next;
	}
	if (at)
		return mm_damaged(h, "mymap_heap_stats: free list", at);
	return best;
}

int mymap_heap_stats(struct mymap_heap *heap, struct mymap_stats *out)
{
	if (!heap || !out)
		return mm_fail(MYMAP_ERR_ARGUMENT, EINVAL, "mymap_heap_stats: NULL argument");
	memset(out, 0, sizeof(*out));
	/* Dead owners' slots are found before the lock, reaped under it. */
	mm_tcache_probe(heap);
	if (mm_lock(heap) < 0)
		return -1;
	/*
	 * Cached blocks are free for every purpose but speed: count them as
	 * such.  This thread's own and dead threads' go back to the heap;
	 * those in live threads' slots are moved from in use to free here.
	 */
	struct mm_tcache_totals cached;

	mm_tcache_return(heap);
	mm_tcache_totals(heap, &cached);
	const struct mm_header *hdr = heap->hdr;
	const struct mm_counters *c = &hdr->counters;
	int64_t largest = largest_free_units(heap);
	int ret = largest < 0 ? -1 : 0;

	out->region_size = hdr->region_size;
	out->in_use = c->in_use - cached.bytes;
	out->free = c->free + cached.bytes;
	out->largest_free = largest > 0 ? mm_usable_of((uint32_t)largest) : 0;
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
	/* The unlock's wake may have changed errno. */
	if (ret < 0)
		errno = EUCLEAN;
	return ret;
}
