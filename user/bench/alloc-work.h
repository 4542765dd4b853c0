/* SPDX-License-Identifier: GPL-2.0 */
/*
 * alloc-work.h - the alloc benchmark's workloads, written once against
 * struct alloc_heap.
 *
 * A single allocation or free takes less time than the clock can resolve,
 * so every timed workload measures batches of ALLOC_BATCH_OPS operations
 * and divides: each sample is the mean ns/op of one batch, and the
 * percentiles are taken over the batches.
 *
 * A batch during which the thread was preempted timed the scheduler, not
 * the allocator, and is set aside.  Reading the preemption count is a
 * system call, which leaves caches and branch predictors cold for what
 * runs next; so it is read once per group of ALLOC_GROUP_BATCHES timed
 * batches, one untimed batch runs after each read, and a group that saw k
 * preemptions loses its k slowest batches (a preemption outlasts any
 * batch).  Waiting for a lock is a voluntary switch and stays in.
 */
#ifndef MYMAP_BENCH_ALLOC_WORK_H
#define MYMAP_BENCH_ALLOC_WORK_H

#include <stddef.h>
#include <stdint.h>

#include "alloc-subject.h"

/* Operations (one allocation, free or realloc) per timed batch. */
#define ALLOC_BATCH_OPS 64
/* Timed batches between two readings of the preemption count. */
#define ALLOC_GROUP_BATCHES 16

/* The smallest and largest request of the random-size workloads. */
#define ALLOC_SMALL_MIN 16
#define ALLOC_SMALL_MAX 1040
#define ALLOC_LARGE_MIN ((size_t)64 << 10)
#define ALLOC_LARGE_MAX ((size_t)4 << 20)

struct alloc_params {
	size_t batches;	      /* timed batches in all (split among workers) */
	unsigned int workers; /* threads or processes of the larson cases */
	uint64_t seed;
};

/* What one run of a workload measured. */
struct alloc_measure {
	double *samples; /* ns/op of each batch, from alloc_measure_open() */
	size_t nsamples;
	size_t capacity;
	double utilisation; /* percent of the arena; valid if has_utilisation */
	int has_utilisation;
	size_t preempted;     /* batches set aside: the thread was preempted */
	long peak_rss_kib;    /* resident set growth during the run */
	size_t failed_allocs; /* allocations refused (bounded arenas) */
	long faults;	      /* page faults while the batches ran; -1 if not counted */
};

struct alloc_case {
	const char *name;
	const char *what;   /* one line for the README and --help */
	unsigned int needs; /* subject flags it requires (ALLOC_*) */
	/* 0, or -1 after printing why */
	int (*run)(struct alloc_heap *heap, const struct alloc_params *p, struct alloc_measure *m);
};

extern const struct alloc_case alloc_cases[];
extern const size_t alloc_ncases;

/* The case named @name, or NULL. */
const struct alloc_case *alloc_find_case(const char *name);

/*
 * Makes room for @batches samples in @m (harness memory, not the
 * allocator's).  0, or -1 after printing why.
 */
int alloc_measure_open(struct alloc_measure *m, size_t batches);

/* Adds one batch's ns/op to @m as a sample, or, if negative, as a preempted batch. */
void alloc_measure_add(struct alloc_measure *m, double ns_per_op);

/* Marks the @k slowest of the @n batch times in @ns with -1 (preempted). */
void alloc_set_aside_slowest(double *ns, size_t n, long k);

/* Releases the samples of @m. */
void alloc_measure_free(struct alloc_measure *m);

/*
 * The fixed-count workload for instruction counting: @ops operations of
 * the churn workload over 256 slots (live data well below 1 MiB), after a
 * warm-up that is not part of the count.  The measured part is the
 * function alloc_callgrind_region(), for valgrind's --toggle-collect.
 * Returns the number of operations measured.
 */
uint64_t alloc_callgrind_churn(struct alloc_heap *heap, uint64_t ops, uint64_t seed);

#endif /* MYMAP_BENCH_ALLOC_WORK_H */
