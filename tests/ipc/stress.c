// SPDX-License-Identifier: GPL-2.0
/*
 * stress.c - ordering and integrity of channels under concurrency: every
 * message carries its producer, its sequence number and a payload derived
 * from both, and receivers check all three.
 *
 * Shapes: messages 1->1 (copying, and with the zero-copy loans), a byte
 * stream 1->1, MPMC 4->1 (per-producer order), 1->3 and 3->3 (each message
 * exactly once), and a blocking 1->1 with a tiny ring and no spinning, so
 * both sides sleep and wake constantly.  Every ring's indices start 1000
 * below 2^32, so all shapes wrap around while they run.  Workers are
 * forked processes sharing the heap, or threads with --threads (for
 * ThreadSanitizer, which does not follow processes).
 *
 * usage: stress [--backend memfd|device] [--threads] [--messages N]
 */
#include <getopt.h>
#include <sched.h>
#include <stdatomic.h>

#include "ipctest.h"

#define MSG_SIZE 256
/* Every ring's indices start here, so they wrap past 2^32 under load. */
#define WRAP_START (UINT32_MAX - 1000)

struct shape {
	const char *name;
	enum mymap_channel_kind kind;
	uint32_t capacity;
	int producers, consumers;
	bool loans;    /* reserve/publish and recv_view/release */
	bool blocking; /* spin 0: sleep at once */
};

/*
 * What the workers share, in the heap so that forked workers see it.
 * @seen counts deliveries of each (producer, seq): exactly 1 each at the end.
 */
struct run {
	const struct shape *shape;
	uint64_t per_producer;
	_Atomic uint32_t attached; /* endpoints open: nobody sends before all are */
	_Atomic uint64_t received;
	_Atomic uint64_t errors;
	_Atomic uint64_t order_errors;
	_Atomic uint64_t sleeps;
	char first_error[160];
	_Atomic uint32_t first_error_taken;
	_Atomic uint8_t seen[];
};

/* Counts an error; the first one is kept for the TAP line: "@what @value". */
static void record_error(struct run *run, const char *what, long value)
{
	atomic_fetch_add(&run->errors, 1);
	if (atomic_exchange(&run->first_error_taken, 1) == 0)
		snprintf(run->first_error, sizeof(run->first_error), "%s %ld", what, value);
}

static struct mymap_channel *open_endpoint(struct mymap_heap *heap, struct run *run,
					   enum mymap_channel_role role)
{
	struct mymap_channel *ch = NULL;
	int err = mymap_channel_open(heap, run->shape->name, role, &ch);
	int everyone = run->shape->producers + run->shape->consumers;

	if (err) {
		record_error(run, "open: errno", -err);
		return NULL;
	}
	if (run->shape->blocking)
		mymap_channel_set_spin(ch, 0);
	/*
	 * A side that had endpoints and has none left reads as closed, so a
	 * producer finishing before another one opened would end the run.
	 */
	atomic_fetch_add(&run->attached, 1);
	while (atomic_load(&run->attached) < (uint32_t)everyone)
		sched_yield();
	return ch;
}

static int send_one(struct mymap_channel *ch, const struct shape *s, uint32_t producer,
		    uint64_t seq)
{
	uint32_t len = test_len(seq, MSG_SIZE);
	unsigned char buf[MSG_SIZE];
	struct mymap_loan loan;
	int err;

	if (!s->loans) {
		test_fill(buf, producer, seq, len);
		return mymap_channel_send(ch, buf, len, MYMAP_CHANNEL_FOREVER);
	}
	err = mymap_channel_reserve(ch, &loan, MYMAP_CHANNEL_FOREVER);
	if (err)
		return err;
	test_fill(loan.data, producer, seq, len);
	return mymap_channel_publish(ch, &loan, len);
}

static void producer(struct mymap_heap *heap, int index, void *arg)
{
	struct run *run = arg;
	struct mymap_channel *ch = open_endpoint(heap, run, MYMAP_CHANNEL_SENDER);
	struct mymap_channel_stats st;

	if (!ch)
		return;
	for (uint64_t seq = 0; seq < run->per_producer; seq++) {
		int err = send_one(ch, run->shape, (uint32_t)index, seq);

		if (err) {
			record_error(run, "send: errno", -err);
			break;
		}
	}
	mymap_channel_stats(ch, &st);
	atomic_fetch_add(&run->sleeps, st.sleeps);
	mymap_channel_close(ch);
}

/* Receives one message; returns 1, 0 at the end of the stream, -1 on error. */
static int recv_one(struct mymap_channel *ch, struct run *run, unsigned char *buf,
		    struct test_msg *m)
{
	struct mymap_loan view;
	const char *bad = NULL;
	ssize_t n;

	if (run->shape->loans) {
		n = mymap_channel_recv_view(ch, &view, MYMAP_CHANNEL_FOREVER);
		if (n == 0) {
			bad = test_check(view.data, view.size, m);
			mymap_channel_release(ch, &view);
			n = (ssize_t)view.size;
		}
	} else {
		n = mymap_channel_recv(ch, buf, MSG_SIZE, MYMAP_CHANNEL_FOREVER);
		bad = n >= 0 ? test_check(buf, (size_t)n, m) : NULL;
	}
	if (n == -EPIPE)
		return 0;
	if (n < 0) {
		record_error(run, "recv: errno", (long)-n);
		return -1;
	}
	if (bad) {
		record_error(run, bad, (long)n);
		return -1;
	}
	return 1;
}

/*
 * A consumer receives until every producer has closed (-EPIPE), checking
 * each message, that each producer's sequence rises (strictly by one when
 * it is the only consumer), and counting deliveries per message.
 */
static void consumer(struct mymap_heap *heap, int index, void *arg)
{
	struct run *run = arg;
	struct mymap_channel *ch = open_endpoint(heap, run, MYMAP_CHANNEL_RECEIVER);
	int64_t next[16];
	unsigned char buf[MSG_SIZE];
	struct test_msg m;
	int got;

	(void)index;
	if (!ch)
		return;
	for (int p = 0; p < 16; p++)
		next[p] = 0;
	while ((got = recv_one(ch, run, buf, &m)) > 0) {
		bool only = run->shape->consumers == 1;

		if (m.producer >= (uint32_t)run->shape->producers || m.seq >= run->per_producer) {
			record_error(run, "message out of range: producer", (long)m.producer);
			break;
		}
		if (only ? (int64_t)m.seq != next[m.producer] : (int64_t)m.seq < next[m.producer])
			atomic_fetch_add(&run->order_errors, 1);
		next[m.producer] = (int64_t)m.seq + 1;
		atomic_fetch_add(&run->seen[m.producer * run->per_producer + m.seq], 1);
		atomic_fetch_add(&run->received, 1);
	}
	mymap_channel_close(ch);
}

/* Producers and consumers as one worker set, so that they run concurrently. */
static void participant(struct mymap_heap *heap, int index, void *arg)
{
	struct run *run = arg;

	if (index < run->shape->consumers)
		consumer(heap, index, arg);
	else
		producer(heap, index - run->shape->consumers, arg);
}

static void run_shape(struct mymap_heap *heap, const struct shape *s, uint64_t messages,
		      bool threads)
{
	struct mymap_channel_config cfg = {.kind = s->kind,
					   .msg_size = MSG_SIZE,
					   .capacity = s->capacity,
					   .start_index = WRAP_START};
	uint64_t per = messages / (uint64_t)s->producers, total = per * (uint64_t)s->producers;
	uint64_t once = 0, dup = 0, lost = 0;
	struct run *run = mymap_calloc(heap, 1, sizeof(*run) + total);
	int err, crashed;

	if (!run) {
		tap_ok(false, "%s: allocate the shared results (%llu bytes): %s", s->name,
		       (unsigned long long)(sizeof(*run) + total), strerror(errno));
		return;
	}
	run->shape = s;
	run->per_producer = per;
	err = mymap_channel_create(heap, s->name, &cfg);
	if (!tap_ok(err == 0, "%s: create the channel (%d)", s->name, err))
		return;
	crashed = run_workers(heap, s->producers + s->consumers, threads, participant, run);
	for (uint64_t i = 0; i < total; i++) {
		uint8_t n = atomic_load(&run->seen[i]);

		once += n == 1;
		dup += n > 1;
		lost += n == 0;
	}
	tap_ok(!crashed && !run->errors, "%s: %d producer(s), %d consumer(s) ran without error%s%s",
	       s->name, s->producers, s->consumers, run->errors ? ": " : "",
	       run->errors ? run->first_error : "");
	tap_ok(once == total && !dup && !lost,
	       "%s: each of %llu messages delivered exactly once (lost %llu, duplicated %llu)",
	       s->name, (unsigned long long)total, (unsigned long long)lost,
	       (unsigned long long)dup);
	tap_ok(!run->order_errors,
	       "%s: every producer's messages arrive in %s order (%llu out of order)", s->name,
	       s->consumers == 1 ? "exact sequence" : "increasing",
	       (unsigned long long)run->order_errors);
	if (s->blocking)
		tap_diag("%s: the senders slept %llu times", s->name,
			 (unsigned long long)run->sleeps);
	err = mymap_channel_remove(heap, s->name);
	tap_ok(err == 0, "%s: remove the channel (%d)", s->name, err);
	mymap_free(heap, run);
}

/* The stream: one writer, one reader, random chunk sizes on both sides. */
struct stream_run {
	uint64_t bytes;
	_Atomic uint64_t read_bytes;
	_Atomic uint64_t bad_at; /* first wrong byte + 1 */
	_Atomic int64_t end_error;
};

static unsigned char stream_byte(uint64_t at)
{
	return (unsigned char)((at * 2654435761u) >> 13);
}

static void stream_worker(struct mymap_heap *heap, int index, void *arg)
{
	struct stream_run *sr = arg;
	struct mymap_channel *ch = NULL;
	unsigned char buf[3000];
	uint64_t at = 0, rng = 88172645463325252ull + (uint64_t)index;

	if (mymap_channel_open(heap, "stress-stream",
			       index ? MYMAP_CHANNEL_SENDER : MYMAP_CHANNEL_RECEIVER, &ch)) {
		atomic_store(&sr->end_error, -ENOENT);
		return;
	}
	while (index ? at < sr->bytes : true) {
		size_t chunk;
		ssize_t n;

		rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
		chunk = 1 + rng % sizeof(buf);
		if (index) {
			if (chunk > sr->bytes - at)
				chunk = (size_t)(sr->bytes - at);
			for (size_t i = 0; i < chunk; i++)
				buf[i] = stream_byte(at + i);
			n = mymap_channel_write(ch, buf, chunk, MYMAP_CHANNEL_FOREVER);
		} else {
			n = mymap_channel_read(ch, buf, chunk, MYMAP_CHANNEL_FOREVER);
			for (ssize_t i = 0; i < n; i++)
				if (buf[i] != stream_byte(at + (uint64_t)i) && !sr->bad_at)
					atomic_store(&sr->bad_at, at + (uint64_t)i + 1);
		}
		if (n <= 0) {
			atomic_store(&sr->end_error, n);
			break;
		}
		at += (uint64_t)n;
	}
	if (!index)
		atomic_store(&sr->read_bytes, at);
	mymap_channel_close(ch);
}

static void run_stream(struct mymap_heap *heap, uint64_t bytes, bool threads)
{
	struct mymap_channel_config cfg = {
	    .kind = MYMAP_CHANNEL_STREAM, .capacity = 8192, .start_index = WRAP_START};
	struct stream_run *sr = mymap_calloc(heap, 1, sizeof(*sr));
	int err = mymap_channel_create(heap, "stress-stream", &cfg), crashed;

	if (!tap_ok(err == 0 && sr, "stream: create the channel (%d)", err))
		return;
	sr->bytes = bytes;
	crashed = run_workers(heap, 2, threads, stream_worker, sr);
	tap_ok(!crashed && sr->read_bytes == bytes && !sr->bad_at,
	       "stream: %llu bytes in random chunks arrive intact and in order (read %llu, first "
	       "bad byte %lld)",
	       (unsigned long long)bytes, (unsigned long long)sr->read_bytes,
	       (long long)sr->bad_at - 1);
	tap_ok(sr->end_error == -EPIPE,
	       "stream: the reader sees -EPIPE once the writer closed and the ring is drained "
	       "(%lld)",
	       (long long)sr->end_error);
	mymap_channel_remove(heap, "stress-stream");
	mymap_free(heap, sr);
}

int main(int argc, char **argv)
{
	static const struct shape shapes[] = {
	    {"stress-msg-1x1", MYMAP_CHANNEL_MESSAGES, 64, 1, 1, false, false},
	    {"stress-loan-1x1", MYMAP_CHANNEL_MESSAGES, 64, 1, 1, true, false},
	    {"stress-block-1x1", MYMAP_CHANNEL_MESSAGES, 4, 1, 1, false, true},
	    {"stress-mpmc-4x1", MYMAP_CHANNEL_MPMC, 64, 4, 1, false, false},
	    {"stress-mpmc-1x3", MYMAP_CHANNEL_MPMC, 64, 1, 3, true, false},
	    {"stress-mpmc-3x3", MYMAP_CHANNEL_MPMC, 16, 3, 3, false, true},
	};
	const char *backend = "memfd";
	uint64_t messages = 400000;
	bool threads = false;
	struct mymap_channel_info info;
	struct mymap_heap *heap;
	int opt;

	static const struct option longopts[] = {
	    {"backend", required_argument, NULL, 'b'},
	    {"threads", no_argument, NULL, 't'},
	    {"messages", required_argument, NULL, 'n'},
	    {NULL, 0, NULL, 0},
	};
	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (opt == 'b')
			backend = optarg;
		else if (opt == 't')
			threads = true;
		else if (opt == 'n')
			messages = strtoull(optarg, NULL, 0);
		else
			return 2;
	}
	tap_diag("backend %s, %s, %llu messages per shape", backend,
		 threads ? "threads" : "processes", (unsigned long long)messages);
	heap = test_heap(backend, 64u << 20);
	for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++)
		run_shape(heap, &shapes[i], shapes[i].blocking ? messages / 4 : messages, threads);
	run_stream(heap, messages * 64, threads);
	tap_ok(mymap_channel_list(heap, &info, 1) == 0,
	       "every channel removed: the directory is empty");
	tap_ok(mymap_heap_check(heap) == 0, "the heap checks clean afterwards (%s)",
	       mymap_last_message());
	mymap_close(heap);
	return tap_done();
}
