// SPDX-License-Identifier: GPL-2.0
/*
 * region_fd.c - the region behind a descriptor another process handed
 * over: a memfd (its whole size) or /dev/mymap (its whole region).
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "mymap_uapi.h"
#include "region.h"

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
