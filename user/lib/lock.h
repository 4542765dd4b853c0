/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lock.h - the heap lock: one word in the region naming its owner process.
 *
 * Taking it uncontended is one compare-and-swap, releasing it one
 * exchange and one load of the sleepers flag; no system call on either
 * path.  See lock.c for waiting and for taking over from a dead owner.
 */
#ifndef MYMAP_LOCK_H
#define MYMAP_LOCK_H

#include <sys/single_threaded.h>

#include "heap.h"
#include "identity.h"

/* Waits for the lock, taking it over (and repairing) if its owner died. */
void mm_lock_slow(struct mymap_heap *h, uint64_t me);

/* Wakes the processes sleeping on the lock. */
void mm_unlock_wake(struct mymap_heap *h);

/*
 * Takes the lock if it comes free within about @ns nanoseconds, spinning
 * and yielding, never sleeping and never taking over from a dead owner;
 * false if it did not.  For a thread's exit handler (pcache.c), which
 * would otherwise wait on a holder that is stopped, or on its own process
 * if it was cancelled while holding the lock.
 */
bool mm_lock_within(struct mymap_heap *h, uint64_t ns);

/*
 * A private heap (anon private, brk) in a process with a single thread
 * has nobody to exclude: glibc's malloc makes the same shortcut.  The
 * flag only ever goes from true to false, and only when this thread
 * creates another, never inside a heap call.
 */
static inline bool mm_lock_needed(const struct mymap_heap *h)
{
	return h->region.shared || !__libc_single_threaded;
}

static inline void mm_lock(struct mymap_heap *h)
{
	uint64_t me, expected = 0;

	if (!mm_lock_needed(h))
		return;
	me = mm_self_id();

	if (mm_likely(atomic_compare_exchange_strong_explicit(
		&h->hdr->lock.owner, &expected, me, memory_order_acquire, memory_order_relaxed)))
		return;
	mm_lock_slow(h, me);
}

static inline void mm_unlock(struct mymap_heap *h)
{
	struct mm_lock *l = &h->hdr->lock;

	if (!mm_lock_needed(h))
		return;
	/*
	 * Sequentially consistent, as the waiter's raising of the flag and its
	 * second look at the owner (lock.c): either this sees the flag or the
	 * waiter sees the lock free.  A plain store could pass the load, and
	 * the waiter would sleep through its wake.
	 */
	atomic_exchange(&l->owner, 0);
	if (mm_unlikely(atomic_load(&l->sleepers)))
		mm_unlock_wake(h);
}

#endif /* MYMAP_LOCK_H */
