/* SPDX-License-Identifier: GPL-2.0 */
/*
 * heap.h - the process-local handle and the helpers every part of the
 * allocator shares: reaching blocks by unit offset, their canaries, the
 * journal that makes header changes survive a dying lock holder, and the
 * segregated free lists.
 */
#ifndef MYMAP_HEAP_H
#define MYMAP_HEAP_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "layout.h"
#include "region.h"
#include "wait.h"

#define mm_likely(x)   __builtin_expect(!!(x), 1)
#define mm_unlikely(x) __builtin_expect(!!(x), 0)
#define mm_inline      inline __attribute__((always_inline))

/*
 * struct mymap_heap - one process's view of a heap.
 * @base:   the region in this process (the heap header is at @base).
 * @hdr:    the same address, typed.
 * @salt:   hdr->salt folded to the canary's 32 bits (constant after format).
 * @first:  copy of hdr->first.
 * @end:    copy of hdr->end.
 * (@first and @end are 64-bit here although they fit 32 bits: header
 * writes are 32-bit stores, which C's aliasing rules then cannot confuse
 * with these fields, so the compiler keeps them in registers.)
 * @region: the backend's mapping.
 * @sleep:  how to sleep on words of the region (wait.h): the heap lock's
 *          waiters and mymap_wait().
 * @cache:  small freed blocks kept for reuse (private heaps, cache.h).
 * @serial: the handle's number, unique in the process: threads find their
 *          cache slots in the header by it (pcache.h).
 * @solo_slot: the cache slot the process's one thread claimed, while it has
 *          only one; its owner word says whether it is still the process's.
 * @pcache_wait: slow calls left before claiming a slot is tried again
 *          after every slot was found taken.
 * @nocache: MYMAP_NOCACHE: every free goes back to the heap at once.
 * @own_cache: neither shared nor @nocache, so the handle's own cache
 *          serves while the process has one thread (cache.h): one byte
 *          for the fast paths to test.
 * @grid_from: the units from which a request is placed on the large-block
 *          grid (alloc.c); UINT32_MAX where this handle finds its arena
 *          resident (the device, or opened with MYMAP_POPULATE), so no page
 *          is touched for the first time (no request has that many units).
 * @payloads: address of the first block's payload, the lowest a block's
 *          pointer can have.
 * @payload_span: bytes from there to the payload of the last block the
 *          arena could end with: a block pointer is @payloads plus at
 *          most this, in whole units.
 * @last:   @end - MM_MIN_UNITS, the last unit a block can start at: the
 *          bound every header's size is checked against (mm_fits).
 * @open_next, @open_prev: the list of the process's open handles (handles.c).
 * @fork_locked: fork.c took this heap's lock for a fork in progress.
 * @dead:   per cache slot of the header, an owner this process found dead
 *          by reading /proc without the lock (mm_pcache_probe), for the
 *          lock holder to reap (mm_pcache_reap): no /proc read ever
 *          stalls every process on the heap.
 * @probed_ns: when this handle last probed (mm_now_ns).
 * @probe_asap: a claim found every slot taken: probe before the next
 *          locked call.
 */
/* As the slots in the header (layout.h): blocks of 2 .. 65 units, up to 1 KiB usable. */
#define MM_CACHE_BINS  MM_PCACHE_BINS
#define MM_CACHE_DEPTH MM_PCACHE_DEPTH

/*
 * The large-block grid: on a demand-paged arena a block of 64 KiB or more
 * (header included) starts and ends on a multiple of 64 KiB of the arena
 * where it can (alloc.c).
 */
#define MM_GRID_UNITS (1u << (16 - MM_UNIT_SHIFT))

/* Per size, a list of cached blocks linked through their first payload word. */
struct mm_cache {
	uint32_t blocks;
	uint8_t count[MM_CACHE_BINS];
	uint32_t head[MM_CACHE_BINS];
};

struct mymap_heap {
	char *base;
	struct mm_header *hdr;
	uint32_t salt;
	uint64_t first;
	uint64_t end;
	struct mm_region region;
	struct mm_sleep sleep;
	struct mm_cache cache;
	uint64_t serial;
	struct mm_pcache *solo_slot;
	uint32_t pcache_wait;
	bool nocache;
	bool own_cache;
	uint32_t grid_from;
	uintptr_t payloads;
	uint64_t payload_span;
	uint64_t last;
	struct mymap_heap *open_next, *open_prev;
	bool fork_locked;
	_Atomic uint64_t dead[MM_PCACHE_SLOTS];
	_Atomic uint64_t probed_ns;
	_Atomic bool probe_asap;
};

static inline struct mm_block *mm_block_at(const struct mymap_heap *h, uint32_t at)
{
	return (struct mm_block *)(h->base + ((uint64_t)at << MM_UNIT_SHIFT));
}

/* The payload of the block at @at: just after its header. */
static inline void *mm_payload_at(const struct mymap_heap *h, uint32_t at)
{
	return h->base + ((uint64_t)at << MM_UNIT_SHIFT) + MM_UNIT;
}

/* A free or cached block's list links live at the start of its payload. */
static inline struct mm_links *mm_links_at(const struct mymap_heap *h, uint32_t at)
{
	return mm_payload_at(h, at);
}

/* The payload bytes of a block of @units: all but the header unit. */
static inline uint64_t mm_usable_of(uint32_t units)
{
	return ((uint64_t)units - 1) << MM_UNIT_SHIFT;
}

/* The part of a canary that a change of state leaves alone (mm_check_of). */
static mm_inline uint32_t mm_state_key(uint32_t state)
{
	return state * 0x9e3779b9u; /* odd: distinct states, distinct keys */
}

/*
 * The canary of a header: a keyed hash of its place and size, with the
 * state's key folded in by xor, so that mm_change_state() moves a block
 * between states without hashing again.  For a given size the hash is a
 * bijection of the place, and for a given place of the size (each step,
 * odd multiplier or xor, is one): a header copied to another place, or
 * given another size, never keeps a valid canary.
 */
static mm_inline uint32_t mm_check_of(uint32_t salt, uint32_t at, uint32_t size, uint32_t state)
{
	return ((at * 0x9e3779b1u) ^ size) * 0x85ebca77u ^ salt ^ mm_state_key(state);
}

/* Whether @at could hold a block header or a free-list link target. */
static inline bool mm_in_arena(const struct mymap_heap *h, uint32_t at)
{
	return at >= h->first && at <= h->last;
}

/*
 * Whether a block of @size units at unit @at (nonzero) is at least
 * minimal and ends inside the arena: @at + @size <= end.  Nothing here
 * wraps: a @size below MM_MIN_UNITS makes the 32-bit difference nearly
 * 2^32, which with @at added exceeds h->last (end < 2^32), and the sum is
 * taken in 64 bits.  (end - @at - MM_MIN_UNITS would wrap for a header
 * in the arena's last unit, and let any size pass there.)
 */
static mm_inline bool mm_fits(const struct mymap_heap *h, uint32_t at, uint32_t size)
{
	return (uint64_t)(uint32_t)(size - MM_MIN_UNITS) + at <= h->last;
}

/*
 * The state of block header @b, read once.  A cache slot's owner changes
 * the state of its blocks without the lock (mm_change_state, one store), so
 * the lock holder may look at a neighbour while its state changes between
 * used and cached: either value means "not free" there.
 */
static inline uint32_t mm_state(const struct mm_block *b)
{
	return __atomic_load_n(&b->state, __ATOMIC_RELAXED);
}

/*
 * Adds @delta to the bytes in use.  Changed only under the lock, but read
 * without it when a cache slot serves a request (its peak, pcache.h): one
 * store the reader sees whole.
 */
static inline void mm_in_use_add(struct mm_counters *c, int64_t delta)
{
	__atomic_store_n(&c->in_use, c->in_use + (uint64_t)delta, __ATOMIC_RELAXED);
}

/*
 * Whether the header at @at (in the arena) is intact: its canary matches
 * and its size stays inside the arena.
 */
static mm_inline bool mm_block_ok(const struct mymap_heap *h, uint32_t at)
{
	const struct mm_block *b = mm_block_at(h, at);
	struct mm_block now = {.tag = __atomic_load_n(&b->tag, __ATOMIC_RELAXED)};
	uint32_t size = b->size;

	return now.check == mm_check_of(h->salt, at, size, now.state) && mm_fits(h, at, size);
}

/*
 * Moves the intact header at @at from state @from to @to, in one store
 * (see mm_block).  Only the keys of the two states enter the canary's
 * change, and the state is set, not flipped: a caller wrong about @from
 * (two threads freeing one block at once) leaves a canary that the next
 * check finds damaged, never one that passes.
 */
static mm_inline void mm_change_state(const struct mymap_heap *h, uint32_t at, uint32_t from,
				      uint32_t to)
{
	struct mm_block *b = mm_block_at(h, at);
	struct mm_block now = {.tag = __atomic_load_n(&b->tag, __ATOMIC_RELAXED)};

	now.state = to;
	now.check ^= mm_state_key(from) ^ mm_state_key(to);
	__atomic_store_n(&b->tag, now.tag, __ATOMIC_RELEASE);
}

/*
 * Whether the header at @at (in the arena) is intact and in state @state:
 * mm_block_ok() and the state, in one compare of the tag.
 */
static mm_inline bool mm_block_is(const struct mymap_heap *h, uint32_t at, uint32_t state)
{
	const struct mm_block *b = mm_block_at(h, at);
	uint32_t size = b->size;
	struct mm_block want = {.state = state, .check = mm_check_of(h->salt, at, size, state)};

	return __atomic_load_n(&b->tag, __ATOMIC_RELAXED) == want.tag && mm_fits(h, at, size);
}

/*
 * Claims the live block of @size units at @at for a free: moves its header
 * from MM_USED to MM_CACHED by compare-and-swap of the whole tag, so of
 * two threads or processes freeing one block at once exactly one wins;
 * false (the header left as it is) if the block is not an intact live
 * block of @size units, or another free got there first.  @size is read
 * by the caller, once (atomically, without the lock: a racing locked free
 * may rewrite it).  The winner goes on to cache the block or, under the
 * lock, to free it; a free cut short after the claim leaves the block
 * allocated, in state MM_CACHED, as any block of a dead process.
 */
static mm_inline bool mm_block_claim(const struct mymap_heap *h, uint32_t at, uint32_t size)
{
	struct mm_block *b = mm_block_at(h, at);
	uint32_t check = mm_check_of(h->salt, at, size, MM_USED);
	struct mm_block live = {.state = MM_USED, .check = check};
	struct mm_block cached = {.state = MM_CACHED,
				  .check = check ^ mm_state_key(MM_USED) ^ mm_state_key(MM_CACHED)};

	return mm_fits(h, at, size) &&
	       __atomic_compare_exchange_n(&b->tag, &live.tag, cached.tag, false, __ATOMIC_ACQ_REL,
					   __ATOMIC_RELAXED);
}

/* An intact free block at @at. */
static inline bool mm_free_block_ok(const struct mymap_heap *h, uint32_t at)
{
	return mm_in_arena(h, at) && mm_block_is(h, at, MM_FREE);
}

/*
 * An intact cached block of @units at @at: checked before a cache list's
 * link is followed, since a write after free can change the link.
 */
static mm_inline bool mm_cached_block_ok(const struct mymap_heap *h, uint32_t at, uint32_t units)
{
	/* What mm_block_ok() would find, with the state and size known. */
	struct mm_block want = {.state = MM_CACHED,
				.check = mm_check_of(h->salt, at, units, MM_CACHED)};

	/* In the arena, and @units from there still in it: one compare (at < first wraps). */
	return (uint64_t)at - h->first <= h->end - h->first - units &&
	       __atomic_load_n(&mm_block_at(h, at)->tag, __ATOMIC_RELAXED) == want.tag &&
	       mm_block_at(h, at)->size == units;
}

/*
 * Writes header @b as @v, each field in one store: a thread freeing the
 * same block without the lock (a double free racing this one) may be
 * reading it in mm_block_claim(), and finds either header, never a torn
 * field.
 */
static mm_inline void mm_header_store(struct mm_block *b, const struct mm_block *v)
{
	__atomic_store_n(&b->span, v->span, __ATOMIC_RELAXED);
	__atomic_store_n(&b->tag, v->tag, __ATOMIC_RELAXED);
}

/*
 * A transaction: the new headers one operation writes.  On a shared heap
 * they go to the journal first and reach the headers in mm_tx_commit(); a
 * private heap dies with its process, so there they are written in place
 * at once.
 */
struct mm_tx {
	unsigned int n;
	bool journal;
};

static mm_inline void mm_tx_begin(const struct mymap_heap *h, struct mm_tx *tx)
{
	tx->n = 0;
	tx->journal = h->region.shared;
}

static mm_inline void mm_tx_write(const struct mymap_heap *h, struct mm_tx *tx, uint32_t at,
				  uint32_t size, uint32_t prev, uint32_t state, uint32_t check)
{
	struct mm_block *dst;

	if (tx->journal) {
		struct mm_journal_entry *e = &h->hdr->journal.entry[tx->n++];

		e->at = at;
		e->prev_only = 0;
		dst = &e->block;
		dst->size = size;
		dst->prev = prev;
		dst->state = state;
		dst->check = check;
	} else {
		struct mm_block b = {.size = size, .prev = prev, .state = state, .check = check};

		mm_header_store(mm_block_at(h, at), &b);
	}
}

static mm_inline void mm_tx_put(const struct mymap_heap *h, struct mm_tx *tx, uint32_t at,
				uint32_t size, uint32_t prev, uint32_t state)
{
	mm_tx_write(h, tx, at, size, prev, state, mm_check_of(h->salt, at, size, state));
}

/*
 * Rewrites only the `prev` of the header at @at (its canary does not cover
 * it).  Only that field is written: the block may be another process's,
 * cached, whose state that process changes without the lock.
 */
static mm_inline void mm_tx_put_prev(const struct mymap_heap *h, struct mm_tx *tx, uint32_t at,
				     uint32_t prev)
{
	if (tx->journal) {
		struct mm_journal_entry *e = &h->hdr->journal.entry[tx->n++];

		e->at = at;
		e->prev_only = 1;
		e->block.prev = prev;
	} else {
		mm_block_at(h, at)->prev = prev;
	}
}

/* Writes journal entry @e to its header (see mm_tx_put_prev). */
static mm_inline void mm_journal_apply(const struct mymap_heap *h, const struct mm_journal_entry *e)
{
	struct mm_block *b = mm_block_at(h, e->at);

	if (e->prev_only)
		b->prev = e->block.prev;
	else
		mm_header_store(b, &e->block);
}

/* Marks the header at @at as no longer a block start (see MM_GONE). */
static mm_inline void mm_tx_put_gone(const struct mymap_heap *h, struct mm_tx *tx, uint32_t at)
{
	const struct mm_block *b = mm_block_at(h, at);

	mm_tx_write(h, tx, at, b->size, b->prev, MM_GONE, b->check);
}

/*
 * Test hook: called inside the critical section at the named points
 * "journal-committed", "journal-half-applied" and "journal-done" (the
 * headers written, the free lists not yet), so a test can stop a process
 * there and kill it.  NULL (one predictable branch) outside tests.
 */
extern void (*mm_test_hook)(const char *where);

static inline void mm_test_point(const char *where)
{
	if (mm_unlikely(mm_test_hook != NULL))
		mm_test_hook(where);
}

/*
 * Commits a journalled @tx (sets the journal's count: from here a
 * successor replays it), applies it, clears the journal.
 */
static mm_inline void mm_tx_commit(struct mymap_heap *h, const struct mm_tx *tx)
{
	struct mm_journal *j = &h->hdr->journal;

	if (!tx->journal)
		return;
	atomic_store_explicit(&j->count, tx->n, memory_order_release);
	mm_test_point("journal-committed");
	for (unsigned int i = 0; i < tx->n; i++) {
		mm_journal_apply(h, &j->entry[i]);
		if (i == 0)
			mm_test_point("journal-half-applied");
	}
	atomic_store_explicit(&j->count, 0, memory_order_release);
	mm_test_point("journal-done");
}

/* Free lists. Links are validated by the callers before they are followed. */
static mm_inline void mm_list_insert(struct mymap_heap *h, uint32_t at, uint32_t units)
{
	struct mm_header *hdr = h->hdr;
	unsigned int fl, sl;

	mm_class_of(units, &fl, &sl);
	uint32_t head = hdr->heads[fl][sl];
	struct mm_links *l = mm_links_at(h, at);

	/*
	 * A damaged list head must not steer a write outside the arena: the
	 * list is dropped (its blocks stay free in the chain, where
	 * mymap_heap_check() finds them missing from the lists) and the damage
	 * counted.
	 */
	if (head && mm_unlikely(!mm_in_arena(h, head) || mm_links_at(h, head)->prev)) {
		atomic_fetch_add_explicit(&hdr->counters.integrity_errors, 1, memory_order_relaxed);
		head = 0;
	}

	l->next = head;
	l->prev = 0;
	if (head)
		mm_links_at(h, head)->prev = at;
	hdr->heads[fl][sl] = at;
	hdr->sl_bitmap[fl] |= 1u << sl;
	hdr->fl_bitmap |= 1ULL << fl;
}

/* Unlinks @at, whose links the caller has checked (mm_list_links_ok). */
static mm_inline void mm_list_remove(struct mymap_heap *h, uint32_t at, uint32_t units)
{
	struct mm_header *hdr = h->hdr;
	const struct mm_links *l = mm_links_at(h, at);
	unsigned int fl, sl;

	mm_class_of(units, &fl, &sl);
	if (l->prev)
		mm_links_at(h, l->prev)->next = l->next;
	else
		hdr->heads[fl][sl] = l->next;
	if (l->next)
		mm_links_at(h, l->next)->prev = l->prev;
	if (!hdr->heads[fl][sl]) {
		hdr->sl_bitmap[fl] &= ~(1u << sl);
		if (!hdr->sl_bitmap[fl])
			hdr->fl_bitmap &= ~(1ULL << fl);
	}
}

/*
 * Whether free block @at's list neighbours point back at it ("safe
 * unlinking"): a damaged link is caught before it steers a write.
 */
static mm_inline bool mm_list_links_ok(const struct mymap_heap *h, uint32_t at, uint32_t units)
{
	const struct mm_links *l = mm_links_at(h, at);
	unsigned int fl, sl;

	if (l->next && (!mm_in_arena(h, l->next) || mm_links_at(h, l->next)->prev != at))
		return false;
	if (l->prev)
		return mm_in_arena(h, l->prev) && mm_links_at(h, l->prev)->next == at;
	mm_class_of(units, &fl, &sl);
	return h->hdr->heads[fl][sl] == at;
}

/*
 * Reports damage at unit offset @at (EUCLEAN, MYMAP_ERR_CORRUPT, counted
 * in integrity_errors); returns -1 (alloc.c).
 */
int mm_damaged(struct mymap_heap *h, const char *what, uint32_t at);

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
