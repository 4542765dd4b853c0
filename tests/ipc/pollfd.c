// SPDX-License-Identifier: GPL-2.0
/*
 * pollfd.c - an endpoint's descriptor (mymap_channel_fd): readable when a
 * receiver has a message or a sender has room, not before; re-armed by
 * mymap_channel_fd_arm; a peer's close as POLLIN and its death as
 * POLLHUP, each then reported by the operation; no wake-up calls for a
 * disarmed descriptor or for one whose dead owner was reclaimed; in epoll
 * beside a timerfd.  `--backend memfd` checks the documented -EOPNOTSUPP.
 */
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>

#include "ipctest.h"

#define DEADLINE_MS 5000
#define CAPACITY    4

/* What poll() reports within @ms milliseconds (0: now), or -1. */
static int poll_events(int fd, int ms)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	int n = poll(&p, 1, ms);

	return n < 0 ? -1 : n == 0 ? 0 : p.revents;
}

static struct mymap_channel *open_end(struct mymap_heap *h, const char *name,
				      enum mymap_channel_role role)
{
	struct mymap_channel *ch = NULL;
	int err = mymap_channel_open(h, name, role, &ch);

	if (err) {
		tap_ok(false, "open %s as %d: %s", name, role, strerror(-err));
		exit(tap_done());
	}
	return ch;
}

static void create(struct mymap_heap *h, const char *name, enum mymap_channel_kind kind)
{
	struct mymap_channel_config cfg = {.kind = kind, .msg_size = 64, .capacity = CAPACITY};
	int err;

	if (kind == MYMAP_CHANNEL_STREAM)
		cfg.capacity = 64;
	err = mymap_channel_create(h, name, &cfg);
	if (err) {
		tap_ok(false, "create %s: %s", name, strerror(-err));
		exit(tap_done());
	}
}

static void test_off_device(void)
{
	struct mymap_heap *h = test_heap("memfd", 1 << 20);
	struct mymap_channel *rx;
	int fd;

	create(h, "m", MYMAP_CHANNEL_MESSAGES);
	rx = open_end(h, "m", MYMAP_CHANNEL_RECEIVER);
	fd = mymap_channel_fd(rx);
	tap_ok(fd == -EOPNOTSUPP, "memfd heap: mymap_channel_fd gives -EOPNOTSUPP (got %d)", fd);
	tap_ok(strstr(mymap_last_message(), "futex") != NULL,
	       "memfd heap: the message gives the reason (\"%s\")", mymap_last_message());
	tap_ok(mymap_channel_fd_arm(rx) == -EINVAL, "fd_arm without a descriptor: -EINVAL");
	mymap_channel_close(rx);
	mymap_close(h);
}

/* Receiver: readable exactly when there is a message. */
static void test_receiver(struct mymap_heap *h)
{
	struct mymap_channel *tx, *rx;
	struct mymap_channel_stats st;
	char buf[64];
	int fd, ev;

	create(h, "rx", MYMAP_CHANNEL_MESSAGES);
	tx = open_end(h, "rx", MYMAP_CHANNEL_SENDER);
	rx = open_end(h, "rx", MYMAP_CHANNEL_RECEIVER);
	fd = mymap_channel_fd(rx);
	tap_ok(fd >= 0, "receiver: a descriptor (%d)", fd);
	tap_ok(mymap_channel_fd(rx) == fd, "receiver: the same descriptor when asked again");
	ev = poll_events(fd, 0);
	tap_ok(ev == 0, "receiver, empty ring: not readable (revents %#x)", ev);
	mymap_channel_stats(tx, &st);
	tap_ok(mymap_channel_send(tx, "a", 1, 0) == 0, "send one message");
	ev = poll_events(fd, DEADLINE_MS);
	tap_ok(ev == POLLIN, "receiver: readable after a send (revents %#x)", ev);
	{
		struct mymap_channel_stats after;

		mymap_channel_stats(tx, &after);
		tap_ok(after.wakes == st.wakes + 1,
		       "the armed descriptor counts as a sleeper: one wake-up call (%llu)",
		       (unsigned long long)(after.wakes - st.wakes));
	}
	tap_ok(poll_events(fd, 0) == POLLIN, "receiver: still readable (level) before re-arming");
	tap_ok(mymap_channel_recv(rx, buf, sizeof(buf), 0) == 1, "recv(0) takes the message");
	tap_ok(mymap_channel_recv(rx, buf, sizeof(buf), 0) == -EAGAIN, "recv(0) then -EAGAIN");
	ev = mymap_channel_fd_arm(rx);
	tap_ok(ev == 0, "fd_arm on an empty ring: 0 (got %d)", ev);
	ev = poll_events(fd, 0);
	tap_ok(ev == 0, "re-armed: not readable (revents %#x)", ev);
	mymap_channel_send(tx, "b", 1, 0);
	tap_ok(mymap_channel_fd_arm(rx) == 1, "fd_arm with a message queued: 1");
	tap_ok(poll_events(fd, 0) == POLLIN, "and the descriptor is readable at once");

	/* Disarmed by the operation: the sender stops paying for wake-ups. */
	mymap_channel_recv(rx, buf, sizeof(buf), 0);
	mymap_channel_stats(tx, &st);
	for (int i = 0; i < CAPACITY; i++)
		mymap_channel_send(tx, "c", 1, 0);
	{
		struct mymap_channel_stats after;

		mymap_channel_stats(tx, &after);
		tap_ok(after.wakes == st.wakes,
		       "disarmed descriptor: %d sends make no wake-up call (%llu)", CAPACITY,
		       (unsigned long long)(after.wakes - st.wakes));
	}
	mymap_channel_close(tx);
	mymap_channel_close(rx);
	mymap_channel_remove(h, "rx");
}

/* Sender: readable exactly when there is room. */
static void test_sender(struct mymap_heap *h)
{
	struct mymap_channel *tx, *rx;
	char buf[64];
	int fd, ev;

	create(h, "tx", MYMAP_CHANNEL_MESSAGES);
	tx = open_end(h, "tx", MYMAP_CHANNEL_SENDER);
	rx = open_end(h, "tx", MYMAP_CHANNEL_RECEIVER);
	fd = mymap_channel_fd(tx);
	tap_ok(poll_events(fd, 0) == POLLIN, "sender, empty ring: readable (room to send)");
	for (int i = 0; i < CAPACITY; i++)
		mymap_channel_send(tx, "x", 1, 0);
	tap_ok(mymap_channel_send(tx, "x", 1, 0) == -EAGAIN, "ring full: send(0) -EAGAIN");
	ev = mymap_channel_fd_arm(tx);
	tap_ok(ev == 0, "sender, full ring: fd_arm 0 (got %d)", ev);
	tap_ok(poll_events(fd, 0) == 0, "sender, full ring: not readable");
	mymap_channel_recv(rx, buf, sizeof(buf), 0);
	ev = poll_events(fd, DEADLINE_MS);
	tap_ok(ev == POLLIN, "sender: readable once a message is taken (revents %#x)", ev);
	tap_ok(mymap_channel_send(tx, "y", 1, 0) == 0, "and the send goes through");
	mymap_channel_close(tx);
	mymap_channel_close(rx);
	mymap_channel_remove(h, "tx");
}

/* A stream reader and an MPMC receiver: the same rule for the other kinds. */
static void test_kinds(struct mymap_heap *h)
{
	struct mymap_channel *w, *r, *tx, *rx;
	char buf[64];

	create(h, "st", MYMAP_CHANNEL_STREAM);
	w = open_end(h, "st", MYMAP_CHANNEL_SENDER);
	r = open_end(h, "st", MYMAP_CHANNEL_RECEIVER);
	tap_ok(poll_events(mymap_channel_fd(r), 0) == 0, "stream reader: not readable when empty");
	mymap_channel_write(w, "abc", 3, 0);
	tap_ok(poll_events(mymap_channel_fd(r), DEADLINE_MS) == POLLIN,
	       "stream reader: readable after a write");
	tap_ok(mymap_channel_read(r, buf, sizeof(buf), 0) == 3, "read(0) takes the bytes");
	mymap_channel_close(w);
	mymap_channel_close(r);
	mymap_channel_remove(h, "st");

	create(h, "mp", MYMAP_CHANNEL_MPMC);
	tx = open_end(h, "mp", MYMAP_CHANNEL_SENDER);
	rx = open_end(h, "mp", MYMAP_CHANNEL_RECEIVER);
	tap_ok(poll_events(mymap_channel_fd(rx), 0) == 0, "MPMC receiver: not readable when empty");
	mymap_channel_send(tx, "m", 1, 0);
	tap_ok(poll_events(mymap_channel_fd(rx), DEADLINE_MS) == POLLIN,
	       "MPMC receiver: readable after a send");
	mymap_channel_close(tx);
	mymap_channel_close(rx);
	mymap_channel_remove(h, "mp");
}

/* A child process that opens its own heap (its own session) and @role on @name. */
static pid_t spawn_peer(const char *name, enum mymap_channel_role role, int ready[2], bool close_ch)
{
	pid_t pid = fork();

	if (pid == 0) {
		struct mymap_heap *h = mymap_open_device(0);
		struct mymap_channel *ch = NULL;
		char c = 1;

		if (!h || mymap_channel_open(h, name, role, &ch))
			_exit(2);
		if (close_ch)
			mymap_channel_close(ch);
		if (write(ready[1], &c, 1) != 1)
			_exit(3);
		pause();
		_exit(0);
	}
	return pid;
}

static bool wait_ready(int ready[2])
{
	struct pollfd p = {.fd = ready[0], .events = POLLIN};
	char c;

	return poll(&p, 1, DEADLINE_MS) == 1 && read(ready[0], &c, 1) == 1;
}

/* The peer's close (POLLIN, then -EPIPE) and death (POLLHUP, then -ECONNRESET). */
static void test_peer_exit(struct mymap_heap *h)
{
	struct mymap_channel *rx;
	char buf[64];
	int ready[2], fd, ev, ret;
	pid_t pid;

	if (pipe(ready)) {
		tap_ok(false, "pipe: %s", strerror(errno));
		return;
	}
	create(h, "death", MYMAP_CHANNEL_MESSAGES);
	rx = open_end(h, "death", MYMAP_CHANNEL_RECEIVER);
	fd = mymap_channel_fd(rx);
	pid = spawn_peer("death", MYMAP_CHANNEL_SENDER, ready, false);
	tap_ok(wait_ready(ready), "a sender process attached");
	/* The attach made the descriptor readable; the receiver finds nothing. */
	ret = mymap_channel_recv(rx, buf, sizeof(buf), 0);
	tap_ok(ret == -EAGAIN, "recv(0) with a live sender: -EAGAIN (%d)", ret);
	ev = mymap_channel_fd_arm(rx);
	tap_ok(ev == 0, "armed with the sender alive (%d)", ev);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	ev = poll_events(fd, DEADLINE_MS);
	tap_ok(ev & POLLHUP, "the sender's death shows as POLLHUP (revents %#x)", ev);
	ret = mymap_channel_recv(rx, buf, sizeof(buf), 0);
	if (ret == -EAGAIN) {
		/* The operation looked without reclaiming; arming reclaims. */
		ev = mymap_channel_fd_arm(rx);
		tap_ok(ev == 1, "fd_arm after the hang-up: ready (%d)", ev);
		ret = mymap_channel_recv(rx, buf, sizeof(buf), 0);
	}
	tap_ok(ret == -ECONNRESET, "then recv(0) gives -ECONNRESET (%d)", ret);

	pid = spawn_peer("death", MYMAP_CHANNEL_SENDER, ready, true);
	tap_ok(wait_ready(ready), "a second sender attached and closed its end");
	ev = mymap_channel_fd_arm(rx);
	ret = mymap_channel_recv(rx, buf, sizeof(buf), 0);
	tap_ok(ev == 1 && ret == -EPIPE, "its close: fd_arm ready (%d), recv(0) -EPIPE (%d)", ev,
	       ret);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	mymap_channel_close(rx);
	mymap_channel_remove(h, "death");
	close(ready[0]);
	close(ready[1]);
}

/* A receiver killed with its descriptor armed leaves no wake-up cost once reclaimed. */
static void test_dead_poller(struct mymap_heap *h)
{
	struct mymap_channel *tx;
	struct mymap_channel_stats st, after;
	int ready[2];
	pid_t pid;

	if (pipe(ready)) {
		tap_ok(false, "pipe: %s", strerror(errno));
		return;
	}
	create(h, "dead", MYMAP_CHANNEL_MESSAGES);
	tx = open_end(h, "dead", MYMAP_CHANNEL_SENDER);
	pid = fork();
	if (pid == 0) {
		struct mymap_heap *ch_heap = mymap_open_device(0);
		struct mymap_channel *rx = NULL;
		char c = 1;

		if (!ch_heap || mymap_channel_open(ch_heap, "dead", MYMAP_CHANNEL_RECEIVER, &rx) ||
		    mymap_channel_fd(rx) < 0 || write(ready[1], &c, 1) != 1)
			_exit(2);
		pause();
		_exit(0);
	}
	tap_ok(wait_ready(ready), "a receiver process armed its descriptor");
	mymap_channel_stats(tx, &st);
	mymap_channel_send(tx, "1", 1, 0);
	mymap_channel_stats(tx, &after);
	tap_ok(after.wakes == st.wakes + 1, "its armed descriptor draws a wake-up call");
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	tap_ok(mymap_channel_reclaim(h, "dead") == 1, "the dead receiver is reclaimed");
	mymap_channel_stats(tx, &st);
	mymap_channel_send(tx, "2", 1, 0);
	mymap_channel_send(tx, "3", 1, 0);
	mymap_channel_stats(tx, &after);
	tap_ok(after.wakes == st.wakes, "after reclaiming: no wake-up calls (%llu)",
	       (unsigned long long)(after.wakes - st.wakes));
	mymap_channel_close(tx);
	mymap_channel_remove(h, "dead");
	close(ready[0]);
	close(ready[1]);
}

/* In epoll beside a timerfd: the channel's event and the timer's, each seen once. */
static void test_epoll(struct mymap_heap *h)
{
	struct itimerspec its = {.it_value = {.tv_nsec = 1000000}};
	struct mymap_channel *tx, *rx;
	struct epoll_event ev = {.events = EPOLLIN}, out[4];
	int ep = epoll_create1(EPOLL_CLOEXEC);
	int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	bool saw_timer = false, saw_channel = false;
	char buf[64];

	create(h, "ep", MYMAP_CHANNEL_MESSAGES);
	tx = open_end(h, "ep", MYMAP_CHANNEL_SENDER);
	rx = open_end(h, "ep", MYMAP_CHANNEL_RECEIVER);
	ev.data.u32 = 1;
	epoll_ctl(ep, EPOLL_CTL_ADD, mymap_channel_fd(rx), &ev);
	ev.data.u32 = 2;
	epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &ev);
	timerfd_settime(tfd, 0, &its, NULL);
	for (int round = 0; round < 4 && !(saw_timer && saw_channel); round++) {
		int n = epoll_wait(ep, out, 4, DEADLINE_MS);

		for (int i = 0; i < n; i++) {
			uint64_t ticks;

			if (out[i].data.u32 == 2 && read(tfd, &ticks, sizeof(ticks)) > 0) {
				saw_timer = true;
				mymap_channel_send(tx, "t", 1, 0);
			} else if (out[i].data.u32 == 1) {
				saw_channel = mymap_channel_recv(rx, buf, sizeof(buf), 0) == 1;
				mymap_channel_fd_arm(rx);
			}
		}
	}
	tap_ok(saw_timer && saw_channel, "epoll: the timer fired, then the channel's message came");
	close(tfd);
	close(ep);
	mymap_channel_close(tx);
	mymap_channel_close(rx);
	mymap_channel_remove(h, "ep");
}

int main(int argc, char **argv)
{
	const char *backend = argc > 2 && strcmp(argv[1], "--backend") == 0 ? argv[2] : "memfd";
	struct mymap_heap *h;

	alarm(60);
	if (strcmp(backend, "device") != 0) {
		test_off_device();
		return tap_done();
	}
	h = test_heap("device", 0);
	test_receiver(h);
	test_sender(h);
	test_kinds(h);
	test_peer_exit(h);
	test_dead_poller(h);
	test_epoll(h);
	mymap_close(h);
	return tap_done();
}
