// SPDX-License-Identifier: GPL-2.0
/*
 * lifecycle.c - the states of a channel's peers: waiting for a peer to
 * attach, an old peer's -EPIPE not applying to an endpoint that came
 * after it nor once a new peer attaches, and a removed channel whose last
 * endpoint is killed still returning its memory to the heap.  Forked
 * children play the peers; every wait has a timeout.
 *
 * usage: lifecycle [--backend memfd|device]
 */
#include <signal.h>
#include <time.h>

#include "ipctest.h"

#define SHORT_NS    20000000ll	  /* 20 ms: long enough to be a wait */
#define PATIENCE_NS 10000000000ll /* 10 s: a hang, not a slow machine */

static struct mymap_heap *heap;

static const struct mymap_channel_config cfg = {
    .kind = MYMAP_CHANNEL_MESSAGES, .msg_size = 64, .capacity = 8};

/* A child that opens @name as a sender after @delay_ms, sends "hi" and waits to be killed. */
static pid_t late_sender(const char *name, unsigned int delay_ms)
{
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		struct timespec ts = {.tv_sec = delay_ms / 1000,
				      .tv_nsec = (long)(delay_ms % 1000) * 1000000};
		struct mymap_channel *tx = NULL;

		nanosleep(&ts, NULL);
		if (mymap_channel_open(heap, name, MYMAP_CHANNEL_SENDER, &tx))
			_exit(1);
		mymap_channel_send(tx, "hi", 2, PATIENCE_NS);
		pause();
		_exit(0);
	}
	return pid;
}

static void kill_and_reap(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static void test_wait_peer(void)
{
	struct mymap_channel *rx;
	char buf[64];
	pid_t child;
	ssize_t n;
	int err;

	mymap_channel_create(heap, "w", &cfg);
	rx = tap_open_channel(heap, "w", MYMAP_CHANNEL_RECEIVER);
	err = mymap_channel_wait_peer(rx, 0);
	tap_ok(err == -EAGAIN, "wait_peer with timeout 0 and no sender is -EAGAIN (%d)", err);
	err = mymap_channel_wait_peer(rx, SHORT_NS);
	tap_ok(err == -ETIMEDOUT, "wait_peer with no sender times out: -ETIMEDOUT (%d)", err);
	child = late_sender("w", 100);
	err = mymap_channel_wait_peer(rx, PATIENCE_NS);
	n = mymap_channel_recv(rx, buf, sizeof(buf), PATIENCE_NS);
	tap_ok(err == 0 && n == 2, "wait_peer returns once a sender attaches (%d), then recv (%zd)",
	       err, n);
	kill_and_reap(child);
	err = mymap_channel_wait_peer(rx, SHORT_NS);
	tap_ok(err == -ETIMEDOUT, "a dead sender does not count as attached: -ETIMEDOUT (%d)", err);
	mymap_channel_close(rx);
	mymap_channel_remove(heap, "w");
}

static void test_old_exit(void)
{
	struct mymap_channel *tx, *rx, *rx2;
	char buf[64];
	pid_t child;
	ssize_t n;

	mymap_channel_create(heap, "o", &cfg);
	rx = tap_open_channel(heap, "o", MYMAP_CHANNEL_RECEIVER);
	tx = tap_open_channel(heap, "o", MYMAP_CHANNEL_SENDER);
	mymap_channel_close(tx);
	n = mymap_channel_recv(rx, buf, sizeof(buf), SHORT_NS);
	tap_ok(n == -EPIPE, "the receiver sees -EPIPE once its sender closed (%zd)", n);

	/* A receiver that comes after the sender left waits for the next one. */
	mymap_channel_close(rx);
	rx2 = tap_open_channel(heap, "o", MYMAP_CHANNEL_RECEIVER);
	n = mymap_channel_recv(rx2, buf, sizeof(buf), SHORT_NS);
	tap_ok(n == -ETIMEDOUT,
	       "a receiver attached after the sender closed waits, no stale -EPIPE (%zd)", n);
	n = mymap_channel_recv(rx2, buf, sizeof(buf), 0);
	tap_ok(n == -EAGAIN, "...and with timeout 0 it is -EAGAIN (%zd)", n);
	child = late_sender("o", 0);
	n = mymap_channel_recv(rx2, buf, sizeof(buf), PATIENCE_NS);
	tap_ok(n == 2, "the next sender's message arrives (%zd)", n);
	kill_and_reap(child);
	n = mymap_channel_recv(rx2, buf, sizeof(buf), PATIENCE_NS);
	tap_ok(n == -ECONNRESET, "that sender killed: -ECONNRESET (%zd)", n);
	tx = tap_open_channel(heap, "o", MYMAP_CHANNEL_SENDER);
	n = mymap_channel_recv(rx2, buf, sizeof(buf), 0);
	tap_ok(n == -EAGAIN,
	       "once a new sender attaches, the old -ECONNRESET no longer applies (%zd)", n);
	mymap_channel_close(tx);
	mymap_channel_close(rx2);
	mymap_channel_remove(heap, "o");
}

/*
 * The last endpoint killed: a second child attaches, the channel is
 * removed, the child is killed; the next directory operation frees it.
 */
static void test_last_endpoint_killed(void)
{
	struct mymap_channel *ch = NULL;
	uint64_t before, during, after;
	pid_t child;
	int err;

	before = heap_in_use(heap);
	mymap_channel_create(heap, "k", &cfg);
	during = heap_in_use(heap);
	child = late_sender("k", 0);
	ch = tap_open_channel(heap, "k", MYMAP_CHANNEL_RECEIVER);
	err = mymap_channel_wait_peer(ch, PATIENCE_NS);
	mymap_channel_close(ch);
	err = err ? err : mymap_channel_remove(heap, "k");
	tap_ok(err == 0 && heap_in_use(heap) == during,
	       "removed while its only endpoint (a child) is attached: memory kept (%d)", err);
	err = mymap_channel_open(heap, "k", MYMAP_CHANNEL_RECEIVER, &ch);
	tap_ok(err == -ENOENT, "a removed channel is not found by name (%d)", err);
	kill_and_reap(child);
	ch = NULL;
	err = mymap_channel_open(heap, "none", MYMAP_CHANNEL_RECEIVER, &ch);
	after = heap_in_use(heap);
	tap_ok(err == -ENOENT && after < during && after <= before + 4096,
	       "killed, that last endpoint's channel is freed by the next directory operation "
	       "(%llu -> %llu bytes)",
	       (unsigned long long)during, (unsigned long long)after);
}

int main(int argc, char **argv)
{
	const char *backend = argc > 2 && strcmp(argv[1], "--backend") == 0 ? argv[2] : "memfd";

	heap = test_heap(backend, 8u << 20);
	alarm(120);
	test_wait_peer();
	test_old_exit();
	test_last_endpoint_killed();
	tap_ok(mymap_heap_check(heap) == 0, "the heap checks clean");
	return tap_done();
}
