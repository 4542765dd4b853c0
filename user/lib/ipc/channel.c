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
#include "corrupt.h"

/* The largest msg_size: a slot must stay far below 2^32 bytes. */
#define IPC_MSG_SIZE_MAX (64u << 20)
#define IPC_STREAM_MIN	 64u
#define IPC_CAPACITY_MAX (1u << 31)

static uint64_t header_bytes(void)
{
	return ipc_align_up(sizeof(struct ipc_channel), IPC_CACHE_LINE);
}

/*
 * Endpoint places per side: MYMAP_CHANNEL_MAX_ENDPOINTS for MPMC and
 * PUBSUB (whose publisher uses the first place of its side only), else one.
 */
static uint32_t places_for(uint32_t kind)
{
	return kind == MYMAP_CHANNEL_MPMC || kind == MYMAP_CHANNEL_PUBSUB
		   ? MYMAP_CHANNEL_MAX_ENDPOINTS
		   : 1;
}

/* Places an endpoint of @side may take: a PUBSUB channel has one publisher. */
static uint32_t usable_places(const struct ipc_layout *l, enum ipc_side_index side)
{
	return l->config.kind == MYMAP_CHANNEL_PUBSUB && side == IPC_SENDERS ? 1 : l->places;
}

uint64_t ipc_ring_header_bytes(enum mymap_channel_kind kind)
{
	switch (kind) {
	case MYMAP_CHANNEL_MESSAGES:
		return sizeof(struct ipc_spsc);
	case MYMAP_CHANNEL_STREAM:
		return sizeof(struct ipc_stream);
	case MYMAP_CHANNEL_MPMC:
		return sizeof(struct ipc_mpmc);
	case MYMAP_CHANNEL_PUBSUB:
		return sizeof(struct ipc_pubsub);
	}
	return 0;
}

static bool config_valid(const struct mymap_channel_config *cfg)
{
	if (!ipc_ring_header_bytes(cfg->kind))
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
	case MYMAP_CHANNEL_PUBSUB:
		return ipc_pubsub_bytes(cfg->msg_size, cfg->capacity) - sizeof(struct ipc_pubsub);
	}
	return 0;
}

size_t mymap_channel_bytes(const struct mymap_channel_config *cfg)
{
	uint64_t total;

	if (!cfg || !config_valid(cfg))
		return 0;
	total = header_bytes() + ipc_ring_header_bytes(cfg->kind) + ring_data_bytes(cfg);
	return total > SIZE_MAX ? 0 : (size_t)total;
}

void ipc_channel_format(struct ipc_channel *c, const struct mymap_channel_config *cfg)
{
	uint64_t ring_hdr = ipc_ring_header_bytes(cfg->kind);
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
	ring = (char *)c + c->ring_off;
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
	case MYMAP_CHANNEL_PUBSUB:
		ipc_pubsub_format(ring, cfg->msg_size, cfg->capacity, cfg->start_index);
		break;
	}
	/* The magic last: a half-formatted channel is never attached to. */
	__atomic_store_n(&c->magic, IPC_CHANNEL_MAGIC, __ATOMIC_RELEASE);
}

int ipc_channel_validate(const struct ipc_channel *c, uint64_t avail, struct ipc_layout *l)
{
	uint32_t magic, version;

	if (avail < sizeof(*c))
		return ipc_corrupt("%llu bytes cannot hold a channel header",
				   (unsigned long long)avail);
	magic = __atomic_load_n(&c->magic, __ATOMIC_ACQUIRE);
	version = IPC_READ_ONCE(c->version);
	if (magic != IPC_CHANNEL_MAGIC)
		return ipc_corrupt("magic 0x%08x, expected 0x%08x", magic, IPC_CHANNEL_MAGIC);
	if (version != IPC_CHANNEL_VERSION)
		return ipc_corrupt("version %u, expected %u", version, IPC_CHANNEL_VERSION);
	/* Each field read once: the copy checked is the copy used. */
	l->config = (struct mymap_channel_config){
	    .kind = IPC_READ_ONCE(c->kind),
	    .msg_size = IPC_READ_ONCE(c->msg_size),
	    .capacity = IPC_READ_ONCE(c->capacity),
	    .start_index = IPC_READ_ONCE(c->start_index),
	};
	l->places = IPC_READ_ONCE(c->places);
	l->ring_off = IPC_READ_ONCE(c->ring_off);
	l->bytes = IPC_READ_ONCE(c->bytes);

	/* As ipc_channel_format() leaves it: a stream records no message size. */
	if (!config_valid(&l->config) ||
	    (l->config.kind == MYMAP_CHANNEL_STREAM && l->config.msg_size))
		return ipc_corrupt("kind %u, message size %u, capacity %u is not a valid shape",
				   (unsigned int)l->config.kind, l->config.msg_size,
				   l->config.capacity);
	if (l->places != places_for(l->config.kind))
		return ipc_corrupt("%u endpoint places, expected %u", l->places,
				   places_for(l->config.kind));
	if (l->ring_off != header_bytes())
		return ipc_corrupt("ring offset %llu, expected %llu",
				   (unsigned long long)l->ring_off,
				   (unsigned long long)header_bytes());
	if (l->bytes != mymap_channel_bytes(&l->config) || l->bytes > avail)
		return ipc_corrupt(
		    "size %llu, expected %llu within %llu bytes", (unsigned long long)l->bytes,
		    (unsigned long long)mymap_channel_bytes(&l->config), (unsigned long long)avail);
	return 0;
}

uint32_t ipc_channel_attached(struct ipc_channel *c, const struct ipc_layout *l,
			      enum ipc_side_index side)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < l->places; i++)
		n += atomic_load_explicit(&c->side[side].ep[i].state, memory_order_acquire) ==
		     IPC_EP_ATTACHED;
	return n;
}

uint32_t ipc_channel_queued(struct ipc_channel *c, const struct ipc_layout *l)
{
	void *ring = ipc_channel_ring(c, l);

	switch (l->config.kind) {
	case MYMAP_CHANNEL_MESSAGES:
		return ipc_spsc_count(ring);
	case MYMAP_CHANNEL_STREAM:
		return ipc_stream_count(ring);
	case MYMAP_CHANNEL_MPMC:
		return ipc_mpmc_count(ring);
	case MYMAP_CHANNEL_PUBSUB:
		/* Each subscriber has a backlog of its own. */
		return 0;
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
 * idempotent and the place is freed last.  The dead endpoint's sleeper bit
 * is cleared: had it died asleep, every notify would make a system call.
 */
static void reclaim_place(struct ipc_channel *c, const struct ipc_layout *l,
			  enum ipc_side_index side, uint32_t place)
{
	if (l->config.kind == MYMAP_CHANNEL_MPMC) {
		struct ipc_mpmc_end e;

		ipc_mpmc_view(&e, ipc_channel_ring(c, l), l->config.msg_size, l->config.capacity,
			      ipc_ring_header_bytes(l->config.kind));
		ipc_mpmc_repair(&e, owner_id(side, place));
	}
	ipc_event_cancel(ipc_side_event(c, side), place);
	atomic_store_explicit(&c->side[side].last_exit, IPC_EXIT_DIED, memory_order_relaxed);
	atomic_store_explicit(&c->side[side].ep[place].state, IPC_EP_FREE, memory_order_release);
}

/* Reclaims the dead on @side; called with the lock held.  Returns how many. */
static int reap_side(const struct ipc_region *region, struct ipc_channel *c,
		     const struct ipc_layout *l, enum ipc_side_index side)
{
	int reaped = 0;

	for (uint32_t i = 0; i < l->places; i++) {
		struct ipc_endpoint *ep = &c->side[side].ep[i];
		struct ipc_peer_id id = {IPC_READ_ONCE(ep->id.process),
					 IPC_READ_ONCE(ep->id.session)};

		if (atomic_load_explicit(&ep->state, memory_order_acquire) == IPC_EP_ATTACHED &&
		    !ipc_peer_alive(region, &id)) {
			reclaim_place(c, l, side, i);
			reaped++;
		}
	}
	return reaped;
}

int ipc_channel_reap(const struct ipc_region *region, struct ipc_channel *c,
		     const struct ipc_layout *l)
{
	int reaped = ipc_lock(&c->lock, region);

	if (reaped < 0)
		return reaped;
	reaped = reap_side(region, c, l, IPC_SENDERS) + reap_side(region, c, l, IPC_RECEIVERS);
	ipc_unlock(&c->lock, region);
	if (reaped)
		notify_all(region, c);
	return reaped;
}

/* Builds the endpoint's private view of the ring; 0 or -EBADMSG. */
static int attach_ring(struct mymap_channel *ch)
{
	const struct mymap_channel_config *cfg = &ch->layout.config;
	void *ring = ipc_channel_ring(ch->shm, &ch->layout);
	uint64_t data_off = ipc_ring_header_bytes(cfg->kind);
	int sending = ch->side == IPC_SENDERS;

	switch (cfg->kind) {
	case MYMAP_CHANNEL_MESSAGES:
		return ipc_spsc_attach(&ch->ring.spsc, ring, cfg->msg_size, cfg->capacity, data_off,
				       sending);
	case MYMAP_CHANNEL_STREAM:
		return ipc_stream_attach(&ch->ring.stream, ring, cfg->capacity, data_off, sending);
	case MYMAP_CHANNEL_MPMC:
		return ipc_mpmc_attach(&ch->ring.mpmc, ring, cfg->msg_size, cfg->capacity,
				       data_off);
	case MYMAP_CHANNEL_PUBSUB:
		return ipc_pubsub_attach(&ch->ring.pubsub, ring, cfg->msg_size, cfg->capacity);
	}
	return -EINVAL;
}

/* A free place on @side after reaping the dead, or -EBUSY. */
static int find_place(const struct ipc_region *region, struct ipc_channel *c,
		      const struct ipc_layout *l, enum ipc_side_index side)
{
	reap_side(region, c, l, side);
	for (uint32_t i = 0; i < usable_places(l, side); i++)
		if (atomic_load_explicit(&c->side[side].ep[i].state, memory_order_acquire) ==
		    IPC_EP_FREE)
			return (int)i;
	return -EBUSY;
}

/* Frees this endpoint's place; called with the lock held. */
static void leave_place(struct mymap_channel *ch)
{
	struct ipc_channel *c = ch->shm;

	ipc_event_cancel(ipc_side_event(c, ch->side), ch->place);
	atomic_store_explicit(&c->side[ch->side].last_exit, IPC_EXIT_CLOSED, memory_order_relaxed);
	atomic_store_explicit(&c->side[ch->side].ep[ch->place].state, IPC_EP_FREE,
			      memory_order_release);
}

int ipc_channel_attach(const struct ipc_region *region, struct ipc_channel *c,
		       const struct ipc_layout *l, enum mymap_channel_role role,
		       struct mymap_channel **out)
{
	enum ipc_side_index side = role == MYMAP_CHANNEL_SENDER ? IPC_SENDERS : IPC_RECEIVERS;
	enum ipc_side_index peer;
	struct mymap_channel *ch;
	struct ipc_peer_id self;
	int place, err;

	if (role != MYMAP_CHANNEL_SENDER && role != MYMAP_CHANNEL_RECEIVER)
		return -EINVAL;
	ipc_peer_self(region, &self);
	ch = calloc(1, sizeof(*ch));
	if (!ch)
		return -ENOMEM;
	ch->poll_fd = -1;

	err = ipc_lock(&c->lock, region);
	if (err < 0) {
		free(ch);
		return err;
	}
	place = find_place(region, c, l, side);
	if (place < 0) {
		ipc_unlock(&c->lock, region);
		free(ch);
		return place;
	}
	c->side[side].ep[place].id = self;
	atomic_store_explicit(&c->side[side].ep[place].cpu, 0, memory_order_relaxed);
	/* A sleeper bit left by the place's previous endpoint is not ours. */
	ipc_event_cancel(ipc_side_event(c, side), (uint32_t)place);
	atomic_fetch_add_explicit(&c->side[side].attaches, 1, memory_order_relaxed);
	atomic_store_explicit(&c->side[side].ep[place].state, IPC_EP_ATTACHED,
			      memory_order_release);

	ch->region = *region;
	ch->shm = c;
	ch->layout = *l;
	ch->side = side;
	peer = side == IPC_SENDERS ? IPC_RECEIVERS : IPC_SENDERS;
	ch->peer_attaches = atomic_load_explicit(&c->side[peer].attaches, memory_order_relaxed);
	ch->had_peer = ipc_channel_attached(c, l, peer) > 0;
	ch->place = (uint16_t)place;
	ch->owner = owner_id(side, (uint32_t)place);
	ch->spin = MYMAP_CHANNEL_SPIN_DEFAULT;
	err = attach_ring(ch);
	if (err) {
		leave_place(ch);
		ipc_unlock(&c->lock, region);
		free(ch);
		return err;
	}
	ipc_unlock(&c->lock, region);
	/* Endpoints waiting for a peer (mymap_channel_wait_peer) look again. */
	notify_all(region, c);
	*out = ch;
	return 0;
}

/* Live endpoints on both sides after reaping; called with the lock held. */
static uint32_t live_after_reap(const struct ipc_region *region, struct ipc_channel *c,
				const struct ipc_layout *l)
{
	reap_side(region, c, l, IPC_SENDERS);
	reap_side(region, c, l, IPC_RECEIVERS);
	return ipc_channel_attached(c, l, IPC_SENDERS) + ipc_channel_attached(c, l, IPC_RECEIVERS);
}

int ipc_channel_mark_removed(const struct ipc_region *region, struct ipc_channel *c,
			     const struct ipc_layout *l)
{
	int unused = ipc_lock(&c->lock, region);

	if (unused < 0)
		return unused;
	atomic_store_explicit(&c->removed, 1, memory_order_relaxed);
	unused = live_after_reap(region, c, l) == 0;
	ipc_unlock(&c->lock, region);
	return unused;
}

/* Gives back a loan or view the endpoint still holds. */
static void abandon_loans(struct mymap_channel *ch)
{
	if (ch->view_out) {
		struct mymap_loan view = {0};

		mymap_channel_release(ch, &view);
	}
	if (ch->loan_out && ch->layout.config.kind == MYMAP_CHANNEL_MPMC)
		/* A claimed cell must not block the queue: void it. */
		ipc_mpmc_repair(&ch->ring.mpmc, ch->owner);
	ch->loan_out = false;
}

int mymap_channel_close(struct mymap_channel *ch)
{
	struct ipc_channel *c;
	bool free_now;
	int ret;

	if (!ch)
		return 0;
	c = ch->shm;
	abandon_loans(ch);
	ipc_channel_fd_close(ch);

	ret = ipc_lock(&c->lock, &ch->region);
	if (ret < 0) {
		/* The place stays taken; it is reclaimed once this process is gone. */
		free(ch);
		return ret;
	}
	leave_place(ch);
	free_now = atomic_load_explicit(&c->removed, memory_order_relaxed) && ch->free_memory &&
		   live_after_reap(&ch->region, c, &ch->layout) == 0;
	ipc_unlock(&c->lock, &ch->region);

	ret = 0;
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
	struct ipc_layout layout;
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
	err = ipc_channel_validate(c, region.size - offset, &layout);
	if (err)
		return err;
	return ipc_channel_attach(&region, c, &layout, role, out);
}

void mymap_channel_set_spin(struct mymap_channel *ch, uint32_t iterations)
{
	ch->spin = iterations;
}

const struct mymap_channel_config *mymap_channel_config(const struct mymap_channel *ch)
{
	return &ch->layout.config;
}

void mymap_channel_stats(const struct mymap_channel *ch, struct mymap_channel_stats *st)
{
	*st = ch->stats;
}
