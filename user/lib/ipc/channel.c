// SPDX-License-Identifier: GPL-2.0
/*
 * channel.c - a channel's control plane: its layout and format, attaching
 * and detaching endpoints, reclaiming the places of dead processes, and
 * the *_at entry points for channels placed by the caller.
 */
#include "channel.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "align.h"

/* The largest msg_size: a slot must stay far below 2^32 bytes. */
#define IPC_MSG_SIZE_MAX (64u << 20)
#define IPC_STREAM_MIN	 64u
#define IPC_CAPACITY_MAX (1u << 31)

static uint64_t header_bytes(void)
{
	return ipc_align_up(sizeof(struct ipc_channel), IPC_CACHE_LINE);
}

/* Endpoint places per side: MYMAP_CHANNEL_MAX_ENDPOINTS for MPMC, else one. */
static uint32_t places_for(uint32_t kind)
{
	return kind == MYMAP_CHANNEL_MPMC ? MYMAP_CHANNEL_MAX_ENDPOINTS : 1;
}

/* The ring header's size for @kind, a multiple of the cache line. */
static uint64_t ring_header_bytes(enum mymap_channel_kind kind)
{
	switch (kind) {
	case MYMAP_CHANNEL_MESSAGES:
		return sizeof(struct ipc_spsc);
	case MYMAP_CHANNEL_STREAM:
		return sizeof(struct ipc_stream);
	case MYMAP_CHANNEL_MPMC:
		return sizeof(struct ipc_mpmc);
	}
	return 0;
}

static bool config_valid(const struct mymap_channel_config *cfg)
{
	if (!ring_header_bytes(cfg->kind))
		return false;
	if (!ipc_is_pow2(cfg->capacity) || cfg->capacity > IPC_CAPACITY_MAX)
		return false;
	if (cfg->kind == MYMAP_CHANNEL_STREAM)
		return cfg->capacity >= IPC_STREAM_MIN;
	return cfg->capacity >= 2 && cfg->msg_size >= 1 && cfg->msg_size <= IPC_MSG_SIZE_MAX;
}

static uint64_t ring_data_bytes(const struct mymap_channel_config *cfg)
{
	switch (cfg->kind) {
	case MYMAP_CHANNEL_MESSAGES:
		return ipc_spsc_data_bytes(cfg->msg_size, cfg->capacity);
	case MYMAP_CHANNEL_STREAM:
		return ipc_align_up(cfg->capacity, IPC_CACHE_LINE);
	case MYMAP_CHANNEL_MPMC:
		return ipc_mpmc_data_bytes(cfg->msg_size, cfg->capacity);
	}
	return 0;
}

size_t mymap_channel_bytes(const struct mymap_channel_config *cfg)
{
	uint64_t total;

	if (!cfg || !config_valid(cfg))
		return 0;
	total = header_bytes() + ring_header_bytes(cfg->kind) + ring_data_bytes(cfg);
	return total > SIZE_MAX ? 0 : (size_t)total;
}

void ipc_channel_format(struct ipc_channel *c, const struct mymap_channel_config *cfg)
{
	uint64_t ring_hdr = ring_header_bytes(cfg->kind);
	void *ring;

	memset(c, 0, sizeof(*c));
	c->version = IPC_CHANNEL_VERSION;
	c->kind = cfg->kind;
	c->places = places_for(cfg->kind);
	c->msg_size = cfg->kind == MYMAP_CHANNEL_STREAM ? 0 : cfg->msg_size;
	c->capacity = cfg->capacity;
	c->start_index = cfg->start_index;
	c->ring_off = header_bytes();
	c->bytes = mymap_channel_bytes(cfg);
	ring = ipc_channel_ring(c);
	switch (cfg->kind) {
	case MYMAP_CHANNEL_MESSAGES:
		ipc_spsc_format(ring, cfg->msg_size, cfg->capacity, ring_hdr, cfg->start_index);
		break;
	case MYMAP_CHANNEL_STREAM:
		ipc_stream_format(ring, cfg->capacity, ring_hdr, cfg->start_index);
		break;
	case MYMAP_CHANNEL_MPMC:
		ipc_mpmc_format(ring, cfg->msg_size, cfg->capacity, ring_hdr, cfg->start_index);
		break;
	}
	/* The magic last: a half-formatted channel is never attached to. */
	__atomic_store_n(&c->magic, IPC_CHANNEL_MAGIC, __ATOMIC_RELEASE);
}

int ipc_channel_validate(const struct ipc_channel *c, uint64_t avail)
{
	if (avail < sizeof(*c) ||
	    __atomic_load_n(&c->magic, __ATOMIC_ACQUIRE) != IPC_CHANNEL_MAGIC ||
	    c->version != IPC_CHANNEL_VERSION)
		return -EBADMSG;
	struct mymap_channel_config cfg = ipc_channel_config(c);

	/* As ipc_channel_format() leaves it: a stream records no message size. */
	if (!config_valid(&cfg) || (c->kind == MYMAP_CHANNEL_STREAM && c->msg_size))
		return -EBADMSG;
	if (c->ring_off != header_bytes() || c->bytes != mymap_channel_bytes(&cfg) ||
	    c->bytes > avail)
		return -EBADMSG;
	if (c->places != places_for(c->kind))
		return -EBADMSG;
	return 0;
}

uint32_t ipc_channel_attached(struct ipc_channel *c, enum ipc_side_index side)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < c->places; i++)
		n += atomic_load_explicit(&c->side[side].ep[i].state, memory_order_acquire) ==
		     IPC_EP_ATTACHED;
	return n;
}

uint32_t ipc_channel_queued(struct ipc_channel *c)
{
	void *ring = ipc_channel_ring(c);

	switch ((enum mymap_channel_kind)c->kind) {
	case MYMAP_CHANNEL_MESSAGES:
		return ipc_spsc_count(ring);
	case MYMAP_CHANNEL_STREAM:
		return ipc_stream_count(ring);
	case MYMAP_CHANNEL_MPMC:
		return ipc_mpmc_count(ring);
	}
	return 0;
}

static uint16_t owner_id(enum ipc_side_index side, uint32_t place)
{
	return (uint16_t)(side * MYMAP_CHANNEL_MAX_ENDPOINTS + place);
}

/* Wakes every sleeper of both events: the set of endpoints changed. */
static void notify_all(const struct ipc_region *region, struct ipc_channel *c)
{
	ipc_event_notify(region, &c->data, UINT32_MAX);
	ipc_event_notify(region, &c->space, UINT32_MAX);
}

/*
 * Frees the place of a dead endpoint and undoes its claims.  Called with
 * the lock held.  Safe to redo after a holder died halfway: the repair is
 * idempotent and the place is freed last.
 */
static void reclaim_place(struct ipc_channel *c, enum ipc_side_index side, uint32_t place)
{
	if (c->kind == MYMAP_CHANNEL_MPMC)
		ipc_mpmc_repair(ipc_channel_ring(c), owner_id(side, place));
	atomic_store_explicit(&c->side[side].last_exit, IPC_EXIT_DIED, memory_order_relaxed);
	atomic_store_explicit(&c->side[side].ep[place].state, IPC_EP_FREE, memory_order_release);
}

/* Reclaims the dead on @side; called with the lock held.  Returns how many. */
static int reap_side(const struct ipc_region *region, struct ipc_channel *c,
		     enum ipc_side_index side)
{
	int reaped = 0;

	for (uint32_t i = 0; i < c->places; i++) {
		struct ipc_endpoint *ep = &c->side[side].ep[i];

		if (atomic_load_explicit(&ep->state, memory_order_acquire) == IPC_EP_ATTACHED &&
		    !ipc_peer_alive(region, &ep->id)) {
			reclaim_place(c, side, i);
			reaped++;
		}
	}
	return reaped;
}

int ipc_channel_reap(const struct ipc_region *region, struct ipc_channel *c)
{
	int reaped;

	ipc_lock(&c->lock);
	reaped = reap_side(region, c, IPC_SENDERS) + reap_side(region, c, IPC_RECEIVERS);
	ipc_unlock(&c->lock);
	if (reaped)
		notify_all(region, c);
	return reaped;
}

static void attach_ring(struct mymap_channel *ch)
{
	void *ring = ipc_channel_ring(ch->shm);
	int sending = ch->side == IPC_SENDERS;

	switch (ch->config.kind) {
	case MYMAP_CHANNEL_MESSAGES:
		ipc_spsc_attach(&ch->ring.spsc, ring, sending);
		break;
	case MYMAP_CHANNEL_STREAM:
		ipc_stream_attach(&ch->ring.stream, ring, sending);
		break;
	case MYMAP_CHANNEL_MPMC:
		ch->ring.mpmc = ring;
		break;
	}
}

/* A free place on @side after reaping the dead, or -EBUSY. */
static int find_place(const struct ipc_region *region, struct ipc_channel *c,
		      enum ipc_side_index side)
{
	reap_side(region, c, side);
	for (uint32_t i = 0; i < c->places; i++)
		if (atomic_load_explicit(&c->side[side].ep[i].state, memory_order_acquire) ==
		    IPC_EP_FREE)
			return (int)i;
	return -EBUSY;
}

int ipc_channel_attach(const struct ipc_region *region, struct ipc_channel *c,
		       enum mymap_channel_role role, struct mymap_channel **out)
{
	enum ipc_side_index side = role == MYMAP_CHANNEL_SENDER ? IPC_SENDERS : IPC_RECEIVERS;
	struct mymap_channel *ch;
	struct ipc_peer_id self;
	int place;

	if (role != MYMAP_CHANNEL_SENDER && role != MYMAP_CHANNEL_RECEIVER)
		return -EINVAL;
	ipc_peer_self(region, &self);
	ch = calloc(1, sizeof(*ch));
	if (!ch)
		return -ENOMEM;

	ipc_lock(&c->lock);
	place = find_place(region, c, side);
	if (place < 0) {
		ipc_unlock(&c->lock);
		free(ch);
		return place;
	}
	c->side[side].ep[place].id = self;
	atomic_store_explicit(&c->side[side].ep[place].cpu, 0, memory_order_relaxed);
	atomic_fetch_add_explicit(&c->side[side].attaches, 1, memory_order_relaxed);
	atomic_store_explicit(&c->side[side].ep[place].state, IPC_EP_ATTACHED,
			      memory_order_release);
	ipc_unlock(&c->lock);

	ch->region = *region;
	ch->shm = c;
	ch->config = ipc_channel_config(c);
	ch->side = side;
	ch->place = (uint16_t)place;
	ch->owner = owner_id(side, (uint32_t)place);
	ch->spin = MYMAP_CHANNEL_SPIN_DEFAULT;
	attach_ring(ch);
	*out = ch;
	return 0;
}

/* Live endpoints on both sides after reaping; called with the lock held. */
static uint32_t live_after_reap(const struct ipc_region *region, struct ipc_channel *c)
{
	reap_side(region, c, IPC_SENDERS);
	reap_side(region, c, IPC_RECEIVERS);
	return ipc_channel_attached(c, IPC_SENDERS) + ipc_channel_attached(c, IPC_RECEIVERS);
}

bool ipc_channel_mark_removed(const struct ipc_region *region, struct ipc_channel *c)
{
	bool unused;

	ipc_lock(&c->lock);
	atomic_store_explicit(&c->removed, 1, memory_order_relaxed);
	unused = live_after_reap(region, c) == 0;
	ipc_unlock(&c->lock);
	return unused;
}

/* Gives back a loan or view the endpoint still holds. */
static void abandon_loans(struct mymap_channel *ch)
{
	if (ch->view_out) {
		struct mymap_loan view = {0};

		mymap_channel_release(ch, &view);
	}
	if (ch->loan_out && ch->config.kind == MYMAP_CHANNEL_MPMC)
		/* A claimed cell must not block the queue: void it. */
		ipc_mpmc_repair(ch->ring.mpmc, ch->owner);
	ch->loan_out = false;
}

int mymap_channel_close(struct mymap_channel *ch)
{
	struct ipc_channel *c;
	bool free_now;
	int ret = 0;

	if (!ch)
		return 0;
	c = ch->shm;
	abandon_loans(ch);

	ipc_lock(&c->lock);
	atomic_store_explicit(&c->side[ch->side].last_exit, IPC_EXIT_CLOSED, memory_order_relaxed);
	atomic_store_explicit(&c->side[ch->side].ep[ch->place].state, IPC_EP_FREE,
			      memory_order_release);
	free_now = atomic_load_explicit(&c->removed, memory_order_relaxed) && ch->free_memory &&
		   live_after_reap(&ch->region, c) == 0;
	ipc_unlock(&c->lock);

	if (free_now)
		ret = ch->free_memory(ch->heap, c);
	else
		notify_all(&ch->region, c);
	free(ch);
	return ret;
}

static bool offset_usable(const struct ipc_region *r, uint64_t offset, uint64_t len)
{
	return offset % IPC_CACHE_LINE == 0 && (uintptr_t)r->base % IPC_CACHE_LINE == 0 &&
	       ipc_region_has(r, offset, len);
}

int mymap_channel_format_at(struct mymap_heap *heap, uint64_t offset,
			    const struct mymap_channel_config *cfg)
{
	size_t bytes = mymap_channel_bytes(cfg);
	struct ipc_region region;
	int err;

	if (!heap || !bytes || offset % IPC_CACHE_LINE)
		return -EINVAL;
	err = ipc_region_of(&region, heap);
	if (err)
		return err;
	if (!offset_usable(&region, offset, bytes))
		return -ERANGE;
	ipc_channel_format(ipc_at(&region, offset), cfg);
	return 0;
}

int mymap_channel_attach_at(struct mymap_heap *heap, uint64_t offset, enum mymap_channel_role role,
			    struct mymap_channel **out)
{
	struct ipc_region region;
	struct ipc_channel *c;
	int err;

	if (!heap || !out)
		return -EINVAL;
	err = ipc_region_of(&region, heap);
	if (err)
		return err;
	if (!offset_usable(&region, offset, sizeof(struct ipc_channel)))
		return -EINVAL;
	c = ipc_at(&region, offset);
	err = ipc_channel_validate(c, region.size - offset);
	if (err)
		return err;
	return ipc_channel_attach(&region, c, role, out);
}

void mymap_channel_set_spin(struct mymap_channel *ch, uint32_t iterations)
{
	ch->spin = iterations;
}

const struct mymap_channel_config *mymap_channel_config(const struct mymap_channel *ch)
{
	return &ch->config;
}

void mymap_channel_stats(const struct mymap_channel *ch, struct mymap_channel_stats *st)
{
	*st = ch->stats;
}
