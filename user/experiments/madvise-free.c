// SPDX-License-Identifier: GPL-2.0
/*
 * madvise-free - demonstrates the two ways to give memory back without
 * unmapping it: MADV_DONTNEED drops the pages at once (the next read sees
 * zeros), MADV_FREE only marks them free for the kernel to take when it
 * needs memory (until then they keep their data); and glibc's
 * posix_madvise(POSIX_MADV_DONTNEED) does nothing at all.
 */
#include "experiment.h"

#include <sys/mman.h>

#define KIB   1024ul
#define SIZE  (4 * 1024 * KIB)
#define PAGE  4096ul
#define PAGES (SIZE / PAGE)
/*
 * The kernel marks pages lazily free in per-CPU batches of up to 31; smaps
 * counts a page once its batch is done, so up to that many may be missing
 * on each CPU the process ran on during the call (four allowed for).
 */
#define BATCH_KB (4 * 31 * PAGE / KIB)

/* Resident pages of [@p, @p + SIZE), by mincore(2); -1 on error. */
static long resident(const void *p)
{
	static unsigned char vec[PAGES];
	long count = 0;

	if (mincore((void *)p, SIZE, vec) < 0)
		return -1;
	for (size_t i = 0; i < PAGES; i++)
		count += vec[i] & 1;
	return count;
}

/* Writes a byte different on every page, making every page resident. */
static void fill(unsigned char *p)
{
	for (size_t i = 0; i < PAGES; i++)
		p[i * PAGE] = (unsigned char)(i % 251 + 1);
}

/* Pages holding their fill() byte, and pages that read zero. */
static void survey(const unsigned char *p, size_t *kept, size_t *zero)
{
	*kept = *zero = 0;
	for (size_t i = 0; i < PAGES; i++) {
		*kept += p[i * PAGE] == (unsigned char)(i % 251 + 1);
		*zero += p[i * PAGE] == 0;
	}
}

/* A private anonymous 4 MiB of 4 KiB pages (no huge pages), every page written. */
static unsigned char *fresh_region(void)
{
	unsigned char *p =
	    mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	madvise(p, SIZE, MADV_NOHUGEPAGE);
	fill(p);
	return p;
}

int main(void)
{
	unsigned char *p, *shared;
	size_t kept, zero;
	long res, lazy, lazy_before;
	int ret;

	report_begin("experiment 6d: MADV_DONTNEED against MADV_FREE");
	report_about(
	    "A program (or an allocator) that is done with memory it may need again soon can\n"
	    "keep the mapping and give the pages back.  MADV_DONTNEED drops them now: the next\n"
	    "access faults in a new zeroed page.  MADV_FREE (Linux 4.5) says the contents are\n"
	    "no longer needed: the kernel takes the pages only when memory is short, and\n"
	    "until then they stay, so giving back and taking again is cheap.  Each run maps\n"
	    "4 MiB private anonymous memory and writes every page; mincore(2) tells which\n"
	    "pages are resident, /proc/self/smaps how many kB are marked LazyFree.");

	p = fresh_region();
	if (!tap_ok(p && resident(p) == (long)PAGES, "4 MiB written: all %lu pages resident",
		    PAGES))
		return tap_done();
	ret = madvise(p, SIZE, MADV_DONTNEED);
	res = resident(p);
	tap_ok(ret == 0 && res == 0, "MADV_DONTNEED: at once no page is resident (%ld)", res);
	survey(p, &kept, &zero);
	tap_ok(zero == PAGES, "and every page now reads zero: the data is gone (%zu of %lu)", zero,
	       PAGES);
	munmap(p, SIZE);

	p = fresh_region();
	if (!tap_ok(p != NULL, "a second 4 MiB, written"))
		return tap_done();
	ret = madvise(p, SIZE, MADV_FREE);
	res = resident(p);
	lazy = procfs_smaps_kb((uintptr_t)p, "LazyFree");
	tap_ok(ret == 0 && res == (long)PAGES && lazy > (long)(SIZE / KIB - BATCH_KB) &&
		   lazy <= (long)(SIZE / KIB),
	       "MADV_FREE: the pages stay resident (%ld) and smaps counts them LazyFree: %ld of "
	       "%lu kB (pages still in the kernel's per-CPU batch are counted when it is done)",
	       res, lazy, SIZE / KIB);
	survey(p, &kept, &zero);
	tap_ok(kept + zero == PAGES,
	       "each page reads either its data, not reclaimed yet, or zero, reclaimed: %zu kept, "
	       "%zu zero",
	       kept, zero);
	tap_diag("with memory to spare nothing is reclaimed, so the data is usually all there; "
		 "a program must not count on it");
	lazy_before = procfs_smaps_kb((uintptr_t)p, "LazyFree");
	p[0] = 0x55;
	lazy = procfs_smaps_kb((uintptr_t)p, "LazyFree");
	tap_ok(p[0] == 0x55 && lazy == lazy_before - (long)(PAGE / KIB),
	       "a write to a page takes it back from the kernel: LazyFree drops by that page, "
	       "%ld -> %ld kB",
	       lazy_before, lazy);
	munmap(p, SIZE);

	p = fresh_region();
	if (!tap_ok(p != NULL, "a third 4 MiB, written"))
		return tap_done();
	ret = posix_madvise(p, SIZE, POSIX_MADV_DONTNEED);
	res = resident(p);
	survey(p, &kept, &zero);
	tap_ok(ret == 0 && res == (long)PAGES && kept == PAGES,
	       "posix_madvise(POSIX_MADV_DONTNEED) returns 0 and does nothing: %ld pages resident, "
	       "%zu kept",
	       res, kept);
	munmap(p, SIZE);

	shared = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	errno = 0;
	ret = shared == MAP_FAILED ? -1 : madvise(shared, SIZE, MADV_FREE);
	tap_ok(ret < 0 && errno == EINVAL,
	       "MADV_FREE of shared memory fails with EINVAL: only private anonymous pages can be "
	       "dropped without being written anywhere (%s)",
	       ret < 0 ? strerror(errno) : "it succeeded");
	if (shared != MAP_FAILED)
		munmap(shared, SIZE);
	tap_diag("note: classic notes take MADV_DONTNEED as a hint that keeps the data, as "
		 "POSIX_MADV_DONTNEED is defined; on Linux it drops private pages at once, and "
		 "glibc makes posix_madvise(POSIX_MADV_DONTNEED) a no-op for that reason; "
		 "MADV_FREE is the hint they describe");
	return tap_done();
}
