// SPDX-License-Identifier: GPL-2.0
/*
 * region_memfd.c - the memfd backend: a new memfd, sized, sealed against
 * any change of size, and mapped shared.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "error.h"
#include "region.h"

int mm_region_memfd(struct mm_region *r, size_t size)
{
	size_t len;
	int fd;

	if (mm_region_size_ok(size, &len) < 0)
		return -1;
	fd = memfd_create("mymap-heap", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return mm_fail(MYMAP_ERR_SYSTEM, errno, "memfd_create: %m");
	if (ftruncate(fd, (off_t)len) < 0) {
		int err = errno;

		close(fd);
		return mm_fail(MYMAP_ERR_SYSTEM, err, "cannot size the memfd to %zu bytes: %m",
			       len);
	}
	/*
	 * Every process given the descriptor could otherwise truncate it, and
	 * every process mapping the heap would die of SIGBUS at its next touch.
	 */
	if (fcntl(fd, F_ADD_SEALS, MM_SIZE_SEALS) < 0) {
		int err = errno;

		close(fd);
		return mm_fail(MYMAP_ERR_SYSTEM, err, "cannot seal the memfd's size: %m");
	}
	if (mm_region_map_fd(r, fd, len, MYMAP_BACKEND_MEMFD) < 0) {
		close(fd);
		return -1;
	}
	return 0;
}
