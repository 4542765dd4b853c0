/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mymap.h - what the parts of the mymap driver share.
 *
 * The device is one region of kernel memory, allocated in chunks at
 * load time (region.c), mapped into and copied to and from processes by the
 * file operations (fops.c), with a wait/wake primitive on its words
 * (waitq.c) and counters shown in sysfs (sysfs.c).  main.c ties them to the
 * module's lifetime.
 */
#ifndef MYMAP_H
#define MYMAP_H

#include <linux/atomic.h>
#include <linux/fs.h>
#include <linux/list.h>
#include <linux/miscdevice.h>
#include <linux/mm_types.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/xarray.h>

struct mymap_wait;
struct mymap_wake;

/*
 * struct mymap_region - the memory behind the device.
 * @size:       bytes, a whole number of pages.
 * @chunk_size: bytes in every chunk but the last, a power-of-two number of
 *              pages no larger than one kmalloc may return.
 * @nr_chunks:  number of chunks.
 * @chunks:     kernel addresses of the chunks; never shown to userspace.
 */
struct mymap_region {
	size_t size;
	size_t chunk_size;
	unsigned int nr_chunks;
	void **chunks;
};

/*
 * struct mymap_waitq - tasks sleeping in MYMAP_IOC_WAIT.
 * @waiters: struct mymap_waiter, oldest first.
 */
struct mymap_waitq {
	spinlock_t lock;	/* orders a waiter's check of its word against wakes */
	struct list_head waiters;
};

/*
 * struct mymap_dev - the one device this module provides.
 * @misc:         the registered misc device.
 * @region:       its memory.
 * @mappings:     live VMAs of the region, all processes.
 * @opens:        open files.
 * @next_session: last session id handed out; ids start at 1.
 * @sessions:     open files by session id, for MYMAP_IOC_ALIVE.
 * @waitq:        sleepers of MYMAP_IOC_WAIT.
 */
struct mymap_dev {
	struct miscdevice misc;
	struct mymap_region region;
	atomic_t mappings;
	atomic_t opens;
	atomic64_t next_session;
	struct xarray sessions;
	struct mymap_waitq waitq;
};

/* region.c */
int mymap_region_alloc(struct mymap_region *region, size_t size);
void mymap_region_free(struct mymap_region *region);
int mymap_region_remap(const struct mymap_region *region,
		       struct vm_area_struct *vma);
ssize_t mymap_region_copy_out(const struct mymap_region *region,
			      char __user *buf, size_t count, loff_t pos);
ssize_t mymap_region_copy_in(struct mymap_region *region,
			     const char __user *buf, size_t count, loff_t pos);
u32 *mymap_region_word(const struct mymap_region *region, u64 offset);

/* fops.c */
extern const struct file_operations mymap_fops;

/* waitq.c */
void mymap_waitq_init(struct mymap_waitq *wq);
long mymap_waitq_wait(struct mymap_waitq *wq,
		      const struct mymap_region *region,
		      struct xarray *sessions, const struct file *file,
		      const struct mymap_wait *arg);
long mymap_waitq_wake(struct mymap_waitq *wq,
		      const struct mymap_region *region,
		      const struct mymap_wake *arg);
void mymap_waitq_wake_all(struct mymap_waitq *wq, int error);
void mymap_waitq_cancel_file(struct mymap_waitq *wq, const struct file *file,
			     fl_owner_t files);

/* sysfs.c */
extern const struct attribute_group *mymap_groups[];

static inline struct mymap_dev *mymap_dev_from_misc(struct miscdevice *misc)
{
	return container_of(misc, struct mymap_dev, misc);
}

#endif /* MYMAP_H */
