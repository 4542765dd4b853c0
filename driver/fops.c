// SPDX-License-Identifier: GPL-2.0
/*
 * fops.c - what a process can do with /dev/mymap: map it, read and write
 * it, seek in it, and the ioctls of mymap_uapi.h.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "compat.h"
#include "mymap.h"
#include "mymap_uapi.h"

/*
 * struct mymap_file - one open file of the device.
 * @dev:     the device.
 * @session: this file's id in @dev->sessions.
 */
struct mymap_file {
	struct mymap_dev *dev;
	u64 session;
};

static int mymap_open(struct inode *inode, struct file *file)
{
	/* misc_open() left the miscdevice here. */
	struct mymap_dev *dev = mymap_dev_from_misc(file->private_data);
	struct mymap_file *mf;
	int ret;

	mf = kzalloc(sizeof(*mf), GFP_KERNEL);
	if (!mf)
		return -ENOMEM;
	mf->dev = dev;
	mf->session = atomic64_inc_return(&dev->next_session);
	ret = xa_insert(&dev->sessions, mf->session, mf, GFP_KERNEL);
	if (ret) {
		kfree(mf);
		return ret;
	}
	atomic_inc(&dev->opens);
	file->private_data = mf;
	return 0;
}

/*
 * close(2) of a descriptor: the waits through it by threads sharing the
 * descriptor table it is closed from (@id) must end.
 */
static int mymap_flush(struct file *file, fl_owner_t id)
{
	struct mymap_file *mf = file->private_data;

	mymap_waitq_cancel_file(&mf->dev->waitq, file, id);
	return 0;
}

static int mymap_release(struct inode *inode, struct file *file)
{
	struct mymap_file *mf = file->private_data;
	struct mymap_dev *dev = mf->dev;

	xa_erase(&dev->sessions, mf->session);
	atomic_dec(&dev->opens);
	/* A peer may have died: let every sleeper re-check its peers. */
	mymap_waitq_wake_all(&dev->waitq, -EPIPE);
	kfree(mf);
	return 0;
}

/*
 * Called for every new VMA of the region after the first: fork, a split by
 * partial munmap or mprotect, a move by mremap.  close() matches each.
 */
static void mymap_vm_open(struct vm_area_struct *vma)
{
	struct mymap_file *mf = vma->vm_file->private_data;

	atomic_inc(&mf->dev->mappings);
}

static void mymap_vm_close(struct vm_area_struct *vma)
{
	struct mymap_file *mf = vma->vm_file->private_data;

	atomic_dec(&mf->dev->mappings);
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

static int mymap_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct mymap_file *mf = file->private_data;
	struct mymap_region *region = &mf->dev->region;
	int ret;

	/*
	 * A private copy-on-write view of device memory makes no sense.
	 * VM_MAYSHARE, not VM_SHARED: the kernel drops VM_SHARED from a
	 * MAP_SHARED mapping of a file opened read-only.
	 */
	if (!(vma->vm_flags & VM_MAYSHARE))
		return -EINVAL;
	/* The region holds data, never code. */
	if (vma->vm_flags & VM_EXEC)
		return -EPERM;
	/* Inside the region, offset and length both. */
	if (!range_in_region(region, vma->vm_pgoff, vma_pages(vma)))
		return -EINVAL;

	/*
	 * No later mprotect(PROT_EXEC); mremap may not grow the mapping past
	 * what was checked; core dumps leave the shared region out.
	 */
	vm_flags_clear(vma, VM_MAYEXEC);
	vm_flags_set(vma, VM_DONTEXPAND | VM_DONTDUMP);

	ret = mymap_region_remap(region, vma);
	if (ret)
		return ret;
	vma->vm_ops = &mymap_vm_ops;
	atomic_inc(&mf->dev->mappings);
	return 0;
}

static ssize_t mymap_read(struct file *file, char __user *buf, size_t count,
			  loff_t *ppos)
{
	struct mymap_file *mf = file->private_data;
	ssize_t ret;

	ret = mymap_region_copy_out(&mf->dev->region, buf, count, *ppos);
	if (ret > 0)
		*ppos += ret;
	return ret;
}

static ssize_t mymap_write(struct file *file, const char __user *buf,
			   size_t count, loff_t *ppos)
{
	struct mymap_file *mf = file->private_data;
	ssize_t ret;

	ret = mymap_region_copy_in(&mf->dev->region, buf, count, *ppos);
	if (ret > 0)
		*ppos += ret;
	return ret;
}

/* Positions from 0 to the region's size, inclusive; others are -EINVAL. */
static loff_t mymap_llseek(struct file *file, loff_t offset, int whence)
{
	struct mymap_file *mf = file->private_data;

	return fixed_size_llseek(file, offset, whence, mf->dev->region.size);
}

static long ioctl_info(struct mymap_file *mf, void __user *argp)
{
	struct mymap_dev *dev = mf->dev;
	struct mymap_info info = {
		.size = dev->region.size,
		.page_size = PAGE_SIZE,
		.abi_version = MYMAP_ABI_VERSION,
		.mappings = atomic_read(&dev->mappings),
		.opens = atomic_read(&dev->opens),
		.session = mf->session,
	};

	return copy_to_user(argp, &info, sizeof(info)) ? -EFAULT : 0;
}

static long ioctl_wait(struct file *file, void __user *argp)
{
	struct mymap_file *mf = file->private_data;
	struct mymap_dev *dev = mf->dev;
	struct mymap_wait arg;

	if (copy_from_user(&arg, argp, sizeof(arg)))
		return -EFAULT;
	return mymap_waitq_wait(&dev->waitq, &dev->region, &dev->sessions,
				file, &arg);
}

static long ioctl_wake(struct mymap_file *mf, void __user *argp)
{
	struct mymap_wake arg;

	if (copy_from_user(&arg, argp, sizeof(arg)))
		return -EFAULT;
	return mymap_waitq_wake(&mf->dev->waitq, &mf->dev->region, &arg);
}

static long ioctl_alive(struct mymap_file *mf, void __user *argp)
{
	u64 session;

	if (copy_from_user(&session, argp, sizeof(session)))
		return -EFAULT;
	/* xa_load() takes the RCU read lock; the answer is a snapshot. */
	return xa_load(&mf->dev->sessions, session) ? 0 : -ESRCH;
}

static long mymap_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct mymap_file *mf = file->private_data;
	void __user *argp = (void __user *)arg;

	switch (cmd) {
	case MYMAP_IOC_INFO:
		return ioctl_info(mf, argp);
	case MYMAP_IOC_WAIT:
		return ioctl_wait(file, argp);
	case MYMAP_IOC_WAKE:
		return ioctl_wake(mf, argp);
	case MYMAP_IOC_ALIVE:
		return ioctl_alive(mf, argp);
	default:
		return -ENOTTY;
	}
}

const struct file_operations mymap_fops = {
	.owner = THIS_MODULE,
	.open = mymap_open,
	.flush = mymap_flush,
	.release = mymap_release,
	.mmap = mymap_mmap,
	.read = mymap_read,
	.write = mymap_write,
	.llseek = mymap_llseek,
	.unlocked_ioctl = mymap_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};
