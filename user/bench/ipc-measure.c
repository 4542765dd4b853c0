// SPDX-License-Identifier: GPL-2.0
/* ipc-measure.c - channel throughput and ping-pong between two processes. */
#include "ipc-measure.h"

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "ipc-affinity.h"
#include "mymap_channel.h"

#define WARMUP 20

/* Where reads in place leave their result, so that the compiler keeps them. */
static volatile uint64_t consumed;

uint32_t ipc_measure_capacity(size_t size)
{
	size_t cap = 4;

	while (cap < 256 && cap * 2 * size <= (1u << 20))
		cap *= 2;
	return (uint32_t)cap;
}

static int create(struct mymap_heap *heap, const char *name, size_t size)
{
	struct mymap_channel_config cfg = {
	    .kind = MYMAP_CHANNEL_MESSAGES,
	    .msg_size = (uint32_t)size,
	    .capacity = ipc_measure_capacity(size),
	};

	mymap_channel_remove(heap, name);
	return mymap_channel_create(heap, name, &cfg);
}

static struct mymap_channel *attach(struct mymap_heap *heap, const char *name,
				    enum mymap_channel_role role, uint32_t spin)
{
	struct mymap_channel *ch = NULL;

	if (mymap_channel_open(heap, name, role, &ch))
		return NULL;
	mymap_channel_set_spin(ch, spin);
	return ch;
}

/*
 * Waits for the child; 0 if it exited with status 0.  After a failure
 * (@err) on this side the child may wait forever for a peer that never
 * came or stopped early: it is killed first.
 */
static int reap(pid_t pid, int err)
{
	int status;

	if (err)
		kill(pid, SIGKILL);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
		return -ECHILD;
	return 0;
}

static void sender_child(struct mymap_heap *heap, const char *name, size_t size, uint64_t count,
			 uint32_t spin)
{
	struct mymap_channel *ch = attach(heap, name, MYMAP_CHANNEL_SENDER, spin);
	unsigned char *src = malloc(size);

	if (!ch || !src)
		_exit(1);
	for (size_t i = 0; i < size; i++)
		src[i] = (unsigned char)i;
	for (uint64_t i = 0; i < count; i++)
		if (mymap_channel_send(ch, src, size, MYMAP_CHANNEL_FOREVER))
			_exit(1);
	mymap_channel_close(ch);
	_exit(0);
}

/* Reads every cache line of a viewed message, as a consumer working in place would. */
static uint64_t touch(const unsigned char *p, size_t len)
{
	uint64_t sum = 0;

	for (size_t i = 0; i < len; i += 64)
		sum += p[i];
	return sum;
}

static int receive(struct mymap_channel *ch, unsigned char *dst, size_t size,
		   enum ipc_consume consume, uint64_t *sink)
{
	struct mymap_loan view;
	ssize_t n;
	int err;

	if (consume == IPC_CONSUME_COPY) {
		n = mymap_channel_recv(ch, dst, size, MYMAP_CHANNEL_FOREVER);
		return n < 0 ? (int)n : 0;
	}
	err = mymap_channel_recv_view(ch, &view, MYMAP_CHANNEL_FOREVER);
	if (err)
		return err;
	*sink += touch(view.data, view.size);
	return mymap_channel_release(ch, &view);
}

void ipc_rate_since(struct ipc_rate *out, uint64_t t0, uint64_t count, size_t size)
{
	out->seconds = (double)(bench_now_ns() - t0) / 1e9;
	out->messages = count - 1;
	out->bytes = (count - 1) * size;
}

int ipc_measure_rate(struct mymap_heap *heap, size_t size, uint64_t count, uint32_t spin,
		     enum ipc_consume consume, struct ipc_rate *out)
{
	struct mymap_channel_stats st;
	struct mymap_channel *ch;
	unsigned char *dst;
	uint64_t t0 = 0, sink = 0;
	char name[48];
	pid_t pid;
	int err = 0;

	if (count < 2)
		return -EINVAL;
	snprintf(name, sizeof(name), "bench-rate-%d", (int)getpid());
	err = create(heap, name, size);
	if (err)
		return err;
	pid = ipc_fork_pinned();
	if (pid < 0) {
		err = -errno;
		mymap_channel_remove(heap, name);
		return err;
	}
	if (pid == 0)
		sender_child(heap, name, size, count, spin);
	ch = attach(heap, name, MYMAP_CHANNEL_RECEIVER, spin);
	dst = malloc(size);
	if (!ch || !dst)
		err = -ENOMEM;
	for (uint64_t i = 0; i < count && !err; i++) {
		err = receive(ch, dst, size, consume, &sink);
		if (i == 0)
			t0 = bench_now_ns();
	}
	ipc_rate_since(out, t0, count, size);
	if (ch) {
		mymap_channel_stats(ch, &st);
		out->sleeps = st.sleeps;
	}
	consumed = sink;
	mymap_channel_close(ch);
	free(dst);
	if (reap(pid, err) && !err)
		err = -ECHILD;
	mymap_channel_remove(heap, name);
	return err;
}

static void echo_child(struct mymap_heap *heap, const char *ping, const char *pong, size_t size,
		       uint32_t rounds, uint32_t spin)
{
	struct mymap_channel *in = attach(heap, ping, MYMAP_CHANNEL_RECEIVER, spin);
	struct mymap_channel *out = attach(heap, pong, MYMAP_CHANNEL_SENDER, spin);
	unsigned char *buf = malloc(size);

	if (!in || !out || !buf)
		_exit(1);
	for (uint32_t i = 0; i < rounds; i++) {
		ssize_t n = mymap_channel_recv(in, buf, size, MYMAP_CHANNEL_FOREVER);

		if (n < 0 || mymap_channel_send(out, buf, (size_t)n, MYMAP_CHANNEL_FOREVER))
			_exit(1);
	}
	mymap_channel_close(in);
	mymap_channel_close(out);
	_exit(0);
}

int ipc_measure_pingpong(struct mymap_heap *heap, size_t size, uint32_t iters, uint32_t spin,
			 double *rtt_ns)
{
	struct mymap_channel *out, *in;
	char ping[48], pong[48];
	unsigned char *buf;
	pid_t pid;
	int err;

	snprintf(ping, sizeof(ping), "bench-ping-%d", (int)getpid());
	snprintf(pong, sizeof(pong), "bench-pong-%d", (int)getpid());
	err = create(heap, ping, size);
	if (!err) {
		err = create(heap, pong, size);
		if (err)
			mymap_channel_remove(heap, ping);
	}
	if (err)
		return err;
	pid = ipc_fork_pinned();
	if (pid < 0) {
		err = -errno;
		mymap_channel_remove(heap, ping);
		mymap_channel_remove(heap, pong);
		return err;
	}
	if (pid == 0)
		echo_child(heap, ping, pong, size, iters + WARMUP, spin);
	out = attach(heap, ping, MYMAP_CHANNEL_SENDER, spin);
	in = attach(heap, pong, MYMAP_CHANNEL_RECEIVER, spin);
	buf = calloc(1, size);
	if (!out || !in || !buf)
		err = -ENOMEM;
	for (uint32_t i = 0; i < iters + WARMUP && !err; i++) {
		uint64_t t = bench_now_ns();
		ssize_t n;

		err = mymap_channel_send(out, buf, size, MYMAP_CHANNEL_FOREVER);
		n = err ? err : mymap_channel_recv(in, buf, size, MYMAP_CHANNEL_FOREVER);
		if (n < 0)
			err = (int)n;
		else if (i >= WARMUP)
			rtt_ns[i - WARMUP] = (double)(bench_now_ns() - t);
	}
	mymap_channel_close(out);
	mymap_channel_close(in);
	free(buf);
	if (reap(pid, err) && !err)
		err = -ECHILD;
	mymap_channel_remove(heap, ping);
	mymap_channel_remove(heap, pong);
	return err;
}

/* What a subscriber process reports, in memory shared with the caller. */
struct sub_report {
	_Atomic uint32_t ready;
	uint64_t delivered, lost, sink;
};

static void subscriber_child(struct mymap_heap *heap, const char *name, struct sub_report *r)
{
	struct mymap_channel *ch =
	    attach(heap, name, MYMAP_CHANNEL_RECEIVER, MYMAP_CHANNEL_SPIN_DEFAULT);
	struct mymap_loan view;
	int err;

	if (!ch)
		_exit(1);
	atomic_store_explicit(&r->ready, 1, memory_order_release);
	while ((err = mymap_channel_recv_view(ch, &view, MYMAP_CHANNEL_FOREVER)) == 0) {
		uint64_t sum = touch(view.data, view.size);

		/* A read the publisher overwrote meanwhile is lost, not consumed. */
		if (mymap_channel_release(ch, &view) == 0) {
			r->sink += sum;
			r->delivered++;
		}
	}
	r->lost = mymap_channel_lost(ch);
	mymap_channel_close(ch);
	_exit(err == -EPIPE ? 0 : 1);
}

int ipc_measure_pubsub(struct mymap_heap *heap, size_t size, uint64_t count, unsigned int subs,
		       struct ipc_rate *per_sub, uint64_t *lost)
{
	struct mymap_channel_config cfg = {
	    .kind = MYMAP_CHANNEL_PUBSUB,
	    .msg_size = (uint32_t)size,
	    .capacity = ipc_measure_capacity(size),
	};
	struct sub_report *r;
	struct mymap_channel *pub;
	unsigned char *src = malloc(size);
	pid_t pids[IPC_PUBSUB_MAX_SUBS];
	uint64_t deadline, t0, delivered = 0;
	char name[48];
	unsigned int started = 0;
	int err = 0;

	if (subs < 1 || subs > IPC_PUBSUB_MAX_SUBS || !src)
		return free(src), -EINVAL;
	r = mmap(NULL, sizeof(*r) * subs, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1,
		 0);
	if (r == MAP_FAILED)
		return free(src), -errno;
	memset(r, 0, sizeof(*r) * subs);
	memset(src, 0x5a, size);
	snprintf(name, sizeof(name), "bench-pubsub-%d", (int)getpid());
	mymap_channel_remove(heap, name);
	err = mymap_channel_create(heap, name, &cfg);
	pub = err ? NULL : attach(heap, name, MYMAP_CHANNEL_SENDER, MYMAP_CHANNEL_SPIN_DEFAULT);
	if (!err && !pub)
		err = -ENOMEM;
	for (; !err && started < subs; started++) {
		pids[started] = ipc_fork_pinned_nth(started);
		if (pids[started] < 0)
			err = -errno;
		else if (pids[started] == 0)
			subscriber_child(heap, name, &r[started]);
	}
	/* Everyone attached before the first message, or the run is not fair. */
	deadline = bench_now_ns() + 10000000000ull;
	for (unsigned int i = 0; !err && i < subs; i++)
		while (!atomic_load_explicit(&r[i].ready, memory_order_acquire))
			if (bench_now_ns() > deadline) {
				err = -ETIMEDOUT;
				break;
			}
	t0 = bench_now_ns();
	for (uint64_t i = 0; !err && i < count; i++)
		err = mymap_channel_send(pub, src, size, 0);
	per_sub->seconds = (double)(bench_now_ns() - t0) / 1e9;
	mymap_channel_close(pub);
	*lost = 0;
	for (unsigned int i = 0; i < started; i++) {
		if (reap(pids[i], err) && !err)
			err = -ECHILD;
		delivered += r[i].delivered;
		*lost += r[i].lost;
		consumed += r[i].sink;
	}
	/*
	 * The mean subscriber's messages per second of publishing: what it
	 * keeps up with (those of the last lap, read after the publisher
	 * closed, at most a capacity's worth, count too).
	 */
	per_sub->messages = delivered / subs;
	per_sub->bytes = per_sub->messages * size;
	per_sub->sleeps = 0;
	munmap(r, sizeof(*r) * subs);
	free(src);
	mymap_channel_remove(heap, name);
	return err;
}
