// SPDX-License-Identifier: GPL-2.0
/*
 * alloc-larson.c - cross-thread and cross-process free, after Larson and
 * Krishnan's server benchmark: workers replace random blocks in slot
 * arrays that rotate among them every round.
 */
#include "alloc-larson.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "alloc-util.h"
#include "bench.h"

/* Slots per worker; the sizes are the churn workload's. */
#define LARSON_SLOTS 512
/* Timed batches a worker runs on one array before the arrays rotate. */
#define LARSON_ROUND_BATCHES ALLOC_GROUP_BATCHES
#define LARSON_MAX_WORKERS   ALLOC_LARSON_MAX_WORKERS

/* Everything the workers share, in one MAP_SHARED buffer. */
struct larson {
	pthread_barrier_t barrier;
	struct alloc_heap *heap;
	int by_offset; /* slots hold offsets (processes), else pointers */
	unsigned int workers;
	size_t rounds; /* per worker */
	uint64_t seed;
	int failed; /* a worker could not start: all give up */
	size_t refused[LARSON_MAX_WORKERS];
	uint64_t slots[LARSON_MAX_WORKERS][LARSON_SLOTS];
	double samples[]; /* workers * rounds * LARSON_ROUND_BATCHES; -1: preempted */
};

static uint64_t encode(const struct larson *l, void *ptr)
{
	return l->by_offset ? l->heap->to_offset(l->heap->ctx, ptr) : (uint64_t)(uintptr_t)ptr;
}

static void *decode(const struct larson *l, uint64_t handle)
{
	return l->by_offset ? l->heap->from_offset(l->heap->ctx, handle)
			    : (void *)(uintptr_t)handle;
}

/* Frees the block in @slot (if any) and allocates a new one there: two operations. */
static inline void replace(struct larson *l, uint64_t *slot, uint64_t *rng, size_t *refused)
{
	struct alloc_heap *h = l->heap;
	size_t size = alloc_rand_between(rng, ALLOC_SMALL_MIN, ALLOC_SMALL_MAX);
	void *p;

	if (*slot)
		h->free(h->ctx, decode(l, *slot));
	p = h->alloc(h->ctx, size);
	if (p) {
		memset(p, 0x5a, 16);
		*slot = encode(l, p);
	} else {
		*slot = 0;
		(*refused)++;
	}
}

/* One batch of replacements in @slots: ALLOC_BATCH_OPS operations. */
static void larson_batch(struct larson *l, uint64_t *slots, uint64_t *rng, size_t *refused)
{
	for (int i = 0; i < ALLOC_BATCH_OPS / 2; i++)
		replace(l, &slots[alloc_rand(rng) % LARSON_SLOTS], rng, refused);
}

/*
 * Worker @w's rounds; its samples go to its own stretch of l->samples.  A
 * round is one group of timed batches (alloc-work.h), ended by the
 * rotation of the arrays.
 */
static void work(struct larson *l, unsigned int w)
{
	uint64_t rng = l->seed + 7919 * (w + 1);
	double *out = l->samples + (size_t)w * l->rounds * LARSON_ROUND_BATCHES;

	for (size_t round = 0; round < l->rounds; round++, out += LARSON_ROUND_BATCHES) {
		uint64_t *slots = l->slots[(w + round) % l->workers];
		long before = alloc_preemptions(NULL);

		larson_batch(l, slots, &rng, &l->refused[w]); /* untimed, after the system call */
		for (int b = 0; b < LARSON_ROUND_BATCHES; b++) {
			uint64_t t0 = bench_now_ns();

			larson_batch(l, slots, &rng, &l->refused[w]);
			out[b] = (double)(bench_now_ns() - t0) / ALLOC_BATCH_OPS;
		}
		alloc_set_aside_slowest(out, LARSON_ROUND_BATCHES,
					alloc_preemptions(NULL) - before);
		pthread_barrier_wait(&l->barrier);
	}
}

/* Sets up the shared state and fills every array (untimed); NULL after printing why. */
static struct larson *larson_open(struct alloc_heap *h, const struct alloc_params *p, int by_offset,
				  size_t *bytes)
{
	unsigned int workers = p->workers < 2 ? 2 : p->workers;
	size_t rounds = p->batches / workers / LARSON_ROUND_BATCHES;
	pthread_barrierattr_t attr;
	struct larson *l;

	if (workers > LARSON_MAX_WORKERS)
		workers = LARSON_MAX_WORKERS;
	if (rounds == 0)
		rounds = 1;
	*bytes = sizeof(*l) + workers * rounds * LARSON_ROUND_BATCHES * sizeof(double);
	l = alloc_buffer(*bytes, 1);
	if (!l)
		return NULL;
	l->heap = h;
	l->by_offset = by_offset;
	l->workers = workers;
	l->rounds = rounds;
	l->seed = p->seed;
	pthread_barrierattr_init(&attr);
	pthread_barrierattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
	pthread_barrier_init(&l->barrier, &attr, workers);
	pthread_barrierattr_destroy(&attr);
	for (unsigned int w = 0; w < workers; w++) {
		uint64_t rng = p->seed ^ (0x9e3779b97f4a7c15ull * (w + 1));

		for (size_t i = 0; i < LARSON_SLOTS; i++)
			replace(l, &l->slots[w][i], &rng, &l->refused[w]);
	}
	return l;
}

/* Frees what is left, hands the samples over and releases @l. */
static int larson_close(struct larson *l, size_t bytes, struct alloc_measure *m)
{
	size_t n = (size_t)l->workers * l->rounds * LARSON_ROUND_BATCHES;
	int failed = l->failed;

	for (unsigned int w = 0; w < l->workers; w++) {
		for (size_t i = 0; i < LARSON_SLOTS; i++)
			if (l->slots[w][i])
				l->heap->free(l->heap->ctx, decode(l, l->slots[w][i]));
		m->failed_allocs += l->refused[w];
	}
	if (!failed && alloc_measure_open(m, n) == 0) {
		for (size_t i = 0; i < n; i++)
			alloc_measure_add(m, l->samples[i]);
	} else {
		failed = 1;
	}
	pthread_barrier_destroy(&l->barrier);
	alloc_buffer_free(l, bytes);
	return failed ? -1 : 0;
}

struct thread_arg {
	struct larson *l;
	unsigned int w;
};

static void *thread_main(void *arg)
{
	struct thread_arg *t = arg;

	work(t->l, t->w);
	return NULL;
}

int alloc_larson_threads(struct alloc_heap *h, const struct alloc_params *p,
			 struct alloc_measure *m)
{
	size_t bytes;
	struct larson *l = larson_open(h, p, 0, &bytes);
	pthread_t tids[LARSON_MAX_WORKERS];
	struct thread_arg args[LARSON_MAX_WORKERS];
	unsigned int started;

	if (!l)
		return -1;
	long base = alloc_rss_reset();

	for (started = 1; started < l->workers; started++) {
		args[started] = (struct thread_arg){l, started};
		int err = pthread_create(&tids[started], NULL, thread_main, &args[started]);

		if (err) {
			fprintf(stderr,
				"mymap-bench-alloc: larson-thr: cannot start a thread: %s\n",
				strerror(err));
			/* the barrier counts every worker: nothing can run without them all */
			_exit(1);
		}
	}
	work(l, 0);
	for (unsigned int w = 1; w < l->workers; w++)
		pthread_join(tids[w], NULL);
	m->peak_rss_kib = alloc_rss_growth_kib(base);
	return larson_close(l, bytes, m);
}

/* A forked worker: its own mapping of the heap, then the same rounds. */
static void child_main(struct larson *l, unsigned int w)
{
	/* never outlive the parent, which would leave us in a barrier forever */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (l->heap->reopen(l->heap) < 0)
		__atomic_store_n(&l->failed, 1, __ATOMIC_SEQ_CST);
	pthread_barrier_wait(&l->barrier);
	if (!__atomic_load_n(&l->failed, __ATOMIC_SEQ_CST))
		work(l, w);
	_exit(0);
}

int alloc_larson_processes(struct alloc_heap *h, const struct alloc_params *p,
			   struct alloc_measure *m)
{
	size_t bytes;
	struct larson *l = larson_open(h, p, 1, &bytes);
	pid_t pids[LARSON_MAX_WORKERS];
	unsigned int w;

	if (!l)
		return -1;
	long base = alloc_rss_reset();

	fflush(NULL);
	for (w = 1; w < l->workers; w++) {
		pids[w] = fork();
		if (pids[w] == 0)
			child_main(l, w);
		if (pids[w] < 0) {
			perror("mymap-bench-alloc: larson-proc: fork");
			_exit(1); /* the barrier counts every worker */
		}
	}
	pthread_barrier_wait(&l->barrier); /* every child has its own mapping */
	if (!__atomic_load_n(&l->failed, __ATOMIC_SEQ_CST))
		work(l, 0);
	for (w = 1; w < l->workers; w++) {
		int status = 0;

		if (waitpid(pids[w], &status, 0) < 0 || !WIFEXITED(status) ||
		    WEXITSTATUS(status) != 0) {
			fprintf(stderr,
				"mymap-bench-alloc: larson-proc: worker %u died (status %#x)\n", w,
				status);
			l->failed = 1;
		}
	}
	m->peak_rss_kib = alloc_rss_growth_kib(base);
	return larson_close(l, bytes, m);
}
