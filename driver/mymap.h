/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mymap.h - what the parts of the mymap driver share.
 *
 * The device is one region of kernel memory, allocated in chunks at
 * load time (region.c), mapped into and copied to and from processes by the
 * file operations (fops.c), with a wait/wake primitive and poll()able
 * watches on its words (waitq.c) and counters shown in sysfs (sysfs.c).
 * main.c ties them to the module's lifetime.
 */
#ifndef MYMAP_H
#define MYMAP_H

#include <linux/atomic.h>
#include <linux/fs.h>
#include <linux/ktime.h>
#include <linux/list.h>
#include <linux/miscdevice.h>
#include <linux/mm_types.h>
#include <linux/mutex.h>
#include <linux/poll.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/xarray.h>

struct mymap_wait;
struct mymap_wake;
struct mymap_watch;

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
 * struct mymap_waitq - tasks sleeping in MYMAP_IOC_WAIT, and the watches
 * of open files.
 * @waiters: struct mymap_waiter, oldest first.
 * @watches: struct mymap_watch_state of the open files that have one.
 */
struct mymap_waitq {
	spinlock_t lock;	/* orders a waiter's check of its word against wakes */
	struct list_head waiters;
	struct list_head watches;
};

/*
 * struct mymap_watch_state - an open file's watch (MYMAP_IOC_WATCH), what
 * its poll() reports on.  All but @poll under waitq->lock.
 * @node:      in waitq->watches while set; empty otherwise.
 * @word:      the word watched, inside the region; NULL without a watch.
 * @offset:    its offset, as the user gave it.
 * @expected:  the value the user last saw there.
 * @peer:      the session whose end the watch reports, or 0.
 * @signalled: a MYMAP_IOC_WAKE named the word since the watch was set.
 * @poll:      poll(), select() and epoll wait here.
 */
struct mymap_watch_state {
	struct list_head node;
	u32 *word;
	u64 offset;
	u32 expected;
	u64 peer;
	bool signalled;
	wait_queue_head_t poll;
};

/*
 * struct mymap_mms - the address spaces that map the region (mms.c).
 * @list: struct mymap_mm, one per mm with a VMA of the region.
 * @nr:   entries in @list.
 */
struct mymap_mms {
	struct mutex lock;	/* guards @list and @nr; taken inside mmap_lock */
	struct list_head list;
	unsigned int nr;
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
 * @huge:         map 2 MiB pieces with one page-table entry each (the huge
 *                parameter, where the kernel allows it); set at load.
 * @mms:          the address spaces that map the region.
 */
struct mymap_dev {
	struct miscdevice misc;
	struct mymap_region region;
	atomic_t mappings;
	atomic_t opens;
	atomic64_t next_session;
	struct xarray sessions;
	struct mymap_waitq waitq;
	bool huge;
	struct mymap_mms mms;
};

/* region.c */
int mymap_region_alloc(struct mymap_region *region, size_t size);
void mymap_region_free(struct mymap_region *region);
int mymap_region_remap(const struct mymap_region *region,
		       struct vm_area_struct *vma, bool skip_huge);
unsigned long mymap_region_pfn(const struct mymap_region *region, size_t pos);
bool mymap_region_huge_pfn(const struct mymap_region *region, size_t pos,
			   unsigned long *pfn);
bool mymap_vma_huge_pfn(const struct mymap_region *region,
			const struct vm_area_struct *vma, unsigned long addr,
			unsigned long *pfn);
ssize_t mymap_region_copy_out(const struct mymap_region *region,
			      char __user *buf, size_t count, loff_t pos);
ssize_t mymap_region_copy_in(struct mymap_region *region,
			     const char __user *buf, size_t count, loff_t pos);
u32 *mymap_region_word(const struct mymap_region *region, u64 offset);
int mymap_region_access(const struct mymap_region *region, size_t pos,
			void *buf, size_t len, bool write);
size_t mymap_region_footprint(size_t size);

/* fops.c */
extern const struct file_operations mymap_fops;
extern const struct vm_operations_struct mymap_vm_ops;

/* mms.c */
void mymap_mms_init(struct mymap_mms *mms);
int mymap_mms_add(struct mymap_mms *mms, struct mm_struct *mm, gfp_t gfp);
void mymap_mms_del(struct mymap_mms *mms, struct mm_struct *mm);
long mymap_mms_count_pmds(struct mymap_mms *mms,
			  const struct vm_operations_struct *ops);

/* waitq.c */
void mymap_waitq_init(struct mymap_waitq *wq);
void mymap_watch_init(struct mymap_watch_state *watch);
long mymap_waitq_wait(struct mymap_waitq *wq,
		      const struct mymap_region *region,
		      struct xarray *sessions, const struct mymap_wait *arg,
		      ktime_t *deadline);
long mymap_waitq_wake(struct mymap_waitq *wq,
		      const struct mymap_region *region,
		      const struct mymap_wake *arg);
void mymap_waitq_session_gone(struct mymap_waitq *wq, u64 session);
int mymap_waitq_watch(struct mymap_waitq *wq,
		      const struct mymap_region *region,
		      struct mymap_watch_state *watch,
		      const struct mymap_watch *arg);
void mymap_waitq_unwatch(struct mymap_waitq *wq,
			 struct mymap_watch_state *watch);
__poll_t mymap_waitq_poll(struct mymap_waitq *wq, struct xarray *sessions,
			  struct mymap_watch_state *watch);

/* sysfs.c */
extern const struct attribute_group *mymap_groups[];

/*
 * The region offset that @addr of @vma maps.  The mmap handler checked
 * that the whole VMA lies inside the region, and a VMA never grows, so the
 * sum cannot wrap.
 */
static inline size_t mymap_vma_pos(const struct vm_area_struct *vma,
				   unsigned long addr)
{
	return ((size_t)vma->vm_pgoff << PAGE_SHIFT) + (addr - vma->vm_start);
}

static inline struct mymap_dev *mymap_dev_from_misc(struct miscdevice *misc)
{
	return container_of(misc, struct mymap_dev, misc);
}

#endif /* MYMAP_H */
