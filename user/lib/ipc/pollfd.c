// SPDX-License-Identifier: GPL-2.0
/*
 * pollfd.c - an endpoint's descriptor for poll(2), select(2) and epoll:
 * a second open file of /dev/mymap whose watch (MYMAP_IOC_WATCH) is set
 * on the epoch of the event the endpoint sleeps on.
 *
 * Notifiers bump the epoch and call MYMAP_IOC_WAKE only when they see a
 * sleeper bit, so an armed descriptor sets its place's bit as a sleeping
 * endpoint would, and keeps it until the endpoint is used again.  The
 * bit is per place: reclaiming a dead endpoint, or the next attach to its
 * place, clears it, so a process that dies with an armed descriptor
 * leaves no cost behind.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "../error.h"
#include "channel.h"
#include "corrupt.h"
#include "mymap.h"
#include "mymap_uapi.h"

/*
 * Could an operation proceed now, as far as the ring tells?  A hint: true
 * also for an impossible fill level, which the operation then reports.
 */
static bool ring_ready(struct mymap_channel *ch)
{
	uint32_t queued;

	/* A publisher always has room; a subscriber has its own backlog. */
	if (ch->layout.config.kind == MYMAP_CHANNEL_PUBSUB)
		return ch->side == IPC_SENDERS || ipc_pubsub_pending(&ch->ring.pubsub) != 0;
	queued = ipc_channel_queued(ch->shm, &ch->layout);

	if (ch->side == IPC_RECEIVERS)
		return queued != 0;
	return queued != ch->layout.config.capacity;
}

static int set_watch(struct mymap_channel *ch, uint32_t expected, uint64_t peer)
{
	struct ipc_event *ev = ipc_side_event(ch->shm, ch->side);
	struct mymap_watch w = {
	    .offset = ipc_off(&ch->region, ipc_event_epoch(ev)),
	    .expected = expected,
	    .peer = peer,
	};

	return ioctl(ch->poll_fd, MYMAP_IOC_WATCH, &w) ? -errno : 0;
}

/* Has the watched peer's file gone away (EPOLLHUP)? */
static bool hung_up(struct mymap_channel *ch)
{
	struct pollfd p = {.fd = ch->poll_fd, .events = POLLIN};

	return poll(&p, 1, 0) == 1 && (p.revents & POLLHUP);
}

/* Makes the descriptor readable now: a watch on a value the word no longer holds. */
static int signal_now(struct mymap_channel *ch, uint64_t peer)
{
	struct ipc_event *ev = ipc_side_event(ch->shm, ch->side);
	uint32_t now = atomic_load_explicit(ipc_event_epoch(ev), memory_order_relaxed);

	return set_watch(ch, now + 1, peer);
}

int mymap_channel_fd_arm(struct mymap_channel *ch)
{
	struct ipc_event *ev;
	uint64_t peer;
	uint32_t ticket;
	int err, gone;

	if (!ch || ch->poll_fd < 0)
		return -EINVAL;
	ipc_channel_fd_disarm(ch);
	ev = ipc_side_event(ch->shm, ch->side);
	peer = ipc_channel_peer_session(ch);
	gone = ipc_channel_peer_gone(ch, false);
	if (gone || ring_ready(ch)) {
		err = signal_now(ch, peer);
		return err ? err : 1;
	}
	/* Announced before the watch and the re-check: no notify falls between. */
	ticket = ipc_event_prepare(ev, ch->place);
	ch->fd_armed = true;
	err = set_watch(ch, ticket, peer);
	if (err) {
		ipc_channel_fd_disarm(ch);
		return err;
	}
	if (ring_ready(ch)) {
		ipc_channel_fd_disarm(ch);
		err = signal_now(ch, peer);
		return err ? err : 1;
	}
	/*
	 * A peer that died before the watch was set shows as EPOLLHUP at
	 * once; reclaim it now, so that the next operation reports it instead
	 * of -EAGAIN, and the loop does not spin on the hang-up.
	 */
	if (peer && hung_up(ch)) {
		gone = ipc_channel_peer_gone(ch, true);
		if (gone) {
			ipc_channel_fd_disarm(ch);
			err = signal_now(ch, peer);
			return err ? err : 1;
		}
	}
	return 0;
}

int mymap_channel_fd(struct mymap_channel *ch)
{
	char path[40];
	int err;

	if (!ch)
		return -EINVAL;
	if (ch->poll_fd >= 0)
		return ch->poll_fd;
	if (ch->region.dev_fd < 0) {
		mm_fail(MYMAP_ERR_NO_FD, EOPNOTSUPP,
			"channel: no descriptor off /dev/mymap (futexes have none)");
		return -EOPNOTSUPP;
	}
	/* A new open file of the same device, whatever path it was opened by. */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", ch->region.dev_fd);
	ch->poll_fd = open(path, O_RDONLY | O_CLOEXEC);
	if (ch->poll_fd < 0) {
		err = errno;
		mm_fail(MYMAP_ERR_SYSTEM, err,
			"channel: reopening the device for a descriptor: %m");
		return -err;
	}
	err = mymap_channel_fd_arm(ch);
	if (err < 0) {
		ipc_channel_fd_close(ch);
		return err;
	}
	return ch->poll_fd;
}

void ipc_channel_fd_close(struct mymap_channel *ch)
{
	if (ch->poll_fd < 0)
		return;
	ipc_channel_fd_disarm(ch);
	close(ch->poll_fd);
	ch->poll_fd = -1;
}
