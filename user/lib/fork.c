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
 * that holds it, in the one heap both processes see.
 */
#include <pthread.h>

#include "fork.h"
#include "lock.h"

/* The open private heaps, linked through mymap_heap.fork_next/fork_prev. */
static struct mymap_heap *tracked;
static pthread_mutex_t tracked_lock = PTHREAD_MUTEX_INITIALIZER;

static void before_fork(void)
{
	pthread_mutex_lock(&tracked_lock);
	for (struct mymap_heap *h = tracked; h; h = h->fork_next) {
		/* With one thread there is nobody to wait for (mm_lock takes nothing). */
		h->fork_locked = mm_lock_needed(h);
		mm_lock(h);
	}
}

static void after_fork_parent(void)
{
	for (struct mymap_heap *h = tracked; h; h = h->fork_next)
		if (h->fork_locked) {
			h->fork_locked = false;
			mm_unlock(h);
		}
	pthread_mutex_unlock(&tracked_lock);
}

/* The child's copy names the parent as the holder: nobody holds it here. */
static void after_fork_child(void)
{
	for (struct mymap_heap *h = tracked; h; h = h->fork_next)
		if (h->fork_locked) {
			h->fork_locked = false;
			atomic_store_explicit(&h->hdr->lock.sleepers, 0, memory_order_relaxed);
			atomic_store_explicit(&h->hdr->lock.owner, 0, memory_order_release);
		}
	pthread_mutex_unlock(&tracked_lock);
}

/*
 * Registered at load, before any handler a program adds later: prepare
 * handlers run in reverse order of registration, so ours runs last, after
 * any other that may still call into a heap, and parent and child
 * handlers first.
 */
__attribute__((constructor)) static void register_handlers(void)
{
	pthread_atfork(before_fork, after_fork_parent, after_fork_child);
}

void mm_fork_track(struct mymap_heap *h)
{
	if (h->region.shared)
		return;
	pthread_mutex_lock(&tracked_lock);
	h->fork_prev = NULL;
	h->fork_next = tracked;
	if (tracked)
		tracked->fork_prev = h;
	tracked = h;
	pthread_mutex_unlock(&tracked_lock);
}

void mm_fork_untrack(struct mymap_heap *h)
{
	if (h->region.shared)
		return;
	pthread_mutex_lock(&tracked_lock);
	if (h->fork_prev)
		h->fork_prev->fork_next = h->fork_next;
	else if (tracked == h)
		tracked = h->fork_next;
	if (h->fork_next)
		h->fork_next->fork_prev = h->fork_prev;
	pthread_mutex_unlock(&tracked_lock);
}
