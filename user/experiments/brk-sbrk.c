// SPDX-License-Identifier: GPL-2.0
/*
 * brk-sbrk - demonstrates the program break: sbrk() moves it, and the kernel
 * shows the memory between the heap's start and the break as the [heap]
 * line of /proc/self/maps, in whole pages.
 */
#include "experiment.h"

#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#define PAGE 4096

/* What a child saw when it read /proc/self/maps through stdio. */
struct stdio_cost {
	uintptr_t start_brk, brk_before, brk_after;
	int read_ok;
};

/* Reads one line of /proc/self/maps the ordinary way and watches the break. */
static void read_maps_with_stdio(const void *arg, void *result)
{
	struct stdio_cost *r = result;
	char line[256];
	FILE *f;

	(void)arg;
	r->start_brk = procfs_start_brk();
	r->brk_before = (uintptr_t)sbrk(0);
	f = fopen("/proc/self/maps", "r");			/* mallocs the FILE ... */
	r->read_ok = f && fgets(line, sizeof(line), f) != NULL; /* ... and its buffer */
	r->brk_after = (uintptr_t)sbrk(0);
	if (f)
		fclose(f);
}

int main(void)
{
	struct stdio_cost cost;
	struct mapping heap;
	uintptr_t start;
	char *brk0, *old;
	int zeroed = 1;
	bool has_heap;

	report_begin("experiment 1: brk/sbrk and the [heap] line of /proc/self/maps");
	report_about(
	    "The heap of a process is one stretch of memory that ends at the program break.\n"
	    "Before mmap existed, moving the break with brk/sbrk was how a process asked the\n"
	    "kernel for memory, and malloc still grows its main heap this way.  This program\n"
	    "moves the break by hand and watches the kernel's view of it, the [heap] line of\n"
	    "/proc/self/maps, appear, grow in whole pages and vanish.");
	tap_diag(
	    "the program break is the end of the heap; sbrk(n) moves it by n bytes and returns "
	    "the old break, sbrk(0) just reads it");

	start = procfs_start_brk();
	brk0 = sbrk(0);
	tap_ok((uintptr_t)brk0 == start,
	       "before any malloc the break is where the heap starts: sbrk(0) %p, start_brk %#lx "
	       "(/proc/self/stat field 47)",
	       (void *)brk0, (unsigned long)start);
	has_heap = procfs_heap(&heap);
	tap_ok(!has_heap, "an empty heap has no [heap] line in /proc/self/maps%s",
	       has_heap ? ": but one was there" : "");

	old = sbrk(PAGE);
	tap_ok(old == brk0, "sbrk(4096) returns the old break: %p", (void *)old);
	tap_ok(sbrk(0) == brk0 + PAGE, "the break moved up by 4096: %p -> %p", (void *)brk0,
	       sbrk(0));
	has_heap = procfs_heap(&heap);
	if (tap_ok(
		has_heap && heap.start == (uintptr_t)brk0 && heap.end == (uintptr_t)brk0 + PAGE,
		"a [heap] line appeared spanning exactly the old break to the new one: %#lx-%#lx",
		(unsigned long)heap.start, (unsigned long)heap.end))
		tap_diag("/proc/self/maps: %lx-%lx %s %s", (unsigned long)heap.start,
			 (unsigned long)heap.end, heap.perms, heap.name);
	for (int i = 0; i < PAGE; i++)
		zeroed &= brk0[i] == 0;
	tap_ok(zeroed, "the new heap page reads as zeros: the kernel never hands out old data");
	brk0[0] = 1;
	brk0[PAGE - 1] = 2;
	tap_ok(brk0[0] == 1 && brk0[PAGE - 1] == 2, "both ends of the new page are writable");

	sbrk(-PAGE);
	tap_ok(sbrk(0) == brk0, "sbrk(-4096) moves the break back to %p", sbrk(0));
	has_heap = procfs_heap(&heap);
	tap_ok(!has_heap, "and the [heap] line is gone again");

	/* The break is a byte address, but the kernel maps whole pages. */
	sbrk(100);
	has_heap = procfs_heap(&heap);
	tap_ok(has_heap && heap.end == (uintptr_t)brk0 + PAGE,
	       "after sbrk(100) the [heap] line still ends a whole page later: %#lx-%#lx",
	       (unsigned long)heap.start, (unsigned long)heap.end);
	tap_diag("the break may be any byte, the mapping behind it is rounded up to pages "
		 "(experiment 5 writes past it)");
	tap_ok(brk(brk0) == 0 && sbrk(0) == brk0, "brk(start) sets the break back directly");

	/* Everything above printed through stdout with a static buffer; see why. */
	if (fresh_child_run(read_maps_with_stdio, NULL, &cost, sizeof(cost))) {
		tap_ok(cost.read_ok && cost.brk_before == cost.start_brk &&
			   cost.brk_after > cost.brk_before,
		       "reading /proc/self/maps with fopen()+fgets() creates the heap it would "
		       "show: break %#lx -> %#lx",
		       (unsigned long)cost.brk_before, (unsigned long)cost.brk_after);
		tap_diag(
		    "stdio mallocs a FILE and a buffer, and malloc's first call grows the heap; "
		    "so these programs read /proc with read(2) and print through a static "
		    "stdout buffer (setvbuf)");
	} else {
		tap_ok(0, "reading /proc/self/maps with stdio: the measuring child failed");
	}
	return tap_done();
}
