/* SPDX-License-Identifier: GPL-2.0 */
/*
 * block.h - the block header (struct mm_block, block_format.h) as code:
 * reaching a block by unit offset, its canary, its bounds and its state
 * changes.
 *
 * Every header lies in memory other processes can write, so none of its
 * fields is used before these checks: a canary over place, size and
 * state, and a size that keeps the block inside the arena, measured
 * against the handle's private copies of the arena's bounds.
 */
#ifndef MYMAP_BLOCK_H
#define MYMAP_BLOCK_H

#include "handle.h"

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
 * @alone: nobody else can free the block meanwhile (the sole user of a
 * private heap, tcache.h), so a compare and a store do, without the cost
 * of a locked instruction.
 */
static mm_inline bool mm_block_claim(const struct mymap_heap *h, uint32_t at, uint32_t size,
				     bool alone)
{
	struct mm_block *b = mm_block_at(h, at);
	struct mm_block live = {.state = MM_USED, .check = mm_check_of(h->salt, at, size, MM_USED)};
	/* The cached tag differs from the live one by a constant: one xor. */
	const struct mm_block flip = {.state = MM_USED ^ MM_CACHED,
				      .check = mm_state_key(MM_USED) ^ mm_state_key(MM_CACHED)};
	struct mm_block cached = {.tag = live.tag ^ flip.tag};

	if (!mm_fits(h, at, size))
		return false;
	if (alone) {
		if (__atomic_load_n(&b->tag, __ATOMIC_RELAXED) != live.tag)
			return false;
		__atomic_store_n(&b->tag, cached.tag, __ATOMIC_RELAXED);
		return true;
	}
	return __atomic_compare_exchange_n(&b->tag, &live.tag, cached.tag, false, __ATOMIC_ACQ_REL,
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
 * Reports damage at unit offset @at (EUCLEAN, MYMAP_ERR_CORRUPT, counted
 * in integrity_errors); returns -1 (alloc.c).
 */
int mm_damaged(struct mymap_heap *h, const char *what, uint32_t at);

#endif /* MYMAP_BLOCK_H */
