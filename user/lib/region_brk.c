// SPDX-License-Identifier: GPL-2.0
/*
 * region_brk.c - the brk backend: the heap in memory gained by moving the
 * program break, as allocators did before mmap.
 *
 * One per process: the break is a single per-process pointer.  glibc's
 * malloc moves it too, so on close the memory is given back only if the
 * break still ends where this heap ends.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <unistd.h>

#include "error.h"
#include "region.h"

static atomic_bool brk_in_use;

int mm_region_brk(struct mm_region *r, size_t size)
{
	size_t len, page = (size_t)sysconf(_SC_PAGESIZE);
	char *old;

	if (mm_region_size_ok(size, &len) < 0)
		return -1;
	if (atomic_exchange(&brk_in_use, true))
		return mm_fail(MYMAP_ERR_BUSY, EBUSY, "this process already has a brk heap");
	/* The break need not be page aligned: take a page more and align the start. */
	old = sbrk((intptr_t)(len + page));
	if (old == (void *)-1) {
		int err = errno;

		atomic_store(&brk_in_use, false);
		return mm_fail(MYMAP_ERR_SYSTEM, err, "sbrk(%zu): %m", len + page);
	}
	*r = (struct mm_region){
	    .base = (void *)(((uintptr_t)old + page - 1) & ~(uintptr_t)(page - 1)),
	    .size = len,
	    .map = old,
	    .map_len = len + page,
	    .fd = -1,
	    .backend = MYMAP_BACKEND_BRK,
	    .shared = false,
	};
	return 0;
}

int mm_region_brk_release(struct mm_region *r)
{
	char *end = (char *)r->map + r->map_len;

	if (sbrk(0) == end && sbrk(-(intptr_t)r->map_len) == (void *)-1)
		return -1;
	atomic_store(&brk_in_use, false);
	return 0;
}
