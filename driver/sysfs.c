// SPDX-License-Identifier: GPL-2.0
/*
 * sysfs.c - read-only attributes of the device, under
 * /sys/class/misc/mymap/: size, mappings, opens, map_path, pmd_entries.
 */
#include <linux/device.h>
#include <linux/sysfs.h>

#include "mymap.h"

/* misc_register() makes the miscdevice the class device's driver data. */
static struct mymap_dev *to_mymap_dev(struct device *dev)
{
	return mymap_dev_from_misc(dev_get_drvdata(dev));
}

/* The region's size in bytes. */
static ssize_t size_show(struct device *dev, struct device_attribute *attr,
			 char *buf)
{
	return sysfs_emit(buf, "%zu\n", to_mymap_dev(dev)->region.size);
}
static DEVICE_ATTR_RO(size);

/* Live mappings (VMAs) of the region, in all processes. */
static ssize_t mappings_show(struct device *dev, struct device_attribute *attr,
			     char *buf)
{
	return sysfs_emit(buf, "%d\n", atomic_read(&to_mymap_dev(dev)->mappings));
}
static DEVICE_ATTR_RO(mappings);

/* Open files of the device, in all processes. */
static ssize_t opens_show(struct device *dev, struct device_attribute *attr,
			  char *buf)
{
	return sysfs_emit(buf, "%d\n", atomic_read(&to_mymap_dev(dev)->opens));
}
static DEVICE_ATTR_RO(opens);

/*
 * How mappings are filled: "pmd" (every 2 MiB piece that can be one entry
 * gets one on first touch, the rest is mapped at mmap time) or "remap"
 * (all of it at mmap time, 4 KiB entries).
 */
static ssize_t map_path_show(struct device *dev, struct device_attribute *attr,
			     char *buf)
{
	return sysfs_emit(buf, "%s\n", to_mymap_dev(dev)->huge ? "pmd" : "remap");
}
static DEVICE_ATTR_RO(map_path);

/* 2 MiB entries mapping the region now, in all processes. */
static ssize_t pmd_entries_show(struct device *dev,
				struct device_attribute *attr, char *buf)
{
	long count = mymap_mms_count_pmds(&to_mymap_dev(dev)->mms,
					  &mymap_vm_ops);

	if (count < 0)
		return count;
	return sysfs_emit(buf, "%ld\n", count);
}
static DEVICE_ATTR_RO(pmd_entries);

static struct attribute *mymap_attrs[] = {
	&dev_attr_size.attr,
	&dev_attr_mappings.attr,
	&dev_attr_opens.attr,
	&dev_attr_map_path.attr,
	&dev_attr_pmd_entries.attr,
	NULL,
};

static const struct attribute_group mymap_group = {
	.attrs = mymap_attrs,
};

const struct attribute_group *mymap_groups[] = {
	&mymap_group,
	NULL,
};
