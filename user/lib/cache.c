// SPDX-License-Identifier: GPL-2.0
/*
 * cache.c - returning cached blocks to the heap: the handle's cache
 * (cache.h), and with it the calling thread's slot and dead owners' slots
 * (tcache.h), for a caller about to look at the whole heap or to refuse a
 * request.
 */
#include "cache.h"
#include "tcache.h"

void mm_cache_flush(struct mymap_heap *h)
{
	struct mm_counters *c = &h->hdr->counters;

	for (unsigned int bin = 0; bin < MM_CACHE_BINS; bin++) {
		uint32_t at = h->cache.head[bin];

		for (; h->cache.count[bin]; h->cache.count[bin]--) {
			/* A damaged list is dropped at the damage, as in mm_cache_pop(). */
			if (!mm_cached_ok(h, at, bin + MM_MIN_UNITS))
				break;
			uint32_t next = mm_links_at(h, at)->next;

			mm_change_state(h, at, MM_CACHED, MM_USED);
			mm_in_use_add(c, (int64_t)mm_usable_of(mm_block_at(h, at)->size));
			c->used_blocks++;
			/*
			 * The cache counted the free already: a merge counts it again.
			 * A merge refused (damage beside the block) leaves the block
			 * allocated, and the count as the caller saw it.
			 */
			if (mm_free_locked(h, at) == 0)
				c->free_count--;
			at = next;
		}
		h->cache.count[bin] = 0;
		h->cache.head[bin] = 0;
	}
	h->cache.blocks = 0;
}

void mm_caches_return(struct mymap_heap *h)
{
	if (h->cache.blocks)
		mm_cache_flush(h);
	mm_tcache_flush(h);
	mm_tcache_reap(h);
}
