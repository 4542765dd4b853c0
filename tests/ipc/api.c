// SPDX-License-Identifier: GPL-2.0
/*
 * api.c - the rules of the channel API, one TAP line each: the directory
 * (names, duplicates, capacity, removal while attached, a foreign root
 * slot), endpoint places, channels placed by offset, channel headers
 * damaged, indices, lengths and cell states damaged, the control lock's
 * recorded holder, busy-polling's timeout and signals, sleepers left by a
 * death, and the errors of send, recv, the loans and the stream calls.
 * Memfd heap; a forked child plays a holder or a sleeper that dies.
 */
#include <signal.h>
#include <sys/time.h>
#include <time.h>

#include "channel.h"   /* the header's layout, to damage it */
#include "../handle.h" /* the heap's lock word and its wait limit */
#include "ipctest.h"
#include "live-peer.h"

static struct mymap_heap *heap;

static const struct mymap_channel_config messages = {
    .kind = MYMAP_CHANNEL_MESSAGES, .msg_size = 64, .capacity = 4};

static void test_names(void)
{
	char long_name[MYMAP_CHANNEL_NAME_MAX + 2];
	struct mymap_channel_config bad = messages;
	struct mymap_channel *ch = NULL;
	int err;

	err = mymap_channel_list(heap, NULL, 0);
	tap_ok(err == 0, "a fresh heap has no directory: list says 0 channels (%d)", err);
	err = mymap_channel_open(heap, "none", MYMAP_CHANNEL_SENDER, &ch);
	tap_ok(err == -ENOENT, "open of a name that does not exist is -ENOENT (%d)", err);
	err = mymap_channel_create(heap, "a", &messages);
	tap_ok(err == 0, "create 'a' (%d)", err);
	err = mymap_channel_create(heap, "a", &messages);
	tap_ok(err == -EEXIST, "create of an existing name is -EEXIST (%d)", err);
	memset(long_name, 'x', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	err = mymap_channel_create(heap, long_name, &messages);
	tap_ok(err == -ENAMETOOLONG, "a %zu-character name is -ENAMETOOLONG (%d)",
	       strlen(long_name), err);
	long_name[MYMAP_CHANNEL_NAME_MAX] = '\0';
	err = mymap_channel_create(heap, long_name, &messages);
	tap_ok(err == 0, "a %d-character name is accepted (%d)", MYMAP_CHANNEL_NAME_MAX, err);
	mymap_channel_remove(heap, long_name);
	err = mymap_channel_create(heap, "", &messages);
	tap_ok(err == -EINVAL, "an empty name is -EINVAL (%d)", err);
	err = mymap_channel_create(heap, "a/b", &messages);
	tap_ok(err == -EINVAL, "a name with '/' is -EINVAL (%d)", err);
	err = mymap_channel_create(heap, "a b", &messages);
	tap_ok(err == -EINVAL, "a name with a space is -EINVAL (%d)", err);
	bad.capacity = 3;
	err = mymap_channel_create(heap, "b", &bad);
	tap_ok(err == -EINVAL, "a capacity that is not a power of two is -EINVAL (%d)", err);
	bad = messages;
	bad.msg_size = 0;
	err = mymap_channel_create(heap, "b", &bad);
	tap_ok(err == -EINVAL, "msg_size 0 is -EINVAL (%d)", err);
	bad = (struct mymap_channel_config){.kind = MYMAP_CHANNEL_STREAM, .capacity = 32};
	err = mymap_channel_create(heap, "b", &bad);
	tap_ok(err == -EINVAL, "a stream smaller than 64 bytes is -EINVAL (%d)", err);
	bad.kind = 9;
	err = mymap_channel_create(heap, "b", &bad);
	tap_ok(err == -EINVAL, "an unknown kind is -EINVAL (%d)", err);
	err = mymap_channel_remove(heap, "a");
	tap_ok(err == 0, "remove 'a' (%d)", err);
	err = mymap_channel_remove(heap, "a");
	tap_ok(err == -ENOENT, "a second remove is -ENOENT (%d)", err);
}

static void test_directory_full(void)
{
	struct mymap_channel_config small = {
	    .kind = MYMAP_CHANNEL_MESSAGES, .msg_size = 8, .capacity = 2};
	struct mymap_channel_info info[MYMAP_CHANNEL_DIR_ENTRIES];
	char name[16];
	int created = 0, err, n;

	for (int i = 0; i < MYMAP_CHANNEL_DIR_ENTRIES; i++) {
		snprintf(name, sizeof(name), "full-%d", i);
		created += mymap_channel_create(heap, name, &small) == 0;
	}
	err = mymap_channel_create(heap, "one-too-many", &small);
	tap_ok(created == MYMAP_CHANNEL_DIR_ENTRIES && err == -ENOSPC,
	       "%d channels fit, the next is -ENOSPC (%d created, %d)", MYMAP_CHANNEL_DIR_ENTRIES,
	       created, err);
	n = mymap_channel_list(heap, info, MYMAP_CHANNEL_DIR_ENTRIES);
	tap_ok(n == MYMAP_CHANNEL_DIR_ENTRIES && strcmp(info[5].name, "full-5") == 0 &&
		   info[5].config.capacity == 2 && info[5].config.msg_size == 8,
	       "list reports all %d with their names and shapes (%d)", MYMAP_CHANNEL_DIR_ENTRIES,
	       n);
	for (int i = 0; i < MYMAP_CHANNEL_DIR_ENTRIES; i++) {
		snprintf(name, sizeof(name), "full-%d", i);
		mymap_channel_remove(heap, name);
	}
	tap_ok(mymap_channel_list(heap, NULL, 0) == 0, "after removing them all, list says 0");
}

static void test_places(void)
{
	struct mymap_channel_config mpmc = {
	    .kind = MYMAP_CHANNEL_MPMC, .msg_size = 16, .capacity = 8};
	struct mymap_channel *tx, *tx2 = NULL, *many[17] = {0};
	struct mymap_channel_info info;
	int err, opened = 0;

	mymap_channel_create(heap, "p", &messages);
	tx = tap_open_channel(heap, "p", MYMAP_CHANNEL_SENDER);
	err = mymap_channel_open(heap, "p", MYMAP_CHANNEL_SENDER, &tx2);
	tap_ok(err == -EBUSY, "a second live sender on a MESSAGES channel is -EBUSY (%d)", err);
	err = mymap_channel_open(heap, "p", 7, &tx2);
	tap_ok(err == -EINVAL, "an unknown role is -EINVAL (%d)", err);
	mymap_channel_list(heap, &info, 1);
	tap_ok(info.senders == 1 && info.receivers == 0,
	       "list counts the attached endpoints (%u senders, %u receivers)", info.senders,
	       info.receivers);
	mymap_channel_close(tx);
	tx = tap_open_channel(heap, "p", MYMAP_CHANNEL_SENDER);
	tap_ok(tx != NULL, "after close, the sender's place is free again");
	mymap_channel_close(tx);
	mymap_channel_remove(heap, "p");

	mymap_channel_create(heap, "m", &mpmc);
	for (int i = 0; i < 17; i++)
		opened += mymap_channel_open(heap, "m", MYMAP_CHANNEL_SENDER, &many[i]) == 0;
	tap_ok(opened == MYMAP_CHANNEL_MAX_ENDPOINTS,
	       "an MPMC channel takes %d senders and refuses the next (%d opened)",
	       MYMAP_CHANNEL_MAX_ENDPOINTS, opened);
	for (int i = 0; i < 17; i++)
		mymap_channel_close(many[i]);
	mymap_channel_remove(heap, "m");
}

static void test_remove_while_attached(void)
{
	uint64_t before = heap_in_use(heap), during, after;
	struct mymap_channel *tx, *rx, *again = NULL;
	char msg[8] = "hello", got[64];
	ssize_t n;
	int err;

	mymap_channel_create(heap, "r", &messages);
	tx = tap_open_channel(heap, "r", MYMAP_CHANNEL_SENDER);
	rx = tap_open_channel(heap, "r", MYMAP_CHANNEL_RECEIVER);
	during = heap_in_use(heap);
	err = mymap_channel_remove(heap, "r");
	tap_ok(err == 0, "remove while two endpoints are attached (%d)", err);
	err = mymap_channel_open(heap, "r", MYMAP_CHANNEL_RECEIVER, &again);
	tap_ok(err == -ENOENT, "the removed name no longer opens (%d)", err);
	mymap_channel_send(tx, msg, sizeof(msg), 0);
	n = mymap_channel_recv(rx, got, sizeof(got), 0);
	tap_ok(n == sizeof(msg) && memcmp(got, msg, sizeof(msg)) == 0,
	       "the attached endpoints keep working after the remove (%zd)", n);
	tap_ok(heap_in_use(heap) == during, "the memory stays while endpoints are attached");
	mymap_channel_close(tx);
	tap_ok(heap_in_use(heap) == during, "...and while one is still attached");
	mymap_channel_close(rx);
	after = heap_in_use(heap);
	tap_ok(after < during && after <= before + 4096,
	       "the last close returns the channel's memory to the heap (%llu -> %llu bytes)",
	       (unsigned long long)during, (unsigned long long)after);
}

static void on_alarm(int sig)
{
	(void)sig;
}

static void test_message_errors(void)
{
	struct mymap_channel *tx, *rx;
	struct mymap_loan loan, view;
	char big[128] = {0}, small[4];
	/* Repeating: a tick that lands before the recv sleeps must not be the only one. */
	struct itimerval tick = {.it_value = {.tv_usec = 50000}, .it_interval = {.tv_usec = 50000}};
	struct itimerval off = {0};
	struct sigaction sa = {.sa_handler = on_alarm}; /* no SA_RESTART */
	ssize_t n;
	int err;

	mymap_channel_create(heap, "e", &messages);
	rx = tap_open_channel(heap, "e", MYMAP_CHANNEL_RECEIVER);
	n = mymap_channel_recv(rx, big, sizeof(big), 20000000);
	tap_ok(n == -ETIMEDOUT,
	       "recv before any sender ever attached waits for one: -ETIMEDOUT (%zd)", n);
	tx = tap_open_channel(heap, "e", MYMAP_CHANNEL_SENDER);
	n = mymap_channel_recv(rx, big, sizeof(big), 0);
	tap_ok(n == -EAGAIN, "recv with timeout 0 on an empty channel is -EAGAIN (%zd)", n);
	err = mymap_channel_send(tx, big, 65, 0);
	tap_ok(err == -EMSGSIZE, "send of 65 bytes into 64-byte slots is -EMSGSIZE (%d)", err);
	err = mymap_channel_send(rx, big, 1, 0);
	tap_ok(err == -EINVAL, "send on a receiver endpoint is -EINVAL (%d)", err);
	n = mymap_channel_write(tx, big, 1, 0);
	tap_ok(n == -EINVAL, "a stream write on a MESSAGES channel is -EINVAL (%zd)", n);
	err = mymap_channel_send(tx, "", 0, 0);
	n = mymap_channel_recv(rx, big, sizeof(big), 0);
	tap_ok(err == 0 && n == 0, "an empty message is sent and received as 0 bytes (%d, %zd)",
	       err, n);
	for (int i = 0; i < 4; i++)
		mymap_channel_send(tx, "abcdefgh", 8, 0);
	err = mymap_channel_send(tx, "x", 1, 0);
	tap_ok(err == -EAGAIN, "send with timeout 0 on a full channel is -EAGAIN (%d)", err);
	err = mymap_channel_send(tx, "x", 1, 20000000);
	tap_ok(err == -ETIMEDOUT, "send with a 20 ms timeout on a full channel is -ETIMEDOUT (%d)",
	       err);
	n = mymap_channel_recv(rx, small, sizeof(small), 0);
	tap_ok(n == -EMSGSIZE && memcmp(small, "abcd", 4) == 0,
	       "recv into a 4-byte buffer truncates an 8-byte message, -EMSGSIZE (%zd)", n);
	n = mymap_channel_recv(rx, big, sizeof(big), 0);
	tap_ok(n == 8, "the truncated message was consumed; the next is whole (%zd)", n);
	while (mymap_channel_recv(rx, big, sizeof(big), 0) >= 0)
		;

	err = mymap_channel_reserve(tx, &loan, 0);
	tap_ok(err == 0 && loan.size == 64, "reserve lends a 64-byte slot (%d, %zu)", err,
	       loan.size);
	err = mymap_channel_reserve(tx, &loan, 0);
	tap_ok(err == -EBUSY, "a second reserve while a loan is out is -EBUSY (%d)", err);
	err = mymap_channel_send(tx, "x", 1, 0);
	tap_ok(err == -EBUSY, "send while a loan is out is -EBUSY (%d)", err);
	err = mymap_channel_publish(tx, &loan, 65);
	tap_ok(err == -EMSGSIZE, "publish of more than the slot is -EMSGSIZE (%d)", err);
	memcpy(loan.data, "in place", 8);
	err = mymap_channel_publish(tx, &loan, 8);
	tap_ok(err == 0, "publish of the loan (%d)", err);
	err = mymap_channel_publish(tx, &loan, 8);
	tap_ok(err == -EINVAL, "a second publish of the same loan is -EINVAL (%d)", err);
	err = mymap_channel_recv_view(rx, &view, 0);
	tap_ok(err == 0 && view.size == 8 && memcmp(view.data, "in place", 8) == 0,
	       "recv_view lends the message in place (%d, %zu)", err, view.size);
	err = mymap_channel_recv_view(rx, &view, 0);
	tap_ok(err == -EBUSY, "a second view while one is out is -EBUSY (%d)", err);
	err = mymap_channel_release(rx, &view);
	tap_ok(err == 0, "release the view (%d)", err);
	err = mymap_channel_release(rx, &view);
	tap_ok(err == -EINVAL, "a second release is -EINVAL (%d)", err);

	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &tick, NULL);
	n = mymap_channel_recv(rx, big, sizeof(big), MYMAP_CHANNEL_FOREVER);
	setitimer(ITIMER_REAL, &off, NULL);
	tap_ok(n == -EINTR, "a blocked recv interrupted by a signal returns -EINTR (%zd)", n);

	mymap_channel_close(tx);
	n = mymap_channel_recv(rx, big, sizeof(big), MYMAP_CHANNEL_FOREVER);
	tap_ok(n == -EPIPE, "recv after the only sender closed is -EPIPE, not a wait (%zd)", n);
	mymap_channel_close(rx);
	mymap_channel_remove(heap, "e");
}

static void test_stream_errors(void)
{
	struct mymap_channel_config cfg = {.kind = MYMAP_CHANNEL_STREAM, .capacity = 64};
	struct mymap_channel *w, *r;
	char buf[200];
	ssize_t n;

	memset(buf, 'z', sizeof(buf));
	mymap_channel_create(heap, "s", &cfg);
	w = tap_open_channel(heap, "s", MYMAP_CHANNEL_SENDER);
	r = tap_open_channel(heap, "s", MYMAP_CHANNEL_RECEIVER);
	n = mymap_channel_write(w, buf, 200, 0);
	tap_ok(n == 64, "a 200-byte write into a 64-byte stream, no waiting, writes 64 (%zd)", n);
	n = mymap_channel_write(w, buf, 1, 0);
	tap_ok(n == -EAGAIN, "a write to a full stream with timeout 0 is -EAGAIN (%zd)", n);
	n = mymap_channel_read(r, buf, 50, 0);
	tap_ok(n == 50, "a read takes what it asks for when available (%zd)", n);
	n = mymap_channel_read(r, buf, 50, 0);
	tap_ok(n == 14, "a read returns what there is, at least one byte (%zd)", n);
	n = mymap_channel_send(w, buf, 1, 0);
	tap_ok(n == -EINVAL, "send on a STREAM channel is -EINVAL (%zd)", n);
	mymap_channel_close(w);
	n = mymap_channel_read(r, buf, 50, MYMAP_CHANNEL_FOREVER);
	tap_ok(n == -EPIPE, "a read after the writer closed and the stream drained is -EPIPE (%zd)",
	       n);
	mymap_channel_close(r);
	mymap_channel_remove(heap, "s");
}

static void test_at_offset(void)
{
	struct mymap_channel *tx = NULL, *rx = NULL;
	size_t bytes = mymap_channel_bytes(&messages);
	void *block = mymap_aligned_alloc(heap, 64, bytes);
	uint64_t off = mymap_offset(heap, block);
	char got[64];
	int err;

	tap_ok(bytes > 0 && mymap_channel_bytes(&(struct mymap_channel_config){0}) == 0,
	       "mymap_channel_bytes sizes a valid shape and refuses an invalid one (%zu)", bytes);
	err = mymap_channel_attach_at(heap, off, MYMAP_CHANNEL_SENDER, &tx);
	tap_ok(err == -EBADMSG, "attach where no channel was formatted is -EBADMSG (%d)", err);
	err = mymap_channel_format_at(heap, off + 8, &messages);
	tap_ok(err == -EINVAL, "format at an offset not 64-byte aligned is -EINVAL (%d)", err);
	err = mymap_channel_format_at(heap, mymap_heap_size(heap) - 64, &messages);
	tap_ok(err == -ERANGE, "format where it does not fit is -ERANGE (%d)", err);
	err = mymap_channel_format_at(heap, off, &messages);
	tap_ok(err == 0, "format a channel in a block of the caller's (%d)", err);
	mymap_channel_attach_at(heap, off, MYMAP_CHANNEL_SENDER, &tx);
	mymap_channel_attach_at(heap, off, MYMAP_CHANNEL_RECEIVER, &rx);
	err = tx && rx ? mymap_channel_send(tx, "by offset", 9, 0) : -1;
	tap_ok(err == 0 && mymap_channel_recv(rx, got, sizeof(got), 0) == 9,
	       "a channel found by offset carries messages (%d)", err);
	mymap_channel_close(tx);
	mymap_channel_close(rx);
	tap_ok(mymap_usable_size(heap, block) >= bytes,
	       "closing never frees a channel placed by the caller");
	mymap_free(heap, block);
}

/*
 * A channel header with the wrong message size for its kind: a message or
 * MPMC channel records one of at least a byte, a stream none.  Small
 * messages are the case to try: their ring is as large as for one byte,
 * so the header's total size does not give the damage away.
 */
static void test_damaged_size(void)
{
	static const struct mymap_channel_config shapes[] = {
	    {.kind = MYMAP_CHANNEL_MESSAGES, .msg_size = 4, .capacity = 4},
	    {.kind = MYMAP_CHANNEL_MPMC, .msg_size = 4, .capacity = 4},
	    {.kind = MYMAP_CHANNEL_STREAM, .capacity = 4096},
	};
	static const char *const names[] = {"messages", "MPMC", "stream"};

	for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		size_t bytes = mymap_channel_bytes(&shapes[i]);
		struct ipc_channel *c = mymap_aligned_alloc(heap, 64, bytes);
		uint64_t off = mymap_offset(heap, c);
		struct mymap_channel *ch = NULL;
		int err = mymap_channel_format_at(heap, off, &shapes[i]);

		c->msg_size = shapes[i].kind == MYMAP_CHANNEL_STREAM ? 1 : 0;
		if (!err)
			err = mymap_channel_attach_at(heap, off, MYMAP_CHANNEL_SENDER, &ch);
		tap_ok(err == -EBADMSG && !ch,
		       "a %s channel whose header says message size %u is -EBADMSG (%d)", names[i],
		       c->msg_size, err);
		mymap_channel_close(ch);
		mymap_free(heap, c);
	}
}

static void test_foreign_root(void)
{
	struct mymap_heap *other = mymap_open_memfd(1 << 20, 0);
	void *junk = mymap_calloc(other, 1, 256);
	mymap_off_t expected = 0;
	int err;

	mymap_root_cas(other, MYMAP_ROOT_CHANNELS, &expected, mymap_offset(other, junk));
	err = mymap_channel_create(other, "x", &messages);
	tap_ok(err == -EBADMSG,
	       "root slot 0 holding something that is not a directory is -EBADMSG (%d)", err);
	mymap_close(other);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* A fresh channel of @cfg at an offset, with both ends attached; its header in *@c. */
static void at_pair(const struct mymap_channel_config *cfg, struct ipc_channel **c,
		    struct mymap_channel **tx, struct mymap_channel **rx)
{
	size_t bytes = mymap_channel_bytes(cfg);

	*c = mymap_aligned_alloc(heap, 64, bytes);
	*tx = *rx = NULL;
	mymap_channel_format_at(heap, mymap_offset(heap, *c), cfg);
	mymap_channel_attach_at(heap, mymap_offset(heap, *c), MYMAP_CHANNEL_SENDER, tx);
	mymap_channel_attach_at(heap, mymap_offset(heap, *c), MYMAP_CHANNEL_RECEIVER, rx);
}

static void at_pair_end(struct ipc_channel *c, struct mymap_channel *tx, struct mymap_channel *rx)
{
	mymap_channel_close(tx);
	mymap_channel_close(rx);
	mymap_free(heap, c);
}

/* Indices, lengths and cell states a peer damaged: -EBADMSG naming them, no access. */
static void test_damaged_indices(void)
{
	static const struct mymap_channel_config stream = {.kind = MYMAP_CHANNEL_STREAM,
							   .capacity = 256};
	static const struct mymap_channel_config mpmc = {
	    .kind = MYMAP_CHANNEL_MPMC, .msg_size = 64, .capacity = 4};
	struct mymap_channel *tx, *rx;
	struct ipc_channel *c;
	struct ipc_spsc *q;
	struct ipc_stream *sq;
	struct ipc_mpmc *mq;
	char buf[300] = {0};
	ssize_t n;
	int err;

	/* Each side checks the other's index when it reloads it: full, or empty. */
	at_pair(&messages, &c, &tx, &rx);
	q = (void *)((char *)c + c->ring_off);
	for (int i = 0; i < 4; i++)
		mymap_channel_send(tx, "x", 1, 0);
	atomic_store(&q->tail, atomic_load(&q->head) + 1);
	err = mymap_channel_send(tx, "x", 1, 0);
	tap_ok(err == -EBADMSG && strstr(mymap_last_message(), "tail"),
	       "send with the tail ahead of the head is -EBADMSG naming it (%d: %s)", err,
	       mymap_last_message());
	at_pair_end(c, tx, rx);

	at_pair(&messages, &c, &tx, &rx);
	q = (void *)((char *)c + c->ring_off);
	atomic_store(&q->head, atomic_load(&q->tail) + 5);
	n = mymap_channel_recv(rx, buf, sizeof(buf), 0);
	tap_ok(n == -EBADMSG && strstr(mymap_last_message(), "head"),
	       "recv with the head 5 slots ahead in a 4-slot ring is -EBADMSG (%zd: %s)", n,
	       mymap_last_message());
	atomic_store(&q->head, atomic_load(&q->tail) + 1);
	n = mymap_channel_recv(rx, buf, sizeof(buf), 0);
	tap_ok(n == -EBADMSG && strstr(mymap_last_message(), "tag"),
	       "recv of a slot never published (head moved by one) is -EBADMSG (%zd: %s)", n,
	       mymap_last_message());
	at_pair_end(c, tx, rx);

	at_pair(&messages, &c, &tx, &rx);
	q = (void *)((char *)c + c->ring_off);
	mymap_channel_send(tx, "abc", 3, 0);
	((struct ipc_spsc_slot *)((char *)q + q->slots.data_off))->len.word ^= 1;
	n = mymap_channel_recv(rx, buf, sizeof(buf), 0);
	tap_ok(n == -EBADMSG && strstr(mymap_last_message(), "check"),
	       "recv of a length changed beside its check is -EBADMSG (%zd: %s)", n,
	       mymap_last_message());
	at_pair_end(c, tx, rx);

	at_pair(&stream, &c, &tx, &rx);
	sq = (void *)((char *)c + c->ring_off);
	mymap_channel_write(tx, buf, 256, 0);
	atomic_store(&sq->tail, atomic_load(&sq->head) + 100);
	n = mymap_channel_write(tx, buf, sizeof(buf), 0);
	tap_ok(n == -EBADMSG && mymap_heap_check(heap) == 0,
	       "a stream write with the tail ahead is -EBADMSG and writes nothing outside (%zd)",
	       n);
	at_pair_end(c, tx, rx);

	at_pair(&stream, &c, &tx, &rx);
	sq = (void *)((char *)c + c->ring_off);
	atomic_store(&sq->head, atomic_load(&sq->tail) + 300);
	n = mymap_channel_read(rx, buf, sizeof(buf), 0);
	tap_ok(n == -EBADMSG && mymap_heap_check(heap) == 0,
	       "a stream read with 300 bytes in a 256-byte ring is -EBADMSG (%zd)", n);
	at_pair_end(c, tx, rx);

	at_pair(&mpmc, &c, &tx, &rx);
	mq = (void *)((char *)c + c->ring_off);
	mymap_channel_send(tx, "abc", 3, 0);
	atomic_fetch_or(&((struct ipc_mpmc_cell *)((char *)mq + mq->cells.data_off))->state,
			7ull << 32);
	n = mymap_channel_recv(rx, buf, sizeof(buf), 0);
	tap_ok(n == -EBADMSG && strstr(mymap_last_message(), "state"),
	       "an MPMC cell in an unknown phase is -EBADMSG (%zd: %s)", n, mymap_last_message());
	at_pair_end(c, tx, rx);
}

/* Busy-polling ends at its deadline and on a signal. */
static void test_spin_forever(void)
{
	struct itimerval tick = {.it_value = {.tv_usec = 50000}, .it_interval = {.tv_usec = 50000}};
	struct itimerval off = {0};
	struct sigaction sa = {.sa_handler = on_alarm}; /* no SA_RESTART */
	struct mymap_channel *tx, *rx;
	struct ipc_channel *c;
	uint64_t t0, took;
	char buf[64];
	ssize_t n;

	at_pair(&messages, &c, &tx, &rx);
	mymap_channel_set_spin(rx, MYMAP_CHANNEL_SPIN_FOREVER);
	t0 = now_ns();
	n = mymap_channel_recv(rx, buf, sizeof(buf), 1000);
	took = now_ns() - t0;
	/* The old poll looked at the clock every 2^20 rounds: tens of ms. */
	tap_ok(n == -ETIMEDOUT && took < 5000000,
	       "busy-polling with a 1 us timeout returns -ETIMEDOUT (%zd) in %llu us", n,
	       (unsigned long long)(took / 1000));
	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &tick, NULL);
	n = mymap_channel_recv(rx, buf, sizeof(buf), MYMAP_CHANNEL_FOREVER);
	setitimer(ITIMER_REAL, &off, NULL);
	tap_ok(n == -EINTR, "busy-polling interrupted by a signal returns -EINTR (%zd)", n);
	at_pair_end(c, tx, rx);
}

/* The control lock's recorded holder: this process, a live process, a dead one. */
static void test_lock_holder(void)
{
	struct mymap_channel *tx, *rx, *extra = NULL;
	struct ipc_channel *c;
	uint64_t off, t0;
	int err, ready[2];
	pid_t child;

	at_pair(&messages, &c, &tx, &rx);
	off = mymap_offset(heap, c);
	mymap_channel_close(rx);
	atomic_store(&c->lock.owner, mymap_self_id());
	err = mymap_channel_attach_at(heap, off, MYMAP_CHANNEL_RECEIVER, &rx);
	tap_ok(err == 0,
	       "a lock recorded as held by the caller's own process, no thread of which "
	       "holds it, is taken over (%d)",
	       err);

	if (pipe(ready))
		ready[0] = ready[1] = -1;
	fflush(stdout);
	child = fork();
	if (child == 0) {
		atomic_store(&c->lock.owner, mymap_self_id());
		if (write(ready[1], "x", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	{
		char x;

		if (read(ready[0], &x, 1) != 1)
			x = 0;
	}
	t0 = now_ns();
	err = mymap_channel_attach_at(heap, off, MYMAP_CHANNEL_SENDER, &extra);
	tap_ok(err == -ETIMEDOUT && now_ns() - t0 >= IPC_LOCK_TIMEOUT_NS,
	       "a live process keeping the lock gives -ETIMEDOUT after 2 s, not an endless wait "
	       "(%d: %s)",
	       err, mymap_last_message());
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	close(ready[0]);
	close(ready[1]);
	err = mymap_channel_close(rx);
	tap_ok(err == 0, "once that holder is dead, its lock is taken over (%d)", err);
	mymap_channel_close(tx);
	mymap_free(heap, c);
}

/*
 * The heap lock kept by a live process: a create fails with -ETIMEDOUT
 * (not -ENOMEM), a remove unlinks the channel and leaves its memory to the
 * next sweep, which frees it once the lock is free: nothing leaks.
 */
static void test_heap_lock_kept(void)
{
	struct mm_header *hdr = mymap_heap_base(heap);
	struct mymap_stats before, after;
	struct mymap_channel *rx = NULL;
	uint64_t limit = heap->lock_wait.limit_ns, peer;
	pid_t child = live_peer(&peer);
	int err;

	mymap_heap_stats(heap, &before);
	err = mymap_channel_create(heap, "kept-a", &messages);
	heap->lock_wait.limit_ns = 50000000;
	atomic_store(&hdr->lock.owner, peer);
	int created = mymap_channel_create(heap, "kept-b", &messages);
	int removed = mymap_channel_remove(heap, "kept-a");
	int opened = mymap_channel_open(heap, "kept-a", MYMAP_CHANNEL_RECEIVER, &rx);

	atomic_store(&hdr->lock.owner, 0);
	heap->lock_wait.limit_ns = limit;
	tap_ok(peer && err == 0 && created == -ETIMEDOUT,
	       "with the heap lock kept by a live process, create gives -ETIMEDOUT (%d)", created);
	tap_ok(removed == 0 && opened == -ENOENT,
	       "and remove unlinks the channel, its freeing left for later (%d, then open %d)",
	       removed, opened);
	err = mymap_channel_create(heap, "kept-c", &messages);
	if (!err)
		err = mymap_channel_remove(heap, "kept-c");
	mymap_heap_stats(heap, &after);
	tap_ok(err == 0 && after.in_use == before.in_use,
	       "once the lock is free, the next call's sweep frees the removed channel: nothing "
	       "leaks (%d, %llu bytes in use, %llu before)",
	       err, (unsigned long long)after.in_use, (unsigned long long)before.in_use);
	end_peer(child);
}

/* A receiver killed asleep leaves no sleeper behind once reclaimed. */
static void test_sleeper_death(void)
{
	struct mymap_channel *tx, *rx;
	struct mymap_channel_stats before, after;
	struct ipc_channel *c;
	uint64_t off, deadline;
	char buf[64];
	pid_t child;

	at_pair(&messages, &c, &tx, &rx);
	off = mymap_offset(heap, c);
	mymap_channel_close(rx);
	fflush(stdout);
	child = fork();
	if (child == 0) {
		struct mymap_channel *r = NULL;

		if (mymap_channel_attach_at(heap, off, MYMAP_CHANNEL_RECEIVER, &r))
			_exit(1);
		mymap_channel_set_spin(r, 0);
		mymap_channel_recv(r, buf, sizeof(buf), MYMAP_CHANNEL_FOREVER);
		_exit(0);
	}
	deadline = now_ns() + 5000000000ull;
	while ((uint32_t)atomic_load(&c->data.word) == 0 && now_ns() < deadline)
		usleep(1000);
	tap_ok((uint32_t)atomic_load(&c->data.word) != 0,
	       "a receiver waiting on an empty channel is recorded as a sleeper (%#x)",
	       (uint32_t)atomic_load(&c->data.word));
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	rx = NULL;
	mymap_channel_attach_at(heap, off, MYMAP_CHANNEL_RECEIVER, &rx);
	mymap_channel_stats(tx, &before);
	for (int i = 0; i < 100; i++) {
		mymap_channel_send(tx, "x", 1, 0);
		mymap_channel_recv(rx, buf, sizeof(buf), 0);
	}
	mymap_channel_stats(tx, &after);
	tap_ok(
	    after.wakes == before.wakes,
	    "after the killed sleeper's place is reclaimed, 100 sends make no wake-up call (%llu)",
	    (unsigned long long)(after.wakes - before.wakes));
	at_pair_end(c, tx, rx);
}

int main(void)
{
	heap = test_heap("memfd", 8u << 20);
	test_names();
	test_directory_full();
	test_places();
	test_remove_while_attached();
	test_message_errors();
	test_stream_errors();
	test_at_offset();
	test_damaged_size();
	test_foreign_root();
	test_damaged_indices();
	test_spin_forever();
	test_lock_holder();
	test_heap_lock_kept();
	test_sleeper_death();
	tap_ok(mymap_heap_check(heap) == 0, "the heap checks clean (%s)", mymap_last_message());
	mymap_close(heap);
	return tap_done();
}
