// SPDX-License-Identifier: GPL-2.0
/* control_lock.c - the channel control lock that a dead holder cannot keep. */
#include "control_lock.h"

#include <sched.h>
#include <time.h>

#include "mymap.h"

/* Attempts between liveness checks of the holder: /proc reads are not free. */
#define LOCK_CHECK_EVERY 64

int ipc_lock(struct ipc_lock *l)
{
	uint64_t self = mymap_self_id();
	unsigned int tries = 0;

	for (;;) {
		uint64_t seen = 0;

		if (atomic_compare_exchange_weak_explicit(
			&l->holder, &seen, self, memory_order_acquire, memory_order_relaxed))
			return 0;
		if (seen && ++tries % LOCK_CHECK_EVERY == 0 && !mymap_id_alive(seen) &&
		    atomic_compare_exchange_strong_explicit(
			&l->holder, &seen, self, memory_order_acquire, memory_order_relaxed))
			return 1;
		if (tries < 16) {
			sched_yield();
		} else {
			struct timespec ts = {.tv_nsec = 100000};

			nanosleep(&ts, NULL);
		}
	}
}

void ipc_unlock(struct ipc_lock *l)
{
	atomic_store_explicit(&l->holder, 0, memory_order_release);
}
