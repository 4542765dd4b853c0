// SPDX-License-Identifier: GPL-2.0
/*
 * check.c - walking the whole heap: mymap_heap_check(), and the repair a
 * process makes after taking the lock from a dead holder.
 *
 * The block chain (each header's size, the next one's `prev`) is the
 * truth; free lists, bitmaps and counters are derived from it.  Recovery
 * therefore replays the journal, which restores the chain to a consistent
 * state, and then derives everything else again.
 */
#include <string.h>

#include "error.h"
#include "heap.h"
#include "lock.h"
#include "tcache.h"

/*
 * Blocks a walk under the lock visits between two signs of life to the
 * lock's waiters (mm_robust_lock_busy): a walk of a large heap may take
 * longer than a waiter's limit for one holder.
 */
#define BUSY_EVERY 65536

/* What a walk of the block chain found. */
struct chain_totals {
	uint64_t in_use, free, used_blocks, free_blocks;
};

static int bad(const char *what, uint32_t at)
{
	return mm_fail(MYMAP_ERR_CORRUPT, EUCLEAN, "heap check: %s at offset %#llx", what,
		       (unsigned long long)at << MM_UNIT_SHIFT);
}

/*
 * Walks the blocks from the first to the end.  @on_free, if given, is
 * called for each free block.  Returns 0, or -1 (reported) at the first
 * header that is damaged, disagrees with its predecessor, or (if @strict)
 * is a free block following a free block.
 */
static int walk_chain(struct mymap_heap *h, struct chain_totals *t, bool strict,
		      void (*on_free)(struct mymap_heap *, uint32_t, uint32_t))
{
	uint32_t at = h->first, prev_size = 0;
	bool prev_free = false;

	memset(t, 0, sizeof(*t));
	for (uint64_t seen = 1; at < h->end; seen++) {
		const struct mm_block *b = mm_block_at(h, at);
		uint32_t state = mm_state(b);

		if (seen % BUSY_EVERY == 0)
			mm_robust_lock_busy(&h->hdr->lock);

		if (at > h->last || !mm_block_ok(h, at))
			return bad("block header damaged", at);
		if (b->prev != prev_size)
			return bad("block does not follow its predecessor", at);
		if (state == MM_USED || state == MM_CACHED) {
			t->in_use += mm_usable_of(b->size);
			t->used_blocks++;
			prev_free = false;
		} else if (state == MM_FREE) {
			if (strict && prev_free)
				return bad("free block next to a free block", at);
			t->free += mm_usable_of(b->size);
			t->free_blocks++;
			if (on_free)
				on_free(h, at, b->size);
			prev_free = true;
		} else {
			return bad("header with no block state", at);
		}
		prev_size = b->size;
		at += b->size;
	}
	return 0;
}

/* Checks one size class's list against its bitmap bit; counts its blocks. */
static int check_list(struct mymap_heap *h, unsigned int fl, unsigned int sl, uint64_t limit,
		      uint64_t *count)
{
	const struct mm_header *hdr = h->hdr;
	uint32_t at = hdr->heads[fl][sl], prev = 0;
	unsigned int cfl, csl;

	if (!at != !(hdr->sl_bitmap[fl] & (1u << sl)))
		return bad("size-class bitmap disagrees with its list", at);
	while (at) {
		if (!mm_free_block_ok(h, at))
			return bad("free list leads to a block that is not free", at);
		mm_class_of(mm_block_at(h, at)->size, &cfl, &csl);
		if (cfl != fl || csl != sl)
			return bad("free block in the list of another size class", at);
		if (mm_links_at(h, at)->prev != prev)
			return bad("free list back link broken", at);
		if (++*count > limit)
			return bad("free lists hold more blocks than the heap (a cycle?)", at);
		if (*count % BUSY_EVERY == 0)
			mm_robust_lock_busy(&h->hdr->lock);
		prev = at;
		at = mm_links_at(h, at)->next;
	}
	return 0;
}

static int check_locked(struct mymap_heap *h)
{
	const struct mm_header *hdr = h->hdr;
	const struct mm_counters *c = &hdr->counters;
	struct chain_totals t;
	uint64_t listed = 0;

	if (atomic_load(&hdr->magic) != MM_MAGIC)
		return mm_fail(MYMAP_ERR_CORRUPT, EUCLEAN, "heap check: heap header magic damaged");
	if (atomic_load(&hdr->journal.count))
		return mm_fail(MYMAP_ERR_CORRUPT, EUCLEAN,
			       "heap check: journal holds an unfinished update");
	if (walk_chain(h, &t, true, NULL) < 0)
		return -1;
	if (hdr->fl_bitmap >> MM_FL_COUNT)
		return mm_fail(MYMAP_ERR_CORRUPT, EUCLEAN,
			       "heap check: first-level bitmap damaged");
	for (unsigned int fl = 0; fl < MM_FL_COUNT; fl++) {
		if (!(hdr->fl_bitmap >> fl & 1) != !hdr->sl_bitmap[fl] ||
		    hdr->sl_bitmap[fl] >> MM_SL_COUNT)
			return mm_fail(MYMAP_ERR_CORRUPT, EUCLEAN,
				       "heap check: bitmaps of level %u disagree", fl);
		for (unsigned int sl = 0; sl < MM_SL_COUNT; sl++)
			if (check_list(h, fl, sl, t.free_blocks, &listed) < 0)
				return -1;
	}
	if (listed != t.free_blocks)
		return mm_fail(MYMAP_ERR_CORRUPT, EUCLEAN,
			       "heap check: %llu free blocks, %llu of them in free lists",
			       (unsigned long long)t.free_blocks, (unsigned long long)listed);
	if (c->in_use != t.in_use || c->free != t.free || c->used_blocks != t.used_blocks ||
	    c->free_blocks != t.free_blocks)
		return mm_fail(MYMAP_ERR_CORRUPT, EUCLEAN,
			       "heap check: statistics say %llu bytes in %llu blocks used, %llu in "
			       "%llu free; blocks say %llu in %llu, %llu in %llu",
			       (unsigned long long)c->in_use, (unsigned long long)c->used_blocks,
			       (unsigned long long)c->free, (unsigned long long)c->free_blocks,
			       (unsigned long long)t.in_use, (unsigned long long)t.used_blocks,
			       (unsigned long long)t.free, (unsigned long long)t.free_blocks);
	return 0;
}

int mymap_heap_check(struct mymap_heap *heap)
{
	int ret;

	if (!heap)
		return mm_fail(MYMAP_ERR_ARGUMENT, EINVAL, "mymap_heap_check: no heap");
	mm_tcache_probe(heap);
	if (mm_lock(heap) < 0)
		return -1;
	mm_tcache_return(heap);
	ret = check_locked(heap);
	mm_unlock(heap);
	if (ret < 0)
		atomic_fetch_add_explicit(&heap->hdr->counters.integrity_errors, 1,
					  memory_order_relaxed);
	return ret;
}

/* Writes again the headers of a committed but perhaps unfinished update. */
static void replay_journal(struct mymap_heap *h)
{
	struct mm_journal *j = &h->hdr->journal;
	uint32_t n = atomic_load(&j->count);

	if (n > MM_JOURNAL_SLOTS)
		n = 0;
	for (uint32_t i = 0; i < n; i++) {
		const struct mm_journal_entry *e = &j->entry[i];
		const struct mm_block *b = &e->block;

		/* Only entries a commit wrote: in the arena, with their canary or marked gone. */
		if (mm_in_arena(h, e->at) &&
		    (e->prev_only || mm_state(b) == MM_GONE ||
		     b->check == mm_check_of(h->salt, e->at, b->size, mm_state(b))))
			mm_journal_apply(h, e);
	}
	atomic_store(&j->count, 0);
}

static void relink(struct mymap_heap *h, uint32_t at, uint32_t units)
{
	mm_list_insert(h, at, units);
}

void mm_recover(struct mymap_heap *h, uint64_t dead)
{
	struct mm_header *hdr = h->hdr;
	struct chain_totals t;

	hdr->counters.recoveries++;
	hdr->generation++;
	replay_journal(h);
	if (walk_chain(h, &t, false, NULL) < 0) {
		/* Not what a dying holder leaves: leave it for the checks to report. */
		atomic_fetch_add(&hdr->counters.integrity_errors, 1);
		return;
	}
	hdr->fl_bitmap = 0;
	memset(hdr->sl_bitmap, 0, sizeof(hdr->sl_bitmap));
	memset(hdr->heads, 0, sizeof(hdr->heads));
	walk_chain(h, &t, false, relink);
	mm_in_use_add(&hdr->counters, (int64_t)(t.in_use - hdr->counters.in_use));
	hdr->counters.free = t.free;
	hdr->counters.used_blocks = t.used_blocks;
	hdr->counters.free_blocks = t.free_blocks;
	if (t.in_use > hdr->counters.peak_in_use)
		hdr->counters.peak_in_use = t.in_use;
	/*
	 * The dead holder's threads' cache slots come back too (no /proc read
	 * under the lock: other dead owners wait for a probe).
	 */
	mm_tcache_reap_process(h, dead);
}
