// SPDX-License-Identifier: GPL-2.0
/* bench.c - clock, percentiles and JSON-lines/table output for benchmarks. */
#include "bench.h"

#include <errno.h>
#include <math.h> /* isfinite: a macro, no libm */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

struct bench_row {
	char bench_case[32];
	char subject[32];
	char metric[32];
	char unit[16];
	double value;
};

struct bench_results {
	char suite[32];
	FILE *out;
	int out_is_stdout;
	struct bench_row *rows;
	size_t nrows, cap;
};

static void copy_name(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src);
}

struct bench_results *bench_open(const char *suite, const char *path)
{
	struct bench_results *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	copy_name(r->suite, sizeof(r->suite), suite);
	if (strcmp(path, "-") == 0) {
		r->out = stdout;
		r->out_is_stdout = 1;
	} else {
		r->out = fopen(path, "w");
		if (!r->out) {
			free(r);
			return NULL;
		}
	}
	return r;
}

/* Names are identifiers chosen by the programs; quotes would break JSON. */
static void put_json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

/*
 * @v with @digits significant digits in fixed notation (never an exponent
 * below 1e15, so a reader and any JSON parser see 5757000, not 5.757e+06),
 * with trailing zeros after the point dropped: 1234.5, 196169, 0.00012.
 * Whole numbers keep every digit.
 */
static void format_fixed(char *buf, size_t size, double v, int digits)
{
	double magnitude = v < 0 ? -v : v;
	int decimals = digits - 1;
	char *end;

	if (!(magnitude < 1e15)) {
		snprintf(buf, size, "%.*g", digits, v);
		return;
	}
	/* The decimal exponent of a nonzero @v sets how many decimals are significant. */
	for (; magnitude >= 10; magnitude /= 10)
		decimals--;
	for (; magnitude > 0 && magnitude < 1; magnitude *= 10)
		decimals++;
	if (decimals < 0 || v == (double)(long long)v)
		decimals = 0;
	if (decimals > 15)
		decimals = 15;
	snprintf(buf, size, "%.*f", decimals, v);
	if (decimals > 0 && strchr(buf, '.')) {
		end = buf + strlen(buf);
		while (end[-1] == '0')
			*--end = '\0';
		if (end[-1] == '.')
			end[-1] = '\0';
	}
	if (strcmp(buf, "-0") == 0)
		snprintf(buf, size, "0");
}

void bench_format_value(char *buf, size_t size, double v)
{
	format_fixed(buf, size, v, 4);
}

void bench_format_ns(char *buf, size_t size, double ns)
{
	static const struct {
		double scale;
		const char *unit;
	} units[] = {{1e9, "s"}, {1e6, "ms"}, {1e3, "us"}, {1, "ns"}};
	size_t i = 0;
	char number[32];

	while (i + 1 < sizeof(units) / sizeof(units[0]) && (ns < 0 ? -ns : ns) < units[i].scale)
		i++;
	format_fixed(number, sizeof(number), ns / units[i].scale, 3);
	snprintf(buf, size, "%s %s", number, units[i].unit);
}

void bench_record(struct bench_results *r, const char *bench_case, const char *subject,
		  const char *metric, double value, const char *unit)
{
	const char *keys[] = {"suite", "case", "subject", "metric"};
	const char *vals[] = {r->suite, bench_case, subject, metric};

	fputc('{', r->out);
	for (size_t i = 0; i < 4; i++) {
		put_json_string(r->out, keys[i]);
		fputc(':', r->out);
		put_json_string(r->out, vals[i]);
		fputc(',', r->out);
	}
	if (isfinite(value)) {
		char number[48];

		format_fixed(number, sizeof(number), value, 6);
		fprintf(r->out, "\"value\":%s,\"unit\":", number);
	} else {
		fputs("\"value\":null,\"unit\":", r->out); /* JSON has no nan or inf */
	}
	put_json_string(r->out, unit);
	fputs("}\n", r->out);
	fflush(r->out);

	if (r->nrows == r->cap) {
		size_t cap = r->cap ? 2 * r->cap : 64;
		struct bench_row *rows = realloc(r->rows, cap * sizeof(*rows));

		if (!rows)
			return; /* the JSON line is written; only the table loses it */
		r->rows = rows;
		r->cap = cap;
	}
	struct bench_row *row = &r->rows[r->nrows++];

	copy_name(row->bench_case, sizeof(row->bench_case), bench_case);
	copy_name(row->subject, sizeof(row->subject), subject);
	copy_name(row->metric, sizeof(row->metric), metric);
	copy_name(row->unit, sizeof(row->unit), unit);
	row->value = value;
}

static int seen_before(const struct bench_row *rows, size_t i,
		       int (*same)(const struct bench_row *, const struct bench_row *))
{
	for (size_t j = 0; j < i; j++)
		if (same(&rows[j], &rows[i]))
			return 1;
	return 0;
}

static int same_metric(const struct bench_row *a, const struct bench_row *b)
{
	return strcmp(a->metric, b->metric) == 0;
}

static int same_line(const struct bench_row *a, const struct bench_row *b)
{
	return strcmp(a->bench_case, b->bench_case) == 0 && strcmp(a->subject, b->subject) == 0;
}

void bench_print_table(const struct bench_results *r, FILE *out)
{
	fprintf(out, "%-12s %-18s", "case", "subject");
	for (size_t m = 0; m < r->nrows; m++) {
		if (seen_before(r->rows, m, same_metric))
			continue;
		char head[64];

		snprintf(head, sizeof(head), "%s(%s)", r->rows[m].metric, r->rows[m].unit);
		fprintf(out, " %16s", head);
	}
	fputc('\n', out);
	for (size_t l = 0; l < r->nrows; l++) {
		if (seen_before(r->rows, l, same_line))
			continue;
		fprintf(out, "%-12s %-18s", r->rows[l].bench_case, r->rows[l].subject);
		for (size_t m = 0; m < r->nrows; m++) {
			if (seen_before(r->rows, m, same_metric))
				continue;
			const struct bench_row *hit = NULL;

			for (size_t k = 0; k < r->nrows && !hit; k++)
				if (same_line(&r->rows[k], &r->rows[l]) &&
				    same_metric(&r->rows[k], &r->rows[m]))
					hit = &r->rows[k];
			if (hit) {
				char number[48];

				bench_format_value(number, sizeof(number), hit->value);
				fprintf(out, " %16s", number);
			} else
				fprintf(out, " %16s", "-");
		}
		fputc('\n', out);
	}
}

int bench_close(struct bench_results *r)
{
	int ret = 0;

	if (!r->out_is_stdout && fclose(r->out) != 0)
		ret = -1;
	free(r->rows);
	free(r);
	return ret;
}

uint64_t bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double bench_percentile(double *v, size_t n, double p)
{
	if (n == 0)
		return 0;
	qsort(v, n, sizeof(*v), cmp_double);
	/* nearest rank: the smallest value with at least p% at or below it */
	size_t rank = (size_t)((p / 100.0) * (double)n + 0.999999);

	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	return v[rank - 1];
}

double bench_median(double *v, size_t n)
{
	return bench_percentile(v, n, 50);
}

int bench_parse_common(int argc, char **argv, const char *suite, const char *usage_extra,
		       const char **out, int *help_asked)
{
	static char default_out[64];
	int i;

	snprintf(default_out, sizeof(default_out), "build/bench/%s.jsonl", suite);
	*out = default_out;
	*help_asked = 0;
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--out") == 0 && i + 1 < argc) {
			*out = argv[++i];
		} else if (strcmp(argv[i], "--help") == 0) {
			*help_asked = 1;
			printf("usage: mymap-bench-%s [--out PATH|-]%s\n"
			       "  --out PATH  JSON lines go to PATH (default %s; - for stdout)\n",
			       suite, usage_extra ? usage_extra : "", default_out);
			return -1;
		} else if (strcmp(argv[i], "--out") == 0) {
			fprintf(stderr, "mymap-bench-%s: --out needs a PATH; see --help\n", suite);
			return -1;
		} else {
			fprintf(stderr, "mymap-bench-%s: %s '%s'; see --help\n", suite,
				argv[i][0] == '-' ? "unknown option" : "unexpected argument",
				argv[i]);
			return -1;
		}
	}
	if (strcmp(*out, default_out) == 0)
		mkdir("build/bench", 0755); /* EEXIST is fine; fopen reports the rest */
	return 0;
}

const char *bench_option_value(const char *suite, const char *opt, const char *arg)
{
	if (!arg)
		fprintf(stderr, "mymap-bench-%s: %s needs a value; see --help\n", suite, opt);
	return arg;
}

int bench_parse_number(const char *suite, const char *opt, const char *arg, double min, double max,
		       bool whole, double *out)
{
	char *end;
	double v;

	if (!bench_option_value(suite, opt, arg))
		return -1;
	errno = 0;
	v = strtod(arg, &end);
	if (errno || end == arg || *end || !(v >= min && v <= max) ||
	    (whole && v != (double)(uint64_t)v)) {
		fprintf(
		    stderr,
		    "mymap-bench-%s: %s '%s' is not a %snumber from %.15g to %.15g; see --help\n",
		    suite, opt, arg, whole ? "whole " : "", min, max);
		return -1;
	}
	*out = v;
	return 0;
}
