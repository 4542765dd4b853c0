// SPDX-License-Identifier: GPL-2.0
/* control_lock.c - the channel control lock: the robust lock, and who may take a word naming us. */
#include "control_lock.h"

#include <errno.h>
#include <stdbool.h>

#include "../error.h"
#include "mymap.h"

/* Locks one thread holds at once: the directory's, then a channel's. */
#define LOCKS_PER_THREAD 4

/* Threads of this process holding or taking a control lock. */
static _Atomic unsigned int threads_in;
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

static void enter(void)
{
	if (depth++ == 0)
		atomic_fetch_add(&threads_in, 1);
}

static void leave(void)
{
	if (--depth == 0)
		atomic_fetch_sub(&threads_in, 1);
}

/*
 * A word naming this process is stale when no other thread of it holds or
 * takes a control lock, and this one does not hold the lock it takes
 * (ipc_lock() refused that case before waiting).
 */
static bool self_stale(void)
{
	return atomic_load(&threads_in) == 1;
}

int ipc_lock(struct mm_lock *l, const struct ipc_region *r)
{
	struct mm_lock_wait wait = {
	    .sleep = r->sleep, .limit_ns = IPC_LOCK_TIMEOUT_NS, .self_stale = self_stale};
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
		mm_fail(MYMAP_ERR_SYSTEM, ETIMEDOUT,
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
