// SPDX-License-Identifier: GPL-2.0
/*
 * region.c - what the backends share: checking a requested size, mapping
 * a descriptor, making every page resident, and giving a region back.
 */
#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>

#include "error.h"
#include "layout.h"
#include "region.h"

int mm_region_size_ok(size_t size, size_t *rounded)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	if (size < MM_MIN_REGION || size > MM_MAX_REGION - page)
		return mm_fail(MYMAP_ERR_SIZE, EINVAL,
			       "heap size %zu is outside %u bytes .. 64 GiB - one page", size,
			       MM_MIN_REGION);
	*rounded = (size + page - 1) & ~(page - 1);
	return 0;
}

int mm_region_map_fd(struct mm_region *r, int fd, size_t len, enum mymap_backend backend)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	if (p == MAP_FAILED)
		return mm_fail(MYMAP_ERR_SYSTEM, errno, "cannot map %zu bytes of the %s: %m", len,
			       backend == MYMAP_BACKEND_DEVICE ? "device" : "memfd");
	r->base = p;
	r->size = len;
	r->map = p;
	r->map_len = len;
	r->fd = fd;
	r->backend = backend;
	r->shared = true;
	return 0;
}

int mm_region_populate(struct mm_region *r)
{
	/* remap_pfn_range() mapped every page of the device at mmap time. */
	if (r->backend == MYMAP_BACKEND_DEVICE)
		return 0;
	if (madvise(r->base, r->size, MADV_POPULATE_WRITE) < 0)
		return mm_fail(MYMAP_ERR_SYSTEM, errno,
			       "cannot make the %zu bytes of the region resident: %m", r->size);
	return 0;
}

bool mm_region_resident(const struct mm_region *r, const void *addr)
{
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	unsigned char vec = 1;
	int saved = errno;

	if (r->backend == MYMAP_BACKEND_DEVICE) /* mapped whole at mmap time */
		return true;
	if (mincore((void *)((uintptr_t)addr & ~(page - 1)), 1, &vec) < 0) {
		errno = saved;
		return true;
	}
	return vec & 1;
}

int mm_region_release(struct mm_region *r)
{
	int ret = 0;

	if (r->backend == MYMAP_BACKEND_BRK)
		ret = mm_region_brk_release(r);
	else if (r->map && munmap(r->map, r->map_len) < 0)
		ret = -1;
	if (r->fd >= 0 && close(r->fd) < 0)
		ret = -1;
	r->map = NULL;
	r->fd = -1;
	return ret;
}
