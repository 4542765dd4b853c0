// SPDX-License-Identifier: GPL-2.0
/*
 * mmap-threshold - finds, by bisection, the smallest malloc request that
 * glibc serves with mmap instead of the heap, and shows it is compared in
 * chunk sizes (request plus header), and only when the heap's top is full.
 */
#include "experiment.h"

#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#define KIB 1024u
/* glibc's default M_MMAP_THRESHOLD, in bytes of chunk (see malloc_chunk_size()). */
#define DEFAULT_THRESHOLD (128 * KIB)

/* How a probe starts: as the process's first malloc, or with the heap's top used up. */
enum start { FIRST_MALLOC, TOP_USED_UP };

struct probe {
	enum start start;
	size_t request;
};

struct outcome {
	int from_mmap;	  /* the block lies outside the heap */
	uintptr_t filler; /* the block that used up the top (kept, or gcc drops it) */
	size_t first_top; /* the heap's free top after the first tiny malloc */
};

static void allocate(const void *arg, void *result)
{
	const struct probe *p = arg;
	struct outcome *o = result;
	uintptr_t start = procfs_start_brk(), block;

	if (p->start == TOP_USED_UP) {
		/* A first tiny malloc creates the heap; then fill its free top. */
		o->filler = (uintptr_t)malloc(1);
		o->first_top = mallinfo2().keepcost + malloc_chunk_size(1);
		o->filler = (uintptr_t)malloc(mallinfo2().keepcost - 64);
	}
	block = (uintptr_t)malloc(p->request);
	o->from_mmap = block < start || block >= (uintptr_t)sbrk(0);
}

/* Whether malloc(@request) comes from mmap when started as @start; -1 if the probe failed. */
static int from_mmap(enum start start, size_t request, struct outcome *o)
{
	struct probe p = {start, request};

	return fresh_child_run(allocate, &p, o, sizeof(*o)) ? o->from_mmap : -1;
}

/*
 * The smallest request in (@lo, @hi] served by mmap, given that @lo is not
 * and @hi is: about 17 fresh processes.  0 if a probe failed.
 */
static size_t bisect(enum start start, size_t lo, size_t hi)
{
	struct outcome o;

	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		int mmapped = from_mmap(start, mid, &o);

		if (mmapped < 0)
			return 0;
		*(mmapped ? &hi : &lo) = mid;
	}
	return hi;
}

int main(void)
{
	const size_t lo = 64 * KIB, hi = 256 * KIB;
	struct outcome o;
	size_t threshold, first, top;

	report_begin("experiment 3b: the mmap threshold, found by bisection");
	report_about(
	    "Where does malloc switch from the heap to mmap?  The classic answer is 128 KiB.\n"
	    "This program finds the exact request by bisection, each probe in a fresh process,\n"
	    "and shows what the threshold is compared with (the chunk, not the request) and\n"
	    "when it is not consulted at all.");
	tap_diag("each probe is a fresh process that makes one malloc(n) and checks whether the "
		 "block lies in the heap or in a mapping of its own");

	tap_ok(
	    from_mmap(TOP_USED_UP, lo, &o) == 0 && from_mmap(TOP_USED_UP, hi, &o) == 1,
	    "with the heap's top used up, malloc(64 KiB) uses the heap and malloc(256 KiB) mmap");
	top = o.first_top;
	threshold = bisect(TOP_USED_UP, lo, hi);
	tap_diag("the smallest request served by mmap: %zu bytes (128 KiB - %zu)", threshold,
		 DEFAULT_THRESHOLD - threshold);
	tap_ok(threshold && malloc_chunk_size(threshold) >= DEFAULT_THRESHOLD &&
		   malloc_chunk_size(threshold - 1) < DEFAULT_THRESHOLD,
	       "the threshold is 128 KiB of chunk: malloc(%zu) makes a %zu-byte chunk and is "
	       "mmapped, malloc(%zu) makes %zu and is not",
	       threshold, malloc_chunk_size(threshold), threshold - 1,
	       malloc_chunk_size(threshold - 1));
	tap_diag("note: the classic notes put the threshold at 128 KiB of request; glibc compares "
		 "the chunk size (request + 8-byte header, rounded up to 16), so requests from "
		 "%zu bytes up are mmapped",
		 threshold);

	tap_diag("the same bisection, but each probe's malloc(n) is the process's first");
	first = bisect(FIRST_MALLOC, lo, hi);
	tap_ok(first > threshold && malloc_chunk_size(first - 1) + MALLOC_MIN_CHUNK <= top &&
		   malloc_chunk_size(first) + MALLOC_MIN_CHUNK > top,
	       "a first malloc is served from the new heap while it fits its free top "
	       "(%zu bytes): up to %zu bytes, above the threshold",
	       top, first - 1);
	tap_diag("malloc checks the threshold only when the heap's top is too small for a request; "
		 "the first heap growth left %zu bytes there (experiment 4b explains the size)",
		 top);
	return tap_done();
}
