// SPDX-License-Identifier: GPL-2.0
/*
 * calloc-zero - demonstrates that calloc() does not clear memory it knows
 * is zero already: a large calloc is a fresh mapping, which the kernel
 * hands out zeroed, so no page is touched and no memory is used; a recycled
 * heap block is cleared with memset.
 */
#include "experiment.h"

#include <malloc.h>
#include <sys/mman.h>
#include <sys/resource.h>

#define KIB	   1024l
#define SIZE	   (64 * 1024 * 1024l)
#define PAGE	   4096l
#define PAGES	   (SIZE / PAGE)
#define HUGE_PAGES (2 * 1024 * 1024l / PAGE)
/* Above the tcache's 1032 bytes: calloc does not take blocks from the tcache. */
#define SMALL 2000

static long minor_faults(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_minflt;
}

/* How many of the block's pages are resident, by mincore(2); -1 on error. */
static long resident_pages(const void *block, size_t size)
{
	static unsigned char vec[SIZE / PAGE + 2];
	uintptr_t start = (uintptr_t)block & ~(uintptr_t)(PAGE - 1);
	size_t len = (uintptr_t)block + size - start;
	long count = 0;

	if (mincore((void *)start, len, vec) < 0)
		return -1;
	for (size_t i = 0; i < (len + PAGE - 1) / PAGE; i++)
		count += vec[i] & 1;
	return count;
}

/* Whether every byte of @p's first @size is zero. */
static bool all_zero(const unsigned char *p, size_t size)
{
	for (size_t i = 0; i < size; i++)
		if (p[i])
			return false;
	return true;
}

int main(void)
{
	long faults, resident;
	unsigned char *big, *small, *again, *guard;
	uintptr_t small_addr;

	report_begin("experiment 6b: calloc() skips clearing memory that is zero already");
	report_about(
	    "calloc(n, size) must return zeroed memory.  A block from a fresh mapping is zero\n"
	    "already: the kernel gives every new page zeroed, on first touch.  Clearing it\n"
	    "would touch every page and make it all resident for nothing, so glibc's calloc\n"
	    "skips the memset for mmapped chunks, and clears only memory that may hold old\n"
	    "data: a block that was freed and handed out again.  mincore(2) says which pages\n"
	    "are resident, getrusage() how many page faults the process took.");

	faults = minor_faults();
	big = calloc(PAGES, PAGE);
	faults = minor_faults() - faults;
	if (!tap_ok(big != NULL && (malloc_size_field(big) & MALLOC_IS_MMAPPED),
		    "calloc(64 MiB) is a mapping of its own (IS_MMAPPED set)"))
		return tap_done();
	/* Ask for 4 KiB pages so each page read later is counted on its own. */
	madvise((void *)(((uintptr_t)big + PAGE - 1) & ~(uintptr_t)(PAGE - 1)), SIZE - PAGE,
		MADV_NOHUGEPAGE);
	resident = resident_pages(big, SIZE);
	/* Where huge pages are always on, the header's page may be a 2 MiB one. */
	tap_ok(faults < 16 && resident >= 0 && resident <= HUGE_PAGES + 1,
	       "calloc touched nothing but malloc's 16-byte header: %ld minor faults, %ld of %ld "
	       "pages resident (one, or one huge page's %ld where THP is always on)",
	       faults, resident, PAGES, HUGE_PAGES);
	tap_ok(all_zero(big, SIZE), "yet all 64 MiB read as zero: the kernel's fresh pages");
	tap_diag("(reading maps each page to the kernel's one shared zero page: experiment 6)");
	free(big);

	big = malloc(SIZE);
	if (big) {
		madvise((void *)(((uintptr_t)big + PAGE - 1) & ~(uintptr_t)(PAGE - 1)), SIZE - PAGE,
			MADV_NOHUGEPAGE);
		faults = minor_faults();
		memset(big, 0, SIZE);
		faults = minor_faults() - faults;
		resident = resident_pages(big, SIZE);
		tap_ok(faults >= PAGES - 1 && resident >= PAGES,
		       "malloc + memset of the same 64 MiB, what calloc saves: %ld faults, every "
		       "page resident (%ld)",
		       faults, resident);
		free(big);
	}

	small = malloc(SMALL);
	/* A block after it keeps it from merging into the heap's free top when freed. */
	guard = malloc(16);
	if (!tap_ok(small && guard, "malloc(%d) from the heap, and a small block after it", SMALL))
		return tap_done();
	memset(small, 0xaa, SMALL);
	*(volatile unsigned char *)guard = 1;
	small_addr = (uintptr_t)small;
	free(small);
	again = calloc(1, SMALL);
	tap_ok((uintptr_t)again == small_addr && all_zero(again, SMALL),
	       "calloc(1, %d) right after freeing a block of that size filled with 0xaa gets the "
	       "same block back (%s), cleared",
	       SMALL, (uintptr_t)again == small_addr ? "same address" : "another address");
	tap_diag("note: notes that define calloc as malloc + memset describe the result, not "
		 "the cost: here a large calloc costs no more than a malloc, and the memset "
		 "is paid only for reused heap memory");
	free(again);
	free(guard);
	return tap_done();
}
