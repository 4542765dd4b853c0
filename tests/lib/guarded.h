/* SPDX-License-Identifier: GPL-2.0 */
/*
 * guarded.h - a heap whose region has a PROT_NONE page on each side, so
 * that any access just outside it faults: for the damage tests and the
 * fuzz target.
 */
#ifndef MYMAP_TESTS_GUARDED_H
#define MYMAP_TESTS_GUARDED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include "mymap.h"

/* The kinds of heap a guarded region can hold. */
enum guarded_kind { GUARDED_SHARED, GUARDED_SHARED_NOCACHE, GUARDED_PRIVATE };

static inline struct mymap_heap *guarded_open_kind(enum guarded_kind kind, size_t size)
{
	if (kind == GUARDED_PRIVATE)
		return mymap_open_anon(size, 0);
	return mymap_open_memfd(size, kind == GUARDED_SHARED_NOCACHE ? MYMAP_NOCACHE : 0);
}

/*
 * Opens a heap of @kind and @size (a multiple of the page size) between
 * two PROT_NONE pages, or NULL.  A hole of exactly its size is left in a
 * reservation, where the kernel's top-down search places the next mapping
 * of that size unless a higher gap fits it too (a sanitizer's runtime
 * leaves some): a heap that lands elsewhere is closed, its place filled
 * with a PROT_NONE mapping for the time of the search, and the heap
 * opened again.  The hole starts on a multiple of the largest power of
 * two up to @size (2 MiB at most): kernels with multi-size transparent
 * huge pages place a shared mapping on such a boundary, and a hole off it
 * is never chosen.
 */
#define GUARDED_MAX_FILLS 4096

static inline struct mymap_heap *guarded_open(enum guarded_kind kind, size_t size)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), align = page;
	static char *filled[GUARDED_MAX_FILLS];
	struct mymap_heap *h = NULL;
	int nfilled = 0;

	while (align * 2 <= size && align < (2u << 20))
		align *= 2;
	size_t span = size + 2 * page + align;
	char *r = mmap(NULL, span, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (r == MAP_FAILED)
		return NULL;
	char *hole = (char *)(((uintptr_t)r + page + align - 1) & ~(uintptr_t)(align - 1));
	char *below = hole - page, *above = hole + size + page;

	/* Keep one PROT_NONE page on each side of the hole, nothing else. */
	if ((below > r && munmap(r, (size_t)(below - r)) < 0) ||
	    (above < r + span && munmap(above, (size_t)(r + span - above)) < 0) ||
	    munmap(hole, size) < 0)
		return NULL;
	while (nfilled < GUARDED_MAX_FILLS) {
		h = guarded_open_kind(kind, size);
		if (!h || mymap_heap_base(h) == hole)
			break;
		char *elsewhere = mymap_heap_base(h);

		mymap_close(h);
		h = NULL;
		if (mmap(elsewhere, size, PROT_NONE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0) != elsewhere)
			break;
		filled[nfilled++] = elsewhere;
	}
	while (nfilled)
		munmap(filled[--nfilled], size);
	if (!h) {
		munmap(below, page);
		munmap(hole + size, page);
	}
	return h;
}

/* Closes a heap from guarded_open(), and its guard pages. */
static inline void guarded_close(struct mymap_heap *h)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	char *base = mymap_heap_base(h);
	size_t size = mymap_heap_size(h);

	mymap_close(h);
	munmap(base - page, page);
	munmap(base + size, page);
}

#endif /* MYMAP_TESTS_GUARDED_H */
