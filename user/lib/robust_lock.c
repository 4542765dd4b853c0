// SPDX-License-Identifier: GPL-2.0
/*
 * robust_lock.c - the contended side of the robust lock, and taking it
 * over from a dead holder.
 *
 * A waiter spins for a short while (a holder stays only for a few hundred
 * instructions), then yields, then sleeps on the lock's wake counter
 * after raising the sleepers flag; the releaser that sees the flag clears
 * it, counts a wake and wakes every sleeper.  Raising the flag then
 * looking at the owner, and releasing then looking at the flag, are all
 * sequentially consistent, so no wake is missed: either the releaser sees
 * the flag, or the waiter sees the lock change and does not sleep, and a
 * wake that comes between the waiter's look and its sleep has changed the
 * counter, which ends the sleep at once.  A sleep is still bounded
 * (MM_LOCK_SLEEP_NS): a waiter that has seen the same owner for that long
 * looks whether it is still alive.  An owner whose process has died (or
 * been replaced by another process with its pid) is taken over by
 * compare-and-swap on its identity, so exactly one waiter wins, and
 * returns that identity to its caller.  A live holder is waited for only
 * so long: the owner word is shared memory, and a stopped process or a
 * peer that writes a live identity there must cost the others an error,
 * not their progress.
 */
#include <errno.h>
#include <sched.h>

#include "clock.h"
#include "cpu.h"
#include "mymap.h"
#include "robust_lock.h"

#define SPIN_ROUNDS  128
#define YIELD_ROUNDS 4

/* Takes @l over from @cur, seen holding it, if @cur is gone; true if done. */
static bool take_over(struct mm_lock *l, uint64_t cur, uint64_t me, const struct mm_lock_wait *w)
{
	if (cur == me)
		return w->take_own && w->take_own(l, me);
	return atomic_load(&l->owner) == cur && !mymap_id_alive(cur) &&
	       atomic_compare_exchange_strong(&l->owner, &cur, me);
}

int mm_robust_lock_slow(struct mm_lock *l, uint64_t me, const struct mm_lock_wait *w,
			uint64_t *holder)
{
	unsigned int rounds = 0;
	uint64_t watched = 0, since = 0, looked = 0, first = 0;
	uint32_t watched_wakes = 0;

	for (unsigned long pass = 1;; pass++) {
		uint64_t cur = atomic_load_explicit(&l->owner, memory_order_relaxed);

		/*
		 * A word that changes on every look never reaches a sleep: bound
		 * that too.  The clock is read only then, and once sleeping: a
		 * lock taken while spinning costs no clock read.
		 */
		if (pass % 4096 == 0) {
			uint64_t now = mm_now_ns();

			if (!first) {
				first = now;
			} else if (now - first >= MM_LOCK_LIMIT_ROUNDS * w->limit_ns) {
				*holder = cur;
				return -ETIMEDOUT;
			}
		}
		if (cur == 0) {
			if (atomic_compare_exchange_weak_explicit(
				&l->owner, &cur, me, memory_order_acquire, memory_order_relaxed))
				return MM_LOCK_TAKEN;
			continue;
		}
		if (rounds < SPIN_ROUNDS) {
			rounds++;
			mm_cpu_relax();
			continue;
		}
		if (rounds < SPIN_ROUNDS + YIELD_ROUNDS) {
			rounds++;
			sched_yield();
			continue;
		}
		/*
		 * Note the wakes so far, raise the flag, then look again: the
		 * releaser exchanges the owner first, then reads the flag.  A wake
		 * between here and the sleep changes @wakes, and the sleep ends
		 * at once.
		 */
		uint32_t wakes = atomic_load(&l->wakes);

		atomic_store(&l->sleepers, 1);
		if (atomic_load(&l->owner) != cur)
			continue;
		mm_sleep_wait(w->sleep, (const uint32_t *)&l->wakes, wakes, MM_LOCK_SLEEP_NS);

		uint64_t now = mm_now_ns();

		if (!first)
			first = now;
		/*
		 * The lock has moved on if its owner changed or it was released
		 * since (threads of one process share an identity); otherwise
		 * @since is how long one holder has kept it.
		 */
		if (cur != watched || wakes != watched_wakes) {
			watched = cur;
			watched_wakes = wakes;
			since = looked = now;
		} else if (now - looked >= MM_LOCK_SLEEP_NS) {
			looked = now;
			if (take_over(l, cur, me, w)) {
				*holder = cur;
				return MM_LOCK_TAKEN_OVER;
			}
		}
		if (now - since >= w->limit_ns ||
		    now - first >= MM_LOCK_LIMIT_ROUNDS * w->limit_ns) {
			*holder = cur;
			return -ETIMEDOUT;
		}
		/* Woken or timed out: spin a little before sleeping again. */
		rounds = SPIN_ROUNDS - 16;
	}
}

bool mm_robust_lock_within(struct mm_lock *l, uint64_t me, uint64_t ns)
{
	uint64_t start = mm_now_ns();

	for (unsigned int rounds = 0;; rounds++) {
		uint64_t expected = 0;

		if (atomic_compare_exchange_weak_explicit(
			&l->owner, &expected, me, memory_order_acquire, memory_order_relaxed))
			return true;
		if (rounds < SPIN_ROUNDS) {
			mm_cpu_relax();
			continue;
		}
		if (mm_now_ns() - start >= ns)
			return false;
		sched_yield();
	}
}

void mm_robust_unlock_wake(struct mm_lock *l, const struct mm_sleep *s)
{
	atomic_store(&l->sleepers, 0);
	atomic_fetch_add(&l->wakes, 1);
	mm_sleep_wake(s, (const uint32_t *)&l->wakes, INT32_MAX);
}
