/* SPDX-License-Identifier: GPL-2.0 */
/*
 * channel.h - a channel's memory (header, endpoints, events, ring) and an
 * endpoint's private state, shared by channel.c, transfer.c and
 * directory.c.
 */
#ifndef MYMAP_IPC_CHANNEL_H
#define MYMAP_IPC_CHANNEL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "align.h"
#include "event.h"
#include "control_lock.h"
#include "mpmc.h"
#include "mymap_channel.h"
#include "peer.h"
#include "pubsub.h"
#include "shm.h"
#include "spsc.h"
#include "stream.h"

#define IPC_CHANNEL_MAGIC 0x4d4d4348u /* "HCMM" in memory */
/*
 * 5: the control lock is the heap's robust lock (owner, sleepers, wakes);
 * 4: lengths carry lap tags, sleepers are bits per place; 3: contended
 * words 128 bytes apart; 2: lengths of large messages apart.
 */
#define IPC_CHANNEL_VERSION 5u

enum ipc_side_index {
	IPC_SENDERS = 0,
	IPC_RECEIVERS = 1,
};

enum ipc_endpoint_state {
	IPC_EP_FREE = 0,
	IPC_EP_ATTACHED = 1,
};

/* How the last endpoint of a side went away. */
enum ipc_exit {
	IPC_EXIT_NONE = 0,
	IPC_EXIT_CLOSED = 1,
	IPC_EXIT_DIED = 2,
};

/* One place for an attached process. */
struct ipc_endpoint {
	_Atomic uint32_t state;
	_Atomic uint32_t cpu; /* 1 + the CPU it last waited on; 0 unknown */
	struct ipc_peer_id id;
};

struct ipc_side {
	struct ipc_endpoint ep[MYMAP_CHANNEL_MAX_ENDPOINTS];
	_Atomic uint32_t attaches;  /* ever: an endpoint compares it with its value at attach */
	_Atomic uint32_t last_exit; /* enum ipc_exit */
};

/*
 * The channel's memory.  The constant part is written once by format
 * before any endpoint exists; endpoints change only under @lock; the
 * events and the ring are the lock-free part.
 */
struct ipc_channel {
	uint32_t magic;
	uint32_t version;
	uint32_t kind;	 /* enum mymap_channel_kind */
	uint32_t places; /* endpoints per side: 1, or MAX_ENDPOINTS for MPMC */
	uint32_t msg_size;
	uint32_t capacity;
	uint32_t start_index;
	uint32_t reserved;
	uint64_t ring_off; /* from the start of this struct */
	uint64_t bytes;	   /* all of it, ring included */
	struct mm_lock lock;
	_Atomic uint32_t removed; /* unlinked from its directory: free at last close */
	struct ipc_side side[2];
	/* Receivers sleep on data, senders on space. */
	IPC_KEPT_APART(struct ipc_event, data, space);
} __attribute__((aligned(64)));

/*
 * The shape of a channel as read once from its header and checked: the
 * only values any process uses to address the channel's memory.
 */
struct ipc_layout {
	struct mymap_channel_config config;
	uint32_t places; /* endpoints per side */
	uint64_t ring_off;
	uint64_t bytes;
};

/* An endpoint: one process's attachment, private to it. */
struct mymap_channel {
	struct ipc_region region;
	struct ipc_channel *shm;
	struct ipc_layout layout;
	/*
	 * Called by the last close of a removed channel to free its memory
	 * (through the directory, which also frees channels whose last
	 * endpoint died); NULL with *_at.
	 */
	int (*free_memory)(struct mymap_heap *heap, struct ipc_channel *c);
	struct mymap_heap *heap;
	enum ipc_side_index side;
	uint16_t place; /* index in side->ep */
	uint16_t owner; /* MPMC cell owner id: side * MAX_ENDPOINTS + place */
	uint32_t spin;
	/*
	 * The other side as this endpoint found it at attach: its attach
	 * count, and whether a peer was attached.  A peer's close or death
	 * concerns this endpoint only if that peer was there or came since.
	 */
	uint32_t peer_attaches;
	bool had_peer;
	bool loan_out;
	bool view_out;
	union {
		struct ipc_spsc_end spsc;
		struct ipc_stream_end stream;
		struct ipc_mpmc_end mpmc;
		struct ipc_pubsub_end pubsub;
	} ring;
	struct ipc_mpmc_claim claim; /* the MPMC loan or view */
	struct mymap_channel_stats stats;
	/*
	 * mymap_channel_fd(): a second open file of the device, -1 until
	 * asked for; @fd_armed while its watch counts as this place's
	 * sleeper (the place's bit in the event word is set for it).
	 */
	int poll_fd;
	bool fd_armed;
};

/* The ring behind the header, by the checked layout @l. */
static inline void *ipc_channel_ring(struct ipc_channel *c, const struct ipc_layout *l)
{
	return (char *)c + l->ring_off;
}

/* The ring header's size for @kind, a multiple of the cache line; 0 for no kind. */
uint64_t ipc_ring_header_bytes(enum mymap_channel_kind kind);

/*
 * Is there a valid channel header at @c of @avail bytes?  Reads every
 * field of the constant part once into @l and checks it there: 0, or
 * -EBADMSG with mymap_last_message() naming the field.
 */
int ipc_channel_validate(const struct ipc_channel *c, uint64_t avail, struct ipc_layout *l);

/* Formats a channel at @c (mymap_channel_bytes(@cfg) bytes). */
void ipc_channel_format(struct ipc_channel *c, const struct mymap_channel_config *cfg);

/*
 * Attaches to @c, which lies in @region, as @role.  Takes @c's lock.  The
 * caller sets (*out)->heap and ->free_memory when the channel lives in a
 * heap.
 */
int ipc_channel_attach(const struct ipc_region *region, struct ipc_channel *c,
		       const struct ipc_layout *l, enum mymap_channel_role role,
		       struct mymap_channel **out);

/*
 * Marks @c removed.  Returns 1 when no live endpoint is attached, so the
 * caller must free its memory now (nobody else will), 0, or the negative
 * errno of taking @c's lock.
 */
int ipc_channel_mark_removed(const struct ipc_region *region, struct ipc_channel *c,
			     const struct ipc_layout *l);

/*
 * Reclaims the endpoints of dead processes on both sides of @c, repairing
 * their MPMC cells.  Takes @c's lock.  Returns how many were reclaimed, or
 * the negative errno of taking the lock.
 */
int ipc_channel_reap(const struct ipc_region *region, struct ipc_channel *c,
		     const struct ipc_layout *l);

/* Endpoints in use on @side (dead ones included). */
uint32_t ipc_channel_attached(struct ipc_channel *c, const struct ipc_layout *l,
			      enum ipc_side_index side);

/* The event endpoints of @side sleep on: receivers wait for data, senders for space. */
static inline struct ipc_event *ipc_side_event(struct ipc_channel *c, enum ipc_side_index side)
{
	return side == IPC_RECEIVERS ? &c->data : &c->space;
}

/*
 * Why the other side cannot serve @ch: 0 (a peer is attached, or none has
 * been since @ch attached), -EPIPE (the last peer closed) or -ECONNRESET
 * (it died).  @deep asks /proc and the device whether attached peers are
 * alive first, reclaiming the dead.  Returns the negative errno of taking
 * the control lock too.
 */
int ipc_channel_peer_gone(struct mymap_channel *ch, bool deep);

/*
 * The endpoint is used again: its descriptor's watch no longer counts as
 * a sleeper, so notifiers stop paying for wake-ups until it is re-armed.
 */
static inline void ipc_channel_fd_disarm(struct mymap_channel *ch)
{
	if (!ch->fd_armed)
		return;
	ipc_event_cancel(ipc_side_event(ch->shm, ch->side), ch->place);
	ch->fd_armed = false;
}

/*
 * The device session of the one attached peer, for a wait or a watch to
 * name (its closing ends the wait with EPIPE, or shows as EPOLLHUP); 0
 * off the device, when the other side may have several endpoints, or
 * when it has none.  Read from shared memory: a forged id can only end a
 * wait early or let it run to its liveness slice; the caller re-checks.
 */
static inline uint64_t ipc_channel_peer_session(struct mymap_channel *ch)
{
	struct ipc_endpoint *ep;

	if (ch->layout.places != 1 || ch->region.dev_fd < 0)
		return 0;
	ep = &ch->shm->side[ch->side == IPC_SENDERS ? IPC_RECEIVERS : IPC_SENDERS].ep[0];
	if (atomic_load_explicit(&ep->state, memory_order_acquire) != IPC_EP_ATTACHED)
		return 0;
	return __atomic_load_n(&ep->id.session, __ATOMIC_RELAXED);
}

/* Closes the endpoint's descriptor, if it has one. */
void ipc_channel_fd_close(struct mymap_channel *ch);

/* Messages or bytes queued, as seen now. */
uint32_t ipc_channel_queued(struct ipc_channel *c, const struct ipc_layout *l);

#endif /* MYMAP_IPC_CHANNEL_H */
