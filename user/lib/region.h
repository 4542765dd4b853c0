/* SPDX-License-Identifier: GPL-2.0 */
/*
 * region.h - the one interface every backend offers the heap: a mapped
 * region (base, size) and how to give it back.
 */
#ifndef MYMAP_REGION_H
#define MYMAP_REGION_H

#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>

#include "mymap.h"

/*
 * struct mm_region - a mapped region.
 * @base:    where the heap starts; page aligned.
 * @size:    bytes from @base the heap may use.
 * @map:     what to unmap on release (may start before @base).
 * @map_len: its length.
 * @fd:      the memfd or device descriptor, owned by the region; -1 if none.
 * @backend: where the memory comes from.
 * @shared:  visible to other processes (futexes must then be shared).
 */
struct mm_region {
	void *base;
	size_t size;
	void *map;
	size_t map_len;
	int fd;
	enum mymap_backend backend;
	bool shared;
};

/*
 * Each fills @r and returns 0, or returns -1 with errno and the library's
 * last error set (error.h) and nothing left mapped or open.
 */
int mm_region_anon(struct mm_region *r, size_t size, bool shared);
int mm_region_memfd(struct mm_region *r, size_t size);
int mm_region_fd(struct mm_region *r, int fd);
int mm_region_device(struct mm_region *r);
int mm_region_brk(struct mm_region *r, size_t size);

/* Maps @len bytes of @fd MAP_SHARED into @r (used by memfd and device). */
int mm_region_map_fd(struct mm_region *r, int fd, size_t len, enum mymap_backend backend);

/*
 * Makes every page of @r resident and writable now (MYMAP_POPULATE), so no
 * later access takes a first-touch page fault; 0, or -1 with errno.
 */
int mm_region_populate(struct mm_region *r);

/*
 * Whether the page holding @addr, in @r, is resident: on a demand-paged
 * region, whether it was ever written.  True where that cannot be told
 * (an error, the device), so a caller that would act on an unwritten
 * page does not.
 */
bool mm_region_resident(const struct mm_region *r, const void *addr);

/* Gives the break back if nothing moved it since (region_brk.c). */
int mm_region_brk_release(struct mm_region *r);

/* Unmaps and closes what @r holds; returns 0 or -1 with errno. */
int mm_region_release(struct mm_region *r);

/* The seals a memfd holding a heap carries: its size can never change. */
#define MM_SIZE_SEALS (F_SEAL_SHRINK | F_SEAL_GROW)

/* The smallest region a heap fits in. */
#define MM_MIN_REGION 8192u

/* Checks a requested size (EINVAL, MYMAP_ERR_SIZE) and rounds it to pages. */
int mm_region_size_ok(size_t size, size_t *rounded);

#endif /* MYMAP_REGION_H */
