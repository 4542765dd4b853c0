// SPDX-License-Identifier: GPL-2.0
/*
 * region_device.c - the device backend: find /dev/mymap through udev, open
 * it, check its size, and map the whole region shared.
 *
 * udev names the node and knows the region size (the `size` attribute of
 * the misc device); MYMAP_DEVICE overrides the node for tests and
 * unusual setups.  The size udev reports must match what the open file
 * says (MYMAP_IOC_INFO): a mismatch means the node is not the device udev
 * described.
 */
#include <errno.h>
#include <fcntl.h>
#include <libudev.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "mymap_uapi.h"
#include "region.h"

/* What udev says about the device: node path and size (0 if unknown). */
struct udev_facts {
	char node[256];
	unsigned long long size;
	bool found;
};

static void ask_udev(struct udev_facts *f)
{
	struct udev *udev = udev_new();
	struct udev_device *dev;
	const char *node, *size;

	memset(f, 0, sizeof(*f));
	if (!udev)
		return;
	dev = udev_device_new_from_subsystem_sysname(udev, "misc", "mymap");
	if (dev) {
		f->found = true;
		node = udev_device_get_devnode(dev);
		size = udev_device_get_sysattr_value(dev, "size");
		if (node)
			snprintf(f->node, sizeof(f->node), "%s", node);
		if (size)
			f->size = strtoull(size, NULL, 10);
		udev_device_unref(dev);
	}
	udev_unref(udev);
}

static int open_failed(const char *node, int err)
{
	struct stat st;

	if (err == EACCES || err == EPERM) {
		if (stat(node, &st) == 0)
			return mm_fail(MYMAP_ERR_PERMISSION, EACCES,
				       "permission denied opening %s (mode %04o, uid %u, gid %u): "
				       "run as root, or add a udev rule such as "
				       "KERNEL==\"mymap\", GROUP=\"mymap\", MODE=\"0660\" and join "
				       "that group",
				       node, (unsigned int)(st.st_mode & 07777),
				       (unsigned int)st.st_uid, (unsigned int)st.st_gid);
		return mm_fail(MYMAP_ERR_PERMISSION, EACCES, "permission denied opening %s", node);
	}
	if (err == ENOENT || err == ENODEV || err == ENXIO)
		return mm_fail(
		    MYMAP_ERR_NO_DEVICE, ENODEV,
		    "cannot open %s: %s; is the module loaded? (insmod build/KVER/mymap.ko "
		    "or modprobe mymap)",
		    node, strerror(err));
	return mm_fail(MYMAP_ERR_SYSTEM, err, "cannot open %s: %s", node, strerror(err));
}

int mm_region_device(struct mm_region *r)
{
	struct udev_facts facts;
	struct mymap_info info;
	const char *node = getenv("MYMAP_DEVICE");
	int fd;

	ask_udev(&facts);
	if (!node || !*node) {
		if (!facts.found || !facts.node[0])
			return mm_fail(MYMAP_ERR_NO_DEVICE, ENODEV,
				       "no mymap device in udev (misc/mymap): load the module "
				       "(insmod build/KVER/mymap.ko or modprobe mymap), or set "
				       "MYMAP_DEVICE to its node");
		node = facts.node;
	}
	fd = open(node, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return open_failed(node, errno);
	if (ioctl(fd, MYMAP_IOC_INFO, &info) < 0) {
		int err = errno;

		close(fd);
		return mm_fail(MYMAP_ERR_SYSTEM, err, "%s does not answer MYMAP_IOC_INFO: %s", node,
			       strerror(err));
	}
	if (facts.size && facts.size != info.size) {
		close(fd);
		return mm_fail(MYMAP_ERR_SIZE, ERANGE,
			       "udev says the mymap region has %llu bytes, %s says %llu",
			       facts.size, node, (unsigned long long)info.size);
	}
	if (info.size < MM_MIN_REGION) {
		close(fd);
		return mm_fail(MYMAP_ERR_SIZE, ERANGE, "the %s region of %llu bytes is too small",
			       node, (unsigned long long)info.size);
	}
	if (mm_region_map_fd(r, fd, info.size, MYMAP_BACKEND_DEVICE) < 0) {
		close(fd);
		return -1;
	}
	return 0;
}
