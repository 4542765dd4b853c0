// SPDX-License-Identifier: GPL-2.0
/* control_lock.c - the channel control lock that a dead holder cannot keep. */
#include "control_lock.h"

#include <errno.h>
#include <sched.h>
#include <stdbool.h>
#include <time.h>

#include "../error.h"
#include "mymap.h"

/* Attempts between liveness checks of the holder: /proc reads are not free. */
#define LOCK_CHECK_EVERY 64
/* Locks one thread holds at once: the directory's, then a channel's. */
#define LOCKS_PER_THREAD 4

/* Control locks held by threads of this process, and by this thread. */
static _Atomic unsigned int held_by_process;
static _Thread_local struct ipc_lock *held_by_thread[LOCKS_PER_THREAD];

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static bool held_here(const struct ipc_lock *l)
{
	for (int i = 0; i < LOCKS_PER_THREAD; i++)
		if (held_by_thread[i] == l)
			return true;
	return false;
}

/* Counted only with its place in the table, so that ipc_unlock() undoes exactly this. */
static void note_held(struct ipc_lock *l)
{
	for (int i = 0; i < LOCKS_PER_THREAD; i++)
		if (!held_by_thread[i]) {
			held_by_thread[i] = l;
			atomic_fetch_add_explicit(&held_by_process, 1, memory_order_relaxed);
			return;
		}
}

/*
 * May @seen, the recorded holder, be taken over?  A dead process, or this
 * process when none of its threads holds a control lock.
 */
static bool holder_gone(uint64_t seen, uint64_t self)
{
	if (seen == self)
		return atomic_load_explicit(&held_by_process, memory_order_relaxed) == 0;
	return !mymap_id_alive(seen);
}

int ipc_lock(struct ipc_lock *l)
{
	uint64_t self = mymap_self_id();
	uint64_t started = 0;
	unsigned int tries = 0;

	if (held_here(l)) {
		mm_fail(MYMAP_ERR_ARGUMENT, EDEADLK,
			"channel: control lock already held by this thread");
		return -EDEADLK;
	}
	for (;;) {
		uint64_t seen = 0;

		if (atomic_compare_exchange_weak_explicit(
			&l->holder, &seen, self, memory_order_acquire, memory_order_relaxed)) {
			note_held(l);
			return 0;
		}
		tries++;
		if (seen && (seen == self || tries % LOCK_CHECK_EVERY == 0) &&
		    holder_gone(seen, self) &&
		    atomic_compare_exchange_strong_explicit(
			&l->holder, &seen, self, memory_order_acquire, memory_order_relaxed)) {
			note_held(l);
			return 1;
		}
		if (tries % LOCK_CHECK_EVERY == 0) {
			uint64_t now = now_ns();

			if (!started)
				started = now;
			else if (now - started >= IPC_LOCK_TIMEOUT_NS) {
				mm_fail(MYMAP_ERR_SYSTEM, ETIMEDOUT,
					"channel: control lock held by live process id 0x%llx "
					"for over %llu ms",
					(unsigned long long)seen, IPC_LOCK_TIMEOUT_NS / 1000000);
				return -ETIMEDOUT;
			}
		}
		if (tries <= 16) {
			sched_yield();
		} else {
			struct timespec ts = {.tv_nsec = 100000};

			nanosleep(&ts, NULL);
		}
	}
}

void ipc_unlock(struct ipc_lock *l)
{
	for (int i = 0; i < LOCKS_PER_THREAD; i++)
		if (held_by_thread[i] == l) {
			held_by_thread[i] = NULL;
			atomic_fetch_sub_explicit(&held_by_process, 1, memory_order_relaxed);
			break;
		}
	atomic_store_explicit(&l->holder, 0, memory_order_release);
}
