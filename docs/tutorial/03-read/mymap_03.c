// SPDX-License-Identifier: GPL-2.0
/*
 * mymap_03.c - read(2) on the device returns the bytes 0 to 9 and then end
 * of file, with the file position kept by the kernel.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/init.h>
#include <linux/minmax.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/printk.h>
#include <linux/uaccess.h>

/* What the device holds, for now a constant. */
static const u8 mymap_seed[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 };

/*
 * Copies bytes from *ppos on and advances it.  Returns the bytes copied,
 * 0 at or past the end (end of file), or -EFAULT for a bad user buffer.
 */
static ssize_t mymap_read(struct file *file, char __user *buf, size_t count,
			  loff_t *ppos)
{
	loff_t pos = *ppos;

	/* vfs_read() refuses negative positions before calling us. */
	if (pos >= sizeof(mymap_seed))
		return 0;
	count = min_t(size_t, count, sizeof(mymap_seed) - pos);
	/* copy_to_user() returns how many bytes it could NOT copy. */
	if (copy_to_user(buf, mymap_seed + pos, count))
		return -EFAULT;
	*ppos = pos + count;
	return count;
}

static const struct file_operations mymap_fops = {
	.owner = THIS_MODULE,
	.read = mymap_read,
};

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
MODULE_DESCRIPTION("mymap tutorial step 3: read(2)");
