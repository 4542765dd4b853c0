/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tlsf.h - the TLSF core: size classes, the free lists and their bitmaps,
 * and the split and merge of blocks, over unit offsets.
 *
 * Read it beside the TLSF paper (Masmano et al., 2004) or o1heap.c; each
 * function names the step of the scheme it is:
 *   mapping_insert         mm_class_of()
 *   mapping_search         mm_class_for_request()
 *   insert_free_block      mm_list_insert()
 *   remove_free_block      mm_list_remove()
 *   search_suitable_block  mm_find_suitable()
 *   block_locate_free      mm_take_free_block()
 *   block_split            mm_block_split()
 *   block_merge_prev/next  mm_free_neighbours(), mm_block_merge()
 * Classes: level 0 holds blocks of under 16 units linearly, one class a
 * size; level i >= 1 holds [2^(i+3), 2^(i+4)) units in 16 classes.  A
 * request is rounded up to the next class boundary, so the head of any
 * non-empty class from there on fits: the search is two bit scans, and no
 * list is ever walked (good fit, as in the paper).
 *
 * What differs from the paper is that every header and link lies in
 * memory other processes can write.  Each step checks the headers and
 * links it will follow or change (block.h) before changing anything, so
 * damage is reported (mm_damaged) with the heap as it was; header writes
 * go through the journal (journal.h), and the lists and counters, which
 * are not journalled, are rebuilt from the headers after a holder dies.
 * Every function here runs under the heap lock, in constant time.
 * Inline: the locked paths of alloc.c are these steps and little else.
 */
#ifndef MYMAP_TLSF_H
#define MYMAP_TLSF_H

#include "block.h"
#include "counters.h"
#include "journal.h"

/* The highest set bit of @x (nonzero), counted from 0. */
static inline unsigned int mm_fls(uint32_t x)
{
	return 31u - (unsigned int)__builtin_clz(x);
}

/*
 * mapping_insert: the class (@fl, @sl) that a free block of @units
 * belongs to, i.e. whose list it goes on.
 */
static inline void mm_class_of(uint32_t units, unsigned int *fl, unsigned int *sl)
{
	if (units < MM_SMALL_UNITS) {
		*fl = 0;
		*sl = units;
		return;
	}
	unsigned int top = mm_fls(units);

	*fl = top - (MM_SL_SHIFT - 1);
	*sl = (units >> (top - MM_SL_SHIFT)) ^ MM_SL_COUNT;
}

/*
 * mapping_search: the first class whose every block holds @units, the
 * request rounded up to the next class boundary (good fit: a list is never
 * searched, its head always fits).
 */
static inline void mm_class_for_request(uint32_t units, unsigned int *fl, unsigned int *sl)
{
	if (units >= MM_SMALL_UNITS) {
		uint32_t round = (1u << (mm_fls(units) - MM_SL_SHIFT)) - 1;

		units = units + round < units ? UINT32_MAX : units + round;
	}
	mm_class_of(units, fl, sl);
}

/*
 * insert_free_block: @at, a free block of @units, becomes the head of its
 * class's list, and the class is marked non-empty in both bitmaps.
 */
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

/*
 * remove_free_block: unlinks free block @at of @units, whose links the
 * caller has checked (mm_list_links_ok); a class left empty is cleared
 * from the bitmaps.
 */
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
 * search_suitable_block: the head of the first non-empty class that fits
 * @units (its class in *@pfl, *@psl), 0 if none, -1 if the bitmaps are
 * damaged (a bit set for an empty level).
 */
static mm_inline int64_t mm_find_suitable(struct mymap_heap *h, uint32_t units, unsigned int *pfl,
					  unsigned int *psl)
{
	const struct mm_header *hdr = h->hdr;
	unsigned int fl, sl;

	mm_class_for_request(units, &fl, &sl);
	uint32_t slmap = hdr->sl_bitmap[fl] & (~0u << sl);

	if (!slmap) {
		uint64_t flmap = hdr->fl_bitmap & (~0ULL << (fl + 1));

		if (!flmap)
			return 0;
		fl = (unsigned int)__builtin_ctzll(flmap);
		if (fl >= MM_FL_COUNT || !hdr->sl_bitmap[fl])
			return -1;
		slmap = hdr->sl_bitmap[fl];
	}
	sl = (unsigned int)__builtin_ctz(slmap);
	if (sl >= MM_SL_COUNT)
		return -1;
	*pfl = fl;
	*psl = sl;
	return hdr->heads[fl][sl];
}

/* Whether class (@fl, @sl) is the last, and a block of @size units belongs in it. */
static inline bool mm_last_class_block(unsigned int fl, unsigned int sl, uint32_t size)
{
	unsigned int bfl, bsl;

	mm_class_of(size, &bfl, &bsl);
	return fl == MM_FL_COUNT - 1 && sl == MM_SL_COUNT - 1 && bfl == fl && bsl == sl;
}

/*
 * Takes a free block of at least @units off its list (the head found by
 * mm_find_suitable); returns its unit offset, 0 if none is large enough,
 * -1 (reported) if damaged.
 */
static mm_inline int64_t mm_take_free_block(struct mymap_heap *h, uint32_t units, const char *what)
{
	unsigned int fl, sl;
	int64_t found = mm_find_suitable(h, units, &fl, &sl);

	if (mm_unlikely(found <= 0))
		return found < 0 ? mm_damaged(h, what, 0) : 0;
	uint32_t at = (uint32_t)found;

	if (mm_unlikely(!mm_free_block_ok(h, at) || mm_links_at(h, at)->prev))
		return mm_damaged(h, what, at);
	/*
	 * Rounding a request up to its class saturates in the last class,
	 * which therefore may hold only blocks smaller than the request: no
	 * room, if the block is one of that class.  Anywhere else, damage.
	 */
	if (mm_unlikely(mm_block_at(h, at)->size < units))
		return mm_last_class_block(fl, sl, mm_block_at(h, at)->size)
			   ? 0
			   : mm_damaged(h, what, at);
	uint32_t next = mm_links_at(h, at)->next;

	if (mm_unlikely(next && (!mm_in_arena(h, next) || mm_links_at(h, next)->prev != at)))
		return mm_damaged(h, what, next);
	h->hdr->heads[fl][sl] = next;
	if (next)
		mm_links_at(h, next)->prev = 0;
	else {
		h->hdr->sl_bitmap[fl] &= ~(1u << sl);
		if (!h->hdr->sl_bitmap[fl])
			h->hdr->fl_bitmap &= ~(1ULL << fl);
	}
	return at;
}

/*
 * block_split: carves a used block of @units out of the free block at
 * @at, which is off its list, leaving @gap units before it and whatever
 * remains after it as free blocks (a remainder under a minimal block
 * stays in the used block).  Returns the used block's unit offset, and
 * counts it as allocated (@cached as for mm_count_peak).
 */
static mm_inline uint32_t mm_block_split(struct mymap_heap *h, uint32_t at, uint32_t gap,
					 uint32_t units, uint64_t cached)
{
	const struct mm_block *b = mm_block_at(h, at);
	uint32_t size = b->size, prev = b->prev;
	uint32_t used_at = at + gap;
	uint32_t rest = size - gap - units;
	uint32_t follow = at + size;
	struct mm_counters *c = &h->hdr->counters;
	struct mm_tx tx;

	mm_tx_begin(h, &tx);
	if (rest < MM_MIN_UNITS) {
		units += rest;
		rest = 0;
	}
	if (gap)
		mm_tx_put(h, &tx, at, gap, prev, MM_FREE);
	mm_tx_put(h, &tx, used_at, units, gap ? gap : prev, MM_USED);
	if (rest)
		mm_tx_put(h, &tx, used_at + units, rest, units, MM_FREE);
	if ((gap || rest) && follow < h->end)
		mm_tx_put_prev(h, &tx, follow, rest ? rest : units);
	mm_tx_commit(h, &tx);

	c->free -= mm_usable_of(size);
	c->free_blocks--;
	if (gap) {
		mm_list_insert(h, at, gap);
		c->free += mm_usable_of(gap);
		c->free_blocks++;
	}
	if (rest) {
		mm_list_insert(h, used_at + units, rest);
		c->free += mm_usable_of(rest);
		c->free_blocks++;
	}
	mm_count_alloc(c, units, cached);
	return used_at;
}

/* The physical neighbours of a used block, as a merge or a resize needs them. */
struct mm_neighbours {
	uint32_t prev_at, prev_size; /* prev_size 0: not free (or none) */
	uint32_t next_at, next_size; /* next_size 0: not free (or none) */
	uint32_t follow;	     /* first block after everything merged */
};

/*
 * Checks the physical neighbours of used block @at (headers agreeing in
 * size both ways, a free one's list links) and fills @n.  Returns -1
 * (reported) if one is damaged.
 */
static mm_inline int mm_free_neighbours(struct mymap_heap *h, uint32_t at, struct mm_neighbours *n,
					const char *what)
{
	const struct mm_block *b = mm_block_at(h, at);
	uint32_t size = b->size;

	n->prev_size = n->next_size = 0;
	n->next_at = at + size;
	n->follow = n->next_at;
	if (n->next_at < h->end) {
		const struct mm_block *nb = mm_block_at(h, n->next_at);

		if (mm_unlikely(!mm_block_ok(h, n->next_at) || nb->prev != size))
			return mm_damaged(h, what, n->next_at);
		if (mm_state(nb) == MM_FREE) {
			if (mm_unlikely(!mm_list_links_ok(h, n->next_at, nb->size)))
				return mm_damaged(h, what, n->next_at);
			n->next_size = nb->size;
			n->follow = n->next_at + nb->size;
		}
	}
	if (b->prev) {
		if (mm_unlikely(b->prev > at - h->first))
			return mm_damaged(h, what, at);
		n->prev_at = at - b->prev;
		const struct mm_block *pb = mm_block_at(h, n->prev_at);

		if (mm_unlikely(!mm_block_ok(h, n->prev_at) || pb->size != b->prev))
			return mm_damaged(h, what, n->prev_at);
		if (mm_state(pb) == MM_FREE) {
			if (mm_unlikely(!mm_list_links_ok(h, n->prev_at, pb->size)))
				return mm_damaged(h, what, n->prev_at);
			n->prev_size = pb->size;
		}
	}
	return 0;
}

/*
 * block_merge_prev and block_merge_next: the block of @size units at @at,
 * whose header said @prev, becomes free together with its free
 * neighbours @n (mm_free_neighbours), as one block on its list.  The free
 * counters are updated; the caller counts the free.
 */
static mm_inline void mm_block_merge(struct mymap_heap *h, uint32_t at, uint32_t size,
				     uint32_t prev, const struct mm_neighbours *n)
{
	struct mm_counters *c = &h->hdr->counters;
	uint32_t start = n->prev_size ? n->prev_at : at;
	uint32_t start_prev = n->prev_size ? mm_block_at(h, n->prev_at)->prev : prev;
	uint32_t total = size + n->prev_size + n->next_size;
	struct mm_tx tx;

	if (n->next_size)
		mm_list_remove(h, n->next_at, n->next_size);
	if (n->prev_size)
		mm_list_remove(h, n->prev_at, n->prev_size);
	mm_tx_begin(h, &tx);
	mm_tx_put(h, &tx, start, total, start_prev, MM_FREE);
	if (n->prev_size)
		mm_tx_put_gone(h, &tx, at);
	if (n->next_size)
		mm_tx_put_gone(h, &tx, n->next_at);
	if (n->follow < h->end)
		mm_tx_put_prev(h, &tx, n->follow, total);
	mm_tx_commit(h, &tx);
	mm_list_insert(h, start, total);

	c->free += mm_usable_of(total) - (n->prev_size ? mm_usable_of(n->prev_size) : 0) -
		   (n->next_size ? mm_usable_of(n->next_size) : 0);
	c->free_blocks = c->free_blocks + 1 - (n->prev_size != 0) - (n->next_size != 0);
}

#endif /* MYMAP_TLSF_H */
