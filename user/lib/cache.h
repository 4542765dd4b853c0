/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cache.h - small freed blocks kept in the handle for the next request of
 * their size, on private heaps.
 *
 * A private heap (anon without MYMAP_SHARED, brk) in a process with a
 * single thread has exactly one user, so a freed block of up to 1 KiB can
 * wait in the handle instead of going back through the free lists, the
 * way glibc's tcache serves churn.  A cached block keeps its place in the
 * block chain with the state MM_CACHED: a second free of it is named, and
 * neighbours do not merge with it.  Statistics, heap checks, a request
 * that finds no free block, and the process starting a second thread
 * return every cached block to the heap first (mm_cache_flush), so nothing
 * outside the handle ever sees the cache.  Shared heaps, and private ones
 * once the process has threads, cache in slots of the heap header instead
 * (tcache.h): a block hidden in one handle would be lost to the others.
 * Like glibc's tcache, a free into the cache checks the block itself but
 * not its neighbours; mm_cache_flush() merges it, and reports damage
 * beside it then.
 */
#ifndef MYMAP_CACHE_H
#define MYMAP_CACHE_H

#include "heap.h"
#include "lock.h"

/* Returns every cached block to the heap; the caller holds the lock (alloc.c). */
void mm_cache_flush(struct mymap_heap *h);

/*
 * Under the lock, before statistics or a check: returns to the heap what
 * the handle's cache and the calling thread's slot hold, and the slots of
 * dead threads.  Live threads' slots stay.
 */
void mm_caches_return(struct mymap_heap *h);

/* Whether the cache may be used now: the heap has a single user, who wants it. */
static mm_inline bool mm_cache_usable(const struct mymap_heap *h)
{
	return h->own_cache && __libc_single_threaded; /* !mm_lock_needed(h) && !h->nocache */
}

/* Under the lock, in a multi-threaded process: empties what the cache held before. */
static mm_inline void mm_cache_drain(struct mymap_heap *h)
{
	if (mm_unlikely(h->cache.blocks) && mm_lock_needed(h))
		mm_cache_flush(h);
}

/*
 * Whether the cached block at @at is as the cache left it, canary
 * included: a block damaged while cached (a write after free) is dropped,
 * never handed out or returned to the heap.  Counted as damage if not.
 */
static mm_inline bool mm_cached_ok(struct mymap_heap *h, uint32_t at, uint32_t units)
{
	if (mm_likely(mm_cached_block_ok(h, at, units)))
		return true;
	atomic_fetch_add_explicit(&h->hdr->counters.integrity_errors, 1, memory_order_relaxed);
	return false;
}

/*
 * A cached block of exactly @units, made live again, or NULL; the caller
 * counts the allocation in the heap counters.
 */
static mm_inline void *mm_cache_pop(struct mymap_heap *h, uint32_t units)
{
	uint32_t bin = units - MM_MIN_UNITS;

	if (bin >= MM_CACHE_BINS || !h->cache.head[bin])
		return NULL;
	uint32_t at = h->cache.head[bin];

	/*
	 * A write after free can have changed a link: a list that leads to
	 * anything but an intact cached block of its size (canary included:
	 * data inside a live block can look like a header) is dropped, never
	 * followed.
	 */
	if (!mm_cached_ok(h, at, units)) {
		h->cache.blocks -= h->cache.count[bin];
		h->cache.count[bin] = 0;
		h->cache.head[bin] = 0;
		return NULL;
	}
	h->cache.head[bin] = mm_links_at(h, at)->next;
	h->cache.count[bin]--;
	h->cache.blocks--;
	mm_change_state(h, at, MM_CACHED, MM_USED);
	return mm_payload_at(h, at);
}

/* Caches the live block at @at if it is small and its bin has room. */
static mm_inline bool mm_cache_push(struct mymap_heap *h, uint32_t at)
{
	const struct mm_block *b = mm_block_at(h, at);
	uint32_t bin = b->size - MM_MIN_UNITS;
	struct mm_counters *c = &h->hdr->counters;

	if (bin >= MM_CACHE_BINS || h->cache.count[bin] == MM_CACHE_DEPTH)
		return false;
	mm_links_at(h, at)->next = h->cache.head[bin];
	h->cache.head[bin] = at;
	h->cache.count[bin]++;
	h->cache.blocks++;
	mm_change_state(h, at, MM_USED, MM_CACHED);
	mm_in_use_add(c, -(int64_t)mm_usable_of(b->size));
	c->used_blocks--;
	c->free_count++;
	return true;
}

#endif /* MYMAP_CACHE_H */
