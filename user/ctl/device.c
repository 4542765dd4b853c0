// SPDX-License-Identifier: GPL-2.0
/*
 * device.c - a snapshot of the module and device state from sysfs.
 */
#include "device.h"
#include "cli.h"
#include "ctl.h"
#include "sysfile.h"

#include <errno.h>
#include <libudev.h>
#include <stdio.h>
#include <string.h>

struct udev *ctl_udev_new(const char *command)
{
	struct udev *udev = udev_new();

	if (!udev)
		ctl_error(command, "cannot start libudev (%s); is /sys mounted?",
			  strerror(errno ? errno : ENOMEM));
	return udev;
}

static void copy(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src);
}

/* A decimal sysfs attribute of the device; false if absent or malformed. */
static bool sysattr_u64(struct udev_device *dev, const char *name, uint64_t *out)
{
	const char *v = udev_device_get_sysattr_value(dev, name);

	return v && ctl_parse_u64(v, out) == 0;
}

void mymap_state_read(struct udev *udev, struct mymap_state *s)
{
	struct udev_device *dev;
	const char *path;
	char buf[64];

	memset(s, 0, sizeof(*s));
	if (read_line_file("/sys/module/" MYMAP_MODULE "/initstate", s->initstate,
			   sizeof(s->initstate)) == 0)
		s->loaded = true;
	if (read_line_file("/sys/module/" MYMAP_MODULE "/version", s->version,
			   sizeof(s->version)) == 0)
		s->have_version = true;
	if (read_line_file("/sys/module/" MYMAP_MODULE "/refcnt", buf, sizeof(buf)) == 0 &&
	    ctl_parse_u64(buf, &s->refcnt) == 0)
		s->have_refcnt = true;

	dev = udev_device_new_from_subsystem_sysname(udev, MYMAP_SUBSYSTEM, MYMAP_SYSNAME);
	if (!dev)
		return;
	s->present = true;
	copy(s->syspath, sizeof(s->syspath), udev_device_get_syspath(dev));
	/* DEVNAME comes from the kernel's uevent file: right even without udevd. */
	copy(s->devnode, sizeof(s->devnode),
	     udev_device_get_devnode(dev) ? udev_device_get_devnode(dev) : "/dev/" MYMAP_SYSNAME);
	s->devnum = udev_device_get_devnum(dev);
	s->have_size = sysattr_u64(dev, "size", &s->size);
	s->have_mappings = sysattr_u64(dev, "mappings", &s->mappings);
	s->have_opens = sysattr_u64(dev, "opens", &s->opens);
	path = udev_device_get_sysattr_value(dev, "map_path");
	if (path && strlen(path) < sizeof(s->map_path)) {
		copy(s->map_path, sizeof(s->map_path), path);
		s->have_map_path = true;
	}
	s->have_pmd_entries = sysattr_u64(dev, "pmd_entries", &s->pmd_entries);
	udev_device_unref(dev);
}
