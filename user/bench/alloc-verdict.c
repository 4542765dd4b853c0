// SPDX-License-Identifier: GPL-2.0
/* alloc-verdict.c - judges the alloc benchmark's figures against its targets. */
#include "alloc-verdict.h"

#include <stdlib.h>
#include <string.h>

#define CHURN_VS_GLIBC	  1.0
#define CHURN_VS_MIMALLOC 1.5
#define TAIL_VS_MEDIAN	  4.0
#define UTILISATION_MIN	  85.0
#define INSTR_GROWTH_MAX  0.10
#define REFUSED_MAX_NS	  2000.0

struct figure {
	char bench_case[32];
	char subject[32];
	char metric[32];
	double value;
};

struct alloc_verdicts {
	char prefix[32];
	struct figure *f;
	size_t n, cap;
};

static const char *const backends[] = {"anon", "anon-populated", "memfd", "brk", "device"};
static const char *const others[] = {"glibc", "jemalloc", "mimalloc"};

struct alloc_verdicts *alloc_verdict_open(const char *prefix)
{
	struct alloc_verdicts *v = calloc(1, sizeof(*v));

	if (v)
		snprintf(v->prefix, sizeof(v->prefix), "%s", prefix);
	return v;
}

void alloc_verdict_note(struct alloc_verdicts *v, const char *bench_case, const char *subject,
			const char *metric, double value)
{
	if (v->n == v->cap) {
		size_t cap = v->cap ? 2 * v->cap : 64;
		struct figure *f = realloc(v->f, cap * sizeof(*f));

		if (!f)
			return; /* the verdict will say "not measured" */
		v->f = f;
		v->cap = cap;
	}
	struct figure *f = &v->f[v->n++];

	snprintf(f->bench_case, sizeof(f->bench_case), "%s", bench_case);
	snprintf(f->subject, sizeof(f->subject), "%s", subject);
	snprintf(f->metric, sizeof(f->metric), "%s", metric);
	f->value = value;
}

/* The figure, or -1 if it was not measured. */
static double find(const struct alloc_verdicts *v, const char *bench_case, const char *subject,
		   const char *metric)
{
	for (size_t i = 0; i < v->n; i++)
		if (!strcmp(v->f[i].bench_case, bench_case) && !strcmp(v->f[i].subject, subject) &&
		    !strcmp(v->f[i].metric, metric))
			return v->f[i].value;
	return -1;
}

static int measured(const struct alloc_verdicts *v, const char *subject)
{
	for (size_t i = 0; i < v->n; i++)
		if (!strcmp(v->f[i].subject, subject))
			return 1;
	return 0;
}

static void churn_against(const struct alloc_verdicts *v, const char *b, const char *other,
			  double limit, FILE *out)
{
	double mine = find(v, "churn", b, "median"), theirs = find(v, "churn", other, "median");

	fprintf(out, "# target churn <= %.1fx %s%s, %s%s: ", limit, v->prefix, other, v->prefix, b);
	if (mine <= 0 || theirs <= 0)
		fprintf(out, "not measured (churn of both subjects needed)\n");
	else
		fprintf(out, "%s (%.2fx: %.1f vs %.1f ns/op)\n",
			mine <= limit * theirs ? "met" : "not met", mine / theirs, mine, theirs);
}

/* p99.9 / median of @subject in @bench_case, or -1. */
static double tail_ratio(const struct alloc_verdicts *v, const char *bench_case,
			 const char *subject)
{
	double median = find(v, bench_case, subject, "median");
	double p999 = find(v, bench_case, subject, "p99.9");

	return median > 0 && p999 >= 0 ? p999 / median : -1;
}

/*
 * The cases the tail target judges: the steady-state ones a single thread
 * runs.  Not fill: its batches take the page faults of memory touched for
 * the first time, the kernel's cost rather than the allocator's, and no
 * malloc-family figure stands beside it.  Not the larson cases: there
 * workers share the machine's cores, and their batches hold the other
 * worker's cache-line transfers and preemptions (tail_shared()).
 */
static const char *const tail_cases[] = {"churn", "pairs64", "large"};
static const char *const shared_cases[] = {"larson-thr", "larson-proc"};

/* ", there glibc Rx, jemalloc Rx, ..." for @bench_case: how much of a tail the machine makes. */
static void others_tails(const struct alloc_verdicts *v, const char *bench_case, FILE *out)
{
	const char *sep = "; there";

	for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
		double theirs = tail_ratio(v, bench_case, others[i]);

		if (theirs >= 0) {
			fprintf(out, "%s %s%s %.2fx", sep, v->prefix, others[i], theirs);
			sep = ",";
		}
	}
}

/* The worst p99.9 / median of @b over tail_cases, with its page faults and the others' ratios. */
static void tail(const struct alloc_verdicts *v, const char *b, FILE *out)
{
	double worst = -1;
	const char *where = NULL;

	for (size_t i = 0; i < sizeof(tail_cases) / sizeof(tail_cases[0]); i++) {
		double ratio = tail_ratio(v, tail_cases[i], b);

		if (ratio > worst) {
			worst = ratio;
			where = tail_cases[i];
		}
	}
	fprintf(out,
		"# target p99.9 <= %.0fx median in every single-thread steady-state case, %s%s: ",
		TAIL_VS_MEDIAN, v->prefix, b);
	if (!where) {
		fprintf(out, "not measured\n");
		return;
	}
	fprintf(out, "%s (worst %.2fx, in %s", worst <= TAIL_VS_MEDIAN ? "met" : "not met", worst,
		where);
	double faults = find(v, where, b, "faults");

	if (faults >= 0)
		fprintf(out, ", faults %.0f", faults);
	others_tails(v, where, out);
	fprintf(out, ")\n");
}

/* The same ratio in the cases whose workers share the cores: information, beside the others'. */
static void tail_shared(const struct alloc_verdicts *v, const char *b, FILE *out)
{
	const char *sep = "";

	for (size_t i = 0; i < sizeof(shared_cases) / sizeof(shared_cases[0]); i++) {
		double ratio = tail_ratio(v, shared_cases[i], b);

		if (ratio < 0)
			continue;
		if (!*sep)
			fprintf(out, "# p99.9 / median with the workers sharing the cores, %s%s: ",
				v->prefix, b);
		fprintf(out, "%s%s %.2fx", sep, shared_cases[i], ratio);
		others_tails(v, shared_cases[i], out);
		sep = " | ";
	}
	if (*sep)
		fputc('\n', out);
}

static void utilisation(const struct alloc_verdicts *v, const char *b, FILE *out)
{
	double u = find(v, "fill", b, "utilisation");

	fprintf(out, "# target utilisation >= %.0f%%, %s%s: ", UTILISATION_MIN, v->prefix, b);
	if (u < 0)
		fprintf(out, "not measured\n");
	else
		fprintf(out, "%s (%.1f%%)\n", u >= UTILISATION_MIN ? "met" : "not met", u);
}

static void refused(const struct alloc_verdicts *v, const char *b, FILE *out)
{
	double ns = find(v, "refused", b, "median");

	if (ns < 0)
		return;
	fprintf(out,
		"# target refused request <= %.0f ns with 8 threads holding slots, %s%s: %s (%.0f "
		"ns)\n",
		REFUSED_MAX_NS, v->prefix, b, ns <= REFUSED_MAX_NS ? "met" : "not met", ns);
}

static void instructions(const struct alloc_verdicts *v, const char *b, FILE *out)
{
	double small = find(v, "instr-1MiB", b, "instr_per_op");
	double big = find(v, "instr-256MiB", b, "instr_per_op");

	if (small < 0 && big < 0)
		return; /* counted for one backend only, and only where valgrind runs */
	fprintf(out, "# target instr/op growth 1 MiB -> 256 MiB heap <= %.0f%%, %s%s: ",
		INSTR_GROWTH_MAX * 100, v->prefix, b);
	if (small <= 0 || big <= 0)
		fprintf(out, "not measured\n");
	else
		fprintf(out, "%s (%+.1f%%: %.1f -> %.1f instructions/op)\n",
			big <= small * (1 + INSTR_GROWTH_MAX) ? "met" : "not met",
			100 * (big / small - 1), small, big);
}

void alloc_verdict_print(const struct alloc_verdicts *v, FILE *out)
{
	fputc('\n', out);
	for (size_t i = 0; i < sizeof(backends) / sizeof(backends[0]); i++) {
		const char *b = backends[i];

		if (!measured(v, b))
			continue;
		churn_against(v, b, "glibc", CHURN_VS_GLIBC, out);
		churn_against(v, b, "mimalloc", CHURN_VS_MIMALLOC, out);
		tail(v, b, out);
		tail_shared(v, b, out);
		utilisation(v, b, out);
		refused(v, b, out);
		instructions(v, b, out);
	}
}

void alloc_verdict_close(struct alloc_verdicts *v)
{
	if (v) {
		free(v->f);
		free(v);
	}
}
