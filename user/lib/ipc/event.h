/* SPDX-License-Identifier: GPL-2.0 */
/*
 * event.h - an event count: lets a thread sleep until "something changed"
 * without the side that changes things paying for a system call when
 * nobody sleeps.
 *
 * One 64-bit word: the low half has one bit per endpoint place of the
 * side that sleeps on it (bit p: the endpoint in place p is about to
 * sleep), the high half is an epoch that notifiers bump.  A bit, unlike a
 * count, cannot be left wrong by a death: the place's bit is cleared
 * when the dead endpoint is reclaimed, and by the next endpoint to attach
 * there, and clearing it twice is harmless.  A sleeper announces itself
 * with a read-modify-write (prepare), takes the epoch as its ticket, re-checks
 * its condition, and sleeps only while the epoch still equals the ticket.
 * A notifier publishes its change, then reads the word with a
 * read-modify-write too, and bumps the epoch and wakes only if it saw
 * sleepers.  Read-modify-writes of one word are totally ordered and each
 * reads the one before it, so with acq_rel ordering:
 *   - the notifier's comes first: the sleeper's acquires it, and with it
 *     the change published before it, so the re-check sees the change;
 *   - the sleeper's comes first: the notifier sees a sleeper and moves the
 *     epoch off the ticket, so the sleep returns at once or is woken.
 * No wake-up is lost, and no fence is needed (which ThreadSanitizer could
 * not follow).
 *
 * The epoch is the word handed to futex or MYMAP_IOC_WAIT: the upper 32
 * bits, at byte offset 4 of the little-endian 64-bit word.
 */
#ifndef MYMAP_IPC_EVENT_H
#define MYMAP_IPC_EVENT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "shm.h"

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
	       "the epoch half of struct ipc_event is found by little-endian layout");

struct ipc_event {
	_Atomic uint64_t word; /* epoch << 32 | one bit per sleeping place */
};

#define IPC_EVENT_EPOCH (1ull << 32)

/* The bit of endpoint place @place (below 32) in the low half. */
static inline uint64_t ipc_event_bit(uint32_t place)
{
	return 1ull << place;
}

/* The 32-bit epoch, the word sleepers wait on. */
static inline _Atomic uint32_t *ipc_event_epoch(struct ipc_event *ev)
{
	return (_Atomic uint32_t *)((char *)&ev->word + 4);
}

/*
 * Announces the sleeper in place @place and returns its ticket.  The
 * caller must re-check its condition after this and before
 * ipc_event_sleep(), and call ipc_event_cancel() once done either way.
 */
static inline uint32_t ipc_event_prepare(struct ipc_event *ev, uint32_t place)
{
	uint64_t prev =
	    atomic_fetch_or_explicit(&ev->word, ipc_event_bit(place), memory_order_acq_rel);

	return (uint32_t)(prev >> 32);
}

/*
 * Withdraws the sleeper of place @place: after ipc_event_prepare(), or for
 * a place whose endpoint died or is new.
 */
static inline void ipc_event_cancel(struct ipc_event *ev, uint32_t place)
{
	atomic_fetch_and_explicit(&ev->word, ~ipc_event_bit(place), memory_order_relaxed);
}

/* Sleeps while the epoch equals @ticket; see ipc_wait() for the returns. */
static inline int ipc_event_sleep(const struct ipc_region *r, struct ipc_event *ev, uint32_t ticket,
				  uint64_t timeout_ns)
{
	return ipc_wait(r, ipc_event_epoch(ev), ticket, timeout_ns);
}

/* As ipc_event_sleep(), ending at once (-EPIPE) when session @peer closes. */
static inline int ipc_event_sleep_peer(const struct ipc_region *r, struct ipc_event *ev,
				       uint32_t ticket, uint64_t timeout_ns, uint64_t peer)
{
	return ipc_wait_peer(r, ipc_event_epoch(ev), ticket, timeout_ns, peer);
}

/*
 * Tells sleepers that the state they wait on changed; the change must be
 * stored before the call.  Wakes at most @count of them; costs one
 * read-modify-write (a locked instruction, like a fence) when nobody
 * sleeps.  Returns whether anyone slept (and so whether a system call was
 * made).
 */
static inline bool ipc_event_notify(const struct ipc_region *r, struct ipc_event *ev,
				    uint32_t count)
{
	/* Adding 0 is the read half of the pair described above. */
	if ((uint32_t)atomic_fetch_add_explicit(&ev->word, 0, memory_order_acq_rel) == 0)
		return false;
	atomic_fetch_add_explicit(&ev->word, IPC_EVENT_EPOCH, memory_order_acq_rel);
	ipc_wake(r, ipc_event_epoch(ev), count);
	return true;
}

#endif /* MYMAP_IPC_EVENT_H */
