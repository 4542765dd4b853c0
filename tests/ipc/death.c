// SPDX-License-Identifier: GPL-2.0
/*
 * death.c - kill -9 of a channel's peer mid-stream: the survivor gets an
 * error (-ECONNRESET) instead of hanging, keeps every message published
 * before the death, and the dead endpoint's place can be taken again.
 *
 * Cases: a sender killed while streaming (the receiver drains, then
 * -ECONNRESET; a new sender attaches and the stream goes on); a receiver
 * killed while the sender is blocked on a full ring, checked both as a
 * zombie and after it was reaped; a stream writer killed; on MPMC, a
 * producer killed holding a reserved cell (consumers skip it once it is
 * repaired) and a consumer killed holding a viewed cell (producers get
 * the cell back).  Every wait has a generous timeout, so a hang shows up
 * as -ETIMEDOUT in a TAP line instead of a stuck test.
 *
 * usage: death [--backend memfd|device]
 */
#include <signal.h>
#include <string.h>

#include "ipctest.h"

#define MSG_SIZE    64
#define PATIENCE_NS 20000000000ll /* 20 s: a hang, not a slow machine */

static struct mymap_heap *heap;

static void make_channel(const char *name, enum mymap_channel_kind kind, uint32_t capacity)
{
	struct mymap_channel_config cfg = {
	    .kind = kind, .msg_size = MSG_SIZE, .capacity = capacity};

	mymap_channel_remove(heap, name);
	if (mymap_channel_create(heap, name, &cfg) != 0) {
		tap_ok(false, "create %s", name);
		exit(tap_done());
	}
}

static struct mymap_channel *open_or_die(const char *name, enum mymap_channel_role role)
{
	struct mymap_channel *ch = NULL;
	int err = mymap_channel_open(heap, name, role, &ch);

	if (err) {
		fprintf(stderr, "open %s: %s\n", name, strerror(-err));
		_exit(100);
	}
	return ch;
}

/* A child sending sequence numbers from @first until killed. */
static pid_t spawn_sender(const char *name, uint64_t first)
{
	pid_t pid = fork();

	if (pid == 0) {
		struct mymap_channel *ch = open_or_die(name, MYMAP_CHANNEL_SENDER);

		for (uint64_t seq = first;; seq++)
			if (mymap_channel_send(ch, &seq, sizeof(seq), MYMAP_CHANNEL_FOREVER))
				_exit(101);
	}
	return pid;
}

static void kill_and_reap(pid_t pid)
{
	int status;

	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
}

/* Notes the first message that is not the one expected. */
struct order {
	uint64_t expect, at;
	ssize_t n;    /* what recv returned there */
	uint64_t seq; /* and the message it gave */
	bool broken;
};

static void check_order(struct order *o, ssize_t n, uint64_t seq)
{
	if (!o->broken && (n != sizeof(seq) || seq != o->expect)) {
		o->broken = true;
		o->at = o->expect;
		o->n = n;
		o->seq = seq;
	}
	o->expect++;
}

static void test_sender_killed(void)
{
	struct mymap_channel *rx = NULL, *tx = NULL;
	struct order o = {0};
	uint64_t seq = 0, after = 0;
	ssize_t n;
	pid_t pid;

	make_channel("death-sender", MYMAP_CHANNEL_MESSAGES, 32);
	mymap_channel_open(heap, "death-sender", MYMAP_CHANNEL_RECEIVER, &rx);
	pid = spawn_sender("death-sender", 0);
	for (int i = 0; i < 1000; i++) {
		n = mymap_channel_recv(rx, &seq, sizeof(seq), PATIENCE_NS);
		check_order(&o, n, seq);
	}
	kill_and_reap(pid);
	/* What the sender published before dying is still there. */
	while ((n = mymap_channel_recv(rx, &seq, sizeof(seq), PATIENCE_NS)) == sizeof(seq)) {
		check_order(&o, n, seq);
		after++;
	}
	tap_ok(!o.broken,
	       "sender killed: every message up to its death arrived, in order (%llu "
	       "of them after the kill; first wrong: message %llu, recv gave %zd and %llu)",
	       (unsigned long long)after, (unsigned long long)o.at, o.n, (unsigned long long)o.seq);
	tap_ok(n == -ECONNRESET,
	       "sender killed: the receiver gets -ECONNRESET once drained, not a hang (%zd)", n);
	n = mymap_channel_open(heap, "death-sender", MYMAP_CHANNEL_SENDER, &tx);
	tap_ok(n == 0, "sender killed: its place is reclaimed, a new sender attaches (%zd)", n);
	if (tx) {
		seq = 777;
		mymap_channel_send(tx, &seq, sizeof(seq), 0);
		n = mymap_channel_recv(rx, &seq, sizeof(seq), PATIENCE_NS);
		tap_ok(n == sizeof(seq) && seq == 777,
		       "sender killed: the channel carries the new sender's message (%zd, %llu)", n,
		       (unsigned long long)seq);
	}
	mymap_channel_close(tx);
	mymap_channel_close(rx);
	mymap_channel_remove(heap, "death-sender");
}

/*
 * A child that receives @count messages, says so on @done, then stops
 * reading (but lives).
 */
static pid_t spawn_stalled_receiver(const char *name, int count, int done)
{
	pid_t pid = fork();

	if (pid == 0) {
		struct mymap_channel *ch = open_or_die(name, MYMAP_CHANNEL_RECEIVER);
		uint64_t seq;
		char byte = 1;

		for (int i = 0; i < count; i++)
			mymap_channel_recv(ch, &seq, sizeof(seq), MYMAP_CHANNEL_FOREVER);
		if (write(done, &byte, 1) != 1)
			_exit(103);
		for (;;)
			pause();
	}
	return pid;
}

static void test_receiver_killed(bool reap_first)
{
	const char *name = "death-receiver";
	struct mymap_channel *tx = NULL;
	uint64_t seq = 0;
	int err, status, done[2];
	char byte = 0;
	pid_t pid;

	make_channel(name, MYMAP_CHANNEL_MESSAGES, 16);
	mymap_channel_open(heap, name, MYMAP_CHANNEL_SENDER, &tx);
	if (pipe(done))
		return;
	pid = spawn_stalled_receiver(name, 10, done[1]);
	for (; seq < 10; seq++)
		mymap_channel_send(tx, &seq, sizeof(seq), PATIENCE_NS);
	/* Once the 10 are read, exactly the 16 slots are free: fill them. */
	if (read(done[0], &byte, 1) != 1)
		byte = 0;
	while ((err = mymap_channel_send(tx, &seq, sizeof(seq), 0)) == 0)
		seq++;
	tap_ok(byte == 1 && err == -EAGAIN && seq == 26,
	       "receiver stalled: after 10 were read the sender fills the 16 slots, then the ring "
	       "is full (%d after %llu)",
	       err, (unsigned long long)seq);
	kill(pid, SIGKILL);
	if (reap_first)
		waitpid(pid, &status, 0);
	err = mymap_channel_send(tx, &seq, sizeof(seq), PATIENCE_NS);
	tap_ok(err == -ECONNRESET,
	       "receiver killed (%s): the blocked sender gets -ECONNRESET, not a hang (%d)",
	       reap_first ? "reaped" : "a zombie", err);
	if (!reap_first)
		waitpid(pid, &status, 0);
	close(done[0]);
	close(done[1]);
	mymap_channel_close(tx);
	mymap_channel_remove(heap, name);
}

static void test_writer_killed(void)
{
	struct mymap_channel_config cfg = {.kind = MYMAP_CHANNEL_STREAM, .capacity = 4096};
	struct mymap_channel *rx = NULL;
	unsigned char buf[1000];
	uint64_t total = 0;
	bool intact = true;
	ssize_t n;
	pid_t pid;

	mymap_channel_remove(heap, "death-stream");
	mymap_channel_create(heap, "death-stream", &cfg);
	mymap_channel_open(heap, "death-stream", MYMAP_CHANNEL_RECEIVER, &rx);
	pid = fork();
	if (pid == 0) {
		struct mymap_channel *w = open_or_die("death-stream", MYMAP_CHANNEL_SENDER);
		unsigned char out[777];

		for (uint64_t at = 0;; at += sizeof(out)) {
			for (size_t i = 0; i < sizeof(out); i++)
				out[i] = (unsigned char)((at + i) % 251);
			mymap_channel_write(w, out, sizeof(out), MYMAP_CHANNEL_FOREVER);
		}
	}
	while (total < 200000 && (n = mymap_channel_read(rx, buf, sizeof(buf), PATIENCE_NS)) > 0) {
		for (ssize_t i = 0; i < n; i++)
			intact &= buf[i] == (unsigned char)((total + (uint64_t)i) % 251);
		total += (uint64_t)n;
	}
	kill_and_reap(pid);
	while ((n = mymap_channel_read(rx, buf, sizeof(buf), PATIENCE_NS)) > 0) {
		for (ssize_t i = 0; i < n; i++)
			intact &= buf[i] == (unsigned char)((total + (uint64_t)i) % 251);
		total += (uint64_t)n;
	}
	tap_ok(intact && total >= 200000,
	       "stream writer killed: all %llu bytes written before the kill are intact",
	       (unsigned long long)total);
	tap_ok(n == -ECONNRESET, "stream writer killed: the reader gets -ECONNRESET (%zd)", n);
	mymap_channel_close(rx);
	mymap_channel_remove(heap, "death-stream");
}

/* A child that takes a loan (reserve, or recv_view) and then waits to be killed. */
static pid_t spawn_loan_holder(const char *name, enum mymap_channel_role role, int *pipe_w)
{
	pid_t pid = fork();

	if (pid == 0) {
		struct mymap_channel *ch = open_or_die(name, role);
		struct mymap_loan loan;
		int err = role == MYMAP_CHANNEL_SENDER
			      ? mymap_channel_reserve(ch, &loan, MYMAP_CHANNEL_FOREVER)
			      : mymap_channel_recv_view(ch, &loan, MYMAP_CHANNEL_FOREVER);

		if (write(pipe_w[1], &err, sizeof(err)) != sizeof(err))
			_exit(102);
		for (;;)
			pause();
	}
	return pid;
}

/* Opens both ends of @name and a pipe to a child; says which failed. */
static bool ends_and_pipe(const char *what, const char *name, struct mymap_channel **rx,
			  struct mymap_channel **tx, int fds[2])
{
	int rx_err = mymap_channel_open(heap, name, MYMAP_CHANNEL_RECEIVER, rx);
	int tx_err = mymap_channel_open(heap, name, MYMAP_CHANNEL_SENDER, tx);
	int pipe_err = pipe(fds) ? errno : 0;

	return tap_ok(rx_err == 0 && tx_err == 0 && pipe_err == 0,
		      "%s: both ends open, and a pipe to the child (receiver %d, sender %d, pipe "
		      "%d)",
		      what, rx_err, tx_err, pipe_err);
}

static void test_mpmc_producer_killed(void)
{
	const char *name = "death-mpmc-p";
	struct mymap_channel *tx = NULL, *rx = NULL;
	uint64_t seq = 42;
	int fds[2], err = -1;
	ssize_t n;
	pid_t pid;

	make_channel(name, MYMAP_CHANNEL_MPMC, 8);
	if (!ends_and_pipe("mpmc producer test", name, &rx, &tx, fds))
		return;
	pid = spawn_loan_holder(name, MYMAP_CHANNEL_SENDER, fds);
	if (read(fds[0], &err, sizeof(err)) != sizeof(err) || err) {
		tap_ok(false, "mpmc: the producer child reserved a cell (%d)", err);
		kill_and_reap(pid);
		return;
	}
	/* Queued behind the dead producer's cell. */
	mymap_channel_send(tx, &seq, sizeof(seq), 0);
	kill_and_reap(pid);
	seq = 0;
	n = mymap_channel_recv(rx, &seq, sizeof(seq), PATIENCE_NS);
	tap_ok(n == sizeof(seq) && seq == 42,
	       "mpmc producer killed holding a reserved cell: the consumer skips it and gets the "
	       "next message (%zd, %llu)",
	       n, (unsigned long long)seq);
	close(fds[0]);
	close(fds[1]);
	mymap_channel_close(tx);
	mymap_channel_close(rx);
	mymap_channel_remove(heap, name);
}

static void test_mpmc_consumer_killed(void)
{
	const char *name = "death-mpmc-c";
	struct mymap_channel *tx = NULL, *rx = NULL;
	uint64_t seq;
	int fds[2], err = -1, sent = 0;
	pid_t pid;

	make_channel(name, MYMAP_CHANNEL_MPMC, 8);
	if (!ends_and_pipe("mpmc consumer test", name, &rx, &tx, fds))
		return;
	seq = 0;
	mymap_channel_send(tx, &seq, sizeof(seq), 0);
	pid = spawn_loan_holder(name, MYMAP_CHANNEL_RECEIVER, fds);
	if (read(fds[0], &err, sizeof(err)) != sizeof(err) || err) {
		tap_ok(false, "mpmc: the consumer child viewed a cell (%d)", err);
		kill_and_reap(pid);
		return;
	}
	/* Fill the other 7 cells; the 8th is the one the child holds. */
	for (seq = 1; seq < 8; seq++)
		sent += mymap_channel_send(tx, &seq, sizeof(seq), 0) == 0;
	err = mymap_channel_send(tx, &seq, sizeof(seq), 0);
	tap_ok(sent == 7 && err == -EAGAIN,
	       "mpmc: with one cell held by a reader, 7 more fit and the 8th finds it full (%d, "
	       "%d)",
	       sent, err);
	/* Drain what the live consumer can see, so only the held cell blocks. */
	for (int i = 0; i < 7; i++)
		mymap_channel_recv(rx, &seq, sizeof(seq), 0);
	kill_and_reap(pid);
	seq = 99;
	for (int i = 0; i < 8 && err != -ETIMEDOUT; i++)
		err = mymap_channel_send(tx, &seq, sizeof(seq), PATIENCE_NS);
	tap_ok(err == 0,
	       "mpmc consumer killed holding a viewed cell: the cell returns, the queue takes "
	       "all 8 again (%d)",
	       err);
	close(fds[0]);
	close(fds[1]);
	mymap_channel_close(tx);
	mymap_channel_close(rx);
	mymap_channel_remove(heap, name);
}

int main(int argc, char **argv)
{
	const char *backend = argc > 2 && strcmp(argv[1], "--backend") == 0 ? argv[2] : "memfd";

	tap_diag("backend %s", backend);
	heap = test_heap(backend, 16u << 20);
	test_sender_killed();
	test_receiver_killed(false);
	test_receiver_killed(true);
	test_writer_killed();
	test_mpmc_producer_killed();
	test_mpmc_consumer_killed();
	tap_ok(mymap_heap_check(heap) == 0, "the heap checks clean after the deaths (%s)",
	       mymap_last_message());
	mymap_close(heap);
	return tap_done();
}
