// SPDX-License-Identifier: GPL-2.0
/*
 * mymap_05.c - mmap(2) of the device maps its page into the process with
 * remap_pfn_range(), trusting every offset, length and flag it is given.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/io.h>
#include <linux/init.h>
#include <linux/minmax.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/printk.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

/* The bytes a freshly loaded device shows at offset 0. */
static const u8 mymap_seed[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 };

/* The device's memory: one page, from mymap_init() to mymap_exit(). */
static void *mymap_page;

static ssize_t mymap_read(struct file *file, char __user *buf, size_t count,
			  loff_t *ppos)
{
	loff_t pos = *ppos;

	if (pos >= PAGE_SIZE)
		return 0;
	count = min_t(size_t, count, PAGE_SIZE - pos);
	if (copy_to_user(buf, mymap_page + pos, count))
		return -EFAULT;
	*ppos = pos + count;
	return count;
}

/*
 * Maps the page into the calling process.  This version checks nothing:
 * whatever offset, length and flags it is asked for, it maps the page's
 * frame and as many frames after it as the length covers.  Step 6 shows
 * what that lets through.
 */
static int mymap_mmap(struct file *file, struct vm_area_struct *vma)
{
	unsigned long pfn = virt_to_phys(mymap_page) >> PAGE_SHIFT;

	return remap_pfn_range(vma, vma->vm_start, pfn,
			       vma->vm_end - vma->vm_start, vma->vm_page_prot);
}

static const struct file_operations mymap_fops = {
	.owner = THIS_MODULE,
	.read = mymap_read,
	.mmap = mymap_mmap,
};

static struct miscdevice mymap_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "mymap",
	.fops = &mymap_fops,
	.mode = 0600,
};

/*
 * Zeroed, so nothing a previous user of the memory left there can be read;
 * then seeded.  Not marked PG_reserved: mapping it will not need the flag,
 * and the flag may not be set on a page of a compound page, which kmalloc
 * memory often is (see the README).  Returns 0 or -ENOMEM.
 */
static int mymap_page_alloc(void)
{
	mymap_page = kzalloc(PAGE_SIZE, GFP_KERNEL);
	if (!mymap_page)
		return -ENOMEM;
	/*
	 * kmalloc aligns a power-of-two size to itself, so this is one whole
	 * page; a later step hands it to the page tables, where a misaligned
	 * buffer would expose its neighbours.  Check rather than trust.
	 */
	if (!PAGE_ALIGNED(mymap_page)) {
		kfree(mymap_page);
		return -ENOMEM;
	}
	memcpy(mymap_page, mymap_seed, sizeof(mymap_seed));
	return 0;
}

static int __init mymap_init(void)
{
	int ret;

	ret = mymap_page_alloc();
	if (ret) {
		pr_err("cannot allocate the page: %d\n", ret);
		return ret;
	}
	/* Once registered, the device can be opened: the page comes first. */
	ret = misc_register(&mymap_misc);
	if (ret) {
		pr_err("cannot register /dev/mymap: %d\n", ret);
		kfree(mymap_page);
		return ret;
	}
	pr_info("/dev/mymap registered\n");
	return 0;
}

/* The reverse order of init: no one can open the device once it is gone. */
static void __exit mymap_exit(void)
{
	misc_deregister(&mymap_misc);
	kfree(mymap_page);
	pr_info("/dev/mymap removed\n");
}

module_init(mymap_init);
module_exit(mymap_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("mymap tutorial step 5: mmap with remap_pfn_range");
