// SPDX-License-Identifier: GPL-2.0
/*
 * mmap-max - demonstrates M_MMAP_MAX, the most chunks malloc keeps as
 * mappings of their own at one time: past it, even a large request comes
 * from the heap; at 0 malloc never chooses mmap, yet still maps memory
 * when the heap cannot grow.
 */
#include "experiment.h"

#include <malloc.h>
#include <sys/mman.h>

#define KIB   1024ul
#define MIB   (1024 * KIB)
#define LARGE (1 * MIB)
#define PAGE  4096ul

struct scenario {
	int mmap_max;	   /* mallopt(M_MMAP_MAX) first; -1: glibc's default */
	bool block_growth; /* map a page at the break, so brk cannot grow the heap */
};

/* Where one block landed. */
struct block {
	bool in_heap; /* inside the [heap] line */
	bool mmapped; /* its chunk's IS_MMAPPED bit */
	size_t hblks; /* mallinfo2().hblks after it: chunks that are mappings */
};

struct outcome {
	int mallopt_ok;
	bool growth_blocked;	 /* the page at the break was mapped */
	struct block large[3];	 /* three live malloc(1 MiB) */
	struct block after_free; /* malloc(1 MiB) after freeing the first */
};

static bool in_heap(uintptr_t addr)
{
	struct mapping heap;

	return procfs_heap(&heap) && heap.start <= addr && addr < heap.end;
}

/* @addr as an integer: gcc takes a pointer to a fresh block for one to uninitialised data. */
static struct block observe(uintptr_t addr)
{
	struct block b = {in_heap(addr), (malloc_size_field((void *)addr) & MALLOC_IS_MMAPPED) != 0,
			  mallinfo2().hblks};

	return b;
}

static void run(const void *arg, void *result)
{
	const struct scenario *s = arg;
	struct outcome *o = result;
	void *large[3];

	memset(o, 0, sizeof(*o));
	o->mallopt_ok = s->mmap_max < 0 || mallopt(M_MMAP_MAX, s->mmap_max) == 1;
	/* Kept live in the heap: gcc drops a malloc whose block is never used. */
	*(volatile char *)malloc(64) = 1;
	if (s->block_growth) {
		uintptr_t next = ((uintptr_t)sbrk(0) + PAGE - 1) & ~(PAGE - 1);

		o->growth_blocked =
		    mmap((void *)next, PAGE, PROT_NONE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0) == (void *)next;
	}
	for (int i = 0; i < 3; i++) {
		large[i] = malloc(LARGE);
		o->large[i] = observe((uintptr_t)large[i]);
	}
	free(large[0]);
	large[0] = malloc(LARGE);
	o->after_free = observe((uintptr_t)large[0]);
}

static bool measure(const struct scenario *s, struct outcome *o)
{
	return fresh_child_run(run, s, o, sizeof(*o)) ||
	       tap_ok(false, "a child with M_MMAP_MAX %d ran", s->mmap_max);
}

int main(void)
{
	struct scenario s = {-1, false};
	struct outcome o;

	report_begin("experiment 4d: M_MMAP_MAX, how many chunks may be mappings");
	report_about(
	    "Every chunk malloc maps on its own costs a system call to make and one to free, a\n"
	    "VMA in the kernel, and whole pages.  M_MMAP_MAX caps how many such chunks may be\n"
	    "alive at once (default 65536); past it malloc serves large requests from the heap\n"
	    "as if they were small.  Each run below: a fresh process makes three malloc(1 MiB),\n"
	    "all alive, then frees the first and asks again.  A block is mmapped when its\n"
	    "chunk has the IS_MMAPPED bit; mallinfo2().hblks counts such chunks.");

	tap_diag("glibc's default M_MMAP_MAX:");
	if (!measure(&s, &o))
		return tap_done();
	tap_ok(o.large[0].mmapped && o.large[1].mmapped && o.large[2].mmapped &&
		   o.large[2].hblks == 3,
	       "all three 1 MiB blocks are mappings of their own (hblks %zu)", o.large[2].hblks);

	s = (struct scenario){2, false};
	tap_diag("with mallopt(M_MMAP_MAX, 2):");
	if (!measure(&s, &o))
		return tap_done();
	tap_ok(o.mallopt_ok && o.large[0].mmapped && o.large[1].mmapped && o.large[1].hblks == 2,
	       "the first two 1 MiB blocks are mappings (hblks %zu)", o.large[1].hblks);
	tap_ok(!o.large[2].mmapped && o.large[2].in_heap && o.large[2].hblks == 2,
	       "the third comes from the [heap]: two mappings are alive, the cap is reached "
	       "(hblks still %zu)",
	       o.large[2].hblks);
	tap_ok(o.after_free.mmapped && o.after_free.hblks == 2,
	       "after free() of the first, the next malloc(1 MiB) is a mapping again: the cap "
	       "counts live mappings, not mappings ever made (hblks %zu)",
	       o.after_free.hblks);

	s = (struct scenario){0, false};
	tap_diag("with mallopt(M_MMAP_MAX, 0):");
	if (!measure(&s, &o))
		return tap_done();
	tap_ok(o.mallopt_ok && o.large[0].in_heap && o.large[1].in_heap && o.large[2].in_heap &&
		   o.large[2].hblks == 0,
	       "every 1 MiB block comes from the [heap]; hblks %zu", o.large[2].hblks);

	s = (struct scenario){0, true};
	tap_diag("with mallopt(M_MMAP_MAX, 0) and a page mapped just past the break, so that "
		 "brk cannot grow the heap:");
	if (!measure(&s, &o))
		return tap_done();
	if (tap_ok(o.growth_blocked, "a page is mapped at the break (MAP_FIXED_NOREPLACE)"))
		tap_ok(!o.large[0].in_heap && !o.large[0].mmapped && o.large[0].hblks == 0,
		       "malloc(1 MiB) still succeeds, from memory glibc mapped with mmap: not a "
		       "chunk of its own (IS_MMAPPED %s, hblks %zu) but a new, non-contiguous part "
		       "of the main arena",
		       o.large[0].mmapped ? "set" : "clear", o.large[0].hblks);
	tap_diag("note: M_MMAP_MAX 0 turns off mmap for large requests only, as mallopt(3) says; "
		 "notes that have the main arena grow with brk alone miss that it continues in "
		 "mapped memory, outside the [heap], when brk fails");
	tap_diag("setting M_MMAP_MAX also turns off the dynamic mmap threshold (experiment 4a)");
	return tap_done();
}
