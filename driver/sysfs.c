// SPDX-License-Identifier: GPL-2.0
/*
 * sysfs.c - read-only attributes of the device, under
 * /sys/class/misc/mymap/: size, mappings, opens.
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

static struct attribute *mymap_attrs[] = {
	&dev_attr_size.attr,
	&dev_attr_mappings.attr,
	&dev_attr_opens.attr,
	NULL,
};

static const struct attribute_group mymap_group = {
	.attrs = mymap_attrs,
};

const struct attribute_group *mymap_groups[] = {
	&mymap_group,
	NULL,
};
