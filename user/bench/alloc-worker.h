/* SPDX-License-Identifier: GPL-2.0 */
/*
 * alloc-worker.h - one measurement in a fresh process: the worker side of
 * the alloc benchmark.
 *
 * The driver (mymap-bench-alloc) runs every (case, subject) pair as
 *   PROGRAM --worker SUBJECT CASE BATCHES ARENA_BYTES WORKERS SEED
 * where PROGRAM is the one linked against the subject's allocator, and
 * reads the results from the worker's standard output, one per line:
 *   METRIC VALUE UNIT
 * The case "instr" runs the fixed-count churn for callgrind instead, with
 * BATCHES * ALLOC_BATCH_OPS operations, and prints "ops N count".
 * Diagnostics go to standard error.
 */
#ifndef MYMAP_BENCH_ALLOC_WORKER_H
#define MYMAP_BENCH_ALLOC_WORKER_H

#include <stddef.h>

#include "alloc-subject.h"

/* The case name of the instruction-count run. */
#define ALLOC_INSTR_CASE "instr"

/* Seconds a worker may run before it gives up (a stuck lock, a dead peer). */
#define ALLOC_WORKER_TIMEOUT 240

/*
 * Runs the worker command line in @argv against the @n subjects this
 * program carries; returns the exit status (2, after a usage line, when
 * @argv is not a worker command line).
 */
int alloc_worker_main(int argc, char **argv, const struct alloc_subject *const *subjects, size_t n);

#endif /* MYMAP_BENCH_ALLOC_WORKER_H */
