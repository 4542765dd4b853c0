// SPDX-License-Identifier: GPL-2.0
/*
 * mymap_02.c - a misc device: /dev/mymap appears when the module loads and
 * goes away when it is removed, and an open file keeps the module loaded.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/init.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/printk.h>

/*
 * What a process can do with the device file.  Nothing yet but open and
 * close, which need no code.  .owner makes every open file hold a
 * reference on this module, so rmmod cannot pull the code out from under
 * a process that still has the device open.
 */
static const struct file_operations mymap_fops = {
	.owner = THIS_MODULE,
};

/*
 * The misc class hands out a minor number and creates /dev/mymap (through
 * devtmpfs or udev) at registration; 0600 keeps it to root for now.
 */
static struct miscdevice mymap_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "mymap",
	.fops = &mymap_fops,
	.mode = 0600,
};

static int __init mymap_init(void)
{
	int ret;

	/*
	 * Registration can fail (no free minor, a device of that name
	 * exists already): then the module must not load, or it would sit
	 * in the kernel without the device it exists for.
	 */
	ret = misc_register(&mymap_misc);
	if (ret) {
		pr_err("cannot register /dev/mymap: %d\n", ret);
		return ret;
	}
	pr_info("/dev/mymap registered\n");
	return 0;
}

static void __exit mymap_exit(void)
{
	misc_deregister(&mymap_misc);
	pr_info("/dev/mymap removed\n");
}

module_init(mymap_init);
module_exit(mymap_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("mymap tutorial step 2: a misc device");
