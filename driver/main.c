// SPDX-License-Identifier: GPL-2.0
/*
 * main.c - the mymap module: checks the size parameter, allocates the
 * region and registers /dev/mymap; undoes both at unload.
 *
 * The module cannot be unloaded while the device is open or mapped: the
 * file operations' owner pins it from open() to the last release(), and a
 * mapping keeps its file until munmap().  So the region outlives every user.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ctype.h>
#include <linux/fs.h>
#include <linux/kstrtox.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/string.h>

#include "compat.h"
#include "mymap.h"

#define MYMAP_DEFAULT_SIZE (4UL << 20)

static unsigned long size = MYMAP_DEFAULT_SIZE;

/*
 * Decimal digits only.  The kernel's own ulong parameters also take 0x1000
 * and 010 (octal 8); a size means bytes, so a leading 0 is refused rather
 * than read in another base.
 */
static int size_set(const char *val, const struct kernel_param *kp)
{
	const char *end = val;
	unsigned long bytes;

	while (isdigit(*end))
		end++;
	if (end == val || *end || (val[0] == '0' && val[1]) ||
	    kstrtoul(val, 10, &bytes)) {
		pr_err("size=%s: not a decimal number of bytes (no sign, unit, 0x or leading 0)\n",
		       val);
		return -EINVAL;
	}
	*(unsigned long *)kp->arg = bytes;
	return 0;
}

static const struct kernel_param_ops size_ops = {
	.set = size_set,
	.get = param_get_ulong,
};
module_param_cb(size, &size_ops, &size, 0444);
MODULE_PARM_DESC(size,
		 "region size in bytes, decimal, rounded up to whole pages (default 4 MiB; what it pins, at most half of RAM)");

/* Map with 2 MiB entries where the kernel allows them ("auto"), or never. */
static bool huge = true;

static int huge_set(const char *val, const struct kernel_param *kp)
{
	if (sysfs_streq(val, "auto")) {
		*(bool *)kp->arg = true;
	} else if (sysfs_streq(val, "off")) {
		*(bool *)kp->arg = false;
	} else {
		pr_err("huge=%s: not auto or off\n", val);
		return -EINVAL;
	}
	return 0;
}

static int huge_get(char *buf, const struct kernel_param *kp)
{
	return scnprintf(buf, PAGE_SIZE, "%s\n",
			 *(bool *)kp->arg ? "auto" : "off");
}

static const struct kernel_param_ops huge_ops = {
	.set = huge_set,
	.get = huge_get,
};
module_param_cb(huge, &huge_ops, &huge, 0444);
MODULE_PARM_DESC(huge,
		 "auto: map 2 MiB pieces with one page-table entry where the kernel allows it (default); off: 4 KiB entries only");

static struct mymap_dev mymap_dev = {
	.misc = {
		.minor = MISC_DYNAMIC_MINOR,
		.name = "mymap",
		.fops = &mymap_fops,
		.groups = mymap_groups,
		.mode = 0600,
	},
	.sessions = XARRAY_INIT(mymap_dev.sessions, 0),
};

/*
 * The region is pinned kernel memory for as long as the module is loaded,
 * so what it pins, kmalloc's rounding of the last chunk included, may be at
 * most half of RAM: more is a typo, not a plan.
 */
static int check_size(unsigned long requested, size_t *rounded)
{
	unsigned long limit = (totalram_pages() / 2) << PAGE_SHIFT;
	size_t pinned;

	if (!requested) {
		pr_err("size=0: the region needs at least one page\n");
		return -EINVAL;
	}
	/* First the size itself, so that rounding it up cannot wrap. */
	if (requested > limit) {
		pr_err("size=%lu is more than half of RAM (%lu bytes)\n",
		       requested, limit);
		return -EINVAL;
	}
	pinned = mymap_region_footprint(PAGE_ALIGN(requested));
	if (pinned > limit) {
		pr_err("size=%lu pins %zu bytes, more than half of RAM (%lu bytes)\n",
		       requested, pinned, limit);
		return -EINVAL;
	}
	*rounded = PAGE_ALIGN(requested);
	return 0;
}

static int __init mymap_init(void)
{
	struct mymap_dev *dev = &mymap_dev;
	size_t bytes;
	int ret;

	ret = check_size(size, &bytes);
	if (ret)
		return ret;
	ret = mymap_region_alloc(&dev->region, bytes);
	if (ret) {
		pr_err("cannot allocate %zu bytes for the region\n", bytes);
		return ret;
	}
	mymap_waitq_init(&dev->waitq);
	mymap_mms_init(&dev->mms);
	dev->huge = huge && MYMAP_PMD_PFNMAP;

	ret = misc_register(&dev->misc);
	if (ret) {
		pr_err("cannot register /dev/mymap: %d\n", ret);
		mymap_region_free(&dev->region);
		return ret;
	}
	pr_info("/dev/mymap ready: %zu bytes in %u chunks, %s entries\n", bytes,
		dev->region.nr_chunks, dev->huge ? "2 MiB and 4 KiB" : "4 KiB");
	return 0;
}

static void __exit mymap_exit(void)
{
	misc_deregister(&mymap_dev.misc);
	mymap_region_free(&mymap_dev.region);
	xa_destroy(&mymap_dev.sessions);
	pr_info("/dev/mymap removed\n");
}

module_init(mymap_init);
module_exit(mymap_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Kernel memory shared with processes through mmap");
MODULE_VERSION("1.0.0");
