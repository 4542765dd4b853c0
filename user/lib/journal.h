/* SPDX-License-Identifier: GPL-2.0 */
/*
 * journal.h - header changes that survive a dying lock holder.
 *
 * One operation writes at most MM_JOURNAL_SLOTS headers (a split writes
 * the used block, a free block on each side and the follower's @prev; a
 * merge the merged block, two GONE headers and the follower's @prev).  On
 * a shared heap they are written to the journal in the heap header,
 * committed by one store of its count, then applied: a process that takes
 * the lock over from a dead holder replays a committed journal
 * (mm_recover, check.c) and finds every header either as before or as
 * after, never half written.  The free lists and counters are not
 * journalled: recovery rebuilds them from the headers.
 */
#ifndef MYMAP_JOURNAL_H
#define MYMAP_JOURNAL_H

#include <stdatomic.h>

#include "block.h"

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

#endif /* MYMAP_JOURNAL_H */
