// SPDX-License-Identifier: GPL-2.0
/* control_lock.c - the channel control lock: the robust lock, and who may take a word naming us. */
#include "control_lock.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>

#include "../error.h"
#include "mymap.h"

/* Locks one thread holds at once: the directory's, then a channel's. */
#define LOCKS_PER_THREAD 4

/*
 * Threads of this process holding or taking a control lock, counted under
 * @own_words, which also covers taking over a word naming this process:
 * no sibling can start taking a lock between the count and the claim.
 */
static pthread_mutex_t own_words = PTHREAD_MUTEX_INITIALIZER;
static unsigned int threads_in;
/* The control locks this thread holds, and how many it holds or is taking. */
static _Thread_local struct mm_lock *held_by_thread[LOCKS_PER_THREAD];
static _Thread_local unsigned int depth;

static bool held_here(const struct mm_lock *l)
{
	for (int i = 0; i < LOCKS_PER_THREAD; i++)
		if (held_by_thread[i] == l)
			return true;
	return false;
}

/*
 * A fork while a sibling holds @own_words must not leave it held for good
 * in the child, whose one thread is the forking one: it counts itself
 * only if it is in a control lock.
 */
static pthread_once_t fork_handlers_once = PTHREAD_ONCE_INIT;

static void own_words_prepare(void)
{
	pthread_mutex_lock(&own_words);
}

static void own_words_parent(void)
{
	pthread_mutex_unlock(&own_words);
}

static void own_words_child(void)
{
	threads_in = depth ? 1 : 0;
	pthread_mutex_unlock(&own_words);
}

static void register_fork_handlers(void)
{
	pthread_atfork(own_words_prepare, own_words_parent, own_words_child);
}

static void enter(void)
{
	pthread_once(&fork_handlers_once, register_fork_handlers);
	if (depth++ == 0) {
		pthread_mutex_lock(&own_words);
		threads_in++;
		pthread_mutex_unlock(&own_words);
	}
}

static void leave(void)
{
	if (--depth == 0) {
		pthread_mutex_lock(&own_words);
		threads_in--;
		pthread_mutex_unlock(&own_words);
	}
}

/*
 * A word naming this process is stale when no other thread of it holds or
 * takes a control lock, and this one does not hold the lock it takes
 * (ipc_lock() refused that case before waiting).  A sibling that entered
 * after the count takes the lock from 0, which this claim has made
 * impossible; one that released before the claim left 0, which the claim
 * does not match.
 */
static bool take_own(struct mm_lock *l, uint64_t me)
{
	uint64_t seen = me;
	bool taken;

	pthread_mutex_lock(&own_words);
	taken = threads_in == 1 && atomic_compare_exchange_strong(&l->owner, &seen, me);
	pthread_mutex_unlock(&own_words);
	return taken;
}

int ipc_lock(struct mm_lock *l, const struct ipc_region *r)
{
	struct mm_lock_wait wait = {
	    .sleep = r->sleep, .limit_ns = IPC_LOCK_TIMEOUT_NS, .take_own = take_own};
	uint64_t holder = 0;
	int got;

	if (held_here(l)) {
		mm_fail(MYMAP_ERR_ARGUMENT, EDEADLK,
			"channel: control lock already held by this thread");
		return -EDEADLK;
	}
	enter();
	got = mm_robust_lock(l, mymap_self_id(), &wait, &holder);
	if (got < 0) {
		leave();
		mm_fail(MYMAP_ERR_LOCK_TIMEOUT, ETIMEDOUT,
			"channel: control lock held by live process id 0x%llx for over %llu ms",
			(unsigned long long)holder, IPC_LOCK_TIMEOUT_NS / 1000000);
		return got;
	}
	for (int i = 0; i < LOCKS_PER_THREAD; i++)
		if (!held_by_thread[i]) {
			held_by_thread[i] = l;
			break;
		}
	return got == MM_LOCK_TAKEN_OVER;
}

void ipc_unlock(struct mm_lock *l, const struct ipc_region *r)
{
	for (int i = 0; i < LOCKS_PER_THREAD; i++)
		if (held_by_thread[i] == l) {
			held_by_thread[i] = NULL;
			break;
		}
	/* Released before this thread stops counting, so no peer thread takes it while held. */
	mm_robust_unlock(l, r->sleep);
	leave();
}
