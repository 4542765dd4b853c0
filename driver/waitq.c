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
 * it was queued before the waker looked.
 */
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
 * @task:   the sleeper.
 * @result: 1 while asleep; then 0 (woken) or a negative errno, set under
 *          waitq->lock by whoever dequeues it.
 */
struct mymap_waiter {
	struct list_head node;
	u64 offset;
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
	w->result = result;
	wake_up_process(w->task);
}

static u32 *checked_word(const struct mymap_region *region, u64 offset,
			 u32 flags)
{
	return flags ? NULL : mymap_region_word(region, offset);
}

/**
 * mymap_waitq_wait() - MYMAP_IOC_WAIT.
 * @wq:     the device's sleepers.
 * @region: the region holding the word.
 * @arg:    the user's request.
 *
 * Return: 0 when woken by MYMAP_IOC_WAKE; -EAGAIN if the word did not hold
 * @arg->expected; -ETIMEDOUT; -EINTR on a signal; -EPIPE if an open file of
 * the device was closed meanwhile (a peer may have died); -EINVAL for bad
 * flags or a misaligned or outside offset.
 */
long mymap_waitq_wait(struct mymap_waitq *wq,
		      const struct mymap_region *region,
		      const struct mymap_wait *arg)
{
	u32 *word = checked_word(region, arg->offset, arg->flags);
	struct mymap_waiter w = { .offset = arg->offset, .task = current,
				  .result = 1 };
	ktime_t expires = KTIME_MAX;
	int result = 0;

	if (!word)
		return -EINVAL;
	if (arg->timeout_ns)
		expires = ktime_add_safe(ktime_get(),
					 ns_to_ktime(min_t(u64, arg->timeout_ns,
							   KTIME_MAX)));

	spin_lock(&wq->lock);
	if (READ_ONCE(*word) != arg->expected) {
		spin_unlock(&wq->lock);
		return -EAGAIN;
	}
	list_add_tail(&w.node, &wq->waiters);
	set_current_state(TASK_INTERRUPTIBLE);
	spin_unlock(&wq->lock);

	for (;;) {
		if (READ_ONCE(w.result) != 1)
			break;
		if (signal_pending(current)) {
			result = -EINTR;
			break;
		}
		if (arg->timeout_ns) {
			if (!schedule_hrtimeout(&expires, HRTIMER_MODE_ABS)) {
				result = -ETIMEDOUT;
				break;
			}
		} else {
			schedule();
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
