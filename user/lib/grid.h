/* SPDX-License-Identifier: GPL-2.0 */
/*
 * grid.h - where a large block goes in the free block it is cut from.
 *
 * A block's header and the first bytes of its payload, which nearly every
 * caller writes at once, share a page; the rest of a large block is often
 * never written.  Placed tightly, block boundaries fall wherever the sizes
 * requested so far add up to, so on a demand-paged arena a heap of a few
 * large blocks ends up writing (and holding resident) a page in nearly
 * every page it ever spanned.  On the grid, a block of MM_GRID_UNITS or
 * more starts on a multiple of 64 KiB of the arena and ends on one (or at
 * the end of the free block it came from), so boundaries keep to the same
 * few pages.  The price is address space: each such block is rounded up
 * by at most 64 KiB, which mymap_usable_size() reports, and which costs no
 * memory until written.  It costs room, though, and as a heap fills room
 * counts: the grid is used only while three quarters of the arena stay
 * free (mm_grid_wanted), so it never takes more than an eighth of the
 * arena, and a heap that fills up places the rest of its large blocks
 * tightly.  A handle on a resident arena (the device, MYMAP_POPULATE) has
 * no page to save, so it places every block tightly (h->grid_from).
 */
#ifndef MYMAP_GRID_H
#define MYMAP_GRID_H

#include "tlsf.h"

/* The grid's step, 64 KiB, in units. */
#define MM_GRID_UNITS (1u << (16 - MM_UNIT_SHIFT))

/*
 * Whether the page holding @addr was written, as mm_region_resident()
 * tells, remembering the last MM_WRITTEN_PAGES found so: requests that
 * keep landing in a few written pages ask the system once for each.
 */
static inline bool mm_page_written(struct mymap_heap *h, const void *addr)
{
	uintptr_t page = (uintptr_t)addr / 4096;

	for (unsigned int i = 0; i < MM_WRITTEN_PAGES; i++)
		if (h->written[i] == page)
			return true;
	if (!mm_region_resident(&h->region, addr))
		return false;
	h->written[h->written_next++ % MM_WRITTEN_PAGES] = page;
	return true;
}

/*
 * Whether a request of @units may take fresh memory, which a demand-paged
 * arena has never written: a large request (MM_GRID_UNITS or more), whose
 * block may come from anywhere; one that would find no block, or only the
 * arena's last one, its end; and one served from a freed large block
 * whose page the request would end in was never written (grid-placed
 * blocks often leave most of theirs so).  Memory freed at a program's end
 * merges into large blocks that were written: those do not count.  A look
 * only: damage is left for the request itself to report.
 */
static mm_inline bool mm_fit_is_fresh(struct mymap_heap *h, uint32_t units)
{
	unsigned int fl, sl;
	int64_t at;
	uint32_t size;

	if (units >= MM_GRID_UNITS)
		return true;
	at = mm_find_suitable(h, units, &fl, &sl);
	if (at <= 0 || !mm_free_block_ok(h, (uint32_t)at))
		return at == 0;
	size = mm_block_at(h, (uint32_t)at)->size;
	if ((uint64_t)at + size == h->end)
		return true;
	return size >= MM_GRID_UNITS && !mm_page_written(h, mm_block_at(h, (uint32_t)at + units));
}

/* The first grid line at or after unit offset @at. */
static inline uint64_t mm_grid_line(uint64_t at)
{
	return (at + MM_GRID_UNITS - 1) & ~(uint64_t)(MM_GRID_UNITS - 1);
}

/* Whether a request of @units goes on the grid: large, on a demand-paged arena, with room to spare.
 */
static inline bool mm_grid_wanted(const struct mymap_heap *h, uint32_t units)
{
	return units >= h->grid_from &&
	       h->hdr->counters.free >= h->region.size - h->region.size / 4 + mm_usable_of(units) +
					    ((uint64_t)MM_GRID_UNITS << MM_UNIT_SHIFT);
}

/* Units a block at @at takes for a request of @units: to a grid line where the grid applies. */
static inline uint64_t mm_grid_units(const struct mymap_heap *h, uint32_t at, uint32_t units)
{
	return mm_grid_wanted(h, units) ? mm_grid_line((uint64_t)at + units) - at : units;
}

/*
 * Where a block of @units goes in the free block of @size units at @at:
 * *@gap units before it stay free (none, or a minimal block at least, as
 * mm_block_split() needs), and it takes *@used units, @units rounded to a
 * grid line or to the free block's end.  False if it does not fit.
 */
static inline bool mm_grid_place(uint32_t at, uint32_t size, uint32_t units, uint32_t *gap,
				 uint32_t *used)
{
	uint64_t start = mm_grid_line(at), end = (uint64_t)at + size;

	if (start != at && start - at < MM_MIN_UNITS)
		start += MM_GRID_UNITS;
	if (start + units > end)
		return false;
	uint64_t stop = mm_grid_line(start + units);

	*gap = (uint32_t)(start - at);
	*used = (uint32_t)((stop < end ? stop : end) - start);
	return true;
}

/*
 * Where a block of @units goes in the free block at @at, taken for it: on
 * the grid if it has room there, else tightly at its start.
 */
static inline void mm_grid_fit(const struct mymap_heap *h, uint32_t at, uint32_t units,
			       uint32_t *gap, uint32_t *used)
{
	if (!mm_grid_place(at, mm_block_at(h, at)->size, units, gap, used)) {
		*gap = 0;
		*used = units;
	}
}

/*
 * Takes a free block with room for a block of @units on the grid (where
 * in it: mm_grid_fit); 0 if no list head has such room, -1 (reported) if
 * damaged.  First the head of the good fit's
 * class; if it has no room on the grid, a block of a class large enough
 * for any gap (at most a grid step and a minimal block).
 */
static inline int64_t mm_grid_take(struct mymap_heap *h, uint32_t units)
{
	uint32_t gap, used;
	unsigned int fl, sl;
	int64_t head = mm_find_suitable(h, units, &fl, &sl), at = 0;
	uint64_t need = (uint64_t)units + MM_GRID_UNITS + MM_MIN_UNITS;

	/* The head's size is read only once its header is known good. */
	if (head > 0 && mm_free_block_ok(h, (uint32_t)head) &&
	    mm_grid_place((uint32_t)head, mm_block_at(h, (uint32_t)head)->size, units, &gap, &used))
		at = mm_take_free_block(h, units, "mymap_malloc"); /* that head */
	else if (need <= UINT32_MAX)
		at = mm_take_free_block(h, (uint32_t)need, "mymap_malloc");
	return at;
}

#endif /* MYMAP_GRID_H */
