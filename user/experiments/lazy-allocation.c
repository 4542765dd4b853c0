// SPDX-License-Identifier: GPL-2.0
/*
 * lazy-allocation - demonstrates that malloc'ed memory costs nothing until it
 * is touched: a 64 MiB malloc raises the virtual size at once, but the
 * resident size (RSS) and the page-fault count only as pages are written.
 */
#include "experiment.h"

#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#define KIB   1024l
#define SIZE  (64 * 1024 * 1024l)
#define PAGE  4096l
#define PAGES (SIZE / PAGE)
/* Slack for the program's own pages (stack, /proc buffer) faulted in between. */
#define SLACK_KB   512l
#define SLACK_FLTS 32l

/* The counters at one moment. */
struct usage {
	long faults; /* minor page faults so far (getrusage) */
	long rss_kb; /* VmRSS: resident memory */
	long vm_kb;  /* VmSize: virtual memory */
};

static struct usage now(void)
{
	struct rusage ru;
	struct usage u;

	getrusage(RUSAGE_SELF, &ru);
	u.faults = ru.ru_minflt;
	u.rss_kb = procfs_status_kb("VmRSS");
	u.vm_kb = procfs_status_kb("VmSize");
	return u;
}

static void show(const char *when, struct usage u, struct usage base)
{
	tap_diag("%-28s VmSize %+8ld kB   VmRSS %+8ld kB   minor faults %+6ld", when,
		 u.vm_kb - base.vm_kb, u.rss_kb - base.rss_kb, u.faults - base.faults);
}

int main(void)
{
	struct usage base, allocated, read_all, written, freed;
	volatile char *block;
	uintptr_t first_page;
	long sum = 0;

	report_begin("experiment 6: lazy allocation, 64 MiB malloc'ed then touched");
	report_about(
	    "malloc(64 MiB) returns at once and costs no memory: the kernel reserves\n"
	    "addresses, and gives a page of memory only when the page is first touched (a\n"
	    "page fault).  This program watches VmSize (addresses), VmRSS (memory) and the\n"
	    "fault count as the block is allocated, read, written and freed.");
	base = now();
	block = malloc(SIZE);
	if (!tap_ok(block != NULL, "malloc(64 MiB) succeeds"))
		return tap_done();
	/*
	 * Transparent huge pages could back the block with 2 MiB pages and one
	 * fault each; ask for 4 KiB pages so each page's first touch is counted.
	 */
	first_page = ((uintptr_t)block + PAGE - 1) & ~(uintptr_t)(PAGE - 1);
	madvise((void *)first_page, SIZE - PAGE, MADV_NOHUGEPAGE);
	allocated = now();
	tap_diag("change since before the malloc:");
	show("after malloc", allocated, base);
	tap_ok(allocated.vm_kb - base.vm_kb >= SIZE / KIB,
	       "malloc reserves the address space at once: VmSize +%ld kB",
	       allocated.vm_kb - base.vm_kb);
	tap_ok(allocated.rss_kb - base.rss_kb < SLACK_KB &&
		   allocated.faults - base.faults < SLACK_FLTS,
	       "but no memory: VmRSS %+ld kB, %ld minor faults (malloc wrote only its header)",
	       allocated.rss_kb - base.rss_kb, allocated.faults - base.faults);

	for (long i = 0; i < SIZE; i += PAGE)
		sum += block[i];
	read_all = now();
	show("after reading every page", read_all, base);
	tap_ok(sum == 0 && read_all.faults - allocated.faults >= PAGES - 1,
	       "reading each page faults once (%ld faults for %ld pages) and reads zeros",
	       read_all.faults - allocated.faults, PAGES);
	tap_ok(read_all.rss_kb - allocated.rss_kb < SLACK_KB,
	       "but RSS stays put (%+ld kB): a read maps the kernel's one shared zero page",
	       read_all.rss_kb - allocated.rss_kb);

	for (long i = 0; i < SIZE; i += PAGE)
		block[i] = 1;
	written = now();
	show("after writing every page", written, base);
	tap_ok(written.faults - read_all.faults >= PAGES - 1,
	       "the first write to each page faults again, to get a page of its own: %ld faults",
	       written.faults - read_all.faults);
	tap_ok(written.rss_kb - read_all.rss_kb >= SIZE / KIB - SLACK_KB,
	       "and now RSS has grown by the block's size: %+ld kB",
	       written.rss_kb - read_all.rss_kb);

	free((void *)block);
	freed = now();
	show("after free", freed, base);
	tap_ok(written.rss_kb - freed.rss_kb >= SIZE / KIB - SLACK_KB,
	       "free() unmaps the block (it was mmapped) and RSS drops back: %+ld kB",
	       freed.rss_kb - written.rss_kb);
	tap_diag("so a large malloc that is never touched costs address space, not memory");
	return tap_done();
}
