// SPDX-License-Identifier: GPL-2.0
/*
 * transfer.c - a channel's data plane: send, receive, stream read and
 * write, the zero-copy loans, and the one place where an endpoint waits
 * (spin, then sleep on an event, checking its peers between sleeps).
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>

#include "../clock.h"
#include "../cpu.h"
#include "channel.h"
#include "corrupt.h"

/* Yields after spinning, before sleeping; none when told not to spin. */
#define YIELDS_BEFORE_SLEEP 4
/*
 * Busy-polling (MYMAP_CHANNEL_SPIN_FOREVER): spins between looks at the
 * clock (a vDSO call, no system call), so that a deadline is missed by a
 * few microseconds at most; how long a poll runs before it watches for
 * signals; and how often it then asks for pending ones (a system call).
 */
#define SPIN_CLOCK_EVERY      32u
#define SPIN_SIGNALS_AFTER_NS 50000u
#define SPIN_SIGNALS_EVERY_NS 20000u

/* One attempt at an operation: 0 done, -EAGAIN not now, or an error. */
typedef int (*attempt_fn)(struct mymap_channel *ch, void *arg);

static enum ipc_side_index other_side(const struct mymap_channel *ch)
{
	return ch->side == IPC_SENDERS ? IPC_RECEIVERS : IPC_SENDERS;
}

/*
 * Why the other side cannot serve @ch: 0 (it may: a peer is attached, or
 * none has been since @ch attached, so @ch waits for one), -EPIPE (the
 * last peer closed) or -ECONNRESET (it died), from the endpoint states.
 * An exit from before @ch attached is not @ch's concern: a receiver that
 * restarts waits for the next sender instead of finding the old one's
 * -EPIPE.
 */
static int side_gone(struct mymap_channel *ch)
{
	struct ipc_channel *c = ch->shm;
	struct ipc_side *s = &c->side[other_side(ch)];

	/* A publisher never waits for anyone: no subscriber is no error. */
	if (ch->layout.config.kind == MYMAP_CHANNEL_PUBSUB && ch->side == IPC_SENDERS)
		return 0;
	if (ipc_channel_attached(c, &ch->layout, other_side(ch)))
		return 0;
	if (!ch->had_peer &&
	    atomic_load_explicit(&s->attaches, memory_order_relaxed) == ch->peer_attaches)
		return 0;
	return atomic_load_explicit(&s->last_exit, memory_order_relaxed) == IPC_EXIT_DIED
		   ? -ECONNRESET
		   : -EPIPE;
}

int ipc_channel_peer_gone(struct mymap_channel *ch, bool deep)
{
	struct ipc_channel *c = ch->shm;
	int gone;

	if (deep)
		ipc_channel_reap(&ch->region, c, &ch->layout);
	gone = side_gone(ch);
	if (!gone)
		return 0;
	/*
	 * Confirmed under the lock: an attach counts itself and then marks its
	 * place attached, both under the lock, and a peer read between the
	 * two stores would pass for one that has come and gone (-EPIPE on a
	 * channel whose sender is just arriving).
	 */
	gone = ipc_lock(&c->lock, &ch->region);
	if (gone < 0)
		return gone;
	gone = side_gone(ch);
	ipc_unlock(&c->lock, &ch->region);
	return gone;
}

/* After a successful operation, wake the other side if it sleeps. */
static void notify_peer(struct mymap_channel *ch)
{
	struct ipc_event *ev = ipc_side_event(ch->shm, other_side(ch));
	uint32_t count = ch->layout.places > 1 ? UINT32_MAX : 1;

	if (ipc_event_notify(&ch->region, ev, count))
		ch->stats.wakes++;
}

/*
 * On an MPMC channel, a cell claimed by a dead endpoint blocks everyone
 * behind it; reclaiming the dead (which repairs their cells) unblocks it.
 */
static void unblock_mpmc(struct mymap_channel *ch)
{
	uint16_t owner;

	if (ch->layout.config.kind != MYMAP_CHANNEL_MPMC)
		return;
	owner = ipc_mpmc_blocker(&ch->ring.mpmc, ch->side == IPC_RECEIVERS);
	if (owner != IPC_MPMC_NO_OWNER && owner != ch->owner)
		ipc_channel_reap(&ch->region, ch->shm, &ch->layout);
}

/*
 * Notes the CPU this endpoint is about to wait on, and tells whether its
 * peer last waited on the same one (one peer only: not MPMC).  Then the
 * peer cannot run until this side gives the core up, and spinning would
 * only burn the rest of the time slice.  Only a hint, stale at worst: it
 * changes how long a wait spins, never what it waits for.
 */
static bool waits_beside_peer(struct mymap_channel *ch)
{
	struct ipc_channel *c = ch->shm;
	int cpu = sched_getcpu();
	uint32_t mine = cpu < 0 ? 0 : (uint32_t)cpu + 1;

	if (ch->layout.places != 1)
		return false;
	atomic_store_explicit(&c->side[ch->side].ep[ch->place].cpu, mine, memory_order_relaxed);
	return mine && atomic_load_explicit(&c->side[other_side(ch)].ep[0].cpu,
					    memory_order_relaxed) == mine;
}

/*
 * Busy-polling's watch for signals: all signals blocked, so that one that
 * arrives stays pending where sigpending() sees it, instead of running its
 * handler in the middle of the loop unnoticed.  Restoring the mask
 * delivers it, as a sleeping system call would have been interrupted.
 */
struct signal_watch {
	bool on;
	sigset_t saved;
};

static void watch_signals(struct signal_watch *w)
{
	sigset_t all;

	sigfillset(&all);
	w->on = pthread_sigmask(SIG_BLOCK, &all, &w->saved) == 0;
}

/* A signal pending that the caller had not blocked itself? */
static bool signal_arrived(const struct signal_watch *w)
{
	sigset_t pending;

	if (!w->on || sigpending(&pending))
		return false;
	for (int sig = 1; sig < NSIG; sig++)
		if (sigismember(&pending, sig) == 1 && sigismember(&w->saved, sig) == 0)
			return true;
	return false;
}

static void unwatch_signals(struct signal_watch *w)
{
	if (w->on)
		pthread_sigmask(SIG_SETMASK, &w->saved, NULL);
	w->on = false;
}

/*
 * MYMAP_CHANNEL_SPIN_FOREVER: polls @attempt, looking at the clock every
 * SPIN_CLOCK_EVERY rounds for the deadline, at the peers every
 * MYMAP_CHANNEL_LIVENESS_NS, and, from SPIN_SIGNALS_AFTER_NS on, for
 * signals (-EINTR) every SPIN_SIGNALS_EVERY_NS.
 */
static int busy_poll(struct mymap_channel *ch, attempt_fn attempt, void *arg, uint64_t deadline)
{
	uint64_t start = mm_now_ns(), last_peers = start, last_signals = start;
	struct signal_watch watch = {0};
	int ret;

	for (uint32_t i = 1;; i++) {
		uint64_t now;
		int gone;

		mm_cpu_relax();
		ret = attempt(ch, arg);
		if (ret != -EAGAIN)
			break;
		if (i % SPIN_CLOCK_EVERY)
			continue;
		now = mm_now_ns();
		if (deadline && now >= deadline) {
			ret = -ETIMEDOUT;
			break;
		}
		if (now - last_peers >= MYMAP_CHANNEL_LIVENESS_NS) {
			last_peers = now;
			unblock_mpmc(ch);
			gone = ipc_channel_peer_gone(ch, true);
			if (gone) {
				ret = attempt(ch, arg);
				ret = ret == -EAGAIN ? gone : ret;
				break;
			}
		}
		if (!watch.on && now - start >= SPIN_SIGNALS_AFTER_NS)
			watch_signals(&watch);
		if (watch.on && now - last_signals >= SPIN_SIGNALS_EVERY_NS) {
			last_signals = now;
			if (signal_arrived(&watch)) {
				ret = -EINTR;
				break;
			}
		}
	}
	unwatch_signals(&watch);
	return ret;
}

/*
 * Runs @attempt until it does not return -EAGAIN: first spinning (not
 * when the peer last waited on this CPU), then
 * sleeping on the endpoint's event in slices of at most
 * MYMAP_CHANNEL_LIVENESS_NS, checking the peers after every slice.
 */
static int wait_for(struct mymap_channel *ch, attempt_fn attempt, void *arg, int64_t timeout_ns)
{
	struct ipc_event *ev = ipc_side_event(ch->shm, ch->side);
	uint32_t spin = ch->spin;
	uint64_t deadline = 0;
	bool deep = false;
	int ret, gone;

	/* The caller acts on the endpoint: its descriptor stops watching. */
	ipc_channel_fd_disarm(ch);
	ret = attempt(ch, arg);
	if (ret != -EAGAIN)
		return ret;
	if (timeout_ns == 0) {
		gone = ipc_channel_peer_gone(ch, false);
		if (!gone)
			return -EAGAIN;
		ret = attempt(ch, arg);
		return ret == -EAGAIN ? gone : ret;
	}
	if (timeout_ns > 0)
		deadline = mm_now_ns() + (uint64_t)timeout_ns;
	if (spin == MYMAP_CHANNEL_SPIN_FOREVER)
		return busy_poll(ch, attempt, arg, deadline);

	if (spin && waits_beside_peer(ch))
		spin = 0;
	for (uint32_t i = 1; i <= spin; i++) {
		mm_cpu_relax();
		ret = attempt(ch, arg);
		if (ret != -EAGAIN)
			return ret;
		/* A short timeout ends within the spin, whatever an attempt costs. */
		if (deadline && i % SPIN_CLOCK_EVERY == 0 && mm_now_ns() >= deadline)
			return -ETIMEDOUT;
	}
	/*
	 * Before sleeping, give the core away a few times: when the peer
	 * waits for this very core (more runnable processes than cores), a
	 * yield lets it run at once, where a sleep costs two system calls
	 * and a wake-up latency.
	 */
	for (uint32_t i = 0; ch->spin && i < YIELDS_BEFORE_SLEEP; i++) {
		sched_yield();
		ret = attempt(ch, arg);
		if (ret != -EAGAIN)
			return ret;
	}

	for (;;) {
		uint64_t slice = MYMAP_CHANNEL_LIVENESS_NS;
		uint32_t ticket;
		int woke;

		gone = ipc_channel_peer_gone(ch, deep);
		if (gone) {
			/* Everything sent before the peer left is still delivered. */
			ret = attempt(ch, arg);
			return ret == -EAGAIN ? gone : ret;
		}
		if (deadline) {
			uint64_t now = mm_now_ns();

			if (now >= deadline)
				return -ETIMEDOUT;
			if (deadline - now < slice)
				slice = deadline - now;
		}
		ticket = ipc_event_prepare(ev, ch->place);
		ret = attempt(ch, arg);
		if (ret != -EAGAIN) {
			ipc_event_cancel(ev, ch->place);
			return ret;
		}
		ch->stats.sleeps++;
		/* Naming the one peer ends the sleep at its death, not a slice later. */
		woke = ipc_event_sleep_peer(&ch->region, ev, ticket, slice,
					    ipc_channel_peer_session(ch));
		ipc_event_cancel(ev, ch->place);
		/*
		 * A signal ends the wait; so does a failure that would repeat
		 * at once (EBADF: the heap's device file was closed under us).
		 */
		if (woke && woke != -EAGAIN && woke != -ETIMEDOUT && woke != -EPIPE)
			return woke;
		/* A timed-out slice or the named peer's file closed: look at the peers. */
		deep = woke == -ETIMEDOUT || woke == -EPIPE;
		if (deep)
			unblock_mpmc(ch);
		ret = attempt(ch, arg);
		if (ret != -EAGAIN)
			return ret;
	}
}

/* ---- Waiting for a peer ---- */

int mymap_channel_wait_peer(struct mymap_channel *ch, int64_t timeout_ns)
{
	struct ipc_event *ev;
	uint64_t deadline = 0;
	int woke;

	if (!ch)
		return -EINVAL;
	ipc_channel_fd_disarm(ch);
	ev = ipc_side_event(ch->shm, ch->side);
	if (timeout_ns > 0)
		deadline = mm_now_ns() + (uint64_t)timeout_ns;
	for (;;) {
		uint64_t slice = MYMAP_CHANNEL_LIVENESS_NS;
		uint32_t ticket;
		bool attached;

		/* The dead do not count: reclaim them first (this is no fast path). */
		ipc_channel_reap(&ch->region, ch->shm, &ch->layout);
		/* Announced before the look, so that an attach's notify is not missed. */
		ticket = ipc_event_prepare(ev, ch->place);
		attached = ipc_channel_attached(ch->shm, &ch->layout, other_side(ch)) > 0;
		if (attached || timeout_ns == 0) {
			ipc_event_cancel(ev, ch->place);
			return attached ? 0 : -EAGAIN;
		}
		if (deadline) {
			uint64_t now = mm_now_ns();

			if (now >= deadline) {
				ipc_event_cancel(ev, ch->place);
				return -ETIMEDOUT;
			}
			if (deadline - now < slice)
				slice = deadline - now;
		}
		ch->stats.sleeps++;
		woke = ipc_event_sleep(&ch->region, ev, ticket, slice);
		ipc_event_cancel(ev, ch->place);
		if (woke && woke != -EAGAIN && woke != -ETIMEDOUT && woke != -EPIPE)
			return woke;
	}
}

/* ---- Sending messages ---- */

struct send_args {
	const void *msg;
	uint32_t len;
	struct mymap_loan *loan; /* reserve: lend instead of copying */
};

/* Makes the reserved slot, holding @len bytes, visible to the receivers. */
static void publish_slot(struct mymap_channel *ch, uint32_t len)
{
	if (ch->layout.config.kind == MYMAP_CHANNEL_MPMC)
		ipc_mpmc_publish(&ch->ring.mpmc, &ch->claim, len);
	else if (ch->layout.config.kind == MYMAP_CHANNEL_PUBSUB)
		ipc_pubsub_publish(&ch->ring.pubsub, len);
	else
		ipc_spsc_publish(&ch->ring.spsc, len);
}

static int try_send(struct mymap_channel *ch, void *arg)
{
	struct send_args *a = arg;
	void *slot = NULL;
	int ret;

	if (ch->layout.config.kind == MYMAP_CHANNEL_MPMC) {
		ret = ipc_mpmc_claim_write(&ch->ring.mpmc, ch->owner, &ch->claim);
		if (ret <= 0)
			return ret ? ret : -EAGAIN;
		slot = ipc_mpmc_payload(&ch->claim);
	} else if (ch->layout.config.kind == MYMAP_CHANNEL_PUBSUB) {
		/* The oldest slot is overwritten, whoever has not read it. */
		slot = ipc_pubsub_begin(&ch->ring.pubsub);
	} else {
		ret = ipc_spsc_reserve(&ch->ring.spsc, &slot);
		if (ret)
			return ret;
	}
	if (a->loan) {
		a->loan->data = slot;
		a->loan->size = ch->layout.config.msg_size;
		ch->loan_out = true;
		return 0;
	}
	memcpy(slot, a->msg, a->len);
	publish_slot(ch, a->len);
	return 0;
}

/* The endpoint may use message operations as @side. */
static int check_message_endpoint(const struct mymap_channel *ch, enum ipc_side_index side)
{
	if (!ch || ch->side != side || ch->layout.config.kind == MYMAP_CHANNEL_STREAM)
		return -EINVAL;
	if (ch->loan_out || ch->view_out)
		return -EBUSY;
	return 0;
}

int mymap_channel_send(struct mymap_channel *ch, const void *msg, size_t len, int64_t timeout_ns)
{
	struct send_args a = {.msg = msg, .len = (uint32_t)len};
	int ret = check_message_endpoint(ch, IPC_SENDERS);

	if (ret)
		return ret;
	if (len > ch->layout.config.msg_size)
		return -EMSGSIZE;
	ret = wait_for(ch, try_send, &a, timeout_ns);
	if (ret == 0)
		notify_peer(ch);
	return ret;
}

int mymap_channel_reserve(struct mymap_channel *ch, struct mymap_loan *loan, int64_t timeout_ns)
{
	struct send_args a = {.loan = loan};
	int ret = check_message_endpoint(ch, IPC_SENDERS);

	if (ret)
		return ret;
	return wait_for(ch, try_send, &a, timeout_ns);
}

int mymap_channel_publish(struct mymap_channel *ch, struct mymap_loan *loan, size_t len)
{
	if (!ch || !ch->loan_out || !loan)
		return -EINVAL;
	if (len > loan->size || len > ch->layout.config.msg_size)
		return -EMSGSIZE;
	publish_slot(ch, (uint32_t)len);
	ch->loan_out = false;
	loan->data = NULL;
	notify_peer(ch);
	return 0;
}

/* ---- Receiving messages ---- */

struct recv_args {
	void *buf;
	size_t size;
	uint32_t len;
	struct mymap_loan *view; /* recv_view: lend instead of copying */
};

static void release_slot(struct mymap_channel *ch)
{
	if (ch->layout.config.kind == MYMAP_CHANNEL_MPMC)
		ipc_mpmc_release(&ch->ring.mpmc, &ch->claim);
	else
		ipc_spsc_release(&ch->ring.spsc);
}

/*
 * PUBSUB: the next message this subscriber can still get, lent in place
 * or copied; a copy that a later lap overwrote meanwhile is discarded
 * (counted lost) and the next one tried, for at most a lap.
 */
static int try_subscribe(struct mymap_channel *ch, struct recv_args *a)
{
	struct ipc_pubsub_end *e = &ch->ring.pubsub;

	for (uint32_t n = 0; n <= ch->layout.config.capacity; n++) {
		const void *slot;
		uint64_t seq;
		int ret = ipc_pubsub_peek(e, &slot, &a->len, &seq);

		if (ret)
			return ret;
		if (a->view) {
			a->view->data = (void *)slot;
			a->view->size = a->len;
			a->view->priv[0] = seq;
			ch->view_out = true;
			return 0;
		}
		memcpy(a->buf, slot, a->len < a->size ? a->len : a->size);
		if (ipc_pubsub_still_valid(e, seq))
			return 0;
	}
	return -EAGAIN;
}

static int try_recv(struct mymap_channel *ch, void *arg)
{
	struct recv_args *a = arg;
	const void *slot = NULL;
	int ret;

	if (ch->layout.config.kind == MYMAP_CHANNEL_PUBSUB)
		return try_subscribe(ch, a);
	if (ch->layout.config.kind == MYMAP_CHANNEL_MPMC) {
		ret = ipc_mpmc_claim_read(&ch->ring.mpmc, ch->owner, &ch->claim);
		if (ret <= 0)
			return ret ? ret : -EAGAIN;
		slot = ipc_mpmc_payload(&ch->claim);
		a->len = ch->claim.len;
	} else {
		ret = ipc_spsc_peek(&ch->ring.spsc, &slot, &a->len);
		if (ret)
			return ret;
	}
	if (a->len > ch->layout.config.msg_size) {
		/* Only corrupt memory says so: drop the message, report it. */
		release_slot(ch);
		return ipc_corrupt("message length %u exceeds the message size %u", a->len,
				   ch->layout.config.msg_size);
	}
	if (a->view) {
		a->view->data = (void *)slot;
		a->view->size = a->len;
		ch->view_out = true;
		return 0;
	}
	memcpy(a->buf, slot, a->len < a->size ? a->len : a->size);
	release_slot(ch);
	return 0;
}

/* Waits for a message as @a asks; a dropped corrupt one still frees a slot. */
static int receive(struct mymap_channel *ch, struct recv_args *a, int64_t timeout_ns)
{
	int ret = check_message_endpoint(ch, IPC_RECEIVERS);

	if (ret)
		return ret;
	ret = wait_for(ch, try_recv, a, timeout_ns);
	if (ret == -EBADMSG)
		notify_peer(ch);
	return ret;
}

ssize_t mymap_channel_recv(struct mymap_channel *ch, void *buf, size_t size, int64_t timeout_ns)
{
	struct recv_args a = {.buf = buf, .size = size};
	int ret = receive(ch, &a, timeout_ns);

	if (ret)
		return ret;
	notify_peer(ch);
	return a.len > size ? -EMSGSIZE : (ssize_t)a.len;
}

int mymap_channel_recv_view(struct mymap_channel *ch, struct mymap_loan *view, int64_t timeout_ns)
{
	struct recv_args a = {.view = view};

	return receive(ch, &a, timeout_ns);
}

int mymap_channel_release(struct mymap_channel *ch, struct mymap_loan *view)
{
	if (!ch || !ch->view_out || !view)
		return -EINVAL;
	if (ch->layout.config.kind == MYMAP_CHANNEL_PUBSUB) {
		bool whole = ipc_pubsub_still_valid(&ch->ring.pubsub, view->priv[0]);

		ch->view_out = false;
		view->data = NULL;
		/* The publisher never waits for a subscriber: nobody to wake. */
		return whole ? 0 : -ESTALE;
	}
	release_slot(ch);
	ch->view_out = false;
	view->data = NULL;
	notify_peer(ch);
	return 0;
}

/* ---- Byte streams ---- */

struct stream_args {
	unsigned char *buf;
	size_t len;
	size_t done;
};

static int try_write(struct mymap_channel *ch, void *arg)
{
	struct stream_args *a = arg;
	ssize_t n = ipc_stream_write(&ch->ring.stream, a->buf + a->done, a->len - a->done);

	if (n <= 0)
		return n ? (int)n : -EAGAIN;
	a->done += (size_t)n;
	/* Wake the reader for every piece: it may be waiting for the first byte. */
	notify_peer(ch);
	return a->done == a->len ? 0 : -EAGAIN;
}

static int try_read(struct mymap_channel *ch, void *arg)
{
	struct stream_args *a = arg;
	ssize_t n = ipc_stream_read(&ch->ring.stream, a->buf, a->len);

	if (n <= 0)
		return n ? (int)n : -EAGAIN;
	a->done = (size_t)n;
	return 0;
}

static int check_stream_endpoint(const struct mymap_channel *ch, enum ipc_side_index side)
{
	return ch && ch->side == side && ch->layout.config.kind == MYMAP_CHANNEL_STREAM ? 0
											: -EINVAL;
}

ssize_t mymap_channel_write(struct mymap_channel *ch, const void *buf, size_t len,
			    int64_t timeout_ns)
{
	struct stream_args a = {.buf = (unsigned char *)buf, .len = len};
	int ret = check_stream_endpoint(ch, IPC_SENDERS);

	if (ret)
		return ret;
	if (!len)
		return 0;
	ret = wait_for(ch, try_write, &a, timeout_ns);
	return a.done ? (ssize_t)a.done : ret;
}

ssize_t mymap_channel_read(struct mymap_channel *ch, void *buf, size_t len, int64_t timeout_ns)
{
	struct stream_args a = {.buf = buf, .len = len};
	int ret = check_stream_endpoint(ch, IPC_RECEIVERS);

	if (ret)
		return ret;
	if (!len)
		return 0;
	ret = wait_for(ch, try_read, &a, timeout_ns);
	if (ret)
		return ret;
	notify_peer(ch);
	return (ssize_t)a.done;
}

uint64_t mymap_channel_lost(const struct mymap_channel *ch)
{
	if (!ch || ch->layout.config.kind != MYMAP_CHANNEL_PUBSUB || ch->side != IPC_RECEIVERS)
		return 0;
	return ch->ring.pubsub.lost;
}
