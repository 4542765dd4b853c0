// SPDX-License-Identifier: GPL-2.0
/*
 * alloc-work.c - the single-process workloads of the alloc benchmark
 * (random-size churn, 64-byte pairs, fill to exhaustion, large blocks),
 * the table of all cases, and the fixed-count churn for callgrind.
 */
#include "alloc-work.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "alloc-larson.h"
#include "alloc-util.h"
#include "bench.h"

/* Live-block slots of the churn workload: about half are in use. */
#define CHURN_SLOTS 1024
/* One churn step in this many on a live block reallocates instead of freeing. */
#define CHURN_REALLOC_ONE_IN 8
/* Slots of the large-block workload: at most 4 x 4 MiB live. */
#define LARGE_SLOTS 4
/* Slots of the callgrind churn: at most 256 x 1040 B live, below 1 MiB. */
#define CALLGRIND_SLOTS 256

/* Writes the first bytes of a new block, as any user would. */
static inline void touch(void *p, size_t size)
{
	memset(p, 0xa5, size < 16 ? size : 16);
}

int alloc_measure_open(struct alloc_measure *m, size_t batches)
{
	m->samples = alloc_buffer(batches * sizeof(double), 0);
	m->nsamples = 0;
	m->capacity = m->samples ? batches : 0;
	return m->samples ? 0 : -1;
}

void alloc_measure_add(struct alloc_measure *m, double ns_per_op)
{
	if (ns_per_op < 0)
		m->preempted++;
	else if (m->nsamples < m->capacity)
		m->samples[m->nsamples++] = ns_per_op;
}

void alloc_set_aside_slowest(double *ns, size_t n, long k)
{
	for (; k > 0; k--) {
		size_t slowest = n;

		for (size_t i = 0; i < n; i++)
			if (ns[i] >= 0 && (slowest == n || ns[i] > ns[slowest]))
				slowest = i;
		if (slowest == n)
			return;
		ns[slowest] = -1;
	}
}

void alloc_measure_free(struct alloc_measure *m)
{
	alloc_buffer_free(m->samples, m->capacity * sizeof(double));
	m->samples = NULL;
	m->nsamples = m->capacity = 0;
}

struct slot {
	void *ptr;
	size_t size;
};

/* One step of churn over @slots: allocate into an empty slot, else free or realloc. */
static inline void churn_step(struct alloc_heap *h, struct slot *slots, size_t nslots,
			      uint64_t *rng, size_t *failed)
{
	uint64_t r = alloc_rand(rng);
	struct slot *s = &slots[r % nslots];
	size_t size =
	    ALLOC_SMALL_MIN + (size_t)((r >> 32) % (ALLOC_SMALL_MAX - ALLOC_SMALL_MIN + 1));

	if (!s->ptr) {
		s->ptr = h->alloc(h->ctx, size);
		if (s->ptr) {
			s->size = size;
			touch(s->ptr, size);
		} else {
			(*failed)++;
		}
	} else if ((r >> 20) % CHURN_REALLOC_ONE_IN == 0) {
		void *p = h->realloc(h->ctx, s->ptr, size);

		if (p) {
			s->ptr = p;
			s->size = size;
		} else {
			(*failed)++;
		}
	} else {
		h->free(h->ctx, s->ptr);
		s->ptr = NULL;
	}
}

static void free_slots(struct alloc_heap *h, struct slot *slots, size_t nslots)
{
	for (size_t i = 0; i < nslots; i++)
		if (slots[i].ptr) {
			h->free(h->ctx, slots[i].ptr);
			slots[i].ptr = NULL;
		}
}

/* What a workload's batches work on. */
struct workload {
	struct alloc_heap *h;
	struct slot *slots;
	size_t nslots;
	uint64_t rng;
	size_t failed; /* allocations refused */
	/* fill: every block handed out, and their bytes */
	void **blocks;
	size_t nblocks, cap;
	uint64_t handed_out;
	int full;
};

/*
 * Untimed batches a steady-state case runs before its timed ones, for
 * every subject alike: its live blocks reach their steady number (churn:
 * 8192 steps leave about half its slots live) and its heap its steady
 * layout, the first touch of each page it keeps using included.  Those
 * page faults are then not in `faults`, which counts the timed batches.
 */
#define WARMUP_BATCHES 128

static inline __attribute__((always_inline)) void warm_up(int (*batch)(struct workload *),
							  struct workload *w)
{
	for (int i = 0; i < WARMUP_BATCHES; i++)
		batch(w);
}

/*
 * Times @batches batches of @batch into @m, in groups (see alloc-work.h).
 * @batch runs ALLOC_BATCH_OPS operations and returns 0, or -1 if it could
 * not (fill: the arena is full), which ends the run; a short batch is not
 * comparable and not sampled.  Always inlined, so that @batch, a static
 * function, is called directly and the timed code is the workload's alone.
 */
static inline __attribute__((always_inline)) void timed_batches(struct alloc_measure *m,
								size_t batches,
								int (*batch)(struct workload *),
								struct workload *w)
{
	double ns[ALLOC_GROUP_BATCHES];
	size_t done = 0, n = ALLOC_GROUP_BATCHES;

	m->faults = 0;
	while (done < batches && n == ALLOC_GROUP_BATCHES) {
		long faults_before, faults_after;
		long before = alloc_preemptions(&faults_before);

		if (batch(w) < 0) /* untimed, after the system call */
			break;
		for (n = 0; n < ALLOC_GROUP_BATCHES && done + n < batches; n++) {
			uint64_t t0 = bench_now_ns();

			if (batch(w) < 0)
				break;
			ns[n] = (double)(bench_now_ns() - t0) / ALLOC_BATCH_OPS;
		}
		alloc_set_aside_slowest(ns, n, alloc_preemptions(&faults_after) - before);
		/*
		 * The untimed first batch of the group included: the group's
		 * system calls are not in it.
		 */
		m->faults += faults_after - faults_before;
		for (size_t i = 0; i < n; i++)
			alloc_measure_add(m, ns[i]);
		done += n;
	}
	m->failed_allocs += w->failed;
}

static int churn_batch(struct workload *w)
{
	for (int i = 0; i < ALLOC_BATCH_OPS; i++)
		churn_step(w->h, w->slots, w->nslots, &w->rng, &w->failed);
	return 0;
}

static int run_churn(struct alloc_heap *h, const struct alloc_params *p, struct alloc_measure *m)
{
	struct slot *slots = alloc_buffer(CHURN_SLOTS * sizeof(*slots), 0);
	struct workload w = {.h = h, .slots = slots, .nslots = CHURN_SLOTS, .rng = p->seed};

	if (!slots || alloc_measure_open(m, p->batches) < 0) {
		alloc_buffer_free(slots, CHURN_SLOTS * sizeof(*slots));
		return -1;
	}
	long base = alloc_rss_reset();

	warm_up(churn_batch, &w);
	timed_batches(m, p->batches, churn_batch, &w);
	m->peak_rss_kib = alloc_rss_growth_kib(base);
	free_slots(h, slots, CHURN_SLOTS);
	alloc_buffer_free(slots, CHURN_SLOTS * sizeof(*slots));
	return 0;
}

static int pairs64_batch(struct workload *w)
{
	for (int i = 0; i < ALLOC_BATCH_OPS / 2; i++) {
		void *q = w->h->alloc(w->h->ctx, 64);

		if (!q) {
			w->failed++;
			continue;
		}
		touch(q, 64);
		w->h->free(w->h->ctx, q);
	}
	return 0;
}

static int run_pairs64(struct alloc_heap *h, const struct alloc_params *p, struct alloc_measure *m)
{
	struct workload w = {.h = h, .rng = p->seed};

	if (alloc_measure_open(m, p->batches) < 0)
		return -1;
	long base = alloc_rss_reset();

	warm_up(pairs64_batch, &w);
	timed_batches(m, p->batches, pairs64_batch, &w);
	m->peak_rss_kib = alloc_rss_growth_kib(base);
	return 0;
}

/* Random sizes until the first refusal; -1 then, or when @w->blocks is full. */
static int fill_batch(struct workload *w)
{
	if (w->nblocks + ALLOC_BATCH_OPS > w->cap)
		return -1;
	for (int i = 0; i < ALLOC_BATCH_OPS; i++) {
		size_t size = alloc_rand_between(&w->rng, ALLOC_SMALL_MIN, ALLOC_SMALL_MAX);
		void *q = w->h->alloc(w->h->ctx, size);

		if (!q) {
			w->full = 1;
			return -1;
		}
		touch(q, size);
		w->blocks[w->nblocks++] = q;
		w->handed_out += size;
	}
	return 0;
}

/*
 * Every block is at least 32 bytes with its header, so the arena holds at
 * most arena/32 of them.
 */
static int run_fill(struct alloc_heap *h, const struct alloc_params *p, struct alloc_measure *m)
{
	size_t cap = h->arena_bytes / 32 + 1;
	size_t max_batches = cap / ALLOC_BATCH_OPS + 1;
	struct workload w = {.h = h, .rng = p->seed, .cap = cap};

	w.blocks = alloc_buffer(cap * sizeof(*w.blocks), 0);
	if (!w.blocks || alloc_measure_open(m, max_batches) < 0) {
		alloc_buffer_free(w.blocks, cap * sizeof(*w.blocks));
		return -1;
	}
	long base = alloc_rss_reset();

	timed_batches(m, max_batches, fill_batch, &w);
	m->peak_rss_kib = alloc_rss_growth_kib(base);
	if (!w.full) {
		fprintf(stderr,
			"mymap-bench-alloc: fill: %zu blocks and no refusal: not bounded?\n",
			w.nblocks);
	} else {
		m->utilisation = 100.0 * (double)w.handed_out / (double)h->arena_bytes;
		m->has_utilisation = 1;
	}
	while (w.nblocks)
		h->free(h->ctx, w.blocks[--w.nblocks]);
	alloc_buffer_free(w.blocks, cap * sizeof(*w.blocks));
	return w.full ? 0 : -1;
}

/*
 * refused: requests a full heap refuses, while threads each keep a block
 * cached in a slot of the heap's header (a shared heap has 8 slots: the
 * main thread takes one, the holders the other 7).  A refusal may look
 * for dead slot owners; it must cost about as much with the holders as
 * without them.
 */
#define REFUSED_HOLDERS 7

struct holders {
	struct alloc_heap *h;
	atomic_int ready, done;
};

static void *hold_cache_slot(void *arg)
{
	struct holders *hs = arg;
	void *q = hs->h->alloc(hs->h->ctx, 64);

	if (q)
		hs->h->free(hs->h->ctx, q);
	atomic_fetch_add(&hs->ready, 1);
	while (!atomic_load(&hs->done))
		usleep(1000);
	return NULL;
}

/* Requests the largest small size; a block still handed out is kept, so the heap stays full. */
static int refused_batch(struct workload *w)
{
	for (int i = 0; i < ALLOC_BATCH_OPS; i++) {
		void *q = w->h->alloc(w->h->ctx, ALLOC_SMALL_MAX);

		if (q && w->nblocks == w->cap)
			return -1;
		if (q)
			w->blocks[w->nblocks++] = q;
	}
	return 0;
}

static int run_refused(struct alloc_heap *h, const struct alloc_params *p, struct alloc_measure *m)
{
	size_t cap = h->arena_bytes / 32 + 1;
	struct workload w = {.h = h, .rng = p->seed, .cap = cap};
	struct holders hs = {.h = h};
	pthread_t t[REFUSED_HOLDERS];
	int started = 0;

	w.blocks = alloc_buffer(cap * sizeof(*w.blocks), 0);
	if (!w.blocks || alloc_measure_open(m, p->batches) < 0) {
		alloc_buffer_free(w.blocks, cap * sizeof(*w.blocks));
		return -1;
	}
	for (; started < REFUSED_HOLDERS; started++)
		if (pthread_create(&t[started], NULL, hold_cache_slot, &hs) != 0)
			break;
	while (atomic_load(&hs.ready) < started)
		usleep(1000);
	while (fill_batch(&w) == 0)
		;
	long base = alloc_rss_reset();

	timed_batches(m, p->batches, refused_batch, &w);
	m->peak_rss_kib = alloc_rss_growth_kib(base);
	atomic_store(&hs.done, 1);
	for (int i = 0; i < started; i++)
		pthread_join(t[i], NULL);
	while (w.nblocks)
		h->free(h->ctx, w.blocks[--w.nblocks]);
	alloc_buffer_free(w.blocks, cap * sizeof(*w.blocks));
	return started == REFUSED_HOLDERS && w.full ? 0 : -1;
}

/* Log-uniform in [64 KiB, 4 MiB): a power of two, then uniform within it. */
static size_t large_size(uint64_t *rng)
{
	uint64_t r = alloc_rand(rng);
	unsigned int shift = (unsigned int)(r % 6); /* 64 KiB << 0..5 */
	size_t lo = ALLOC_LARGE_MIN << shift;

	return lo + (size_t)((r >> 8) % lo);
}

static int large_batch(struct workload *w)
{
	for (int i = 0; i < ALLOC_BATCH_OPS; i++) {
		struct slot *s = &w->slots[alloc_rand(&w->rng) % w->nslots];

		if (s->ptr) {
			w->h->free(w->h->ctx, s->ptr);
			s->ptr = NULL;
			continue;
		}
		s->size = large_size(&w->rng);
		s->ptr = w->h->alloc(w->h->ctx, s->size);
		if (s->ptr)
			touch(s->ptr, s->size);
		else
			w->failed++;
	}
	return 0;
}

static int run_large(struct alloc_heap *h, const struct alloc_params *p, struct alloc_measure *m)
{
	struct slot slots[LARGE_SLOTS] = {{0}};
	struct workload w = {.h = h, .slots = slots, .nslots = LARGE_SLOTS, .rng = p->seed};

	if (alloc_measure_open(m, p->batches) < 0)
		return -1;
	long base = alloc_rss_reset();

	warm_up(large_batch, &w);
	timed_batches(m, p->batches, large_batch, &w);
	m->peak_rss_kib = alloc_rss_growth_kib(base);
	free_slots(h, slots, LARGE_SLOTS);
	return 0;
}

/* Not inlined and not static: callgrind's --toggle-collect names it. */
__attribute__((noinline)) uint64_t alloc_callgrind_region(struct alloc_heap *h, struct slot *slots,
							  uint64_t ops, uint64_t *rng,
							  size_t *failed);

__attribute__((noinline)) uint64_t alloc_callgrind_region(struct alloc_heap *h, struct slot *slots,
							  uint64_t ops, uint64_t *rng,
							  size_t *failed)
{
	for (uint64_t i = 0; i < ops; i++)
		churn_step(h, slots, CALLGRIND_SLOTS, rng, failed);
	return ops;
}

uint64_t alloc_callgrind_churn(struct alloc_heap *h, uint64_t ops, uint64_t seed)
{
	struct slot slots[CALLGRIND_SLOTS] = {{0}};
	uint64_t rng = seed, done;
	size_t failed = 0;

	for (size_t i = 0; i < 8 * CALLGRIND_SLOTS; i++)
		churn_step(h, slots, CALLGRIND_SLOTS, &rng, &failed);
	done = alloc_callgrind_region(h, slots, ops, &rng, &failed);
	free_slots(h, slots, CALLGRIND_SLOTS);
	if (failed)
		fprintf(stderr, "mymap-bench-alloc: callgrind churn: %zu allocations refused\n",
			failed);
	return done;
}

const struct alloc_case alloc_cases[] = {
    {"churn", "random sizes 16-1040 B: allocate, free or (1 in 8) realloc, ~540 live", 0,
     run_churn},
    {"pairs64", "allocate 64 B and free it at once", 0, run_pairs64},
    {"larson-thr", "larson: threads free blocks other threads allocated", 0, alloc_larson_threads},
    {"larson-proc", "larson: processes free blocks other processes allocated", ALLOC_SHARED,
     alloc_larson_processes},
    {"fill", "random sizes 16-1040 B until the first refusal: utilisation", ALLOC_BOUNDED,
     run_fill},
    {"large", "random sizes 64 KiB-4 MiB, up to 4 live", 0, run_large},
    {"refused", "1040 B requests a full heap refuses, 7 threads holding cache slots", ALLOC_BOUNDED,
     run_refused},
};

const size_t alloc_ncases = sizeof(alloc_cases) / sizeof(alloc_cases[0]);

const struct alloc_case *alloc_find_case(const char *name)
{
	for (size_t i = 0; i < alloc_ncases; i++)
		if (strcmp(alloc_cases[i].name, name) == 0)
			return &alloc_cases[i];
	return NULL;
}
