// SPDX-License-Identifier: GPL-2.0
/*
 * region_anon.c - the anon backend: anonymous memory, private to the
 * process or shared with the children it forks.
 */
#include <errno.h>
#include <sys/mman.h>

#include "error.h"
#include "region.h"

int mm_region_anon(struct mm_region *r, size_t size, bool shared)
{
	size_t len;
	void *p;

	if (mm_region_size_ok(size, &len) < 0)
		return -1;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 (shared ? MAP_SHARED : MAP_PRIVATE) | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return mm_fail(MYMAP_ERR_SYSTEM, errno,
			       "cannot map %zu bytes of anonymous memory: %m", len);
	*r = (struct mm_region){
	    .base = p,
	    .size = len,
	    .map = p,
	    .map_len = len,
	    .fd = -1,
	    .backend = MYMAP_BACKEND_ANON,
	    .shared = shared,
	};
	return 0;
}
