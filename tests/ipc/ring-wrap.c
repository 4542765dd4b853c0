// SPDX-License-Identifier: GPL-2.0
/*
 * ring-wrap.c - property test of the ring indices around wrap-around:
 * the message ring, the byte stream and the MPMC queue, each started with
 * its free-running 32-bit indices just below UINT32_MAX, driven by random
 * operations against a simple model (a FIFO of what was sent), one thread.
 *
 * Properties checked after every operation: a send succeeds exactly when
 * the model holds fewer than capacity items; a receive succeeds exactly
 * when the model is non-empty and returns the model's oldest item, byte
 * for byte; the ring's own count equals the model's.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mpmc.h"
#include "spsc.h"
#include "stream.h"
#include "tap.h"

#define OPS	   200000
#define MSG_SIZE   48
#define CAPACITY   8
#define STREAM_CAP 256
#define FIFO_SLOTS (STREAM_CAP * 2)
/* Message rings of both layouts: lengths in the slots, and apart from them. */
#define BIG_MSG_SIZE (IPC_SPSC_LENS_APART + 40)

/* xorshift64*: reproducible from the seed printed in the TAP output. */
static uint64_t rng_state;

static uint64_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

/* The model: a FIFO of messages, each a length and its bytes. */
struct model {
	unsigned char data[FIFO_SLOTS][BIG_MSG_SIZE];
	uint32_t len[FIFO_SLOTS];
	unsigned int head, tail;
};

static unsigned int model_count(const struct model *m)
{
	return m->head - m->tail;
}

static void fill(unsigned char *buf, uint32_t len, uint64_t seed)
{
	for (uint32_t i = 0; i < len; i++)
		buf[i] = (unsigned char)(seed >> (8 * (i % 8))) ^ (unsigned char)i;
}

/* Everything the rings live in: one aligned buffer per test. */
static void *ring_memory(size_t bytes)
{
	void *p = aligned_alloc(64, (bytes + 63) & ~(size_t)63);

	if (p)
		memset(p, 0xa5, bytes);
	return p;
}

static void test_spsc(uint32_t start, uint32_t msg_size)
{
	size_t bytes = sizeof(struct ipc_spsc) + ipc_spsc_data_bytes(msg_size, CAPACITY);
	struct ipc_spsc *q = ring_memory(bytes);
	struct ipc_spsc_end tx, rx;
	struct model *m = calloc(1, sizeof(*m));
	const char *bad = NULL;
	unsigned long sent = 0;
	uintptr_t misaligned = 0;
	int op;

	ipc_spsc_format(q, msg_size, CAPACITY, sizeof(*q), start);
	if (ipc_spsc_attach(&tx, q, msg_size, CAPACITY, sizeof(*q), 1) ||
	    ipc_spsc_attach(&rx, q, msg_size, CAPACITY, sizeof(*q), 0))
		bad = "attach refused a freshly formatted ring";
	for (op = 0; op < OPS && !bad; op++) {
		if (rng() % 2) {
			void *slot = NULL;
			int ret = ipc_spsc_reserve(&tx, &slot);
			unsigned int i = m->head % FIFO_SLOTS;

			if (ret && ret != -EAGAIN) {
				bad = "reserve reported a consistent ring as corrupt";
				break;
			}

			if (!slot != (model_count(m) == CAPACITY)) {
				bad = slot ? "reserve succeeded on a full ring"
					   : "reserve failed on a ring with room";
				break;
			}
			if (!slot)
				continue;
			misaligned |= (uintptr_t)slot % 64;
			m->len[i] = (uint32_t)(rng() % (msg_size + 1));
			fill(m->data[i], m->len[i], rng());
			memcpy(slot, m->data[i], m->len[i]);
			ipc_spsc_publish(&tx, m->len[i]);
			m->head++;
			sent++;
		} else {
			uint32_t len = 0;
			const void *msg = NULL;
			int ret = ipc_spsc_peek(&rx, &msg, &len);
			unsigned int i = m->tail % FIFO_SLOTS;

			if (ret && ret != -EAGAIN) {
				bad = "peek reported a consistent ring as corrupt";
				break;
			}

			if (!msg != (model_count(m) == 0)) {
				bad = msg ? "peek returned a message from an empty ring"
					  : "peek found nothing in a non-empty ring";
				break;
			}
			if (!msg)
				continue;
			if (len != m->len[i] || memcmp(msg, m->data[i], len)) {
				bad = "message differs from the one sent";
				break;
			}
			ipc_spsc_release(&rx);
			m->tail++;
		}
		if (ipc_spsc_count(q) != model_count(m))
			bad = "ring count differs from the model";
	}
	tap_ok(!bad,
	       "spsc %u-byte slots: from index %#x, %d random ops (%lu messages) agree with a "
	       "FIFO%s%s",
	       msg_size, start, op, sent, bad ? ": " : "", bad ? bad : "");
	if (msg_size >= IPC_SPSC_LENS_APART)
		tap_ok(!misaligned,
		       "spsc %u-byte slots: every payload starts on a cache line (offsets or'ed: "
		       "%#lx)",
		       msg_size, (unsigned long)misaligned);
	tap_ok(atomic_load(&q->head) - start == sent,
	       "spsc %u-byte slots: head advanced by the number of messages published across "
	       "2^32 (%#x)",
	       msg_size, atomic_load(&q->head));
	free(m);
	free(q);
}

static void test_stream(uint32_t start)
{
	size_t bytes = sizeof(struct ipc_stream) + STREAM_CAP;
	struct ipc_stream *q = ring_memory(bytes);
	struct ipc_stream_end w, r;
	unsigned char *fifo = malloc(1 << 16), buf[STREAM_CAP * 2];
	unsigned int in = 0, out = 0; /* model FIFO of bytes, 64 KiB window */
	const char *bad = NULL;
	unsigned long written = 0;
	int op;

	ipc_stream_format(q, STREAM_CAP, sizeof(*q), start);
	if (ipc_stream_attach(&w, q, STREAM_CAP, sizeof(*q), 1) ||
	    ipc_stream_attach(&r, q, STREAM_CAP, sizeof(*q), 0))
		bad = "attach refused a freshly formatted stream";
	for (op = 0; op < OPS && !bad; op++) {
		size_t len = rng() % (STREAM_CAP + 40), expect;
		ssize_t n;

		if (rng() % 2) {
			expect = len < STREAM_CAP - (in - out) ? len : STREAM_CAP - (in - out);
			fill(buf, (uint32_t)len, rng());
			n = ipc_stream_write(&w, buf, len);
			if (n < 0 || (size_t)n != expect) {
				bad = "write accepted a different number of bytes than there was "
				      "room";
				break;
			}
			for (size_t i = 0; i < (size_t)n; i++)
				fifo[(in + i) & 0xffff] = buf[i];
			in += (unsigned int)n;
			written += (size_t)n;
		} else {
			expect = len < in - out ? len : in - out;
			n = ipc_stream_read(&r, buf, len);
			if (n < 0 || (size_t)n != expect) {
				bad = "read returned a different number of bytes than were queued";
				break;
			}
			for (size_t i = 0; i < (size_t)n && !bad; i++)
				if (buf[i] != fifo[(out + i) & 0xffff])
					bad = "a byte read differs from the byte written";
			out += (unsigned int)n;
		}
		if (ipc_stream_count(q) != in - out)
			bad = "stream count differs from the model";
	}
	tap_ok(!bad, "stream: from index %#x, %d random ops (%lu bytes) agree with a FIFO%s%s",
	       start, op, written, bad ? ": " : "", bad ? bad : "");
	free(fifo);
	free(q);
}

/* MPMC: several owners claim in turn, some claims held open across others. */
static void test_mpmc(uint32_t start)
{
	size_t bytes = sizeof(struct ipc_mpmc) + ipc_mpmc_data_bytes(MSG_SIZE, CAPACITY);
	struct ipc_mpmc *q = ring_memory(bytes);
	struct model *m = calloc(1, sizeof(*m));
	const char *bad = NULL;
	unsigned long sent = 0;
	int op;

	struct ipc_mpmc_end e;

	ipc_mpmc_format(q, MSG_SIZE, CAPACITY, sizeof(*q), start);
	if (ipc_mpmc_attach(&e, q, MSG_SIZE, CAPACITY, sizeof(*q)))
		bad = "attach refused a freshly formatted queue";
	for (op = 0; op < OPS && !bad; op++) {
		struct ipc_mpmc_claim c;
		uint16_t owner = (uint16_t)(rng() % 4);

		if (rng() % 2) {
			int got = ipc_mpmc_claim_write(&e, owner, &c);
			unsigned int i = m->head % FIFO_SLOTS;

			if (got < 0) {
				bad = "write claim reported a consistent queue as corrupt";
				break;
			}

			if (got != (model_count(m) < CAPACITY)) {
				bad = got ? "claim succeeded on a full queue"
					  : "claim failed on a queue with room";
				break;
			}
			if (!got)
				continue;
			m->len[i] = (uint32_t)(rng() % (MSG_SIZE + 1));
			fill(m->data[i], m->len[i], rng());
			memcpy(ipc_mpmc_payload(&c), m->data[i], m->len[i]);
			ipc_mpmc_publish(&e, &c, m->len[i]);
			m->head++;
			sent++;
		} else {
			int got = ipc_mpmc_claim_read(&e, owner, &c);
			unsigned int i = m->tail % FIFO_SLOTS;

			if (got < 0) {
				bad = "read claim reported a consistent queue as corrupt";
				break;
			}

			if (got != (model_count(m) > 0)) {
				bad = got ? "read claim from an empty queue"
					  : "read claim failed on a non-empty queue";
				break;
			}
			if (!got)
				continue;
			if (c.len != m->len[i] ||
			    memcmp(ipc_mpmc_payload(&c), m->data[i], m->len[i])) {
				bad = "message differs from the one sent";
				break;
			}
			ipc_mpmc_release(&e, &c);
			m->tail++;
		}
		if (ipc_mpmc_count(q) != model_count(m))
			bad = "queue count differs from the model";
	}
	tap_ok(!bad, "mpmc: from index %#x, %d random ops (%lu messages) agree with a FIFO%s%s",
	       start, op, sent, bad ? ": " : "", bad ? bad : "");
	free(m);
	free(q);
}

/*
 * MPMC repair across the wrap: an owner that "dies" holding a write claim
 * and a read claim must leave a queue that the others can use to the
 * end, with only the dead owner's two messages gone.
 */
static void test_mpmc_repair(uint32_t start)
{
	size_t bytes = sizeof(struct ipc_mpmc) + ipc_mpmc_data_bytes(MSG_SIZE, CAPACITY);
	struct ipc_mpmc *q = ring_memory(bytes);
	struct ipc_mpmc_claim dead_read, dead_write, c;
	unsigned int repaired, got = 0, expect_seq = 1;
	uint32_t seq;
	bool order_ok = true;

	struct ipc_mpmc_end e;

	ipc_mpmc_format(q, MSG_SIZE, CAPACITY, sizeof(*q), start);
	ipc_mpmc_view(&e, q, MSG_SIZE, CAPACITY, sizeof(*q));
	/* Messages 0..3 by owner 1; owner 7 takes message 0 for reading and dies. */
	for (seq = 0; seq < 4; seq++) {
		ipc_mpmc_claim_write(&e, 1, &c);
		memcpy(ipc_mpmc_payload(&c), &seq, sizeof(seq));
		ipc_mpmc_publish(&e, &c, sizeof(seq));
	}
	ipc_mpmc_claim_read(&e, 7, &dead_read);
	/* Owner 7 also claims a cell to write and dies before publishing. */
	ipc_mpmc_claim_write(&e, 7, &dead_write);
	for (; seq < 6; seq++) {
		ipc_mpmc_claim_write(&e, 1, &c);
		memcpy(ipc_mpmc_payload(&c), &seq, sizeof(seq));
		ipc_mpmc_publish(&e, &c, sizeof(seq));
	}
	tap_ok(ipc_mpmc_blocker(&e, false) == IPC_MPMC_NO_OWNER,
	       "mpmc repair: the queue is not full, so no cell blocks the writers");
	repaired = ipc_mpmc_repair(&e, 7);
	tap_ok(repaired == 2, "mpmc repair: both claims of the dead owner undone (%u)", repaired);
	tap_ok(ipc_mpmc_repair(&e, 7) == 0, "mpmc repair: a second repair changes nothing");
	while (ipc_mpmc_claim_read(&e, 2, &c) == 1) {
		memcpy(&seq, ipc_mpmc_payload(&c), sizeof(seq));
		ipc_mpmc_release(&e, &c);
		if (seq != expect_seq)
			order_ok = false;
		expect_seq = seq + 1;
		got++;
	}
	tap_ok(got == 5 && order_ok,
	       "mpmc repair: the 5 live messages arrive in order, the void cell skipped (%u)", got);
	for (seq = 0; seq < CAPACITY; seq++)
		if (ipc_mpmc_claim_write(&e, 1, &c) != 1)
			break;
		else
			ipc_mpmc_publish(&e, &c, 0);
	tap_ok(seq == CAPACITY, "mpmc repair: the whole capacity is usable again (%u cells)", seq);
	(void)dead_write;
	(void)dead_read;
	free(q);
}

int main(int argc, char **argv)
{
	const uint32_t starts[] = {0, UINT32_MAX - 3, UINT32_MAX - CAPACITY, UINT32_MAX - 200};

	rng_state = argc > 1 ? strtoull(argv[1], NULL, 0) : 0x9e3779b97f4a7c15ull;
	tap_diag("seed %#llx (give it as the first argument to repeat)",
		 (unsigned long long)rng_state);
	for (size_t i = 0; i < sizeof(starts) / sizeof(starts[0]); i++) {
		test_spsc(starts[i], MSG_SIZE);
		test_spsc(starts[i], BIG_MSG_SIZE);
		test_stream(starts[i]);
		test_mpmc(starts[i]);
	}
	test_mpmc_repair(UINT32_MAX - 2);
	return tap_done();
}
