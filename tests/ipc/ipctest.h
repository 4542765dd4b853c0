/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ipctest.h - what the channel tests share: opening a heap on the backend
 * named on the command line, running workers as processes or threads,
 * and the payload every message carries so that a receiver can check
 * where it came from, its place in the sequence, and every byte.
 */
#ifndef MYMAP_TESTS_IPCTEST_H
#define MYMAP_TESTS_IPCTEST_H

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mymap.h"
#include "mymap_channel.h"
#include "tap.h"

/* Opens a fresh heap: "memfd" (host) or "device" (the VM's /dev/mymap). */
__attribute__((unused)) static struct mymap_heap *test_heap(const char *backend, size_t size)
{
	struct mymap_heap *h;

	if (strcmp(backend, "device") == 0)
		h = mymap_open_device(MYMAP_FORMAT);
	else
		h = mymap_open_memfd(size, 0);
	if (!h) {
		tap_ok(false, "open a %s heap: %s (%s)", backend, strerror(errno),
		       mymap_last_message());
		exit(tap_done());
	}
	return h;
}

/* An endpoint of channel @name, or NULL after a failing TAP line. */
__attribute__((unused)) static struct mymap_channel *
tap_open_channel(struct mymap_heap *heap, const char *name, enum mymap_channel_role role)
{
	struct mymap_channel *ch = NULL;
	int err = mymap_channel_open(heap, name, role, &ch);

	if (err)
		tap_ok(false, "open %s: %s", name, strerror(-err));
	return ch;
}

/* The heap's bytes in use, to see a channel's memory come and go. */
__attribute__((unused)) static uint64_t heap_in_use(struct mymap_heap *heap)
{
	struct mymap_stats st;

	mymap_heap_stats(heap, &st);
	return st.in_use;
}

/* ---- Workers: processes sharing the heap by fork, or threads ---- */

typedef void (*worker_fn)(struct mymap_heap *heap, int index, void *arg);

struct worker_thread {
	pthread_t thread;
	struct mymap_heap *heap;
	int index;
	worker_fn fn;
	void *arg;
};

static void *worker_thread_main(void *p)
{
	struct worker_thread *w = p;

	w->fn(w->heap, w->index, w->arg);
	return NULL;
}

/*
 * Runs @fn(heap, i, arg) for i in [0, n) concurrently, as forked processes
 * (@threads false) or threads, and waits for all.  Returns how many
 * processes ended abnormally (threads: 0).
 */
__attribute__((unused)) static int run_workers(struct mymap_heap *heap, int n, bool threads,
					       worker_fn fn, void *arg)
{
	int bad = 0;

	if (threads) {
		struct worker_thread w[64];

		for (int i = 0; i < n; i++) {
			w[i] =
			    (struct worker_thread){.heap = heap, .index = i, .fn = fn, .arg = arg};
			pthread_create(&w[i].thread, NULL, worker_thread_main, &w[i]);
		}
		for (int i = 0; i < n; i++)
			pthread_join(w[i].thread, NULL);
		return 0;
	}
	pid_t pids[64];

	fflush(stdout);
	for (int i = 0; i < n; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			fn(heap, i, arg);
			_exit(0);
		}
	}
	for (int i = 0; i < n; i++) {
		int status;

		if (pids[i] < 0 || waitpid(pids[i], &status, 0) != pids[i] || !WIFEXITED(status) ||
		    WEXITSTATUS(status) != 0)
			bad++;
	}
	return bad;
}

/* ---- Payloads ---- */

/* The head of every test message; the rest is filler derived from it. */
struct test_msg {
	uint32_t producer;
	uint32_t len;
	uint64_t seq;
};

static inline unsigned char filler(const struct test_msg *m, uint32_t i)
{
	return (unsigned char)(m->seq * 131 + m->producer * 7 + i * 17 + (m->seq >> 8));
}

/* A length in [sizeof(struct test_msg), max] that varies with @seq. */
static inline uint32_t test_len(uint64_t seq, uint32_t max)
{
	uint32_t span = max - (uint32_t)sizeof(struct test_msg) + 1;

	return (uint32_t)sizeof(struct test_msg) + (uint32_t)((seq * 2654435761u) % span);
}

/* Writes message @seq of @producer, @len bytes, at @buf. */
static inline void test_fill(void *buf, uint32_t producer, uint64_t seq, uint32_t len)
{
	struct test_msg m = {.producer = producer, .len = len, .seq = seq};
	unsigned char *p = buf;

	memcpy(p, &m, sizeof(m));
	for (uint32_t i = sizeof(m); i < len; i++)
		p[i] = filler(&m, i);
}

/*
 * Checks a received message of @len bytes: its recorded length and every
 * filler byte.  Fills *@m with its head.  Returns NULL or what is wrong.
 */
static inline const char *test_check(const void *buf, size_t len, struct test_msg *m)
{
	const unsigned char *p = buf;

	if (len < sizeof(*m))
		return "message shorter than its header";
	memcpy(m, p, sizeof(*m));
	if (m->len != len)
		return "length differs from the one sent";
	for (uint32_t i = sizeof(*m); i < len; i++)
		if (p[i] != filler(m, i))
			return "a payload byte differs from the one sent";
	return NULL;
}

#endif /* MYMAP_TESTS_IPCTEST_H */
