/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pubsub.h - a ring that one publisher writes and any number of
 * subscribers read in place, each with a cursor of its own: the publisher
 * never waits for a subscriber, and a subscriber that falls more than a
 * lap behind learns how many messages it lost.
 *
 * The publisher owns the free-running 32-bit index head (messages
 * published).  Each slot carries a sequence word: 2i + 1 while message i
 * is being written into it, 2i + 2 once it is whole (modulo 2^64; i is
 * the 32-bit index).  A subscriber at cursor c reads slot c when head is
 * past c, checks the sequence before and after reading (a seqlock), and
 * keeps the message only when both say 2c + 2: otherwise the slot was
 * overwritten by a later lap (or damaged) while or before it read, and
 * the message counts as lost, never delivered.
 *
 * Memory ordering:
 *   - publisher: store sequence 2i + 1, release fence, write the slot,
 *     store-release sequence 2i + 2, store-release head = i + 1;
 *     subscriber: load-acquire head, load-acquire the sequence (2c + 2),
 *     read, acquire fence, load the sequence again.  Equal and 2c + 2:
 *     no write of a later lap overlapped the read (the fences pair: a
 *     later lap's odd store would be seen by the second load).
 *   - the payload itself is read while the publisher may be writing a
 *     later lap into it: the bytes of a torn read are discarded, never
 *     delivered, and a view lent in place must be checked with
 *     ipc_pubsub_still_valid() before what was read is believed.
 *
 * The region is untrusted: geometry as in slots.h, checked once; head is
 * checked against the cursor (never behind it, by more than 2^31: an
 * error); a slot's length is checked against the payload size; a
 * sequence that is not 2c + 2 makes the message lost.  Loops are bounded
 * by the capacity.
 */
#ifndef MYMAP_IPC_PUBSUB_H
#define MYMAP_IPC_PUBSUB_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "slots.h"

/* In the region.  The slots follow at data_off from the start of this. */
struct ipc_pubsub {
	struct ipc_slots slots;
	_Atomic uint32_t head __attribute__((aligned(IPC_CACHE_LINE)));
} __attribute__((aligned(64)));

/* Each slot: this header, then the payload. */
struct ipc_pubsub_slot {
	_Atomic uint64_t seq;
	_Atomic uint32_t len;
	_Atomic uint32_t check; /* ~len: a length damaged alone is refused */
};

/* The publisher's or a subscriber's private state. */
struct ipc_pubsub_end {
	struct ipc_pubsub *q;
	struct ipc_slots geo; /* checked copy */
	uint32_t index;	      /* publisher: next to publish; subscriber: next to read */
	uint64_t lost;	      /* subscriber: messages it will never see */
};

/* Bytes of the ring for @capacity slots of @payload, header included. */
size_t ipc_pubsub_bytes(uint32_t payload, uint32_t capacity);

/* Formats the ring at @q; the indices start at @start. */
void ipc_pubsub_format(struct ipc_pubsub *q, uint32_t payload, uint32_t capacity, uint32_t start);

/*
 * Attaches @e to @q, checking the geometry against @payload and @capacity
 * (-EBADMSG).  A subscriber starts at the current head: it sees what is
 * published from now on.
 */
int ipc_pubsub_attach(struct ipc_pubsub_end *e, struct ipc_pubsub *q, uint32_t payload,
		      uint32_t capacity);

/*
 * Publisher: the slot for the next message, marked as being written.
 * Write at most the payload size there, then ipc_pubsub_publish().
 */
void *ipc_pubsub_begin(struct ipc_pubsub_end *e);

/* Publisher: message of @len bytes (at most the payload) is whole. */
void ipc_pubsub_publish(struct ipc_pubsub_end *e, uint32_t len);

/*
 * Subscriber: lends the next message in place: *@data, *@len, and its
 * sequence in *@seq for ipc_pubsub_still_valid().  Skips (and counts in
 * e->lost) the messages overwritten before it could look.  Returns 0,
 * -EAGAIN (nothing new), -EBADMSG (head behind the cursor, a length over
 * the payload: the message is skipped and counted lost).
 */
int ipc_pubsub_peek(struct ipc_pubsub_end *e, const void **data, uint32_t *len, uint64_t *seq);

/*
 * Subscriber: after reading the lent message: true when no later lap
 * overwrote it meanwhile (what was read is the message).  Either way the
 * cursor moves past it; when false, it is counted in e->lost.
 */
bool ipc_pubsub_still_valid(struct ipc_pubsub_end *e, uint64_t seq);

/* Messages published and not yet passed by the subscriber (at most capacity, as seen now). */
uint32_t ipc_pubsub_pending(const struct ipc_pubsub_end *e);

#endif /* MYMAP_IPC_PUBSUB_H */
