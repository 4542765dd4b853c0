// SPDX-License-Identifier: GPL-2.0
/*
 * mymap_11.c - with on_demand=1 the region is mapped one page at a time,
 * from a page fault handler, instead of all at once by remap_pfn_range().
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/device.h>
#include <linux/fs.h>
#include <linux/io.h>
#include <linux/init.h>
#include <linux/log2.h>
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

/* insmod mymap_11.ko on_demand=1: map at the first touch of each page. */
static bool on_demand;
module_param(on_demand, bool, 0444);
MODULE_PARM_DESC(on_demand, "map each page at its first access, from .fault (default 0: all at mmap)");

/*
 * struct mymap_region - the device's memory, from mymap_init() to
 * mymap_exit().
 * @size:       bytes, a whole number of pages.
 * @chunk_size: bytes in every chunk but the last, a power of two no larger
 *              than one kmalloc may return.
 * @nr_chunks:  number of chunks.
 * @chunks:     kernel addresses of the chunks.
 */
struct mymap_region {
	size_t size;
	size_t chunk_size;
	unsigned int nr_chunks;
	void **chunks;
};

static struct mymap_region mymap_region;

static size_t chunk_len(const struct mymap_region *region, unsigned int i)
{
	if (i + 1 < region->nr_chunks)
		return region->chunk_size;
	return region->size - (size_t)i * region->chunk_size;
}

/*
 * Where byte @pos of the region is: its kernel address, and in *@len the
 * bytes from it to the end of its chunk or to @end, whichever comes first.
 * The caller keeps pos < end <= region->size, so nothing here can wrap:
 * i * chunk_size is at most pos, and off lies inside chunk i.
 */
static void *region_at(const struct mymap_region *region, size_t pos,
		       size_t end, size_t *len)
{
	unsigned int i = pos / region->chunk_size;
	size_t off = pos - (size_t)i * region->chunk_size;

	*len = min(chunk_len(region, i) - off, end - pos);
	return region->chunks[i] + off;
}

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

/*
 * Copies chunk by chunk; a fault after some bytes is a short read, as for
 * files, and -EFAULT only when not one byte could be copied.
 */
static ssize_t mymap_read(struct file *file, char __user *buf, size_t count,
			  loff_t *ppos)
{
	const struct mymap_region *region = &mymap_region;
	size_t pos, end, done = 0;

	if (*ppos >= region->size)
		return 0;
	pos = *ppos;
	end = pos + min_t(size_t, count, region->size - pos);
	while (pos + done < end) {
		size_t len;
		void *kaddr = region_at(region, pos + done, end, &len);
		unsigned long left = copy_to_user(buf + done, kaddr, len);

		done += len - left;
		if (left)
			break;
	}
	if (!done)
		return -EFAULT;
	*ppos += done;
	return done;
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

/*
 * A page of the mapping is touched and has no page-table entry: with
 * on_demand, that is every page's first access.  vmf->pgoff is the page's
 * offset in the file, which is the region; the mmap rules and
 * VM_DONTEXPAND keep it inside, but an offset outside is refused anyway.
 */
static vm_fault_t mymap_vm_fault(struct vm_fault *vmf)
{
	const struct mymap_region *region = &mymap_region;
	size_t pos, len;
	void *kaddr;

	if (vmf->pgoff >= region->size >> PAGE_SHIFT)
		return VM_FAULT_SIGBUS;
	pos = (size_t)vmf->pgoff << PAGE_SHIFT;
	kaddr = region_at(region, pos, pos + PAGE_SIZE, &len);
	return vmf_insert_pfn(vmf->vma, vmf->address,
			      virt_to_phys(kaddr) >> PAGE_SHIFT);
}

static const struct vm_operations_struct mymap_vm_ops = {
	.open = mymap_vm_open,
	.close = mymap_vm_close,
	.fault = mymap_vm_fault,
};

/* Does [pgoff, pgoff + pages) lie inside the region?  Cannot overflow. */
static bool range_in_region(const struct mymap_region *region,
			    unsigned long pgoff, unsigned long pages)
{
	unsigned long region_pages = region->size >> PAGE_SHIFT;

	return pgoff < region_pages && pages <= region_pages - pgoff;
}

/*
 * One remap_pfn_range() per chunk the VMA covers, from its page offset on;
 * the caller checked that the VMA lies inside the region.  When this fails
 * halfway, the mm undoes the partial mapping as mmap fails.
 */
static int region_remap(const struct mymap_region *region,
			struct vm_area_struct *vma)
{
	size_t pos = (size_t)vma->vm_pgoff << PAGE_SHIFT;
	size_t end = pos + (vma->vm_end - vma->vm_start);
	unsigned long addr = vma->vm_start;

	while (pos < end) {
		size_t len;
		void *kaddr = region_at(region, pos, end, &len);
		unsigned long pfn = virt_to_phys(kaddr) >> PAGE_SHIFT;
		int ret;

		ret = remap_pfn_range(vma, addr, pfn, len, vma->vm_page_prot);
		if (ret)
			return ret;
		addr += len;
		pos += len;
	}
	return 0;
}

/*
 * Maps part of the region into the calling process, after the rules below.
 * Each refusal has its own errno, so a program can tell which rule it broke.
 */
static int mymap_mmap(struct file *file, struct vm_area_struct *vma)
{
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

	if (on_demand) {
		/*
		 * What remap_pfn_range() would have set: vmf_insert_pfn()
		 * maps only into a VM_PFNMAP mapping.
		 */
		vm_flags_set(vma, VM_IO | VM_PFNMAP | VM_DONTEXPAND |
			     VM_DONTDUMP);
	} else {
		ret = region_remap(&mymap_region, vma);
		if (ret)
			return ret;
	}
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

/* Frees the first @count chunks and the array; count may be 0. */
static void free_chunks(struct mymap_region *region, unsigned int count)
{
	while (count--)
		kfree(region->chunks[count]);
	kfree(region->chunks);
	region->chunks = NULL;
}

/*
 * @bytes chunk by chunk, each zeroed (nothing a previous user of the
 * memory left there can be read) and page-aligned; then seeded.  Returns 0,
 * or -ENOMEM with nothing left allocated.
 */
static int region_alloc(struct mymap_region *region, size_t bytes)
{
	/*
	 * NOWARN: a size the machine cannot give is the user's mistake,
	 * reported by insmod, not a kernel warning.  RETRY_MAYFAIL: fail
	 * instead of calling the OOM killer on someone else.
	 */
	const gfp_t gfp = GFP_KERNEL | __GFP_NOWARN | __GFP_RETRY_MAYFAIL;
	unsigned int i;

	region->size = bytes;
	region->chunk_size = min_t(size_t, KMALLOC_MAX_SIZE,
				   roundup_pow_of_two(bytes));
	region->nr_chunks = DIV_ROUND_UP(bytes, region->chunk_size);
	region->chunks = kcalloc(region->nr_chunks, sizeof(*region->chunks),
				 gfp);
	if (!region->chunks)
		return -ENOMEM;

	for (i = 0; i < region->nr_chunks; i++) {
		void *chunk = kzalloc(chunk_len(region, i), gfp);

		/* As in step 4: a misaligned chunk would map its neighbours. */
		if (chunk && !PAGE_ALIGNED(chunk)) {
			kfree(chunk);
			chunk = NULL;
		}
		if (!chunk) {
			free_chunks(region, i);
			return -ENOMEM;
		}
		region->chunks[i] = chunk;
	}
	memcpy(region->chunks[0], mymap_seed,
	       min_t(size_t, sizeof(mymap_seed), bytes));
	return 0;
}

/*
 * The region is kernel memory pinned for as long as the module is loaded,
 * so it may take at most half of RAM: more is a typo, not a plan.
 */
static int check_size(unsigned long requested, size_t *rounded)
{
	unsigned long limit = (totalram_pages() / 2) << PAGE_SHIFT;

	if (!requested) {
		pr_err("size=0: the region needs at least one page\n");
		return -EINVAL;
	}
	if (requested > limit) {
		pr_err("size=%lu is more than half of RAM (%lu bytes)\n",
		       requested, limit);
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
		free_chunks(&mymap_region, mymap_region.nr_chunks);
		return ret;
	}
	pr_info("/dev/mymap ready: %zu bytes in %u chunks, mapped %s\n", bytes,
		mymap_region.nr_chunks, on_demand ? "on demand" : "at mmap");
	return 0;
}

/* The reverse order of init: no one can open the device once it is gone. */
static void __exit mymap_exit(void)
{
	misc_deregister(&mymap_misc);
	free_chunks(&mymap_region, mymap_region.nr_chunks);
	pr_info("/dev/mymap removed\n");
}

module_init(mymap_init);
module_exit(mymap_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("mymap tutorial step 11: mapping on demand from a fault handler");
