/* SPDX-License-Identifier: GPL-2.0 */
/*
 * devtest.h - what the driver tests share: opening the device, its sysfs
 * numbers, and mapping with the errno kept for the TAP line.
 */
#ifndef MYMAP_TESTS_DEVTEST_H
#define MYMAP_TESTS_DEVTEST_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "mymap_uapi.h"
#include "tap.h"

#define DEV_PATH  "/dev/mymap"
#define SYSFS_DIR "/sys/class/misc/mymap/"

/* Opens the device or ends the test program: nothing else can be checked. */
__attribute__((unused)) static int dev_open(int flags)
{
	int fd = open(DEV_PATH, flags);

	if (fd < 0) {
		tap_ok(false, "open %s: %s", DEV_PATH, strerror(errno));
		exit(tap_done());
	}
	return fd;
}

/* A decimal sysfs attribute of the device, or -1 with a TAP failure. */
__attribute__((unused)) static long sysfs_number(const char *attr)
{
	char path[128];
	long value = -1;
	FILE *f;

	snprintf(path, sizeof(path), SYSFS_DIR "%s", attr);
	f = fopen(path, "r");
	if (!f || fscanf(f, "%ld", &value) != 1) {
		tap_ok(false, "read %s: %s", path, strerror(errno));
		value = -1;
	}
	if (f)
		fclose(f);
	return value;
}

/* MYMAP_IOC_INFO, or the test ends. */
__attribute__((unused)) static struct mymap_info dev_info(int fd)
{
	struct mymap_info info;

	if (ioctl(fd, MYMAP_IOC_INFO, &info) != 0) {
		tap_ok(false, "MYMAP_IOC_INFO: %s", strerror(errno));
		exit(tap_done());
	}
	return info;
}

/* mmap that returns errno (0 on success) and the mapping in *@out. */
__attribute__((unused)) static int try_map(int fd, size_t len, int prot, int flags, off_t off,
					   void **out)
{
	void *p = mmap(NULL, len, prot, flags, fd, off);

	if (p == MAP_FAILED) {
		*out = NULL;
		return errno;
	}
	*out = p;
	return 0;
}

/* ioctl(2) that returns errno (0 on success), for a TAP line to name. */
__attribute__((unused)) static int ioctl_err(int fd, unsigned long request, void *arg)
{
	return ioctl(fd, request, arg) ? errno : 0;
}

/* An address the kernel cannot copy to or from: a PROT_NONE page. */
__attribute__((unused)) static void *inaccessible_page(void)
{
	void *p = mmap(NULL, (size_t)sysconf(_SC_PAGESIZE), PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* The errno name for a TAP line. */
__attribute__((unused)) static const char *errname(int err)
{
	return err ? strerror(err) : "success";
}

#endif /* MYMAP_TESTS_DEVTEST_H */
