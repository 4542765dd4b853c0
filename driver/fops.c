// SPDX-License-Identifier: GPL-2.0
/*
 * fops.c - what a process can do with /dev/mymap: map it, read and write
 * it, seek in it, poll it, and the ioctls of mymap_uapi.h.
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
 * @watch:   what its poll() reports on (MYMAP_IOC_WATCH).
 */
struct mymap_file {
	struct mymap_dev *dev;
	u64 session;
	struct mymap_watch_state watch;
};

/*
 * O_APPEND would have every write land at the end of a region that never
 * grows; refused at open and by fcntl(F_SETFL) alike, not ignored.
 */
static int mymap_check_flags(int flags)
{
	return flags & O_APPEND ? -EINVAL : 0;
}

static int mymap_open(struct inode *inode, struct file *file)
{
	/* misc_open() left the miscdevice here. */
	struct mymap_dev *dev = mymap_dev_from_misc(file->private_data);
	struct mymap_file *mf;
	int ret;

	ret = mymap_check_flags(file->f_flags);
	if (ret)
		return ret;
	mf = kzalloc(sizeof(*mf), GFP_KERNEL);
	if (!mf)
		return -ENOMEM;
	mf->dev = dev;
	mymap_watch_init(&mf->watch);
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
 * The last close of the open file: no wait can be running through it (a
 * waiter holds the file), and epoll has already let go of its watch.
 * Forgetting the session before telling the waits that name it is what
 * keeps a death from being missed (see waitq.c).
 */
static int mymap_release(struct inode *inode, struct file *file)
{
	struct mymap_file *mf = file->private_data;
	struct mymap_dev *dev = mf->dev;

	xa_erase(&dev->sessions, mf->session);
	atomic_dec(&dev->opens);
	mymap_waitq_unwatch(&dev->waitq, &mf->watch);
	mymap_waitq_session_gone(&dev->waitq, mf->session);
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
	/*
	 * open() cannot fail, and only a fork brings a new mm: its entry is
	 * a few bytes, which the allocator gives or waits for.
	 */
	mymap_mms_add(&mf->dev->mms, vma->vm_mm, GFP_KERNEL | __GFP_NOFAIL);
}

static void mymap_vm_close(struct vm_area_struct *vma)
{
	struct mymap_file *mf = vma->vm_file->private_data;

	mymap_mms_del(&mf->dev->mms, vma->vm_mm);
	atomic_dec(&mf->dev->mappings);
}

/*
 * A 4 KiB page of a mapping that the mmap handler left to faults, where a
 * 2 MiB entry could not be used after all: the VMA was split or moved
 * inside the 2 MiB, or transparent huge pages are disabled for it
 * (MADV_NOHUGEPAGE, PR_SET_THP_DISABLE).  The address is in the VMA, and
 * the VMA in the region.
 */
static vm_fault_t mymap_vm_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct mymap_file *mf = vma->vm_file->private_data;
	size_t pos = mymap_vma_pos(vma, vmf->address);

	return vmf_insert_pfn(vma, vmf->address,
			      mymap_region_pfn(&mf->dev->region, pos));
}

/*
 * The first touch of a 2 MiB piece the mmap handler left out: one PMD
 * entry if the VMA still holds all of it and the region behind it is one
 * aligned physical 2 MiB, else a fallback to mymap_vm_fault().  Never a
 * 1 GiB entry: no chunk is that large.
 */
static vm_fault_t __maybe_unused mymap_vm_huge_fault(struct vm_fault *vmf,
						     unsigned int order)
{
	struct vm_area_struct *vma = vmf->vma;
	struct mymap_file *mf = vma->vm_file->private_data;
	unsigned long pfn;

	if (order != PMD_ORDER || !mf->dev->huge ||
	    !mymap_vma_huge_pfn(&mf->dev->region, vma,
				vmf->address & PMD_MASK, &pfn))
		return VM_FAULT_FALLBACK;
	return mymap_insert_pfn_pmd(vmf, pfn, vmf->flags & FAULT_FLAG_WRITE);
}

/*
 * ptrace(PEEKDATA/POKEDATA), /proc/PID/mem and so debuggers: they cannot
 * pin PFN-mapped pages, and ask here instead.  The core hands in an
 * address inside @vma; writes only where the mapping allows them.
 */
static int mymap_vm_access(struct vm_area_struct *vma, unsigned long addr,
			   void *buf, int len, int write)
{
	struct mymap_file *mf = vma->vm_file->private_data;
	size_t pos;

	if (addr < vma->vm_start || addr >= vma->vm_end || len < 0)
		return -EINVAL;
	if (write && !(vma->vm_flags & VM_WRITE))
		return -EACCES;
	len = min_t(unsigned long, len, vma->vm_end - addr);
	pos = ((size_t)vma->vm_pgoff << PAGE_SHIFT) + (addr - vma->vm_start);
	return mymap_region_access(&mf->dev->region, pos, buf, len, write);
}

const struct vm_operations_struct mymap_vm_ops = {
	.open = mymap_vm_open,
	.close = mymap_vm_close,
	.access = mymap_vm_access,
	.fault = mymap_vm_fault,
	MYMAP_VM_HUGE_FAULT(mymap_vm_huge_fault)
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
	struct mymap_dev *dev = mf->dev;
	struct mymap_region *region = &dev->region;
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

	ret = mymap_mms_add(&dev->mms, vma->vm_mm, GFP_KERNEL);
	if (ret)
		return ret;

	/*
	 * No later mprotect(PROT_EXEC); mremap may not grow the mapping past
	 * what was checked; core dumps leave the shared region out.  And the
	 * flags of remap_pfn_range() from the start, whether or not it is
	 * called: pages without reference counts (VM_PFNMAP), never pinned
	 * by get_user_pages (VM_IO).
	 */
	vm_flags_clear(vma, VM_MAYEXEC);
	vm_flags_set(vma, VM_IO | VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP);

	/*
	 * With 2 MiB entries, the pieces that can have one are left to the
	 * first touch (mymap_vm_huge_fault()); the rest is mapped now.
	 */
	ret = mymap_region_remap(region, vma, dev->huge);
	if (ret) {
		mymap_mms_del(&dev->mms, vma->vm_mm);
		return ret;
	}
	vma->vm_ops = &mymap_vm_ops;
	atomic_inc(&dev->mappings);
	return 0;
}

/*
 * Where a mapping goes when the caller lets the kernel choose: with 2 MiB
 * entries, an address congruent to the file offset modulo 2 MiB when the
 * length covers a whole aligned 2 MiB of the region, so that plain
 * mmap(NULL, ...) gets them; otherwise where the mm would put it.
 */
static unsigned long mymap_get_unmapped_area(struct file *file,
					     unsigned long addr,
					     unsigned long len,
					     unsigned long pgoff,
					     unsigned long flags)
{
	struct mymap_file *mf = file->private_data;

	if (mf->dev->huge)
		return mymap_thp_unmapped_area(file, addr, len, pgoff, flags);
	return mm_get_unmapped_area(current->mm, file, addr, len, pgoff,
				    flags);
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

/*
 * A stopped and continued wait restarts: it keeps its deadline by finding
 * it in the argument, rewritten as absolute, as select(2) rewrites its
 * timeout.  If the argument is read-only, the restart waits its full
 * relative timeout again, as it always did.
 */
static long ioctl_wait(struct mymap_file *mf, void __user *argp)
{
	struct mymap_dev *dev = mf->dev;
	struct mymap_wait arg;
	ktime_t deadline;
	long ret;

	if (copy_from_user(&arg, argp, sizeof(arg)))
		return -EFAULT;
	ret = mymap_waitq_wait(&dev->waitq, &dev->region, &dev->sessions, &arg,
			       &deadline);
	if (ret == -ERESTARTNOHAND && deadline &&
	    !(arg.flags & MYMAP_WAIT_ABSTIME)) {
		arg.flags |= MYMAP_WAIT_ABSTIME;
		arg.timeout_ns = ktime_to_ns(deadline);
		if (copy_to_user(argp, &arg, sizeof(arg)))
			return ret;
	}
	return ret;
}

static long ioctl_wake(struct mymap_file *mf, void __user *argp)
{
	struct mymap_wake arg;

	if (copy_from_user(&arg, argp, sizeof(arg)))
		return -EFAULT;
	return mymap_waitq_wake(&mf->dev->waitq, &mf->dev->region, &arg);
}

static long ioctl_watch(struct mymap_file *mf, void __user *argp)
{
	struct mymap_watch arg;

	if (copy_from_user(&arg, argp, sizeof(arg)))
		return -EFAULT;
	return mymap_waitq_watch(&mf->dev->waitq, &mf->dev->region, &mf->watch,
				 &arg);
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
		return ioctl_wait(mf, argp);
	case MYMAP_IOC_WAKE:
		return ioctl_wake(mf, argp);
	case MYMAP_IOC_ALIVE:
		return ioctl_alive(mf, argp);
	case MYMAP_IOC_WATCH:
		return ioctl_watch(mf, argp);
	case MYMAP_IOC_UNWATCH:
		mymap_waitq_unwatch(&mf->dev->waitq, &mf->watch);
		return 0;
	default:
		return -ENOTTY;
	}
}

static __poll_t mymap_poll(struct file *file, poll_table *pt)
{
	struct mymap_file *mf = file->private_data;

	poll_wait(file, &mf->watch.poll, pt);
	return mymap_waitq_poll(&mf->dev->waitq, &mf->dev->sessions,
				&mf->watch);
}

const struct file_operations mymap_fops = {
	.owner = THIS_MODULE,
	.open = mymap_open,
	.release = mymap_release,
	.check_flags = mymap_check_flags,
	/* The memory is the storage: msync(MS_SYNC) and fsync have no more to do. */
	.fsync = noop_fsync,
	.poll = mymap_poll,
	.mmap = mymap_mmap,
	.get_unmapped_area = mymap_get_unmapped_area,
	.read = mymap_read,
	.write = mymap_write,
	.llseek = mymap_llseek,
	.unlocked_ioctl = mymap_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};
