// SPDX-License-Identifier: GPL-2.0
/*
 * pubsub.c - the PUBSUB channel kind through the public API: one
 * publisher, subscribers that join and leave; a publisher that never
 * waits, with or without subscribers; a second publisher refused; a
 * subscriber a lap behind counting what it lost; a view the publisher
 * overwrote refused at release (-ESTALE); the publisher's close seen as
 * -EPIPE once drained; subscriber processes, one slow, each getting
 * every message whole and in order or counting it lost.
 * usage: pubsub [--backend memfd|device]
 */
#include <sched.h>
#include <signal.h>

#include "ipctest.h"

#define CAPACITY 8
#define MSG_SIZE 64
#define MESSAGES 100000u
#define SUBS	 3

static struct mymap_channel *open_end(struct mymap_heap *h, const char *name,
				      enum mymap_channel_role role)
{
	struct mymap_channel *ch = NULL;
	int err = mymap_channel_open(h, name, role, &ch);

	if (err) {
		tap_ok(false, "open %s: %s", name, strerror(-err));
		exit(tap_done());
	}
	return ch;
}

static void create(struct mymap_heap *h, const char *name)
{
	struct mymap_channel_config cfg = {
	    .kind = MYMAP_CHANNEL_PUBSUB, .msg_size = MSG_SIZE, .capacity = CAPACITY};
	int err = mymap_channel_create(h, name, &cfg);

	if (err) {
		tap_ok(false, "create %s: %s", name, strerror(-err));
		exit(tap_done());
	}
}

static void test_basics(struct mymap_heap *h)
{
	struct mymap_channel *pub, *pub2 = NULL, *a, *b, *late;
	struct mymap_loan view;
	uint64_t n;
	bool ok = true;
	int err;

	create(h, "ps");
	pub = open_end(h, "ps", MYMAP_CHANNEL_SENDER);
	err = mymap_channel_open(h, "ps", MYMAP_CHANNEL_SENDER, &pub2);
	tap_ok(err == -EBUSY, "a second publisher is refused with -EBUSY (%d)", err);
	for (uint64_t i = 0; i < 3 * CAPACITY; i++)
		ok &= mymap_channel_send(pub, &i, sizeof(i), 0) == 0;
	tap_ok(ok, "with no subscriber, %d sends with timeout 0 all succeed", 3 * CAPACITY);
	a = open_end(h, "ps", MYMAP_CHANNEL_RECEIVER);
	b = open_end(h, "ps", MYMAP_CHANNEL_RECEIVER);
	tap_ok(mymap_channel_recv(a, &n, sizeof(n), 0) == -EAGAIN,
	       "a new subscriber sees nothing published before it joined");
	for (uint64_t i = 100; i < 100 + 4 * CAPACITY; i++)
		ok &= mymap_channel_send(pub, &i, sizeof(i), 0) == 0;
	tap_ok(ok, "the publisher never waits for subscribers (4 laps sent)");
	n = 0;
	err = (int)mymap_channel_recv(a, &n, sizeof(n), 0);
	tap_ok(err == sizeof(n) && n == 100 + 3 * CAPACITY,
	       "3 laps behind: the next message is the oldest still there (%llu)",
	       (unsigned long long)n);
	tap_ok(mymap_channel_lost(a) == 3 * CAPACITY, "and %d are counted lost (%llu)",
	       3 * CAPACITY, (unsigned long long)mymap_channel_lost(a));
	tap_ok(mymap_channel_recv_view(b, &view, 0) == 0 && view.size == sizeof(n) &&
		   memcmp(view.data, &(uint64_t){100 + 3 * CAPACITY}, sizeof(n)) == 0,
	       "another subscriber reads the same message in place");
	for (uint64_t i = 0; i < CAPACITY; i++)
		mymap_channel_send(pub, &i, sizeof(i), 0);
	err = mymap_channel_release(b, &view);
	tap_ok(err == -ESTALE, "a view overwritten while lent: release gives -ESTALE (%d)", err);
	tap_ok(mymap_channel_lost(b) >= 1 + 3 * CAPACITY, "and it counts as lost (%llu)",
	       (unsigned long long)mymap_channel_lost(b));
	mymap_channel_close(b);
	late = open_end(h, "ps", MYMAP_CHANNEL_RECEIVER);
	mymap_channel_send(pub, &(uint64_t){7}, sizeof(n), 0);
	tap_ok(mymap_channel_recv(late, &n, sizeof(n), 0) == sizeof(n) && n == 7 &&
		   mymap_channel_lost(late) == 0,
	       "a subscriber that joins after another left gets what follows");
	mymap_channel_close(pub);
	while (mymap_channel_recv(a, &n, sizeof(n), 0) == sizeof(n))
		;
	err = (int)mymap_channel_recv(a, &n, sizeof(n), 0);
	tap_ok(err == -EPIPE, "the publisher closed: -EPIPE once drained (%d)", err);
	mymap_channel_close(a);
	mymap_channel_close(late);
	mymap_channel_remove(h, "ps");
}

struct sub_report {
	uint64_t delivered, lost, bad;
};

/* In the heap, so that the forked subscribers share it. */
struct flow_shared {
	uint32_t ready;
	struct sub_report reports[SUBS];
};

/* A subscriber process: takes until -EPIPE, checks every message. */
static void subscriber(struct mymap_heap *h, int index, void *arg)
{
	struct flow_shared *sh = arg;
	struct sub_report r = {0};
	struct mymap_channel *ch = NULL;
	uint64_t msg[MSG_SIZE / 8], last = 0;
	bool first = true;
	ssize_t n;

	if (mymap_channel_open(h, "flow", MYMAP_CHANNEL_RECEIVER, &ch))
		_exit(2);
	/* Ready: the publisher starts once all are attached. */
	__atomic_fetch_add(&sh->ready, 1, __ATOMIC_RELEASE);
	while ((n = mymap_channel_recv(ch, msg, sizeof(msg), 5000000000ll)) >= 0) {
		bool whole = n == sizeof(msg);

		for (int i = 1; whole && i < MSG_SIZE / 8; i++)
			whole = msg[i] == msg[0];
		if (!whole || (!first && msg[0] <= last))
			r.bad++;
		first = false;
		last = msg[0];
		r.delivered++;
		if (index == SUBS - 1)
			for (volatile int i = 0; i < 3000; i++)
				;
	}
	r.lost = mymap_channel_lost(ch);
	if (n != -EPIPE)
		r.bad++;
	sh->reports[index] = r;
	mymap_channel_close(ch);
	_exit(0);
}

static void test_processes(struct mymap_heap *h)
{
	struct flow_shared *sh = mymap_calloc(h, 1, sizeof(*sh));
	struct sub_report *reports;
	struct mymap_channel *pub;
	pid_t pids[SUBS];
	bool all_ready = false;

	if (!sh) {
		tap_ok(false, "shared report memory: %s", mymap_last_message());
		return;
	}
	reports = sh->reports;
	create(h, "flow");
	pub = open_end(h, "flow", MYMAP_CHANNEL_SENDER);
	for (int i = 0; i < SUBS; i++) {
		pids[i] = fork();
		if (pids[i] == 0)
			subscriber(h, i, sh);
	}
	for (int t = 0; t < 5000 && !all_ready; t++) {
		all_ready = __atomic_load_n(&sh->ready, __ATOMIC_ACQUIRE) == SUBS;
		usleep(1000);
	}
	tap_ok(all_ready, "%d subscriber processes attached", SUBS);
	for (uint64_t i = 1; i <= MESSAGES; i++) {
		uint64_t msg[MSG_SIZE / 8];

		for (int k = 0; k < MSG_SIZE / 8; k++)
			msg[k] = i;
		if (mymap_channel_send(pub, msg, sizeof(msg), 0)) {
			tap_ok(false, "send %llu", (unsigned long long)i);
			break;
		}
		/* Paced, so that subscribers that keep up get most of it. */
		if (i % (CAPACITY / 2) == 0)
			sched_yield();
	}
	mymap_channel_close(pub);
	for (int i = 0; i < SUBS; i++) {
		int st;

		waitpid(pids[i], &st, 0);
		tap_ok(WIFEXITED(st) && WEXITSTATUS(st) == 0 && reports[i].bad == 0,
		       "subscriber %d%s: every message whole and in order, then -EPIPE (%llu bad)",
		       i, i == SUBS - 1 ? " (slow)" : "", (unsigned long long)reports[i].bad);
		tap_ok(reports[i].delivered + reports[i].lost == MESSAGES,
		       "subscriber %d: %llu delivered + %llu lost = %u published", i,
		       (unsigned long long)reports[i].delivered,
		       (unsigned long long)reports[i].lost, MESSAGES);
	}
	mymap_free(h, sh);
	mymap_channel_remove(h, "flow");
}

int main(int argc, char **argv)
{
	const char *backend = argc > 2 && strcmp(argv[1], "--backend") == 0 ? argv[2] : "memfd";
	struct mymap_heap *h = test_heap(backend, 4 << 20);

	alarm(120);
	test_basics(h);
	test_processes(h);
	mymap_close(h);
	return tap_done();
}
