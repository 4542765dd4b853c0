// SPDX-License-Identifier: GPL-2.0
/*
 * pubsub-ring.c - the publish/subscribe ring (user/lib/ipc/pubsub.h):
 * subscribers at their own pace over the same slots, read in place.
 *
 * One thread, from indices just below UINT32_MAX: a subscriber that keeps
 * up gets every message in order; one that falls behind by k laps gets
 * the last lap and counts the rest as lost; one that joins late sees only
 * what comes after.  Damage: a head behind the cursor (-EBADMSG), a slot
 * whose sequence or length was rewritten (lost, never delivered).  Then
 * a publisher thread that never waits and three subscriber threads, one
 * slow: every message delivered is whole and in order, and delivered plus
 * lost equals published for each.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pubsub.h"
#include "tap.h"

#define PAYLOAD	 64
#define CAPACITY 8
#define START	 (UINT32_MAX - 20)
#define THREADED 200000u

static _Alignas(64) unsigned char ring_mem[1 << 16];
static struct ipc_pubsub *const ring = (struct ipc_pubsub *)ring_mem;

/* A message: its number, repeated over the length it claims. */
static void publish(struct ipc_pubsub_end *p, uint64_t n)
{
	uint64_t *w = ipc_pubsub_begin(p);

	for (int i = 0; i < PAYLOAD / 8; i++)
		w[i] = n;
	ipc_pubsub_publish(p, PAYLOAD);
}

/* Takes one message: 1 and *@n when a whole one came, 0 when nothing, -1 on a bad one. */
static int take(struct ipc_pubsub_end *s, uint64_t *n)
{
	const void *data;
	uint64_t seq, words[PAYLOAD / 8];
	uint32_t len;

	for (;;) {
		int err = ipc_pubsub_peek(s, &data, &len, &seq);

		if (err == -EAGAIN)
			return 0;
		if (err)
			return -1;
		memcpy(words, data, sizeof(words));
		if (!ipc_pubsub_still_valid(s, seq))
			continue;
		if (len != PAYLOAD)
			return -1;
		for (int i = 1; i < PAYLOAD / 8; i++)
			if (words[i] != words[0])
				return -1;
		*n = words[0];
		return 1;
	}
}

static void test_one_thread(void)
{
	struct ipc_pubsub_end pub, fast, slow, late;
	uint64_t n, next = 0;
	bool ordered = true;
	int got;

	ipc_pubsub_format(ring, PAYLOAD, CAPACITY, START);
	tap_ok(ipc_pubsub_attach(&pub, ring, PAYLOAD, CAPACITY) == 0, "publisher attaches");
	ipc_pubsub_attach(&fast, ring, PAYLOAD, CAPACITY);
	ipc_pubsub_attach(&slow, ring, PAYLOAD, CAPACITY);
	tap_ok(take(&fast, &n) == 0, "nothing published: nothing to take");
	for (uint64_t i = 0; i < 40; i++) {
		publish(&pub, i);
		got = take(&fast, &n);
		ordered &= got == 1 && n == next++;
	}
	tap_ok(ordered && fast.lost == 0,
	       "a subscriber that keeps up gets all 40, in order, across the index wrap");
	tap_ok(ipc_pubsub_pending(&slow) == CAPACITY, "the slow one has a lap pending (%u)",
	       ipc_pubsub_pending(&slow));
	got = take(&slow, &n);
	tap_ok(got == 1 && n == 40 - CAPACITY && slow.lost == 40 - CAPACITY,
	       "5 laps behind: it gets message %d next and counts %d lost (got %llu, lost %llu)",
	       40 - CAPACITY, 40 - CAPACITY, (unsigned long long)n, (unsigned long long)slow.lost);
	ipc_pubsub_attach(&late, ring, PAYLOAD, CAPACITY);
	publish(&pub, 40);
	tap_ok(take(&late, &n) == 1 && n == 40 && late.lost == 0,
	       "a late subscriber sees only what comes after it joined");

	/* Damage. */
	atomic_store(&ring->head, late.index - 2);
	tap_ok(ipc_pubsub_peek(&late, &(const void *){0}, &(uint32_t){0}, &(uint64_t){0}) ==
		   -EBADMSG,
	       "head behind the cursor: -EBADMSG");
	atomic_store(&ring->head, pub.index);
	publish(&pub, 41);
	publish(&pub, 42);
	{
		struct ipc_pubsub_slot *s = ipc_slot(ring, &late.geo, late.index);

		atomic_fetch_add(&s->seq, 2);
	}
	got = take(&late, &n);
	tap_ok(got == 1 && n == 42 && late.lost == 1,
	       "a slot with a foreign sequence is lost, not delivered (got %llu, lost %llu)",
	       (unsigned long long)n, (unsigned long long)late.lost);
	publish(&pub, 43);
	{
		struct ipc_pubsub_slot *s = ipc_slot(ring, &late.geo, late.index);

		atomic_store(&s->len, PAYLOAD + 1);
	}
	tap_ok(take(&late, &n) == -1 && late.lost == 2,
	       "a length over the payload: -EBADMSG, counted lost");
	publish(&pub, 44);
	{
		struct ipc_pubsub_slot *s = ipc_slot(ring, &late.geo, late.index);

		atomic_store(&s->len, atomic_load(&s->len) - 1);
	}
	tap_ok(take(&late, &n) == -1 && late.lost == 3,
	       "a length inside the payload that does not match its check: -EBADMSG, counted "
	       "lost");
	publish(&pub, 45);
	tap_ok(take(&late, &n) == 1 && n == 45, "and the next message comes through");
	ring->slots.stride++;
	tap_ok(ipc_pubsub_attach(&late, ring, PAYLOAD, CAPACITY) == -EBADMSG,
	       "a damaged geometry refuses the attach");
}

struct sub_result {
	struct ipc_pubsub_end end; /* attached before the publisher starts */
	int delay;		   /* spins between takes: the slow one */
	uint64_t delivered, lost, bad, out_of_order;
};

static _Atomic bool publishing;

static void *subscriber(void *arg)
{
	struct sub_result *r = arg;
	struct ipc_pubsub_end s = r->end;
	uint64_t n, last = 0;
	bool first = true;

	for (;;) {
		bool was_publishing = atomic_load(&publishing);
		int got = take(&s, &n);

		if (got < 0)
			r->bad++;
		if (got == 1) {
			if (!first && n <= last)
				r->out_of_order++;
			first = false;
			last = n;
			r->delivered++;
		}
		if (got == 0 && !was_publishing)
			break;
		for (volatile int i = 0; i < r->delay; i++)
			;
	}
	r->lost = s.lost;
	return NULL;
}

static void test_threads(void)
{
	struct sub_result res[3] = {{.delay = 0}, {.delay = 0}, {.delay = 2000}};
	pthread_t t[3];
	struct ipc_pubsub_end pub;
	uint32_t start;

	ipc_pubsub_format(ring, PAYLOAD, CAPACITY, START);
	ipc_pubsub_attach(&pub, ring, PAYLOAD, CAPACITY);
	start = pub.index;
	atomic_store(&publishing, true);
	for (int i = 0; i < 3; i++) {
		ipc_pubsub_attach(&res[i].end, ring, PAYLOAD, CAPACITY);
		pthread_create(&t[i], NULL, subscriber, &res[i]);
	}
	for (uint64_t i = 0; i < THREADED; i++)
		publish(&pub, i);
	atomic_store(&publishing, false);
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	tap_ok(pub.index - start == THREADED, "the publisher never waited: %u published", THREADED);
	for (int i = 0; i < 3; i++) {
		tap_ok(res[i].bad == 0 && res[i].out_of_order == 0,
		       "subscriber %d: every message delivered whole and in order (%llu bad, "
		       "%llu out of order)",
		       i, (unsigned long long)res[i].bad, (unsigned long long)res[i].out_of_order);
		tap_ok(res[i].delivered + res[i].lost == THREADED,
		       "subscriber %d: %llu delivered + %llu lost = the %u published", i,
		       (unsigned long long)res[i].delivered, (unsigned long long)res[i].lost,
		       THREADED);
	}
	tap_ok(res[2].lost > 0, "the slow subscriber lost messages (%llu) instead of blocking",
	       (unsigned long long)res[2].lost);
}

int main(void)
{
	alarm(60);
	test_one_thread();
	test_threads();
	return tap_done();
}
