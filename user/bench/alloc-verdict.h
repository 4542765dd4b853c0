/* SPDX-License-Identifier: GPL-2.0 */
/*
 * alloc-verdict.h - the alloc benchmark's performance targets, judged on
 * figures measured in one run.  Information only: a target not met is
 * reported, never an error.
 *
 *   churn median ns/op   <= 1.0x glibc's and <= 1.5x mimalloc's
 *   p99.9                <= 4x the median, in every case but fill
 *   fill utilisation     >= 85 %
 *   instr_per_op         grows <= 10 % from a 1 MiB to a 256 MiB heap
 * each for every libmymap backend measured.
 */
#ifndef MYMAP_BENCH_ALLOC_VERDICT_H
#define MYMAP_BENCH_ALLOC_VERDICT_H

#include <stdio.h>

struct alloc_verdicts;

/* @prefix is put before subject names when printing (e.g. "vm-"). NULL if out of memory. */
struct alloc_verdicts *alloc_verdict_open(const char *prefix);

/* Remembers one figure (@subject without the prefix). */
void alloc_verdict_note(struct alloc_verdicts *v, const char *bench_case, const char *subject,
			const char *metric, double value);

/* One "# target ...: met|not met|not measured (figures)" line per target and backend. */
void alloc_verdict_print(const struct alloc_verdicts *v, FILE *out);

void alloc_verdict_close(struct alloc_verdicts *v);

#endif /* MYMAP_BENCH_ALLOC_VERDICT_H */
