// SPDX-License-Identifier: GPL-2.0
/* alloc-worker.c - runs one case against one subject and prints the figures. */
#include "alloc-worker.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alloc-work.h"
#include "bench.h"

static int parse_size(const char *s, size_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *end)
		return -1;
	*out = (size_t)v;
	return 0;
}

static void print_timing(struct alloc_measure *m)
{
	printf("median %.6g ns/op\n", bench_median(m->samples, m->nsamples));
	printf("p99 %.6g ns/op\n", bench_percentile(m->samples, m->nsamples, 99));
	printf("p99.9 %.6g ns/op\n", bench_percentile(m->samples, m->nsamples, 99.9));
}

static int run_case(const struct alloc_subject *s, const struct alloc_case *c, struct alloc_heap *h,
		    const struct alloc_params *p)
{
	struct alloc_measure m = {.faults = -1};

	if ((c->needs & s->flags) != c->needs) {
		fprintf(stderr, "mymap-bench-alloc: case %s does not apply to %s\n", c->name,
			s->name);
		return 2;
	}
	if (c->run(h, p, &m) < 0) {
		alloc_measure_free(&m);
		return 1;
	}
	if (m.nsamples)
		print_timing(&m);
	printf("preempted %zu batches\n", m.preempted);
	if (m.faults >= 0)
		printf("faults %ld count\n", m.faults);
	if (m.peak_rss_kib >= 0)
		printf("peak_rss %ld KiB\n", m.peak_rss_kib);
	if (m.has_utilisation)
		printf("utilisation %.4g %%\n", m.utilisation);
	if (m.failed_allocs)
		fprintf(stderr, "mymap-bench-alloc: %s %s: %zu allocations refused (arena full)\n",
			c->name, s->name, m.failed_allocs);
	alloc_measure_free(&m);
	return 0;
}

int alloc_worker_main(int argc, char **argv, const struct alloc_subject *const *subjects, size_t n)
{
	const struct alloc_subject *s = NULL;
	struct alloc_params p = {0};
	struct alloc_heap h = {0};
	size_t arena, workers, seed;
	int status;

	if (argc != 8 || strcmp(argv[1], "--worker") != 0 || parse_size(argv[4], &p.batches) ||
	    parse_size(argv[5], &arena) || parse_size(argv[6], &workers) ||
	    parse_size(argv[7], &seed)) {
		fprintf(stderr,
			"usage: %s --worker SUBJECT CASE BATCHES ARENA_BYTES WORKERS SEED\n"
			"(a worker of mymap-bench-alloc, which runs it: run that instead)\n",
			argv[0]);
		return 2;
	}
	p.workers = (unsigned int)workers;
	p.seed = seed ? seed : 1;
	for (size_t i = 0; i < n; i++)
		if (strcmp(subjects[i]->name, argv[2]) == 0)
			s = subjects[i];
	const struct alloc_case *c = alloc_find_case(argv[3]);

	if (!s || (!c && strcmp(argv[3], ALLOC_INSTR_CASE) != 0)) {
		fprintf(stderr, "mymap-bench-alloc: worker: no %s '%s' in %s\n",
			s ? "case" : "subject", s ? argv[3] : argv[2], argv[0]);
		return 2;
	}
	alarm(ALLOC_WORKER_TIMEOUT);
	if (s->open(&h, arena) < 0)
		return 1;
	if (c) {
		status = run_case(s, c, &h, &p);
	} else {
		uint64_t ops =
		    alloc_callgrind_churn(&h, (uint64_t)p.batches * ALLOC_BATCH_OPS, p.seed);

		printf("ops %llu count\n", (unsigned long long)ops);
		status = 0;
	}
	if (s->close)
		s->close(&h);
	return fflush(stdout) == 0 ? status : 1;
}
