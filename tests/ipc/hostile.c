// SPDX-License-Identifier: GPL-2.0
/*
 * hostile.c - a hostile peer: while a forked victim sends and receives
 * through a channel, another process damages one class of the channel's
 * shared fields at random moments.  The victim must end with clean
 * errors at worst: never a crash, a hang, an access outside the channel
 * (guard pages PROT_NONE around it, a canary before it, a heap check
 * after), or a message delivered that was never sent (every message
 * carries its sequence number and a payload derived from it).
 *
 * Per kind and class, TAP gives trials, crashes, hangs, clean errors
 * (trials where the victim got an error: -EBADMSG and the like), silent
 * acceptances (trials where it got none: the damage was harmless, or the
 * channel could not tell), and accesses outside.  Payload bytes are not
 * damaged: a forged payload is a message, and only the application can
 * check what a message says.
 *
 * usage: hostile [--trials N] [--seed S]
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "channel.h"
#include "directory.h"
#include "ipctest.h"
#include "mymap.h"
#include "mymap_channel.h"
#include "tap.h"

#define PAGE		    4096u
#define HEAP_BYTES	    (1u << 20)
#define TRIAL_MS	    40
#define VICTIM_ALARM_S	    20
#define OPS_BETWEEN_REOPENS 40
#define SENDER_ID	    1u

enum field_class {
	CL_LAYOUT,
	CL_INDICES,
	CL_LENGTHS,
	CL_STATES,
	CL_COUNTS,
	CL_LOCK,
	CL_SLEEPERS,
	CL_DIRECTORY,
	CL_RANDOM,
	CLASSES,
};

static const char *const class_name[CLASSES] = {
    "layout",	  "indices",  "lengths",   "states",	       "counts",
    "lock words", "sleepers", "directory", "random bit flips",
};

struct kind {
	const char *name;
	struct mymap_channel_config cfg;
};

static const struct kind kinds[] = {
    {"messages", {.kind = MYMAP_CHANNEL_MESSAGES, .msg_size = 96, .capacity = 8}},
    {"messages-4k", {.kind = MYMAP_CHANNEL_MESSAGES, .msg_size = 4096, .capacity = 4}},
    {"stream", {.kind = MYMAP_CHANNEL_STREAM, .capacity = 256}},
    {"mpmc", {.kind = MYMAP_CHANNEL_MPMC, .msg_size = 96, .capacity = 8}},
    {"pubsub", {.kind = MYMAP_CHANNEL_PUBSUB, .msg_size = 96, .capacity = 8}},
};
#define KINDS (sizeof(kinds) / sizeof(kinds[0]))

/* What a victim reports, in memory shared with the harness (not the heap). */
struct report {
	_Atomic uint64_t victim_id;
	uint32_t errors;     /* calls that returned an error other than EAGAIN/ETIMEDOUT */
	uint32_t delivered;  /* messages (stream: reads) that returned data */
	uint32_t never_sent; /* messages that fail their check or were never sent */
	uint32_t disorder;   /* sent messages out of sequence (lost or repeated) */
	uint32_t wrong_bytes;
	uint32_t outside; /* a fault in a guard page */
	char first_error[200];
};

/* One field the corrupter may write: an offset from the channel and a width. */
struct field {
	uint64_t off;
	uint8_t width;
};

#define MAX_FIELDS 256

struct trial {
	const struct kind *kind;
	enum field_class cls;
	struct mymap_heap *heap;
	char *chan;   /* the channel's memory */
	char *dir;    /* the directory, for CL_DIRECTORY */
	char *guards; /* the channel's block: guard page, slack, channel, guard page */
	size_t slack; /* canary bytes between the first guard page and the channel */
	char *guard_after;
	uint64_t bytes;
	bool live_holder; /* CL_LOCK: record a live process as the holder */
	uint64_t harness_id;
	struct report *rep;
	struct field fields[MAX_FIELDS];
	unsigned int nfields;
};

static uint64_t rng_state;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void sleep_us(unsigned int us)
{
	struct timespec ts = {.tv_sec = us / 1000000, .tv_nsec = (long)(us % 1000000) * 1000};

	nanosleep(&ts, NULL);
}

/* ---- Where the fields are ---- */

static void add(struct trial *t, const void *p, uint8_t width)
{
	if (t->nfields < MAX_FIELDS)
		t->fields[t->nfields++] =
		    (struct field){.off = (uint64_t)((const char *)p - t->chan), .width = width};
}

#define ADD(t, lvalue) add(t, &(lvalue), sizeof(lvalue))

static void layout_fields(struct trial *t, struct ipc_channel *c, void *ring)
{
	ADD(t, c->magic);
	ADD(t, c->version);
	ADD(t, c->kind);
	ADD(t, c->places);
	ADD(t, c->msg_size);
	ADD(t, c->capacity);
	ADD(t, c->ring_off);
	ADD(t, c->bytes);
	if (t->kind->cfg.kind == MYMAP_CHANNEL_STREAM) {
		struct ipc_stream *q = ring;

		ADD(t, q->capacity);
		ADD(t, q->mask);
		ADD(t, q->data_off);
	} else {
		struct ipc_slots *s = ring; /* first member of both ring headers */

		ADD(t, s->payload);
		ADD(t, s->stride);
		ADD(t, s->capacity);
		ADD(t, s->mask);
		ADD(t, s->data_off);
	}
}

static void index_fields(struct trial *t, void *ring)
{
	switch (t->kind->cfg.kind) {
	case MYMAP_CHANNEL_MESSAGES:
		ADD(t, ((struct ipc_spsc *)ring)->head);
		ADD(t, ((struct ipc_spsc *)ring)->tail);
		break;
	case MYMAP_CHANNEL_STREAM:
		ADD(t, ((struct ipc_stream *)ring)->head);
		ADD(t, ((struct ipc_stream *)ring)->tail);
		break;
	case MYMAP_CHANNEL_MPMC:
		ADD(t, ((struct ipc_mpmc *)ring)->enq);
		ADD(t, ((struct ipc_mpmc *)ring)->deq);
		break;
	case MYMAP_CHANNEL_PUBSUB:
		ADD(t, ((struct ipc_pubsub *)ring)->head);
		break;
	}
}

/*
 * Length words (message kinds) and, with @states, MPMC cell states and
 * the publish/subscribe slots' sequence words.
 */
static void slot_fields(struct trial *t, char *ring, bool states)
{
	const struct mymap_channel_config *cfg = &t->kind->cfg;
	uint64_t hdr = ipc_ring_header_bytes(cfg->kind);

	if (cfg->kind == MYMAP_CHANNEL_MESSAGES && !states) {
		uint32_t stride = ipc_slots_stride(
		    cfg->msg_size >= IPC_SPSC_LENS_APART ? 0 : sizeof(struct ipc_spsc_slot),
		    cfg->msg_size);

		for (uint32_t i = 0; i < cfg->capacity; i++) {
			struct ipc_len *len =
			    cfg->msg_size >= IPC_SPSC_LENS_APART
				? (struct ipc_len *)(ring + hdr +
						     (uint64_t)stride * cfg->capacity) +
				      i
				: (struct ipc_len *)(ring + hdr + (uint64_t)stride * i);

			ADD(t, len->word);
			ADD(t, len->check);
		}
	}
	if (cfg->kind == MYMAP_CHANNEL_PUBSUB) {
		uint32_t stride = ipc_slots_stride(sizeof(struct ipc_pubsub_slot), cfg->msg_size);

		for (uint32_t i = 0; i < cfg->capacity; i++) {
			struct ipc_pubsub_slot *slot = (void *)(ring + hdr + (uint64_t)stride * i);

			if (states) {
				ADD(t, slot->seq);
			} else {
				ADD(t, slot->len);
				ADD(t, slot->check);
			}
		}
	}
	if (cfg->kind == MYMAP_CHANNEL_MPMC) {
		uint32_t stride = ipc_slots_stride(sizeof(struct ipc_mpmc_cell), cfg->msg_size);

		for (uint32_t i = 0; i < cfg->capacity; i++) {
			struct ipc_mpmc_cell *cell = (void *)(ring + hdr + (uint64_t)stride * i);

			if (states) {
				ADD(t, cell->state);
			} else {
				ADD(t, cell->len.word);
				ADD(t, cell->len.check);
			}
		}
	}
}

static void endpoint_fields(struct trial *t, struct ipc_channel *c, bool states)
{
	for (int side = 0; side < 2; side++) {
		if (!states) {
			ADD(t, c->side[side].attaches);
			ADD(t, c->side[side].last_exit);
		}
		for (uint32_t i = 0; i < c->places; i++) {
			struct ipc_endpoint *ep = &c->side[side].ep[i];

			if (states) {
				ADD(t, ep->state);
			} else {
				ADD(t, ep->cpu);
				ADD(t, ep->id.process);
				ADD(t, ep->id.session);
			}
		}
	}
	if (states)
		ADD(t, c->removed);
}

static void directory_fields(struct trial *t)
{
	struct ipc_directory *d = (void *)t->dir;

	ADD(t, d->magic);
	ADD(t, d->version);
	ADD(t, d->entries);
	ADD(t, d->lock.owner);
	ADD(t, d->lock.sleepers);
	ADD(t, d->lock.wakes);
	ADD(t, d->entry[0].state);
	ADD(t, d->entry[0].channel);
	for (int i = 0; i < 8; i++)
		add(t, d->entry[0].name + i * 6, 8);
	ADD(t, d->entry[1].state);
}

static void collect_fields(struct trial *t)
{
	struct ipc_channel *c = (void *)t->chan;
	char *ring;

	t->nfields = 0;
	if (t->cls == CL_DIRECTORY) {
		directory_fields(t);
		return;
	}
	ring = t->chan + c->ring_off;
	switch (t->cls) {
	case CL_LAYOUT:
		layout_fields(t, c, ring);
		break;
	case CL_INDICES:
		index_fields(t, ring);
		break;
	case CL_LENGTHS:
		slot_fields(t, ring, false);
		break;
	case CL_STATES:
		endpoint_fields(t, c, true);
		slot_fields(t, ring, true);
		break;
	case CL_COUNTS:
		endpoint_fields(t, c, false);
		break;
	case CL_LOCK:
		ADD(t, c->lock.owner);
		ADD(t, c->lock.sleepers);
		ADD(t, c->lock.wakes);
		break;
	case CL_SLEEPERS:
		ADD(t, c->data.word);
		ADD(t, c->space.word);
		break;
	case CL_DIRECTORY:
	case CLASSES:
		break;
	case CL_RANDOM:
		layout_fields(t, c, ring);
		index_fields(t, ring);
		slot_fields(t, ring, false);
		slot_fields(t, ring, true);
		endpoint_fields(t, c, true);
		endpoint_fields(t, c, false);
		ADD(t, c->lock.owner);
		ADD(t, c->lock.sleepers);
		ADD(t, c->lock.wakes);
		ADD(t, c->data.word);
		ADD(t, c->space.word);
		break;
	}
}

/* ---- The corrupter ---- */

static uint64_t read_field(const char *p, uint8_t width)
{
	return width == 8 ? __atomic_load_n((const uint64_t *)p, __ATOMIC_RELAXED)
			  : __atomic_load_n((const uint32_t *)p, __ATOMIC_RELAXED);
}

static void write_field(char *p, uint8_t width, uint64_t v)
{
	if (width == 8)
		__atomic_store_n((uint64_t *)p, v, __ATOMIC_RELAXED);
	else
		__atomic_store_n((uint32_t *)p, (uint32_t)v, __ATOMIC_RELAXED);
}

/* A damaged value for a field holding @old. */
static uint64_t mutate(const struct trial *t, uint64_t old, uint8_t width)
{
	int64_t span = 2 * (int64_t)t->kind->cfg.capacity + 1;

	switch (rng() % 6) {
	case 0:
		return rng();
	case 1:
		return old + (uint64_t)((int64_t)(rng() % (uint64_t)(2 * span + 1)) - span);
	case 2:
		return 0;
	case 3:
		return ~0ull;
	case 4:
		return old ^ 1ull << (rng() % (width * 8u));
	default:
		return old + (rng() % 2 ? 1 : -1ull);
	}
}

static void corrupt_once(struct trial *t)
{
	const struct field *f;
	char *p;

	if (t->cls == CL_LOCK) {
		char *holder = t->chan + offsetof(struct ipc_channel, lock);
		uint64_t v;

		switch (t->live_holder ? 4 : rng() % 4) {
		case 0:
			v = atomic_load(&t->rep->victim_id); /* the victim itself */
			break;
		case 1:
			v = rng() | 1;
			break;
		case 2:
			v = 0;
			break;
		case 3:
			v = mymap_self_id(); /* the corrupter: dead soon */
			break;
		default:
			v = t->harness_id; /* alive through the whole trial */
			break;
		}
		write_field(holder, 8, v);
		return;
	}
	if (!t->nfields)
		return;
	f = &t->fields[rng() % t->nfields];
	p = t->chan + f->off;
	if (t->cls == CL_RANDOM)
		write_field(p, f->width,
			    read_field(p, f->width) ^ 1ull << (rng() % (f->width * 8u)));
	else
		write_field(p, f->width, mutate(t, read_field(p, f->width), f->width));
}

static void corrupter(struct trial *t)
{
	unsigned int times = 1 + (unsigned int)(rng() % 3);

	sleep_us((unsigned int)(rng() % (TRIAL_MS * 700)));
	for (unsigned int i = 0; i < times; i++) {
		corrupt_once(t);
		sleep_us((unsigned int)(rng() % 5000));
	}
}

/* ---- The victim ---- */

static struct trial *victim_trial;

static bool in_range(const void *addr, const char *start, size_t len)
{
	return start && (const char *)addr >= start && (const char *)addr < start + len;
}

static void on_fault(int sig, siginfo_t *si, void *ctx)
{
	struct trial *t = victim_trial;
	char *base = mymap_heap_base(t->heap);

	(void)ctx;
	if (in_range(si->si_addr, t->guards, PAGE) || in_range(si->si_addr, t->guard_after, PAGE) ||
	    in_range(si->si_addr, base - PAGE, PAGE) ||
	    in_range(si->si_addr, base + HEAP_BYTES, PAGE)) {
		t->rep->outside = 1;
		_exit(42);
	}
	signal(sig, SIG_DFL); /* any other fault: a crash, as it is */
}

static void note_error(struct trial *t, const char *what, long err)
{
	t->rep->errors++;
	if (!t->rep->first_error[0])
		snprintf(t->rep->first_error, sizeof(t->rep->first_error), "%s: %s%s%s", what,
			 strerror((int)-err), err == -EBADMSG ? ": " : "",
			 err == -EBADMSG ? mymap_last_message() : "");
}

static bool quiet_error(long err)
{
	return err == -EAGAIN || err == -ETIMEDOUT;
}

static int open_end(struct trial *t, enum mymap_channel_role role, struct mymap_channel **ch)
{
	if (t->cls == CL_DIRECTORY)
		return mymap_channel_open(t->heap, "victim", role, ch);
	return mymap_channel_attach_at(
	    t->heap, (uint64_t)(t->chan - (char *)mymap_heap_base(t->heap)), role, ch);
}

/* Stream bytes are a function of their position. */
static unsigned char stream_byte(uint64_t pos)
{
	return (unsigned char)(pos * 131 + (pos >> 8) * 7 + 1);
}

struct victim_state {
	uint64_t next_seq, expect_seq, wpos, rpos;
	bool stream_broken;
	unsigned char buf[8192];
};

static void victim_send(struct trial *t, struct mymap_channel *tx, struct victim_state *v,
			int64_t timeout)
{
	const struct mymap_channel_config *cfg = &t->kind->cfg;
	long ret;

	if (cfg->kind == MYMAP_CHANNEL_STREAM) {
		size_t len = 1 + rng() % cfg->capacity;

		for (size_t i = 0; i < len; i++)
			v->buf[i] = stream_byte(v->wpos + i);
		ret = mymap_channel_write(tx, v->buf, len, timeout);
		if (ret > 0)
			v->wpos += (uint64_t)ret;
	} else {
		uint32_t len = test_len(v->next_seq, cfg->msg_size);

		test_fill(v->buf, SENDER_ID, v->next_seq, len);
		ret = mymap_channel_send(tx, v->buf, len, timeout);
		if (ret == 0)
			v->next_seq++;
	}
	if (ret < 0 && !quiet_error(ret))
		note_error(t, "send", ret);
}

static void victim_recv(struct trial *t, struct mymap_channel *rx, struct victim_state *v,
			int64_t timeout)
{
	const struct mymap_channel_config *cfg = &t->kind->cfg;
	struct test_msg m;
	long n;

	if (cfg->kind == MYMAP_CHANNEL_STREAM) {
		n = mymap_channel_read(rx, v->buf, 1 + rng() % cfg->capacity, timeout);
		if (n > 0) {
			t->rep->delivered++;
			for (long i = 0; i < n && !v->stream_broken; i++)
				if (v->buf[i] != stream_byte(v->rpos + (uint64_t)i)) {
					t->rep->wrong_bytes++;
					v->stream_broken = true;
				}
			v->rpos += (uint64_t)n;
		}
	} else {
		n = mymap_channel_recv(rx, v->buf, sizeof(v->buf), timeout);
		if (n >= 0) {
			t->rep->delivered++;
			if (test_check(v->buf, (size_t)n, &m) || m.producer != SENDER_ID ||
			    m.seq >= v->next_seq) {
				t->rep->never_sent++;
			} else {
				if (m.seq != v->expect_seq)
					t->rep->disorder++;
				v->expect_seq = m.seq + 1;
			}
		}
	}
	if (n < 0 && !quiet_error(n))
		note_error(t, "recv", n);
}

static void close_end(struct trial *t, struct mymap_channel **ch)
{
	int err = mymap_channel_close(*ch);

	if (err)
		note_error(t, "close", err);
	*ch = NULL;
}

static void guard(struct trial *t)
{
	char *base = mymap_heap_base(t->heap);
	struct sigaction sa = {.sa_sigaction = on_fault, .sa_flags = SA_SIGINFO | SA_ONSTACK};
	static char altstack[64 * 1024];
	stack_t ss = {.ss_sp = altstack, .ss_size = sizeof(altstack)};

	victim_trial = t;
	sigaltstack(&ss, NULL);
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	if (t->guards) {
		mprotect(t->guards, PAGE, PROT_NONE);
		mprotect(t->guard_after, PAGE, PROT_NONE);
	}
	/* The region's own ends: unmapped neighbours become guards where they are free. */
	mmap(base - PAGE, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1,
	     0);
	mmap(base + HEAP_BYTES, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
	     -1, 0);
}

static void victim(struct trial *t)
{
	static struct victim_state v;
	struct mymap_channel *tx = NULL, *rx = NULL;
	uint64_t end = now_ms() + TRIAL_MS;
	bool lock_timed_out = false;

	alarm(VICTIM_ALARM_S);
	atomic_store(&t->rep->victim_id, mymap_self_id());
	guard(t);
	for (unsigned int op = 0; now_ms() < end && !lock_timed_out; op++) {
		int64_t timeout = rng() % 8 ? 0 : 100000;
		int err;

		if (!tx && (err = open_end(t, MYMAP_CHANNEL_SENDER, &tx))) {
			note_error(t, "open sender", err);
			lock_timed_out = err == -ETIMEDOUT;
		}
		if (!rx && (err = open_end(t, MYMAP_CHANNEL_RECEIVER, &rx))) {
			note_error(t, "open receiver", err);
			lock_timed_out |= err == -ETIMEDOUT;
		}
		if (tx && rng() % 2)
			victim_send(t, tx, &v, timeout);
		else if (rx)
			victim_recv(t, rx, &v, timeout);
		if (op % OPS_BETWEEN_REOPENS == OPS_BETWEEN_REOPENS - 1) {
			if (tx && rng() % 2)
				close_end(t, &tx);
			else if (rx)
				close_end(t, &rx);
		}
	}
	if (tx)
		close_end(t, &tx);
	if (rx)
		close_end(t, &rx);
	_exit(0);
}

/* ---- The harness ---- */

struct tally {
	unsigned int trials, crashes, hangs, clean, silent, outside;
	unsigned long delivered, never_sent, disorder, wrong_bytes;
	char first_error[200], first_crash[120];
};

/* Places the channel of @t in a block of its own, ending on a guard page. */
static int place_channel(struct trial *t)
{
	const struct mymap_channel_config *cfg = &t->kind->cfg;
	char *base = mymap_heap_base(t->heap);
	struct mymap_channel_info info;

	t->bytes = mymap_channel_bytes(cfg);
	t->guards = NULL;
	t->guard_after = NULL;
	t->slack = 0;
	t->dir = NULL;
	if (t->cls == CL_DIRECTORY) {
		int err = mymap_channel_create(t->heap, "victim", cfg);

		if (err || mymap_channel_list(t->heap, &info, 1) != 1)
			return err ? err : -EIO;
		t->chan = base + info.offset;
		t->dir = base + mymap_root_get(t->heap, MYMAP_ROOT_CHANNELS);
		return 0;
	}
	t->guards = mymap_aligned_alloc(t->heap, PAGE, t->bytes + 3 * PAGE);
	if (!t->guards)
		return -ENOMEM;
	t->guard_after =
	    (char *)(((uintptr_t)t->guards + PAGE + t->bytes + PAGE - 1) & ~(uintptr_t)(PAGE - 1));
	t->chan = t->guard_after - t->bytes;
	t->slack = (size_t)(t->chan - (t->guards + PAGE));
	memset(t->guards + PAGE, 0x5a, t->slack);
	return mymap_channel_format_at(t->heap, (uint64_t)(t->chan - base), cfg);
}

static bool canary_intact(const struct trial *t)
{
	for (size_t i = 0; i < t->slack; i++)
		if ((unsigned char)t->guards[PAGE + i] != 0x5a)
			return false;
	return true;
}

static void run_trial(struct trial *t, struct tally *y)
{
	pid_t vpid, cpid;
	int status;
	bool outside;

	memset(t->rep, 0, sizeof(*t->rep));
	t->heap = mymap_open_memfd(HEAP_BYTES, 0);
	if (!t->heap || place_channel(t)) {
		y->crashes++;
		snprintf(y->first_crash, sizeof(y->first_crash), "setup failed: %s",
			 mymap_last_message());
		if (t->heap)
			mymap_close(t->heap);
		return;
	}
	if (t->cls == CL_DIRECTORY)
		t->chan = t->dir; /* the corrupter's fields are the directory's */
	collect_fields(t);
	fflush(stdout);
	rng();
	vpid = fork();
	if (vpid == 0) {
		rng_state ^= (uint64_t)getpid() * 0x9e3779b97f4a7c15ull;
		if (t->cls == CL_DIRECTORY)
			t->chan = NULL;
		victim(t);
	}
	cpid = fork();
	if (cpid == 0) {
		rng_state ^= (uint64_t)getpid() * 0xbf58476d1ce4e5b9ull;
		while (!atomic_load(&t->rep->victim_id))
			sleep_us(100);
		corrupter(t);
		_exit(0);
	}
	waitpid(vpid, &status, 0);
	kill(cpid, SIGKILL);
	waitpid(cpid, NULL, 0);

	y->trials++;
	outside = t->rep->outside || !canary_intact(t) || mymap_heap_check(t->heap) != 0;
	if (outside)
		y->outside++;
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM) {
		y->hangs++;
	} else if (!(WIFEXITED(status) && (WEXITSTATUS(status) == 0 || t->rep->outside))) {
		y->crashes++;
		if (!y->first_crash[0])
			snprintf(y->first_crash, sizeof(y->first_crash), "%s %d",
				 WIFSIGNALED(status) ? "signal" : "exit status",
				 WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
	} else if (t->rep->errors) {
		y->clean++;
	} else {
		y->silent++;
	}
	y->delivered += t->rep->delivered;
	y->never_sent += t->rep->never_sent;
	y->disorder += t->rep->disorder;
	y->wrong_bytes += t->rep->wrong_bytes;
	if (!y->first_error[0] && t->rep->first_error[0])
		memcpy(y->first_error, t->rep->first_error, sizeof(y->first_error));
	mymap_close(t->heap);
}

static bool applies(const struct kind *k, enum field_class cls)
{
	/* A stream has no message lengths. */
	return !(cls == CL_LENGTHS && k->cfg.kind == MYMAP_CHANNEL_STREAM);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"trials", required_argument, NULL, 't'},
	    {"seed", required_argument, NULL, 's'},
	    {NULL, 0, NULL, 0},
	};
	unsigned int trials = 10;
	struct trial t = {0};
	int opt;

	rng_state = (uint64_t)time(NULL) * 0x9e3779b97f4a7c15ull | 1;
	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (opt == 't')
			trials = (unsigned int)strtoul(optarg, NULL, 0);
		else if (opt == 's')
			rng_state = strtoull(optarg, NULL, 0) | 1;
		else
			return 2;
	}
	tap_diag("seed %#llx (--seed repeats it), %u trials per kind and class",
		 (unsigned long long)rng_state, trials);
	t.rep =
	    mmap(NULL, sizeof(*t.rep), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (t.rep == MAP_FAILED)
		return 1;
	t.harness_id = mymap_self_id();
	for (size_t k = 0; k < KINDS; k++) {
		for (int cls = 0; cls < CLASSES; cls++) {
			struct tally y = {0};

			if (!applies(&kinds[k], cls))
				continue;
			t.kind = &kinds[k];
			t.cls = cls;
			for (unsigned int i = 0; i < trials; i++) {
				/* One trial of a live holder: each wait for it lasts 2 s. */
				t.live_holder = cls == CL_LOCK && k == 0 && i == 0;
				run_trial(&t, &y);
			}
			tap_ok(
			    !y.crashes && !y.hangs && !y.outside,
			    "%s, %s: %u trials: %u crashes, %u hangs, %u clean errors, %u silent "
			    "acceptances, %u accesses outside%s%s",
			    kinds[k].name, class_name[cls], y.trials, y.crashes, y.hangs, y.clean,
			    y.silent, y.outside, y.first_crash[0] ? "; first crash: " : "",
			    y.first_crash);
			if (y.first_error[0])
				tap_diag("%s, %s: first error: %s", kinds[k].name, class_name[cls],
					 y.first_error);
			if (kinds[k].cfg.kind == MYMAP_CHANNEL_STREAM)
				tap_diag("%s, %s: %lu reads, %u trials delivered bytes of another "
					 "lap (a stream cannot tell)",
					 kinds[k].name, class_name[cls], y.delivered,
					 (unsigned int)y.wrong_bytes);
			else
				tap_ok(!y.never_sent,
				       "%s, %s: no message delivered that was never sent (%lu "
				       "delivered, %lu never sent, %lu out of sequence)",
				       kinds[k].name, class_name[cls], y.delivered, y.never_sent,
				       y.disorder);
		}
	}
	return tap_done();
}
