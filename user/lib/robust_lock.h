/* SPDX-License-Identifier: GPL-2.0 */
/*
 * robust_lock.h - a lock in shared memory that names the process holding
 * it, so that a waiter can take it over from a holder that died, and
 * tells its taker when it did.
 *
 * It knows nothing of what it protects: a caller told that the lock was
 * taken over from a dead holder repairs what that holder may have left
 * half done before going on.  Taking it uncontended is one
 * compare-and-swap, releasing it one exchange and one load of the
 * sleepers flag; no system call on either path.
 */
#ifndef MYMAP_ROBUST_LOCK_H
#define MYMAP_ROBUST_LOCK_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "wait.h"

/*
 * struct mm_lock - the lock, as it lies in shared memory.
 * @owner:    0 when free, else the holder's process identity
 *            (mymap_self_id(): pid and start time, never 0).
 * @sleepers: set by a waiter before it sleeps on @wakes, cleared by the
 *            releaser that wakes it.
 * @wakes:    counts those wakes.  (Not the owner word: every thread of a
 *            process holds the lock under the same identity, so a waiter
 *            could find the owner back at the value it went to sleep on,
 *            its wake already spent.)
 */
struct mm_lock {
	_Atomic uint64_t owner;
	_Atomic uint32_t sleepers;
	_Atomic uint32_t wakes;
};

/*
 * How long a waiter sleeps at most before it looks again, and how long it
 * must have seen one owner before it asks whether that owner still lives.
 */
#define MM_LOCK_SLEEP_NS 2000000ULL

/*
 * A wait also ends when one live holder has kept the lock for @limit_ns
 * (struct mm_lock_wait), or when the owner has changed but this waiter
 * has still not had the lock after MM_LOCK_LIMIT_ROUNDS times that: a
 * holder that is stopped or stuck, or an owner word that another process
 * writes on purpose, may not hang every process of the region.
 */
#define MM_LOCK_LIMIT_ROUNDS 10

/*
 * struct mm_lock_wait - how one caller waits for a lock.
 * @sleep:      how to sleep on the lock's wake counter.
 * @limit_ns:   the longest wait for one live holder (see above).
 * @take_own:   NULL when an owner word naming this process means that
 *              another of its threads holds the lock (the heap lock).
 *              Otherwise it is called when the word names this process
 *              (@me), and takes the lock over, returning true, if no
 *              thread of the process can be holding it: the decision and
 *              the claim are one step, since a sibling thread taking the
 *              lock writes the same identity.
 */
struct mm_lock_wait {
	const struct mm_sleep *sleep;
	uint64_t limit_ns;
	bool (*take_own)(struct mm_lock *l, uint64_t me);
};

/* What mm_robust_lock() returns, besides -ETIMEDOUT. */
enum {
	MM_LOCK_TAKEN = 0,
	MM_LOCK_TAKEN_OVER = 1,
};

/* The contended side of mm_robust_lock(). */
int mm_robust_lock_slow(struct mm_lock *l, uint64_t me, const struct mm_lock_wait *w,
			uint64_t *holder);

/* The releaser's side when someone sleeps: clears the flag, counts a wake, wakes all. */
void mm_robust_unlock_wake(struct mm_lock *l, const struct mm_sleep *s);

/*
 * Takes @l for process identity @me, waiting while its holder lives:
 * spinning, yielding, then sleeping on @l's wake counter, at most
 * MM_LOCK_SLEEP_NS at a time.  A holder seen for that long is looked up
 * (mymap_id_alive(): /proc); a dead one is replaced by compare-and-swap
 * on its identity, so exactly one waiter takes over.
 * Returns MM_LOCK_TAKEN; MM_LOCK_TAKEN_OVER with *@holder set to the dead
 * holder's identity (what the lock protected may be half changed); or
 * -ETIMEDOUT with *@holder set to the live holder that kept it, after the
 * limits of @w: the lock is then not held.
 */
static inline int mm_robust_lock(struct mm_lock *l, uint64_t me, const struct mm_lock_wait *w,
				 uint64_t *holder)
{
	uint64_t expected = 0;

	if (__builtin_expect(atomic_compare_exchange_strong_explicit(&l->owner, &expected, me,
								     memory_order_acquire,
								     memory_order_relaxed),
			     1))
		return MM_LOCK_TAKEN;
	return mm_robust_lock_slow(l, me, w, holder);
}

/*
 * Releases @l, waking its sleepers through @s if there are any.
 * Sequentially consistent, as the waiter's raising of the flag and its
 * second look at the owner (robust_lock.c): either this sees the flag or
 * the waiter sees the lock free.  A plain store could pass the load, and
 * the waiter would sleep through its wake.
 */
static inline void mm_robust_unlock(struct mm_lock *l, const struct mm_sleep *s)
{
	atomic_exchange(&l->owner, 0);
	if (__builtin_expect(atomic_load(&l->sleepers) != 0, 0))
		mm_robust_unlock_wake(l, s);
}

/*
 * Tells @l's waiters that its holder is at work (a walk of the whole heap
 * under the lock): they count it as progress, as a release, and do not
 * give up at their limit for one holder; their limit in all still holds.
 */
static inline void mm_robust_lock_busy(struct mm_lock *l)
{
	atomic_fetch_add_explicit(&l->wakes, 1, memory_order_relaxed);
}

/*
 * Takes @l for @me if it comes free within about @ns nanoseconds,
 * spinning and yielding, never sleeping and never taking over from a dead
 * holder; false if it did not.  For a caller that must not wait on a
 * holder that may be stopped for good (a thread's exit handler).
 */
bool mm_robust_lock_within(struct mm_lock *l, uint64_t me, uint64_t ns);

#endif /* MYMAP_ROBUST_LOCK_H */
