// SPDX-License-Identifier: GPL-2.0
/*
 * alloc.c - the paths of mymap_malloc(), mymap_free() and their kin: a
 * request is served by the calling thread's cache slot if it has one
 * (tcache.h), else under the heap lock by the TLSF core (tlsf.h), placed
 * on the large-block grid where that applies (grid.h).
 *
 * Every operation first checks every header and link it will follow or
 * change (canaries, sizes agreeing with neighbours, links leading to free
 * blocks), and only then changes anything, so damage is reported with the
 * heap as it was.
 */
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "heap.h"
#include "lock.h"
#include "tcache.h"

/* Units for a request of @size bytes: header plus payload, rounded up. */
static inline uint32_t units_for(size_t size)
{
	/* Beyond any region; below it, the units fit 32 bits. */
	if (mm_unlikely(size > MM_MAX_REGION - 2 * MM_UNIT))
		return UINT32_MAX;
	uint32_t units = (uint32_t)((size + 2 * MM_UNIT - 1) >> MM_UNIT_SHIFT);

	return units < MM_MIN_UNITS ? MM_MIN_UNITS : units;
}

__attribute__((cold)) int mm_damaged(struct mymap_heap *h, const char *what, uint32_t at)
{
	atomic_fetch_add_explicit(&h->hdr->counters.integrity_errors, 1, memory_order_relaxed);
	return mm_fail(MYMAP_ERR_CORRUPT, EUCLEAN,
		       "%s: block header or link at offset %#llx damaged", what,
		       (unsigned long long)at << MM_UNIT_SHIFT);
}

/* take_for_request(): nothing fits, but dead owners' slots may hold room: probe, then ask again. */
#define PROBE_FIRST (-2)

/*
 * mm_take_free_block() for a request: when nothing fits, the cached blocks go
 * back to the heap (where they may merge into a fit) - the calling
 * thread's slot's and the slots of owners found dead (mm_tcache_return) -
 * and the search runs once more.  If it still fails
 * and a look for dead owners is due (and @may_probe: not the request's
 * second try), PROBE_FIRST: the caller unlocks, probes (mm_tcache_probe
 * reads /proc, never under the lock) and asks again.  A request that
 * still fails is counted and reported.
 */
static mm_inline int64_t take_for_request(struct mymap_heap *h, uint32_t units, const char *what,
					  bool may_probe)
{
	int64_t at = mm_take_free_block(h, units, what);

	if (mm_likely(at != 0))
		return at;
	mm_tcache_return(h);
	at = mm_take_free_block(h, units, what);
	if (at != 0)
		return at;
	if (may_probe && mm_tcache_probe_due(h))
		return PROBE_FIRST;
	h->hdr->counters.failed_count++;
	mm_fail(MYMAP_ERR_NOMEM, ENOMEM, "%s: no free block of %llu bytes", what,
		(unsigned long long)mm_usable_of(units));
	return 0;
}

/*
 * Takes a free block for a request of @units (mm_grid_wanted) and says
 * where in it the block goes: on the grid if a free block has room for it
 * there, else tightly, like any other request (the grid never refuses a
 * request that fits).
 */
static int64_t take_for_grid(struct mymap_heap *h, uint32_t units, uint32_t *gap, uint32_t *used,
			     bool may_probe)
{
	int64_t at = mm_grid_take(h, units);

	if (at == 0)
		at = take_for_request(h, units, "mymap_malloc", may_probe);
	if (at > 0)
		mm_grid_fit(h, (uint32_t)at, units, gap, used);
	return at;
}

/*
 * Takes the lock for a call that changes the heap, and claims a cache
 * slot for the calling thread if it has none.  Returns 0, or -1 as
 * mm_lock().
 */
static mm_inline int lock_for_change(struct mymap_heap *h)
{
	bool claim = mm_tcache_wanted(h);

	if (mm_unlikely(claim))
		mm_tcache_before_claim(h); /* /proc is read only without the lock */
	if (mm_unlikely(mm_lock(h) < 0))
		return -1;
	if (mm_unlikely(claim))
		mm_tcache_claim(h);
	return 0;
}

/*
 * A request the caches could not serve, through the free lists; @may_probe
 * as for take_for_request().  Not inlined: the fast paths of
 * mymap_malloc() then need no registers saved.
 */
static __attribute__((noinline)) void *malloc_locked(struct mymap_heap *heap, uint32_t units,
						     bool may_probe)
{
	uint32_t gap = 0, used = units;
	int64_t at;
	void *p = NULL;

	if (mm_unlikely(lock_for_change(heap) < 0))
		return NULL;
	mm_tcache_consolidate(heap, units);
	if (mm_likely(!mm_grid_wanted(heap, units)))
		at = take_for_request(heap, units, "mymap_malloc", may_probe);
	else
		at = take_for_grid(heap, units, &gap, &used, may_probe);
	if (mm_likely(at > 0))
		p = mm_payload_at(
		    heap, mm_block_split(heap, (uint32_t)at, gap, used, mm_tcache_bytes(heap)));
	mm_unlock(heap);
	if (mm_unlikely(at == PROBE_FIRST)) {
		mm_tcache_probe(heap);
		return malloc_locked(heap, units, false);
	}
	return p;
}

/* malloc_slot() after it found its list damaged: drops it, then the free lists serve. */
static __attribute__((noinline, cold)) void *
malloc_slot_damaged(struct mymap_heap *heap, struct mm_tcache *slot, uint32_t units)
{
	mm_tcache_drop_list(heap, slot, units - MM_MIN_UNITS);
	return malloc_locked(heap, units, true);
}

/*
 * A request from the calling thread's @slot (@sole: mm_tcache_sole), every
 * way out a tail call: no register is saved.
 */
static mm_inline void *malloc_slot(struct mymap_heap *heap, struct mm_tcache *slot, uint32_t units,
				   bool sole)
{
	uint32_t at = mm_tcache_head(slot, units);

	if (mm_unlikely(!at))
		return malloc_locked(heap, units, true);
	if (mm_likely(mm_tcache_head_ok(heap, slot, units, at, sole)))
		return mm_tcache_take(heap, slot, units, at, sole);
	return malloc_slot_damaged(heap, slot, units);
}

/*
 * The fast paths of mymap_malloc(), one function each, reached and left by
 * tail calls: mymap_malloc() itself then saves no register, where holding
 * both paths it saved five on every call; mymap_free()'s likewise.  They,
 * mymap_malloc() and mymap_free() are marked hot, which puts them side by
 * side in .text.hot: a program's churn runs in one page of the library.
 */
static __attribute__((noinline, hot)) void *malloc_sole(struct mymap_heap *heap, uint32_t units)
{
	struct mm_tcache *slot = mm_tcache_solo(heap);

	return slot ? malloc_slot(heap, slot, units, true) : malloc_locked(heap, units, true);
}

static __attribute__((noinline, hot)) void *
malloc_shared_slot(struct mymap_heap *heap, struct mm_tcache *slot, uint32_t units)
{
	return malloc_slot(heap, slot, units, false);
}

__attribute__((hot)) void *mymap_malloc(struct mymap_heap *heap, size_t size)
{
	uint32_t units = units_for(size);
	struct mm_tcache *slot;

	if (mm_tcache_sole(heap))
		return malloc_sole(heap, units);
	slot = mm_tcache_owned(heap);
	return slot ? malloc_shared_slot(heap, slot, units) : malloc_locked(heap, units, true);
}

void *mymap_calloc(struct mymap_heap *heap, size_t n, size_t size)
{
	size_t bytes;

	if (__builtin_mul_overflow(n, size, &bytes)) {
		mm_fail(MYMAP_ERR_ARGUMENT, EINVAL, "mymap_calloc: %zu * %zu bytes overflows", n,
			size);
		return NULL;
	}
	void *p = mymap_malloc(heap, bytes);

	if (p)
		memset(p, 0, bytes);
	return p;
}

/* mymap_aligned_alloc() of a checked @alignment above a unit; @may_probe as for take_for_request().
 */
static void *aligned_locked(struct mymap_heap *heap, size_t alignment, size_t size, bool may_probe)
{
	uint32_t units = units_for(size);
	uint32_t align_units = (uint32_t)(alignment >> MM_UNIT_SHIFT);
	/* Room for the worst gap: just short of one alignment, plus a minimal free block. */
	uint32_t need = units > UINT32_MAX - align_units - MM_MIN_UNITS
			    ? UINT32_MAX
			    : units + align_units + MM_MIN_UNITS;
	void *p = NULL;

	if (lock_for_change(heap) < 0)
		return NULL;
	mm_tcache_consolidate(heap, need);
	int64_t found = take_for_request(heap, need, "mymap_aligned_alloc", may_probe);

	if (found > 0) {
		uint32_t at = (uint32_t)found;
		/* The payload starts one unit after the header: align that. */
		uint32_t payload = (at + 1 + align_units - 1) & ~(align_units - 1);
		uint32_t gap = payload - 1 - at;

		if (gap && gap < MM_MIN_UNITS)
			gap += align_units;
		p = mm_payload_at(heap,
				  mm_block_split(heap, at, gap, units, mm_tcache_bytes(heap)));
	}
	mm_unlock(heap);
	if (found == PROBE_FIRST) {
		mm_tcache_probe(heap);
		return aligned_locked(heap, alignment, size, false);
	}
	return p;
}

void *mymap_aligned_alloc(struct mymap_heap *heap, size_t alignment, size_t size)
{
	static size_t page_size;

	if (!page_size)
		page_size = (size_t)sysconf(_SC_PAGESIZE);
	if (alignment == 0 || (alignment & (alignment - 1)) || alignment > page_size) {
		mm_fail(MYMAP_ERR_ARGUMENT, EINVAL,
			"mymap_aligned_alloc: alignment %zu is not a power of two up to %zu",
			alignment, page_size);
		return NULL;
	}
	if (alignment <= MM_UNIT)
		return mymap_malloc(heap, size);
	return aligned_locked(heap, alignment, size, true);
}

/*
 * Whether @ptr can be a payload, inside the arena and on a unit boundary
 * (all that needs no lock), and if so the unit offset of its header.
 */
static mm_inline bool block_of(const struct mymap_heap *h, const void *ptr, uint32_t *at)
{
	uint64_t past = (uintptr_t)ptr - h->payloads; /* wraps below the first payload */

	*at = (uint32_t)h->first + (uint32_t)(past >> MM_UNIT_SHIFT);
	return mm_likely(past <= h->payload_span && !(past & (MM_UNIT - 1)));
}

/* Reports a pointer block_of() refused (counted as an integrity error); -1. */
static __attribute__((cold, noinline)) int bad_pointer(struct mymap_heap *h, const void *ptr,
						       const char *what)
{
	uintptr_t p = (uintptr_t)ptr, base = (uintptr_t)h->base;

	atomic_fetch_add_explicit(&h->hdr->counters.integrity_errors, 1, memory_order_relaxed);
	if (p < base + ((uint64_t)h->first << MM_UNIT_SHIFT) + MM_UNIT ||
	    p >= base + ((uint64_t)h->end << MM_UNIT_SHIFT))
		return mm_fail(MYMAP_ERR_FOREIGN, EINVAL, "%s: pointer %p is not in this heap",
			       what, ptr);
	return mm_fail(MYMAP_ERR_INTERIOR, EINVAL, "%s: offset %#llx is not the start of a block",
		       what, (unsigned long long)(p - base));
}

/* Reports why the header at @at is not a live block's. */
static __attribute__((cold, noinline)) int bad_block(struct mymap_heap *h, uint32_t at,
						     const char *what)
{
	uint32_t state = mm_state(mm_block_at(h, at));
	unsigned long long off = ((unsigned long long)at + 1) << MM_UNIT_SHIFT;
	enum mymap_error code;

	if (mm_block_ok(h, at)) {
		code = state == MM_FREE || state == MM_CACHED ? MYMAP_ERR_DOUBLE_FREE
							      : MYMAP_ERR_CORRUPT;
	} else if (state == MM_GONE) {
		/* Freed, then merged into a neighbour: its memory is not yet reused. */
		code = MYMAP_ERR_DOUBLE_FREE;
	} else {
		/* A header that still names a state was a block start and got damaged. */
		code =
		    state == MM_USED || state == MM_FREE ? MYMAP_ERR_CORRUPT : MYMAP_ERR_INTERIOR;
	}
	atomic_fetch_add_explicit(&h->hdr->counters.integrity_errors, 1, memory_order_relaxed);
	switch (code) {
	case MYMAP_ERR_DOUBLE_FREE:
		return mm_fail(code, EINVAL, "%s: block at offset %#llx is already free", what,
			       off);
	case MYMAP_ERR_INTERIOR:
		return mm_fail(code, EINVAL, "%s: offset %#llx is not the start of a block", what,
			       off);
	default:
		return mm_fail(code, EUCLEAN, "%s: header of the block at offset %#llx is damaged",
			       what, off);
	}
}

/* Whether the header at @at is intact and names a live block. */
static mm_inline bool is_live(struct mymap_heap *h, uint32_t at)
{
	return mm_block_is(h, at, MM_USED);
}

/* Under the lock: whether @at is a live block; reports why not. */
static mm_inline int used_block_ok(struct mymap_heap *h, uint32_t at, const char *what)
{
	if (mm_likely(is_live(h, at)))
		return 0;
	return bad_block(h, at, what);
}

int mm_free_locked(struct mymap_heap *h, uint32_t at)
{
	struct mm_neighbours n;
	struct mm_block *b = mm_block_at(h, at);
	struct mm_counters *c = &h->hdr->counters;

	/*
	 * Claimed first: a cache push without the lock may free the same block
	 * at this moment, and one of the two wins.  Damage beside it gives it
	 * back, allocated.
	 */
	uint32_t size = b->size, prev = b->prev; /* only lock holders change them */

	if (mm_unlikely(!mm_block_claim(h, at, size, false)))
		return bad_block(h, at, "mymap_free");
	if (mm_unlikely(mm_free_neighbours(h, at, &n, "mymap_free") < 0)) {
		mm_change_state(h, at, MM_CACHED, MM_USED);
		return -1;
	}
	mm_block_merge(h, at, size, prev, &n);
	mm_in_use_add(c, -(int64_t)mm_usable_of(size));
	c->used_blocks--;
	c->free_count++;
	return 0;
}

/* Frees the block at @at through the free lists, under the lock (not inlined: see malloc_locked).
 */
static __attribute__((noinline)) int free_locked(struct mymap_heap *h, uint32_t at)
{
	int ret;

	if (mm_unlikely(lock_for_change(h) < 0))
		return -1;
	ret = mm_free_locked(h, at);
	mm_unlock(h);
	return ret;
}

/* The fast paths of mymap_free(), apart as mymap_malloc()'s (malloc_sole). */
static __attribute__((noinline, hot)) int free_sole(struct mymap_heap *heap, uint32_t at)
{
	struct mm_tcache *slot = mm_tcache_solo(heap);

	if (slot && mm_tcache_push(heap, slot, at, true, false))
		return 0;
	return free_locked(heap, at);
}

static __attribute__((noinline, hot)) int free_shared_slot(struct mymap_heap *heap,
							   struct mm_tcache *slot, uint32_t at)
{
	if (mm_tcache_push(heap, slot, at, false, false))
		return 0;
	return free_locked(heap, at);
}

__attribute__((hot)) int mymap_free(struct mymap_heap *heap, void *ptr)
{
	uint32_t at = 0;
	struct mm_tcache *slot;

	/* NULL is below the first payload: block_of() refuses it too. */
	if (mm_unlikely(!block_of(heap, ptr, &at)))
		return ptr ? bad_pointer(heap, ptr, "mymap_free") : 0;
	if (mm_tcache_sole(heap))
		return free_sole(heap, at);
	slot = mm_tcache_owned(heap);
	return slot ? free_shared_slot(heap, slot, at) : free_locked(heap, at);
}

size_t mymap_usable_size(struct mymap_heap *heap, const void *ptr)
{
	uint32_t at = 0;
	size_t size = 0;

	if (mm_unlikely(!block_of(heap, ptr, &at))) {
		bad_pointer(heap, ptr, "mymap_usable_size");
		return 0;
	}
	if (mm_lock(heap) < 0)
		return 0;
	if (used_block_ok(heap, at, "mymap_usable_size") == 0)
		size = mm_usable_of(mm_block_at(heap, at)->size);
	mm_unlock(heap);
	return size;
}

/* Already the right size for @units, to within a block too small to split off. */
static inline bool fits_already(uint32_t have, uint32_t units)
{
	return units <= have && have - units < MM_MIN_UNITS;
}

/*
 * Resizes used block @at to @units without moving it, taking in a free
 * next neighbour when that helps.  Returns 1 if done, 0 if there is no
 * room, -1 (reported) if damage was found.
 */
static int resize_in_place(struct mymap_heap *h, uint32_t at, uint32_t units)
{
	struct mm_neighbours n;
	struct mm_block *b = mm_block_at(h, at);
	struct mm_counters *c = &h->hdr->counters;
	struct mm_tx tx;

	if (mm_free_neighbours(h, at, &n, "mymap_realloc") < 0)
		return -1;
	uint32_t size = b->size, prev = b->prev;
	uint32_t avail = size + n.next_size;

	if (units > avail)
		return 0;
	/* A large block ends on a grid line if there is room to (see mm_grid_place). */
	uint64_t want = mm_grid_units(h, at, units);

	units = want < avail ? (uint32_t)want : avail;
	if (units == size)
		return 1; /* already that size: nothing to write */
	/* Shrinking by less than a minimal block with nothing to merge: keep it. */
	if (!n.next_size && size - units < MM_MIN_UNITS)
		return 1;
	uint32_t used = avail - units >= MM_MIN_UNITS ? units : avail;
	uint32_t rest = avail - used;

	if (n.next_size)
		mm_list_remove(h, n.next_at, n.next_size);
	mm_tx_begin(h, &tx);
	mm_tx_put(h, &tx, at, used, prev, MM_USED);
	if (n.next_size && n.next_at != at + used)
		mm_tx_put_gone(h, &tx, n.next_at);
	if (rest)
		mm_tx_put(h, &tx, at + used, rest, used, MM_FREE);
	if (n.follow < h->end)
		mm_tx_put_prev(h, &tx, n.follow, rest ? rest : used);
	mm_tx_commit(h, &tx);
	if (rest)
		mm_list_insert(h, at + used, rest);

	mm_in_use_add(c, (int64_t)mm_usable_of(used) - (int64_t)mm_usable_of(size));
	mm_count_peak(c, mm_tcache_bytes(h));
	c->free = c->free - (n.next_size ? mm_usable_of(n.next_size) : 0) +
		  (rest ? mm_usable_of(rest) : 0);
	c->free_blocks = c->free_blocks - (n.next_size != 0) + (rest != 0);
	return 1;
}

/*
 * The copies below are memmove(), as fast as memcpy() in glibc: a header
 * a peer forged (canary included) can make the new block overlap the old
 * one, which must stay a defined copy inside the region.
 */
/*
 * A realloc served from the cache whose old block could not be freed (the
 * lock kept by a live process): the new block @q goes back where it came
 * from, which has room for it again, and the caller keeps the old one.
 */
static __attribute__((cold, noinline)) void *
realloc_undo(struct mymap_heap *heap, struct mm_tcache *slot, bool sole, void *q)
{
	uint32_t q_at = 0;

	if (block_of(heap, q, &q_at))
		mm_tcache_push(heap, slot, q_at, sole, true);
	errno = ETIMEDOUT;
	return NULL;
}

void *mymap_realloc(struct mymap_heap *heap, void *ptr, size_t size)
{
	uint32_t at = 0, units = units_for(size);
	uint64_t old_usable = 0;
	int done;

	if (!ptr)
		return mymap_malloc(heap, size);
	if (mm_unlikely(!block_of(heap, ptr, &at))) {
		bad_pointer(heap, ptr, "mymap_realloc");
		return NULL;
	}
	/*
	 * With a cache slot: a block that already fits stays, and a cached
	 * block of the new size takes the contents, with no lock taken and no
	 * neighbour looked at.
	 */
	bool sole;
	struct mm_tcache *slot = mm_tcache_mine(heap, &sole);

	if (slot && is_live(heap, at)) {
		uint32_t have = mm_block_at(heap, at)->size;

		if (fits_already(have, units))
			return ptr;
		void *q = mm_tcache_pop(heap, slot, units, sole);

		if (q) {
			memmove(q, ptr, mm_usable_of(have) < size ? mm_usable_of(have) : size);
			/* Still live: checked above, and only this thread changes it now. */
			if (mm_tcache_push(heap, slot, at, sole, true) ||
			    free_locked(heap, at) == 0 || errno != ETIMEDOUT)
				return q;
			return realloc_undo(heap, slot, sole, q);
		}
	}
	if (mm_lock(heap) < 0)
		return NULL;
	done = used_block_ok(heap, at, "mymap_realloc");
	if (done == 0) {
		uint32_t have = mm_block_at(heap, at)->size;

		old_usable = mm_usable_of(have);
		if (fits_already(have, units))
			done = 1;
		else
			done = resize_in_place(heap, at, units);
	}
	mm_unlock(heap);
	if (done)
		return done > 0 ? ptr : NULL;

	void *q = mymap_malloc(heap, size);

	if (!q)
		return NULL;
	memmove(q, ptr, old_usable < size ? old_usable : size);
	if (mymap_free(heap, ptr) < 0 && errno == ETIMEDOUT) {
		/* The old block stays the caller's: give the new one back. */
		mymap_free(heap, q);
		errno = ETIMEDOUT;
		return NULL;
	}
	return q;
}
