/* SPDX-License-Identifier: GPL-2.0 */
/*
 * alloc-larson.h - the larson-style workloads: each worker replaces random
 * blocks of a slot array, and after every round the arrays move on to the
 * next worker, so most blocks are freed by a thread (or process) other
 * than the one that allocated them.
 */
#ifndef MYMAP_BENCH_ALLOC_LARSON_H
#define MYMAP_BENCH_ALLOC_LARSON_H

#include "alloc-work.h"

/* The larson cases run at most this many workers. */
#define ALLOC_LARSON_MAX_WORKERS 16

/* Workers are threads of one process. */
int alloc_larson_threads(struct alloc_heap *heap, const struct alloc_params *p,
			 struct alloc_measure *m);

/*
 * Workers are processes sharing the heap (ALLOC_SHARED): each maps it on
 * its own and the slot arrays hold offsets, not pointers.
 */
int alloc_larson_processes(struct alloc_heap *heap, const struct alloc_params *p,
			   struct alloc_measure *m);

#endif /* MYMAP_BENCH_ALLOC_LARSON_H */
