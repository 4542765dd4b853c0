// SPDX-License-Identifier: GPL-2.0
/*
 * mymap_09.c - the device's memory becomes a region of many pages, its size
 * set at load, mapped and read from any offset inside it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/device.h>
#include <linux/fs.h>
#include <linux/io.h>
#include <linux/init.h>
#include <linux/minmax.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/printk.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <linux/uaccess.h>
#include <linux/version.h>

/*
 * Since 6.3 vma->vm_flags is read-only: flags change through
 * vm_flags_set() and vm_flags_clear(), which also take the VMA's write
 * lock.  Older kernels have neither the helpers nor the lock, so there the
 * helpers are plain read-modify-writes.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 3, 0)
static inline void vm_flags_set(struct vm_area_struct *vma, vm_flags_t flags)
{
	vma->vm_flags |= flags;
}

static inline void vm_flags_clear(struct vm_area_struct *vma,
				  vm_flags_t flags)
{
	vma->vm_flags &= ~flags;
}
#endif

/* The bytes a freshly loaded device shows at offset 0. */
static const u8 mymap_seed[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 };

/* insmod mymap_09.ko size=BYTES; read-only once loaded. */
static unsigned long size = 4UL << 20;
module_param(size, ulong, 0444);
MODULE_PARM_DESC(size, "region size in bytes, rounded up to whole pages (default 4 MiB)");

/*
 * struct mymap_region - the device's memory, from mymap_init() to
 * mymap_exit().
 * @size: bytes, a whole number of pages.
 * @mem:  kernel address of its first byte, page-aligned.
 */
struct mymap_region {
	size_t size;
	void *mem;
};

static struct mymap_region mymap_region;

/* Open files of the device; a counter, so no lock is needed. */
static atomic_t mymap_opens = ATOMIC_INIT(0);

/* Live mappings (VMAs) of the device, in all processes. */
static atomic_t mymap_mappings = ATOMIC_INIT(0);

/*
 * misc_open() calls this after pointing file->private_data at the
 * miscdevice.  Nothing here can fail.
 */
static int mymap_open(struct inode *inode, struct file *file)
{
	atomic_inc(&mymap_opens);
	return 0;
}

/* When the last descriptor and the last mapping of the file are gone. */
static int mymap_release(struct inode *inode, struct file *file)
{
	atomic_dec(&mymap_opens);
	return 0;
}

static ssize_t mymap_read(struct file *file, char __user *buf, size_t count,
			  loff_t *ppos)
{
	const struct mymap_region *region = &mymap_region;
	loff_t pos = *ppos;

	if (pos >= region->size)
		return 0;
	count = min_t(size_t, count, region->size - pos);
	if (copy_to_user(buf, region->mem + pos, count))
		return -EFAULT;
	*ppos = pos + count;
	return count;
}

/*
 * The kernel calls .open for every VMA it creates as a copy of one of ours
 * (fork, a VMA split in two) and .close for every one it destroys
 * (munmap, exit); the first VMA is created by mymap_mmap(), which counts
 * it itself.
 */
static void mymap_vm_open(struct vm_area_struct *vma)
{
	atomic_inc(&mymap_mappings);
}

static void mymap_vm_close(struct vm_area_struct *vma)
{
	atomic_dec(&mymap_mappings);
}

static const struct vm_operations_struct mymap_vm_ops = {
	.open = mymap_vm_open,
	.close = mymap_vm_close,
};

/* Does [pgoff, pgoff + pages) lie inside the region?  Cannot overflow. */
static bool range_in_region(const struct mymap_region *region,
			    unsigned long pgoff, unsigned long pages)
{
	unsigned long region_pages = region->size >> PAGE_SHIFT;

	return pgoff < region_pages && pages <= region_pages - pgoff;
}

/*
 * Maps part of the region into the calling process, after the rules below.
 * Each refusal has its own errno, so a program can tell which rule it broke.
 */
static int mymap_mmap(struct file *file, struct vm_area_struct *vma)
{
	unsigned long pfn = virt_to_phys(mymap_region.mem) >> PAGE_SHIFT;
	int ret;

	/*
	 * A private copy-on-write view would hide writes from the device.
	 * VM_MAYSHARE, not VM_SHARED: the kernel drops VM_SHARED from a
	 * MAP_SHARED mapping of a file opened read-only.
	 */
	if (!(vma->vm_flags & VM_MAYSHARE))
		return -EINVAL;
	/* The region holds data, never code. */
	if (vma->vm_flags & VM_EXEC)
		return -EPERM;
	/* Inside the region, offset and length both. */
	if (!range_in_region(&mymap_region, vma->vm_pgoff, vma_pages(vma)))
		return -EINVAL;
	/* Nor executable later, through mprotect(). */
	vm_flags_clear(vma, VM_MAYEXEC);

	/* The region is contiguous: its page vm_pgoff is frame pfn + vm_pgoff. */
	ret = remap_pfn_range(vma, vma->vm_start, pfn + vma->vm_pgoff,
			      vma->vm_end - vma->vm_start, vma->vm_page_prot);
	if (ret)
		return ret;
	/*
	 * Only now: when mmap fails, the kernel frees the VMA without
	 * calling .close, so an early count would never come down.
	 */
	vma->vm_ops = &mymap_vm_ops;
	atomic_inc(&mymap_mappings);
	return 0;
}

static const struct file_operations mymap_fops = {
	.owner = THIS_MODULE,
	.open = mymap_open,
	.release = mymap_release,
	.read = mymap_read,
	.mmap = mymap_mmap,
};

/* /sys/class/misc/mymap/size: the device's size in bytes. */
static ssize_t size_show(struct device *dev, struct device_attribute *attr,
			 char *buf)
{
	return sysfs_emit(buf, "%zu\n", mymap_region.size);
}
static DEVICE_ATTR_RO(size);

/* /sys/class/misc/mymap/opens: open files of the device. */
static ssize_t opens_show(struct device *dev, struct device_attribute *attr,
			  char *buf)
{
	return sysfs_emit(buf, "%d\n", atomic_read(&mymap_opens));
}
static DEVICE_ATTR_RO(opens);

/* /sys/class/misc/mymap/mappings: live mappings of the device. */
static ssize_t mappings_show(struct device *dev, struct device_attribute *attr,
			     char *buf)
{
	return sysfs_emit(buf, "%d\n", atomic_read(&mymap_mappings));
}
static DEVICE_ATTR_RO(mappings);

static struct attribute *mymap_attrs[] = {
	&dev_attr_size.attr,
	&dev_attr_opens.attr,
	&dev_attr_mappings.attr,
	NULL,
};
ATTRIBUTE_GROUPS(mymap);

/*
 * .groups: misc_register() creates the attributes together with the
 * device, before udev hears of it, so no one can see a device without them.
 */
static struct miscdevice mymap_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "mymap",
	.fops = &mymap_fops,
	.groups = mymap_groups,
	.mode = 0600,
};

/*
 * @bytes in one kmalloc, zeroed (nothing a previous user of the memory left
 * there can be read) and page-aligned; then seeded.  Returns 0 or -ENOMEM.
 */
static int region_alloc(struct mymap_region *region, size_t bytes)
{
	/*
	 * NOWARN: a size the machine cannot give is the user's mistake,
	 * reported by insmod, not a kernel warning.  RETRY_MAYFAIL: fail
	 * instead of calling the OOM killer on someone else.
	 */
	const gfp_t gfp = GFP_KERNEL | __GFP_NOWARN | __GFP_RETRY_MAYFAIL;
	void *mem = kzalloc(bytes, gfp);

	if (!mem)
		return -ENOMEM;
	/*
	 * Whole pages from kmalloc are page-aligned: one or two pages come
	 * from a slab aligned to their power-of-two size, more straight from
	 * the page allocator.  Mapped misaligned, the region would expose its
	 * neighbours, so check rather than trust.
	 */
	if (!PAGE_ALIGNED(mem)) {
		kfree(mem);
		return -ENOMEM;
	}
	memcpy(mem, mymap_seed, sizeof(mymap_seed));
	region->mem = mem;
	region->size = bytes;
	return 0;
}

/*
 * One kmalloc cannot return more than KMALLOC_MAX_SIZE (4 MiB on x86_64),
 * and the region is one kmalloc.  KMALLOC_MAX_SIZE is a whole number of
 * pages, so rounding a size below it up to a page cannot pass it.
 */
static int check_size(unsigned long requested, size_t *rounded)
{
	if (!requested) {
		pr_err("size=0: the region needs at least one page\n");
		return -EINVAL;
	}
	if (requested > KMALLOC_MAX_SIZE) {
		pr_err("size=%lu is more than one kmalloc can give (%lu bytes)\n",
		       requested, KMALLOC_MAX_SIZE);
		return -EINVAL;
	}
	*rounded = PAGE_ALIGN(requested);
	return 0;
}

static int __init mymap_init(void)
{
	size_t bytes;
	int ret;

	ret = check_size(size, &bytes);
	if (ret)
		return ret;
	ret = region_alloc(&mymap_region, bytes);
	if (ret) {
		pr_err("cannot allocate %zu bytes for the region\n", bytes);
		return ret;
	}
	/* Once registered, the device can be opened: the region comes first. */
	ret = misc_register(&mymap_misc);
	if (ret) {
		pr_err("cannot register /dev/mymap: %d\n", ret);
		kfree(mymap_region.mem);
		return ret;
	}
	pr_info("/dev/mymap ready: %zu bytes\n", bytes);
	return 0;
}

/* The reverse order of init: no one can open the device once it is gone. */
static void __exit mymap_exit(void)
{
	misc_deregister(&mymap_misc);
	kfree(mymap_region.mem);
	pr_info("/dev/mymap removed\n");
}

module_init(mymap_init);
module_exit(mymap_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("mymap tutorial step 9: a region of many pages");
