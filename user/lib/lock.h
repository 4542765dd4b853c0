/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lock.h - the heap lock: the robust lock (robust_lock.h) in the heap
 * header, skipped where nobody is there to exclude, and the heap repaired
 * (mm_recover) when the lock was taken over from a holder that died.
 */
#ifndef MYMAP_LOCK_H
#define MYMAP_LOCK_H

#include <errno.h>
#include <sys/single_threaded.h>

#include "error.h"
#include "heap.h"
#include "identity.h"
#include "robust_lock.h"

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

static inline int mm_lock_timed_out(uint64_t holder)
{
	return mm_fail(MYMAP_ERR_LOCK_TIMEOUT, ETIMEDOUT,
		       "heap lock: still held by live process id 0x%llx after the wait's limit",
		       (unsigned long long)holder);
}

/*
 * Takes the heap lock; after a takeover from a dead holder, repairs the
 * heap first.  Returns 0, or -1 with ETIMEDOUT (MYMAP_ERR_LOCK_TIMEOUT)
 * when a live holder kept it too long: the lock is then not held.
 */
static inline int mm_lock(struct mymap_heap *h)
{
	if (!mm_lock_needed(h))
		return 0;
	uint64_t holder;
	int got = mm_robust_lock(&h->hdr->lock, mm_self_id(), &h->lock_wait, &holder);

	if (mm_likely(got == MM_LOCK_TAKEN))
		return 0;
	if (got == MM_LOCK_TAKEN_OVER) {
		mm_recover(h, holder);
		return 0;
	}
	return mm_lock_timed_out(holder);
}

static inline void mm_unlock(struct mymap_heap *h)
{
	if (mm_lock_needed(h))
		mm_robust_unlock(&h->hdr->lock, &h->sleep);
}

/*
 * Takes the heap lock if it comes free within about @ns nanoseconds
 * (mm_robust_lock_within); false if not.  For a thread's exit handler
 * (tcache.c), which would otherwise wait on a holder that is stopped, or
 * on its own process if it was cancelled while holding the lock.
 */
static inline bool mm_lock_within(struct mymap_heap *h, uint64_t ns)
{
	return !mm_lock_needed(h) || mm_robust_lock_within(&h->hdr->lock, mm_self_id(), ns);
}

#endif /* MYMAP_LOCK_H */
