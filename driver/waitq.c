// SPDX-License-Identifier: GPL-2.0
/*
 * waitq.c - MYMAP_IOC_WAIT, MYMAP_IOC_WAKE and the watches behind poll():
 * sleep, or be told, when a word of the region changes, the way futex(2)
 * does for ordinary memory.
 *
 * A futex cannot work here: the region is mapped VM_PFNMAP, so the kernel
 * cannot pin its pages to key a futex (FUTEX_WAIT fails with EFAULT).  The
 * key here is simply the word's offset in the region.
 *
 * No wake-up is lost: a waiter compares the word and queues itself under
 * waitq->lock, and a waker, which stores to the word before it asks for
 * the wake, takes the same lock.  Either the waiter saw the new value, or
 * it was queued before the waker looked.  A watch is the same, with poll()
 * doing the comparing.  A peer's death is not lost either: release()
 * forgets the session before it takes the lock to end the waits naming it,
 * so a waiter checking its peer under the lock sees one or the other.
 */
#include <linux/fs.h>
#include <linux/hrtimer.h>
#include <linux/ktime.h>
#include <linux/poll.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>

#include "mymap.h"
#include "mymap_uapi.h"

/*
 * struct mymap_waiter - one sleeping MYMAP_IOC_WAIT, on its own stack.
 * @node:   in waitq->waiters while queued.
 * @offset: the word it waits on.
 * @peer:   the session whose end ends the wait, or 0.
 * @task:   the sleeper.
 * @result: 1 while asleep; then 0 (woken) or a negative errno, set under
 *          waitq->lock by whoever dequeues it.
 */
struct mymap_waiter {
	struct list_head node;
	u64 offset;
	u64 peer;
	struct task_struct *task;
	int result;
};

void mymap_waitq_init(struct mymap_waitq *wq)
{
	spin_lock_init(&wq->lock);
	INIT_LIST_HEAD(&wq->waiters);
	INIT_LIST_HEAD(&wq->watches);
}

void mymap_watch_init(struct mymap_watch_state *watch)
{
	INIT_LIST_HEAD(&watch->node);
	init_waitqueue_head(&watch->poll);
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

/* Tells poll(), select() and epoll that @watch has news. */
static void notify_watch(struct mymap_watch_state *watch, __poll_t events)
{
	if (wq_has_sleeper(&watch->poll))
		wake_up_interruptible_poll(&watch->poll, events);
}

static u32 *checked_word(const struct mymap_region *region, u64 offset,
			 u32 flags, u32 allowed)
{
	return flags & ~allowed ? NULL : mymap_region_word(region, offset);
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
 * @arg:      the user's request.
 * @deadline: set to the wait's CLOCK_MONOTONIC deadline, or 0 if it has
 *            none, so that a restarted wait can keep it.
 *
 * Return: 0 when woken by MYMAP_IOC_WAKE; -EAGAIN if the word did not hold
 * @arg->expected; -ETIMEDOUT; -ERESTARTNOHAND on a signal (EINTR if a
 * handler runs, else the wait restarts); -EPIPE if @arg->peer is gone;
 * -EINVAL for bad flags or a misaligned or outside offset.
 */
long mymap_waitq_wait(struct mymap_waitq *wq,
		      const struct mymap_region *region,
		      struct xarray *sessions, const struct mymap_wait *arg,
		      ktime_t *deadline)
{
	u32 *word = checked_word(region, arg->offset, arg->flags,
				 MYMAP_WAIT_ABSTIME);
	struct mymap_waiter w = { .offset = arg->offset, .peer = arg->peer,
				  .task = current, .result = 1 };
	ktime_t expires, *until = NULL;	/* NULL: no timeout */
	int result;

	if (!word)
		return -EINVAL;
	*deadline = 0;
	if (arg->timeout_ns) {
		expires = ns_to_ktime(min_t(u64, arg->timeout_ns, KTIME_MAX));
		if (!(arg->flags & MYMAP_WAIT_ABSTIME))
			expires = ktime_add_safe(ktime_get(), expires);
		*deadline = expires;
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
 * @wq:     the device's sleepers and watches.
 * @region: the region holding the word.
 * @arg:    the user's request.
 *
 * Return: how many waiters were woken, oldest first, at most @arg->count,
 * plus how many watches of the word were newly signalled (every watch of
 * the word is signalled); -EINVAL as for mymap_waitq_wait().
 */
long mymap_waitq_wake(struct mymap_waitq *wq,
		      const struct mymap_region *region,
		      const struct mymap_wake *arg)
{
	struct mymap_waiter *w, *next;
	struct mymap_watch_state *watch;
	long woken = 0, signalled = 0;

	if (!checked_word(region, arg->offset, arg->flags, 0))
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
	list_for_each_entry(watch, &wq->watches, node) {
		if (watch->offset != arg->offset)
			continue;
		if (!watch->signalled) {
			watch->signalled = true;
			signalled++;
		}
		/* Every wake, for edge-triggered epoll: one event each. */
		notify_watch(watch, EPOLLIN | EPOLLRDNORM);
	}
	spin_unlock(&wq->lock);
	return woken + signalled;
}

/**
 * mymap_waitq_session_gone() - an open file of the device is gone.
 * @wq:      the device's sleepers and watches.
 * @session: its session id, already erased from the session table.
 *
 * Ends with -EPIPE the waits that named @session as their peer, and tells
 * the watches naming it; every other wait and watch is left alone.
 */
void mymap_waitq_session_gone(struct mymap_waitq *wq, u64 session)
{
	struct mymap_waiter *w, *next;
	struct mymap_watch_state *watch;

	spin_lock(&wq->lock);
	list_for_each_entry_safe(w, next, &wq->waiters, node) {
		if (w->peer == session)
			dequeue_waiter(w, -EPIPE);
	}
	list_for_each_entry(watch, &wq->watches, node) {
		if (watch->peer == session)
			notify_watch(watch, EPOLLHUP);
	}
	spin_unlock(&wq->lock);
}

/**
 * mymap_waitq_watch() - MYMAP_IOC_WATCH: set an open file's watch.
 * @wq:     the device's sleepers and watches.
 * @region: the region holding the word.
 * @watch:  the open file's watch, replaced and unsignalled.
 * @arg:    the user's request.
 *
 * Return: 0, or -EINVAL for bad flags or a misaligned or outside offset.
 */
int mymap_waitq_watch(struct mymap_waitq *wq,
		      const struct mymap_region *region,
		      struct mymap_watch_state *watch,
		      const struct mymap_watch *arg)
{
	u32 *word = checked_word(region, arg->offset, arg->flags, 0);

	if (!word)
		return -EINVAL;
	spin_lock(&wq->lock);
	watch->word = word;
	watch->offset = arg->offset;
	watch->expected = arg->expected;
	watch->peer = arg->peer;
	watch->signalled = false;
	list_move_tail(&watch->node, &wq->watches);
	spin_unlock(&wq->lock);
	return 0;
}

/**
 * mymap_waitq_unwatch() - MYMAP_IOC_UNWATCH, and release(): no watch.
 * @wq:    the device's sleepers and watches.
 * @watch: the open file's watch.
 */
void mymap_waitq_unwatch(struct mymap_waitq *wq,
			 struct mymap_watch_state *watch)
{
	spin_lock(&wq->lock);
	list_del_init(&watch->node);
	watch->word = NULL;
	spin_unlock(&wq->lock);
}

/**
 * mymap_waitq_poll() - what poll() reports for an open file's watch.
 * @wq:       the device's sleepers and watches.
 * @sessions: the device's open files, by session id.
 * @watch:    the open file's watch.
 *
 * Return: EPOLLIN | EPOLLRDNORM once the word no longer holds the value
 * watched for or a wake named it, EPOLLHUP once the watch's peer is gone;
 * nothing without a watch.
 */
__poll_t mymap_waitq_poll(struct mymap_waitq *wq, struct xarray *sessions,
			  struct mymap_watch_state *watch)
{
	__poll_t events = 0;

	spin_lock(&wq->lock);
	if (watch->word) {
		if (watch->signalled ||
		    READ_ONCE(*watch->word) != watch->expected)
			events |= EPOLLIN | EPOLLRDNORM;
		if (watch->peer && !xa_load(sessions, watch->peer))
			events |= EPOLLHUP;
	}
	spin_unlock(&wq->lock);
	return events;
}
