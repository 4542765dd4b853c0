/* SPDX-License-Identifier: GPL-2.0 */
/*
 * control_lock.h - a channel's control lock: a mutex in shared memory that
 * survives the death of its holder.
 *
 * Only the rare, short control operations take it (attach, detach,
 * remove, reclaiming a dead endpoint); messages never do.  The word holds
 * the holder's process identity (mymap_self_id()), 0 when free.  A waiter
 * that finds the holder dead takes the lock over with a compare-and-swap
 * from the dead identity, so exactly one waiter inherits it.  Everything
 * done under the lock is safe to redo from any point where a holder may
 * have died; the callers keep that rule.
 *
 * Waiting yields and then sleeps briefly rather than using a futex, so it
 * works on every kind of memory; the lock is never held across a blocking
 * call, so waits are short, and a wait longer than IPC_LOCK_TIMEOUT_NS
 * means a holder that is alive but stuck (stopped, or a process writing
 * the word on purpose): the caller gets an error instead of waiting on.
 *
 * The word is shared memory, so it may name the caller's own process
 * without any of its threads holding the lock (a peer wrote it, or a
 * forged value).  Each process counts the control locks its threads hold:
 * a recorded holder that is this process while none is held here is
 * taken over like a dead one; one held by the calling thread itself is
 * refused with -EDEADLK.
 */
#ifndef MYMAP_IPC_CONTROL_LOCK_H
#define MYMAP_IPC_CONTROL_LOCK_H

#include <stdatomic.h>
#include <stdint.h>

struct ipc_lock {
	_Atomic uint64_t holder;
};

/* Longest wait for a holder that stays alive (the fuzz target builds with less). */
#ifndef IPC_LOCK_TIMEOUT_NS
#define IPC_LOCK_TIMEOUT_NS 2000000000ull
#endif

/*
 * Takes @l.  Returns 0, or 1 when the lock was taken over from a dead
 * holder (or from a record of this process that no thread of it holds);
 * -EDEADLK when the calling thread holds it already, -ETIMEDOUT when a
 * live holder kept it IPC_LOCK_TIMEOUT_NS (mymap_last_message() names the
 * holder).  Acquire ordering: what the previous holder wrote before
 * ipc_unlock() is visible.
 */
int ipc_lock(struct ipc_lock *l);

/* Releases @l (release ordering). */
void ipc_unlock(struct ipc_lock *l);

#endif /* MYMAP_IPC_CONTROL_LOCK_H */
