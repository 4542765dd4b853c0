// SPDX-License-Identifier: GPL-2.0
/*
 * fork.c - private heaps across fork(), as glibc's malloc keeps its arenas.
 *
 * A private heap (anon without MYMAP_SHARED, brk) is copied into a forked
 * child with its lock word.  Had another thread of the parent held the
 * lock at that instant, the child's copy would name the parent as its
 * owner forever (the parent lives, so the lock is never taken over) and
 * hold a half-made change.  So the fork waits: before it, every private
 * heap's lock is taken; after it, the parent releases them and the child
 * clears them in its copy, which no change is half-way through.
 *
 * A shared heap needs nothing: its lock is released by the parent's thread
 * that holds it, in the one heap both processes see.  The handlers find
 * the private heaps in the list of open handles (handles.h).
 */
#include "fork.h"
#include "handles.h"
#include "lock.h"

/*
 * Holds the list of open handles from here to after the fork, so none is
 * opened or closed meanwhile, and takes the locks of the private ones.
 */
void mm_fork_prepare(void)
{
	mm_handles_lock();
	for (struct mymap_heap *h = mm_handles_first(); h; h = h->open_next) {
		if (h->region.shared)
			continue;
		/*
		 * With one thread there is nobody to wait for (mm_lock takes
		 * nothing).  A lock kept past its limit is not taken: the child's
		 * copy then names this process as its holder, and its calls fail
		 * with ETIMEDOUT instead of using a half-made change.
		 */
		h->fork_locked = mm_lock_needed(h) && mm_lock(h) == 0;
	}
}

void mm_fork_parent(void)
{
	for (struct mymap_heap *h = mm_handles_first(); h; h = h->open_next)
		if (h->fork_locked) {
			h->fork_locked = false;
			mm_unlock(h);
		}
	mm_handles_unlock();
}

/*
 * The child's copy names the parent as the holder: nobody holds it here.
 * Its thread has an identity of its own, and owns no cache slot yet.
 */
void mm_fork_child(void)
{
	for (struct mymap_heap *h = mm_handles_first(); h; h = h->open_next) {
		__atomic_store_n(&h->solo_slot, NULL, __ATOMIC_RELAXED);
		if (h->fork_locked) {
			h->fork_locked = false;
			atomic_store_explicit(&h->hdr->lock.sleepers, 0, memory_order_relaxed);
			atomic_store_explicit(&h->hdr->lock.owner, 0, memory_order_release);
		}
	}
	mm_handles_unlock();
}
