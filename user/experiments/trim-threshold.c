// SPDX-License-Identifier: GPL-2.0
/*
 * trim-threshold - demonstrates when free() does give heap memory back: once
 * the free space at the heap's top exceeds M_TRIM_THRESHOLD, glibc lowers
 * the break (trims), and malloc_trim() does it on demand.
 */
#include "experiment.h"

#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#define KIB   1024u
#define MIB   (1024u * KIB)
#define BLOCK (512 * KIB)
#define PAGE  4096u
/* glibc's default M_TOP_PAD: what a trim leaves at the heap's top. */
#define TOP_PAD (128 * KIB)

struct outcome {
	int mallopt_ok;
	uintptr_t brk_allocated, brk_freed, brk_trimmed;
	size_t top_after_free; /* free bytes left at the heap's top after free() */
	int trim_result;       /* malloc_trim(0): 1 if it released memory */
	uintptr_t heap_end;    /* where the [heap] line ends after malloc_trim */
};

/* Allocates and frees one 512 KiB heap block with M_TRIM_THRESHOLD @arg (0: default). */
static void run(const void *arg, void *result)
{
	const int *trim_threshold = arg;
	struct outcome *o = result;
	struct mapping heap;
	void *block;

	/* 512 KiB would be mmapped; a higher mmap threshold keeps it on the heap. */
	o->mallopt_ok = mallopt(M_MMAP_THRESHOLD, 1 * MIB);
	if (*trim_threshold)
		o->mallopt_ok &= mallopt(M_TRIM_THRESHOLD, *trim_threshold);
	block = malloc(BLOCK);
	/* Use the block, or gcc removes the malloc/free pair altogether. */
	*(volatile char *)block = 1;
	o->brk_allocated = (uintptr_t)sbrk(0);
	free(block);
	o->brk_freed = (uintptr_t)sbrk(0);
	o->top_after_free = mallinfo2().keepcost;
	o->trim_result = malloc_trim(0);
	o->brk_trimmed = (uintptr_t)sbrk(0);
	o->heap_end = procfs_heap(&heap) ? heap.end : 0;
}

int main(void)
{
	static const int keep_all = 64 * MIB, by_default = 0;
	struct outcome o;

	report_begin("experiment 4c: M_TRIM_THRESHOLD and malloc_trim give heap memory back");
	report_about(
	    "free() does give heap memory back, but only from the top of the heap and only\n"
	    "past a threshold: when the free space at the top exceeds M_TRIM_THRESHOLD\n"
	    "(128 KiB), glibc lowers the break (trims), keeping M_TOP_PAD.  malloc_trim() does\n"
	    "it on demand.  This program frees a 512 KiB top block under both thresholds.");
	tap_diag("each run: malloc(512 KiB) from the heap (M_MMAP_THRESHOLD set to 1 MiB), then "
		 "free() it; the block is the last one, so it merges into the heap's free top");

	tap_diag("with M_TRIM_THRESHOLD = 64 MiB:");
	if (!fresh_child_run(run, &keep_all, &o, sizeof(o)))
		return tap_ok(0, "the measuring child ran"), tap_done();
	tap_ok(o.mallopt_ok == 1, "mallopt() accepts both thresholds");
	tap_ok(o.brk_freed == o.brk_allocated,
	       "free() keeps the break: %zu free bytes at the top stay below the threshold",
	       o.top_after_free);
	tap_ok(o.trim_result == 1 && o.brk_trimmed < o.brk_freed &&
		   o.brk_freed - o.brk_trimmed >= BLOCK,
	       "malloc_trim(0) returns them anyway: break lowered by %#lx (returned %d)",
	       (unsigned long)(o.brk_freed - o.brk_trimmed), o.trim_result);
	tap_ok(o.heap_end == o.brk_trimmed,
	       "the [heap] line of /proc/self/maps shrank with it: ends at %#lx, break %#lx",
	       (unsigned long)o.heap_end, (unsigned long)o.brk_trimmed);

	tap_diag("with the default M_TRIM_THRESHOLD (128 KiB):");
	if (!fresh_child_run(run, &by_default, &o, sizeof(o)))
		return tap_ok(0, "the measuring child ran"), tap_done();
	tap_ok(o.brk_freed < o.brk_allocated && o.brk_allocated - o.brk_freed >= BLOCK,
	       "free() itself lowers the break, by %#lx: the top grew past 128 KiB",
	       (unsigned long)(o.brk_allocated - o.brk_freed));
	tap_ok(o.top_after_free > TOP_PAD + MALLOC_MIN_CHUNK &&
		   o.top_after_free <= TOP_PAD + MALLOC_MIN_CHUNK + PAGE,
	       "what stays at the top is M_TOP_PAD (128 KiB) plus less than a page: %zu bytes, "
	       "128 KiB %+ld",
	       o.top_after_free, (long)o.top_after_free - (long)TOP_PAD);
	tap_diag("the trim keeps M_TOP_PAD and a minimal chunk, and gives back whole pages "
		 "above that: the next mallocs find the same slack a growth would have left");
	tap_diag("so free() shrinks the heap only from its top, and only past a threshold; a "
		 "free block in the middle stays (experiment 2)");
	return tap_done();
}
