/* SPDX-License-Identifier: GPL-2.0 */
/*
 * control_lock.h - a channel's control lock: the heap's robust lock
 * (robust_lock.h) on a word of the channel or the directory, with the
 * channels' rules on top.
 *
 * Only the rare, short control operations take it (attach, detach,
 * remove, reclaiming a dead endpoint); messages never do.  A holder that
 * died is taken over by exactly one waiter, which is told so; everything
 * done under the lock is safe to redo from any point where a holder may
 * have died, and the callers keep that rule.  A live holder that keeps it
 * IPC_LOCK_TIMEOUT_NS (stopped, or a process writing the word on purpose)
 * gives the caller an error instead of a hang.
 *
 * The word is shared memory, so it may name the caller's own process
 * without any of its threads holding the lock (a peer wrote it).  Each
 * process counts its threads that hold or are taking a control lock: a
 * word naming this process while the caller is the only such thread is
 * taken over like a dead holder's.  A lock the calling thread holds
 * already is refused with -EDEADLK.
 */
#ifndef MYMAP_IPC_CONTROL_LOCK_H
#define MYMAP_IPC_CONTROL_LOCK_H

#include "../robust_lock.h"
#include "shm.h"

/* Longest wait for a holder that stays alive (the fuzz target builds with less). */
#ifndef IPC_LOCK_TIMEOUT_NS
#define IPC_LOCK_TIMEOUT_NS 2000000000ull
#endif

/*
 * Takes @l, a word of the region @r.  Returns 0, or 1 when the lock was
 * taken over from a dead holder (or from a word naming this process that
 * no thread of it holds); -EDEADLK when the calling thread holds it
 * already, -ETIMEDOUT when a live holder kept it (mymap_last_message()
 * names the holder).  Acquire ordering: what the previous holder wrote
 * before ipc_unlock() is visible.
 */
int ipc_lock(struct mm_lock *l, const struct ipc_region *r);

/* Releases @l, waking its waiters (release ordering). */
void ipc_unlock(struct mm_lock *l, const struct ipc_region *r);

#endif /* MYMAP_IPC_CONTROL_LOCK_H */
