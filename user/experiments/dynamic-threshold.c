// SPDX-License-Identifier: GPL-2.0
/*
 * dynamic-threshold - demonstrates that freeing an mmapped block raises
 * glibc's mmap threshold to that block's size (so the next block of the
 * same size comes from the heap), up to a ceiling, and that setting
 * M_MMAP_THRESHOLD with mallopt() pins it.
 */
#include "experiment.h"

#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#define KIB 1024u
#define MIB (1024u * KIB)

struct scenario {
	size_t size;  /* the block freed, then asked for again */
	int pin;      /* call mallopt(M_MMAP_THRESHOLD, 128 KiB) first */
	size_t probe; /* if not 0: after the free, use up the heap's top and malloc this */
};

struct outcome {
	int mallopt_ok;		/* mallopt() returned 1 */
	size_t first_map;	/* size of the first block's mapping (0: not mmapped) */
	size_t first_field;	/* the size field in front of the first block */
	int second_mmapped;	/* the block after the free lies outside the heap */
	uintptr_t second, keep; /* kept so gcc does not drop the mallocs */
};

/* Whether @block lies outside [start of heap, break). */
static int outside_heap(uintptr_t block)
{
	return block < procfs_start_brk() || block >= (uintptr_t)sbrk(0);
}

static void run(const void *arg, void *result)
{
	const struct scenario *s = arg;
	struct outcome *o = result;
	struct mapping m;
	void *first;

	if (s->pin)
		o->mallopt_ok = mallopt(M_MMAP_THRESHOLD, 128 * KIB);
	first = malloc(s->size);
	o->first_field = malloc_size_field(first);
	if (outside_heap((uintptr_t)first) && procfs_mapping_at((uintptr_t)first, &m))
		o->first_map = m.end - m.start;
	free(first);
	if (s->probe) {
		/* Fill the heap's top so the probe must go to brk or mmap. */
		o->keep = (uintptr_t)malloc(mallinfo2().keepcost - 64);
		o->second = (uintptr_t)malloc(s->probe);
	} else {
		o->second = (uintptr_t)malloc(s->size);
	}
	o->second_mmapped = outside_heap(o->second);
}

/* Runs @s in a fresh child; false (after a failing TAP line) if it could not. */
static int measure(const struct scenario *s, struct outcome *o)
{
	return fresh_child_run(run, s, o, sizeof(*o)) ||
	       tap_ok(0, "a child measuring malloc(%zu) ran", s->size);
}

int main(void)
{
	struct scenario s = {200 * KIB, 0, 0};
	struct outcome o;
	size_t freed;

	report_begin("experiment 4a: the dynamic mmap threshold, and mallopt pinning it");
	report_about(
	    "The 128 KiB mmap threshold is only where glibc starts.  A program that frees a\n"
	    "large block will likely ask for one again, and an mmap/munmap pair on every such\n"
	    "request is slow; so free() of an mmapped block raises the threshold to its size.\n"
	    "This program shows the threshold move, where it stops, and mallopt() pinning it.");
	tap_diag("malloc(200 KiB), free() it, malloc(200 KiB) again, in a fresh process");
	if (!measure(&s, &o))
		return tap_done();
	freed = o.first_map;
	tap_ok(freed > 0,
	       "the first 200 KiB block is mmapped (above the 128 KiB threshold): "
	       "a %zu-byte mapping",
	       freed);
	tap_diag("the size field in front of it is %#zx: chunk size %#zx, flag bit 1 "
		 "(IS_MMAPPED) %s",
		 o.first_field, o.first_field & ~(size_t)7, o.first_field & 2 ? "set" : "clear");
	tap_ok(!o.second_mmapped,
	       "after free() of that mapping, the same malloc(200 KiB) comes from the heap");
	tap_diag("free() of an mmapped chunk raised M_MMAP_THRESHOLD to its size, %zu bytes, "
		 "and M_TRIM_THRESHOLD to twice that: glibc guesses such blocks come and go",
		 freed);

	/* Bracket the new threshold: chunk sizes just below and at the freed size. */
	s.probe = freed - 16 - 8;
	if (!measure(&s, &o))
		return tap_done();
	tap_ok(!o.second_mmapped,
	       "after the free, malloc(%zu) (a %zu-byte chunk, just below %zu) uses the heap",
	       s.probe, malloc_chunk_size(s.probe), freed);
	s.probe = freed - 8;
	if (!measure(&s, &o))
		return tap_done();
	tap_ok(o.second_mmapped,
	       "after the free, malloc(%zu) (a %zu-byte chunk) is mmapped: the threshold is now "
	       "exactly the freed mapping's size",
	       s.probe, malloc_chunk_size(s.probe));

	s = (struct scenario){64 * MIB, 0, 0};
	if (!measure(&s, &o))
		return tap_done();
	tap_ok(o.first_map > 0 && o.second_mmapped,
	       "freeing a 64 MiB mapping does not raise the threshold: the next malloc(64 MiB) "
	       "is mmapped again");
	tap_diag("the threshold only follows freed blocks up to DEFAULT_MMAP_THRESHOLD_MAX, "
		 "32 MiB on 64-bit");

	s = (struct scenario){200 * KIB, 1, 0};
	if (!measure(&s, &o))
		return tap_done();
	tap_ok(o.mallopt_ok == 1, "mallopt(M_MMAP_THRESHOLD, 128 KiB) succeeds: returned %d",
	       o.mallopt_ok);
	tap_ok(o.first_map > 0 && o.second_mmapped,
	       "with the threshold set by mallopt, malloc(200 KiB) after free() is mmapped "
	       "again: setting it turns the dynamic adjustment off");
	tap_diag("so does setting M_TRIM_THRESHOLD, M_TOP_PAD or M_MMAP_MAX (mallopt(3))");
	return tap_done();
}
