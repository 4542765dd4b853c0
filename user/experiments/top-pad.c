// SPDX-License-Identifier: GPL-2.0
/*
 * top-pad - explains the size of the heap's first growth, 0x21000 bytes:
 * glibc grows the heap by what it needs plus M_TOP_PAD (128 KiB), rounded up
 * to pages, and what it first needs is its own thread cache.
 */
#include "experiment.h"

#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#define KIB  1024u
#define PAGE 4096u

struct run {
	int top_pad;	/* M_TOP_PAD to set, or -1 for glibc's default */
	size_t request; /* the program's first malloc */
};

struct outcome {
	int mallopt_ok;
	uintptr_t start, block; /* heap start, the block returned */
	size_t growth;		/* how far the first malloc moved the break */
};

static void run(const void *arg, void *result)
{
	const struct run *r = arg;
	struct outcome *o = result;

	o->mallopt_ok = r->top_pad < 0 || mallopt(M_TOP_PAD, r->top_pad) == 1;
	o->start = (uintptr_t)sbrk(0);
	o->block = (uintptr_t)malloc(r->request);
	o->growth = (uintptr_t)sbrk(0) - o->start;
}

static size_t page_up(size_t n)
{
	return (n + PAGE - 1) & ~(size_t)(PAGE - 1);
}

int main(void)
{
	struct run r = {-1, 1};
	struct outcome o;
	size_t tcache, expected;

	report_begin("experiment 4b: the first heap growth, 0x21000, and M_TOP_PAD");
	report_about(
	    "A program's first malloc grows the heap by 0x21000 bytes, whatever it asked for.\n"
	    "glibc grows the heap by what it needs plus M_TOP_PAD (128 KiB) of slack, so the\n"
	    "next mallocs need no system call; what it needs first is its own thread cache.\n"
	    "This program explains the number and changes it with mallopt(M_TOP_PAD).");
	if (!fresh_child_run(run, &r, &o, sizeof(o)))
		return tap_ok(0, "the measuring child ran"), tap_done();
	tap_ok(o.growth == 0x21000, "a program's first malloc(1) grows the heap by 0x21000: %#zx",
	       o.growth);
	/* The block's chunk starts 16 bytes before it; what lies below is the tcache. */
	tcache = o.block - 16 - o.start;
	tap_diag("malloc(1) returned heap+%#lx: the first %#zx bytes of the heap are another "
		 "chunk, glibc's per-thread cache (tcache), allocated by the first malloc",
		 (unsigned long)(o.block - o.start), tcache);
	if (report_glibc_at_least(2, 30))
		tap_diag("the tcache chunk is 0x290 bytes from glibc 2.30 on (0x250 in 2.26-2.29; "
			 "no tcache before 2.26); here %#zx",
			 tcache);
	expected = page_up(tcache + 128 * KIB + MALLOC_MIN_CHUNK);
	tap_ok(o.growth == expected,
	       "0x21000 = page_up(tcache %#zx + M_TOP_PAD 128 KiB + a minimal chunk 0x20) = %#zx",
	       tcache, expected);
	tap_diag("note: the classic notes explain 0x21000 as 128 KiB + the request rounded up; on "
		 "this glibc the request that grows the heap is the tcache's own");

	r.request = 5000;
	if (!fresh_child_run(run, &r, &o, sizeof(o)))
		return tap_ok(0, "the measuring child ran"), tap_done();
	tap_ok(o.growth == 0x21000,
	       "a first malloc(5000) also grows it by 0x21000, not 128 KiB + 5000 rounded "
	       "(0x22000): %#zx",
	       o.growth);
	tap_diag("the heap is grown once, for the tcache; the 5000 bytes then come out of the "
		 "128 KiB of padding");

	for (int pad = 0; pad <= 256; pad += 64) {
		r = (struct run){(int)(pad * KIB), 1};
		if (!fresh_child_run(run, &r, &o, sizeof(o)))
			return tap_ok(0, "the measuring child ran"), tap_done();
		expected = page_up(tcache + pad * KIB + MALLOC_MIN_CHUNK);
		tap_ok(o.mallopt_ok && o.growth == expected,
		       "mallopt(M_TOP_PAD, %d KiB): the first growth is %#zx, expected %#zx", pad,
		       o.growth, expected);
	}
	tap_diag("M_TOP_PAD is the slack added whenever the heap grows, so that the next "
		 "mallocs need no system call; it is also what free() leaves when it trims "
		 "(experiment 4c)");
	return tap_done();
}
