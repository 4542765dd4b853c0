// SPDX-License-Identifier: GPL-2.0
/*
 * realloc-mremap - demonstrates that realloc() of an mmapped chunk moves it
 * with mremap(2): the pages move to the new address with their contents,
 * nothing is copied and no page is faulted in again, where a copy would
 * touch every page.
 */
#include "experiment.h"

#include <malloc.h>
#include <sys/mman.h>
#include <sys/resource.h>

#define KIB   1024ul
#define MIB   (1024 * KIB)
#define PAGE  4096ul
#define FIRST (1 * MIB)	 /* mmapped: above the 128 KiB threshold */
#define GROWN (64 * MIB) /* what it grows to */
#define PAGES (FIRST / PAGE)

static long minor_faults(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_minflt;
}

/* The byte written at @offset of the first block: different on every page. */
static unsigned char pattern(size_t offset)
{
	return (unsigned char)(offset / PAGE * 7 + 1);
}

/* Whether @p holds the pattern on every page of its first @len bytes. */
static bool pattern_intact(const unsigned char *p, size_t len)
{
	for (size_t off = 0; off < len; off += PAGE)
		if (p[off] != pattern(off))
			return false;
	return true;
}

int main(void)
{
	unsigned char *block, *grown, *shrunk, *copy;
	struct mapping old, now;
	long before, moved_faults, copy_faults;
	uintptr_t old_block, grown_block, shrunk_end, wall;
	bool wall_ours;

	report_begin("experiment 4e: realloc() moves an mmapped block with mremap, not a copy");
	report_about(
	    "realloc() that cannot grow a block in place must move it: allocate anew, copy,\n"
	    "free the old one.  For a block that is a mapping of its own, glibc on Linux asks\n"
	    "the kernel instead: mremap(2) moves the pages themselves to a bigger range, so\n"
	    "the cost does not depend on how much data the block holds.  Seen here without\n"
	    "strace: the block moves, keeps its bytes, and the move faults no page in (a copy\n"
	    "would fault once per page written).");

	block = malloc(FIRST);
	if (!tap_ok(block && (malloc_size_field(block) & MALLOC_IS_MMAPPED) &&
			procfs_mapping_at((uintptr_t)block, &old),
		    "malloc(1 MiB) is a mapping of its own (IS_MMAPPED set)"))
		return tap_done();
	for (size_t off = 0; off < FIRST; off += PAGE)
		block[off] = pattern(off);
	/* Kept as integers: the old pointer is invalid after realloc. */
	old_block = (uintptr_t)block;

	/* Something just past the mapping, so that it cannot grow where it is. */
	wall = (uintptr_t)block - 16 + (malloc_size_field(block) & ~(size_t)7);
	wall_ours = mmap((void *)wall, PAGE, PROT_NONE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0) == (void *)wall;
	if (!wall_ours && errno != EEXIST) {
		tap_ok(false, "map a page just past the block: %s", strerror(errno));
		return tap_done();
	}
	tap_diag("a page is mapped just past the block's %zu KiB chunk, so growing it in place "
		 "is impossible",
		 (malloc_size_field(block) & ~(size_t)7) / KIB);

	before = minor_faults();
	grown = realloc(block, GROWN);
	moved_faults = minor_faults() - before;
	if (!tap_ok(grown != NULL, "realloc(block, 64 MiB) succeeds"))
		return tap_done();
	tap_ok((uintptr_t)grown != old_block && (malloc_size_field(grown) & MALLOC_IS_MMAPPED),
	       "it moved the block, %#lx -> %p, and the block is still a mapping of its own",
	       (unsigned long)old_block, (void *)grown);
	tap_ok(pattern_intact(grown, FIRST), "all %lu pages arrived with their bytes", PAGES);
	tap_ok(!procfs_mapping_at(old_block, &now), "the old address is no longer mapped");
	tap_ok(moved_faults < 16,
	       "and the move faulted no page in: %ld minor faults for %lu pages of data",
	       moved_faults, PAGES);

	/* The same move done by hand, for comparison. */
	copy = mmap(NULL, GROWN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (copy != MAP_FAILED) {
		madvise(copy, GROWN, MADV_NOHUGEPAGE); /* count 4 KiB pages, not huge ones */
		before = minor_faults();
		memcpy(copy, grown, FIRST);
		copy_faults = minor_faults() - before;
		tap_ok(copy_faults >= (long)PAGES - 1 && pattern_intact(copy, FIRST),
		       "copying the same 1 MiB into a fresh 64 MiB mapping faults once per page: "
		       "%ld faults",
		       copy_faults);
		munmap(copy, GROWN);
	} else {
		tap_ok(false, "a 64 MiB mapping for the comparison: %s", strerror(errno));
	}

	grown_block = (uintptr_t)grown;
	shrunk = realloc(grown, 512 * KIB);
	/* The chunk starts 16 bytes before the block; its mapping ends a whole page after. */
	shrunk_end = (uintptr_t)shrunk - 16 + ((512 * KIB + 16 + PAGE - 1) & ~(PAGE - 1));
	if (!procfs_mapping_at(shrunk_end - 1, &now))
		now.end = 0;
	tap_ok((uintptr_t)shrunk == grown_block && pattern_intact(shrunk, 512 * KIB) &&
		   now.end == shrunk_end,
	       "realloc() down to 512 KiB shrinks the mapping where it is (mremap): the block "
	       "stays at %p, its mapping now ends %ld KiB after the chunk's start",
	       (void *)shrunk, ((long)now.end - ((long)(uintptr_t)shrunk - 16)) / (long)KIB);
	tap_diag("note: notes that describe realloc as malloc + memcpy + free describe it for "
		 "heap blocks; for mmapped blocks glibc on Linux moves page-table entries, so "
		 "growing a 1 GiB block costs about as much as growing a 1 MiB one");
	free(shrunk);
	if (wall_ours)
		munmap((void *)wall, PAGE);
	return tap_done();
}
