// SPDX-License-Identifier: GPL-2.0
/*
 * free-keeps-heap - demonstrates that free() does not give heap memory back
 * to the kernel: the break stays where it is and the freed blocks are reused
 * by later mallocs; the heap grows only when no free space is big enough.
 */
#include "experiment.h"

#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#define BLOCKS 5
#define SMALL  (16 * 1024)
#define BIGGER (18 * 1024)

/* How a run goes. */
struct scenario {
	bool holes;  /* free only blocks 1 and 3, and use up the heap's free top */
	int top_pad; /* M_TOP_PAD to set with mallopt, or -1 for glibc's default */
};

struct trace {
	int mallopt_ok;		      /* mallopt(M_TOP_PAD) returned 1, or was not called */
	uintptr_t start;	      /* where the heap starts */
	uintptr_t block[BLOCKS];      /* the five 16 KiB blocks */
	int growths;		      /* how many of the five mallocs moved the break */
	uintptr_t brk_allocated;      /* the break after the five mallocs */
	uintptr_t brk_freed;	      /* ... after freeing them */
	uintptr_t again, brk_again;   /* a new 16 KiB block, and the break after it */
	uintptr_t filler;	      /* with holes: the block that used up the top */
	size_t top_free;	      /* free bytes at the heap's top before the 18 KiB malloc */
	uintptr_t bigger, brk_bigger; /* the 18 KiB block, and the break after it */
};

/* Fills the five blocks; frees all of them or, with holes, only 1 and 3. */
static void run(const void *arg, void *result)
{
	const struct scenario *s = arg;
	struct trace *t = result;
	void *block[BLOCKS];

	t->mallopt_ok = s->top_pad < 0 || mallopt(M_TOP_PAD, s->top_pad) == 1;
	t->start = (uintptr_t)sbrk(0);
	t->growths = 0;
	for (int i = 0; i < BLOCKS; i++) {
		uintptr_t before = (uintptr_t)sbrk(0);

		block[i] = malloc(SMALL);
		t->block[i] = (uintptr_t)block[i];
		t->growths += (uintptr_t)sbrk(0) != before;
	}
	t->brk_allocated = (uintptr_t)sbrk(0);
	for (int i = 0; i < BLOCKS; i++)
		if (!s->holes || i == 1 || i == 3)
			free(block[i]);
	if (s->holes) {
		/* Use up the free space at the top so only the two holes are left. */
		size_t top = mallinfo2().keepcost;

		/* Kept in the result: gcc drops a malloc whose pointer is never used. */
		t->filler = top > 64 ? (uintptr_t)malloc(top - 64) : 0;
	}
	t->brk_freed = (uintptr_t)sbrk(0);
	t->again = (uintptr_t)malloc(SMALL);
	t->brk_again = (uintptr_t)sbrk(0);
	t->top_free = mallinfo2().keepcost; /* the size of the top chunk */
	t->bigger = (uintptr_t)malloc(BIGGER);
	t->brk_bigger = (uintptr_t)sbrk(0);
}

/* Which of the five blocks @addr is, or -1. */
static int which_block(const struct trace *t, uintptr_t addr)
{
	for (int i = 0; i < BLOCKS; i++)
		if (t->block[i] == addr)
			return i;
	return -1;
}

int main(void)
{
	static const struct scenario all = {false, -1}, holes = {true, -1}, no_pad = {false, 0};
	struct trace t;
	int in_heap = 1, reused;

	report_begin("experiment 2: free() does not shrink the heap");
	report_about(
	    "free() gives a block back to malloc, not to the kernel: the break does not move,\n"
	    "and the next malloc of a fitting size gets the same memory again.  This matters\n"
	    "for a process's memory use: after a peak of small blocks its heap stays as large\n"
	    "as the peak.  This program frees blocks and watches the break and where new\n"
	    "blocks land.");

	tap_diag("five malloc(16 KiB), then free() all five");
	if (!fresh_child_run(run, &all, &t, sizeof(t)))
		return tap_ok(0, "the measuring child ran"), tap_done();
	for (int i = 0; i < BLOCKS; i++) {
		in_heap &= t.block[i] >= t.start && t.block[i] < t.brk_allocated;
		tap_diag("  block %d at heap+%#lx", i, (unsigned long)(t.block[i] - t.start));
	}
	tap_ok(in_heap, "all five 16 KiB blocks come from the heap, below the break %#lx",
	       (unsigned long)(t.brk_allocated - t.start));
	tap_ok(t.growths == 1 && t.brk_allocated - t.start == 0x21000,
	       "only the first malloc grows the heap, by 0x21000; the other four fit in the "
	       "128 KiB it added beyond its need (M_TOP_PAD): %d growth(s), heap+%#lx",
	       t.growths, (unsigned long)(t.brk_allocated - t.start));
	tap_ok(t.brk_freed == t.brk_allocated,
	       "after free() of all five the break stays at heap+%#lx: seen heap+%#lx",
	       (unsigned long)(t.brk_allocated - t.start), (unsigned long)(t.brk_freed - t.start));
	reused = which_block(&t, t.again);
	tap_ok(reused >= 0 && t.brk_again == t.brk_freed,
	       "a new malloc(16 KiB) reuses a freed block without moving the break: "
	       "got heap+%#lx (block %d)",
	       (unsigned long)(t.again - t.start), reused);
	tap_ok(t.brk_bigger == t.brk_again && t.bigger < t.brk_again &&
		   t.top_free >= (BLOCKS - 1) * SMALL,
	       "malloc(18 KiB) is served from the heap's free top without growing it: the four "
	       "blocks freed above the reused one merged into it (%zu bytes free there): break "
	       "heap+%#lx -> heap+%#lx",
	       t.top_free, (unsigned long)(t.brk_again - t.start),
	       (unsigned long)(t.brk_bigger - t.start));
	tap_diag("note: the classic notes have the 18 KiB malloc grow the heap; here it does not. "
		 "Freed blocks next to each other merge, and the last one merges into the free "
		 "top of the heap, so there is room however much padding the heap was given.");

	tap_diag("the same with mallopt(M_TOP_PAD, 0): no padding when the heap grows");
	if (!fresh_child_run(run, &no_pad, &t, sizeof(t)))
		return tap_ok(0, "the measuring child ran"), tap_done();
	tap_ok(t.mallopt_ok && t.growths == BLOCKS,
	       "without M_TOP_PAD every one of the five mallocs grows the heap: %d growths, "
	       "heap+%#lx",
	       t.growths, (unsigned long)(t.brk_allocated - t.start));
	tap_ok(t.brk_bigger == t.brk_again && t.top_free >= (BLOCKS - 1) * SMALL,
	       "and malloc(18 KiB) after the frees still needs no growth (%zu bytes free at the "
	       "top): that room comes from the merged blocks, not from the padding",
	       t.top_free);
	tap_diag("so M_TOP_PAD saves a brk call on each of the next mallocs after a growth; what "
		 "free() gives back stays in the process either way");

	tap_diag("again, but free only blocks 1 and 3 (live blocks keep them apart) and use up "
		 "the heap's free top first");
	if (!fresh_child_run(run, &holes, &t, sizeof(t)))
		return tap_ok(0, "the measuring child ran"), tap_done();
	reused = which_block(&t, t.again);
	tap_ok(reused == 1 || reused == 3,
	       "malloc(16 KiB) fits exactly into one of the two 16 KiB holes: got block %d",
	       reused);
	tap_ok(t.brk_bigger > t.brk_again && t.bigger >= t.brk_again - t.top_free,
	       "malloc(18 KiB) fits in no hole and the top is used up (%zu bytes), so the heap "
	       "grows: break +%#lx",
	       t.top_free, (unsigned long)(t.brk_bigger - t.brk_again));
	tap_diag("the heap grows only when no free block is big enough; the memory freed stays in "
		 "the process for the next malloc");
	return tap_done();
}
