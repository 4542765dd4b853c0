// SPDX-License-Identifier: GPL-2.0
/*
 * region_fd.c - the region behind a descriptor another process handed
 * over: a memfd (its whole size, which seals fix) or /dev/mymap (its
 * whole region).
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "mymap_uapi.h"
#include "region.h"

/*
 * Makes sure the memfd @fd can never change size: mapped by every process
 * sharing the heap, it would otherwise let any process holding it
 * truncate it, and the others die of SIGBUS.  Seals missing from a memfd
 * made with MFD_ALLOW_SEALING are added (no one can remove a seal); one
 * that cannot be sealed is refused.
 */
static int sealed(int fd)
{
	int seals = fcntl(fd, F_GET_SEALS);

	if (seals >= 0 && (seals & MM_SIZE_SEALS) != MM_SIZE_SEALS &&
	    fcntl(fd, F_ADD_SEALS, MM_SIZE_SEALS) == 0)
		seals = fcntl(fd, F_GET_SEALS);
	if (seals < 0 || (seals & MM_SIZE_SEALS) != MM_SIZE_SEALS)
		return mm_fail(MYMAP_ERR_UNSEALED, EPERM,
			       "descriptor %d can change size under the heap: not a memfd that "
			       "allows sealing (F_SEAL_SHRINK | F_SEAL_GROW)",
			       fd);
	return 0;
}

int mm_region_fd(struct mm_region *r, int fd)
{
	struct stat st;
	enum mymap_backend backend = MYMAP_BACKEND_MEMFD;
	size_t len;
	int own;

	if (fstat(fd, &st) < 0)
		return mm_fail(MYMAP_ERR_SYSTEM, errno, "descriptor %d: %m", fd);
	if (S_ISCHR(st.st_mode)) {
		struct mymap_info info;

		if (ioctl(fd, MYMAP_IOC_INFO, &info) < 0)
			return mm_fail(MYMAP_ERR_SYSTEM, errno,
				       "descriptor %d is a device but not /dev/mymap: %m", fd);
		len = info.size;
		backend = MYMAP_BACKEND_DEVICE;
	} else if (S_ISREG(st.st_mode)) {
		/* The size is read again once it can no longer change. */
		if (sealed(fd) < 0)
			return -1;
		if (fstat(fd, &st) < 0)
			return mm_fail(MYMAP_ERR_SYSTEM, errno, "descriptor %d: %m", fd);
		len = (size_t)st.st_size;
	} else {
		return mm_fail(MYMAP_ERR_ARGUMENT, EINVAL,
			       "descriptor %d is neither a memfd nor /dev/mymap", fd);
	}
	if (len < MM_MIN_REGION)
		return mm_fail(MYMAP_ERR_SIZE, ERANGE, "descriptor %d holds %zu bytes, too few", fd,
			       len);
	own = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (own < 0)
		return mm_fail(MYMAP_ERR_SYSTEM, errno, "cannot duplicate descriptor %d: %m", fd);
	if (mm_region_map_fd(r, own, len, backend) < 0) {
		close(own);
		return -1;
	}
	return 0;
}
