// SPDX-License-Identifier: GPL-2.0
/*
 * waitq.c - MYMAP_IOC_WAIT and MYMAP_IOC_WAKE: sleep until a word of the
 * region changes, the way futex(2) does for ordinary memory.
 *
 * A futex cannot work here: the region is mapped VM_PFNMAP, so the kernel
 * cannot pin its pages to key a futex (FUTEX_WAIT fails with EFAULT).  The
 * key here is simply the word's offset in the region.
 *
 * No wake-up is lost: a waiter compares the word and queues itself under
 * waitq->lock, and a waker, which stores to the word before it asks for
 * the wake, takes the same lock.  Either the waiter saw the new value, or
 * it was queued before the waker looked.  A peer's death is not lost
 * either: release() forgets the session before it takes the lock to end
 * the waits, so a waiter checking its peer under the lock sees one or the
 * other.
 */
#include <linux/fs.h>
#include <linux/hrtimer.h>
#include <linux/ktime.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>

#include "mymap.h"
#include "mymap_uapi.h"

/*
 * struct mymap_waiter - one sleeping MYMAP_IOC_WAIT, on its own stack.
 * @node:   in waitq->waiters while queued.
 * @offset: the word it waits on.
 * @file:   the open file it waits through.
 * @task:   the sleeper.
 * @result: 1 while asleep; then 0 (woken) or a negative errno, set under
 *          waitq->lock by whoever dequeues it.
 */
struct mymap_waiter {
	struct list_head node;
	u64 offset;
	const struct file *file;
	struct task_struct *task;
	int result;
};

void mymap_waitq_init(struct mymap_waitq *wq)
{
	spin_lock_init(&wq->lock);
	INIT_LIST_HEAD(&wq->waiters);
}

/*
 * Called with wq->lock held.  The waiter's stack frame stays valid until it
 * has taken the lock itself on its way out, so touching it here is safe.
 */
static void dequeue_waiter(struct mymap_waiter *w, int result)
{
	list_del_init(&w->node);
	WRITE_ONCE(w->result, result);
	wake_up_process(w->task);
}

static u32 *checked_word(const struct mymap_region *region, u64 offset,
			 u32 flags)
{
	return flags ? NULL : mymap_region_word(region, offset);
}

/*
 * Called with wq->lock held: 0 if the caller may sleep, else why not.
 * The session table is read under the lock on purpose (see the top).
 */
static int may_sleep(u32 *word, const struct mymap_wait *arg,
		     struct xarray *sessions)
{
	if (READ_ONCE(*word) != arg->expected)
		return -EAGAIN;
	if (arg->peer && !xa_load(sessions, arg->peer))
		return -EPIPE;
	return 0;
}

/**
 * mymap_waitq_wait() - MYMAP_IOC_WAIT.
 * @wq:       the device's sleepers.
 * @region:   the region holding the word.
 * @sessions: the device's open files, by session id.
 * @file:     the open file the caller waits through.
 * @arg:      the user's request.
 *
 * Return: 0 when woken by MYMAP_IOC_WAKE; -EAGAIN if the word did not hold
 * @arg->expected; -ETIMEDOUT; -ERESTARTNOHAND on a signal (EINTR if a
 * handler runs, else the wait restarts); -EPIPE if @arg->peer is gone or
 * an open file of the device was closed meanwhile; -EBADF if another
 * thread closed @file; -EINVAL for bad flags or a misaligned or outside
 * offset.
 */
long mymap_waitq_wait(struct mymap_waitq *wq,
		      const struct mymap_region *region,
		      struct xarray *sessions, const struct file *file,
		      const struct mymap_wait *arg)
{
	u32 *word = checked_word(region, arg->offset, arg->flags);
	struct mymap_waiter w = { .offset = arg->offset, .file = file,
				  .task = current, .result = 1 };
	ktime_t expires, *until = NULL;	/* NULL: no timeout */
	int result;

	if (!word)
		return -EINVAL;
	if (arg->timeout_ns) {
		expires = ktime_add_safe(ktime_get(),
					 ns_to_ktime(min_t(u64, arg->timeout_ns,
							   KTIME_MAX)));
		until = &expires;
	}

	spin_lock(&wq->lock);
	result = may_sleep(word, arg, sessions);
	if (result) {
		spin_unlock(&wq->lock);
		return result;
	}
	list_add_tail(&w.node, &wq->waiters);
	set_current_state(TASK_INTERRUPTIBLE);
	spin_unlock(&wq->lock);

	for (;;) {
		if (READ_ONCE(w.result) != 1)
			break;
		/*
		 * Only a signal whose handler runs ends the wait for good; a
		 * stop/continue or a ptrace attach restarts the ioctl.
		 */
		if (signal_pending(current)) {
			result = -ERESTARTNOHAND;
			break;
		}
		/* With no time given it sleeps until woken and returns -EINTR. */
		if (!schedule_hrtimeout(until, HRTIMER_MODE_ABS)) {
			result = -ETIMEDOUT;
			break;
		}
		set_current_state(TASK_INTERRUPTIBLE);
	}
	__set_current_state(TASK_RUNNING);

	/* A wake that raced with the signal or timeout still counts. */
	spin_lock(&wq->lock);
	if (w.result == 1)
		list_del(&w.node);
	else
		result = w.result;
	spin_unlock(&wq->lock);
	return result;
}

/**
 * mymap_waitq_wake() - MYMAP_IOC_WAKE.
 * @wq:     the device's sleepers.
 * @region: the region holding the word.
 * @arg:    the user's request.
 *
 * Return: how many waiters were woken, oldest first, at most @arg->count;
 * -EINVAL as for mymap_waitq_wait().
 */
long mymap_waitq_wake(struct mymap_waitq *wq,
		      const struct mymap_region *region,
		      const struct mymap_wake *arg)
{
	struct mymap_waiter *w, *next;
	long woken = 0;

	if (!checked_word(region, arg->offset, arg->flags))
		return -EINVAL;

	spin_lock(&wq->lock);
	list_for_each_entry_safe(w, next, &wq->waiters, node) {
		if (woken == arg->count)
			break;
		if (w->offset != arg->offset)
			continue;
		dequeue_waiter(w, 0);
		woken++;
	}
	spin_unlock(&wq->lock);
	return woken;
}

/**
 * mymap_waitq_wake_all() - end every wait with @error.
 * @wq:    the device's sleepers.
 * @error: what their MYMAP_IOC_WAIT returns, a negative errno.
 */
void mymap_waitq_wake_all(struct mymap_waitq *wq, int error)
{
	struct mymap_waiter *w, *next;

	spin_lock(&wq->lock);
	list_for_each_entry_safe(w, next, &wq->waiters, node)
		dequeue_waiter(w, error);
	spin_unlock(&wq->lock);
}

/**
 * mymap_waitq_cancel_file() - close(2) of @file by a thread of @files.
 * @wq:    the device's sleepers.
 * @file:  the open file being closed.
 * @files: the descriptor table it is closed from.
 *
 * Ends with -EBADF the waits through @file of the threads sharing @files:
 * their descriptor is gone, and release() cannot run while they wait.
 * A forked child closing its copy leaves its parent's waits alone.
 */
void mymap_waitq_cancel_file(struct mymap_waitq *wq, const struct file *file,
			     fl_owner_t files)
{
	struct mymap_waiter *w, *next;

	spin_lock(&wq->lock);
	list_for_each_entry_safe(w, next, &wq->waiters, node) {
		/* The sleeper is inside the ioctl: its ->files is stable. */
		if (w->file == file && w->task->files == files)
			dequeue_waiter(w, -EBADF);
	}
	spin_unlock(&wq->lock);
}
