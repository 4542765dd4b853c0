/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bench.h - what every benchmark program shares: a clock, order statistics,
 * and the result format.
 *
 * Results are JSON lines, one object per measurement:
 *   {"suite":"map","case":"4MiB","subject":"device","metric":"ns_per_mib",
 *    "value":1234,"unit":"ns"}
 * written to build/bench/SUITE.jsonl (or wherever --out says; "-" is
 * stdout, where each line starts with {"suite" so a filter can split the
 * results from the table when the program runs inside the VM), followed by
 * a table on stdout for a human.
 */
#ifndef MYMAP_BENCH_H
#define MYMAP_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct bench_results;

/*
 * Opens the results of @suite, writing to @path ("-" for stdout).
 * Returns NULL with errno set if @path cannot be opened.
 * The caller owns the result and releases it with bench_close().
 */
struct bench_results *bench_open(const char *suite, const char *path);

/* Records one measurement and writes its JSON line at once. */
void bench_record(struct bench_results *r, const char *bench_case, const char *subject,
		  const char *metric, double value, const char *unit);

/*
 * Prints everything recorded as a table: one row per case and subject,
 * one column per metric, in the order first recorded.
 */
void bench_print_table(const struct bench_results *r, FILE *out);

/*
 * @v for a reader, in @buf of @size bytes: four significant digits (every
 * digit of a whole number), fixed notation below 1e15, no trailing zeros:
 * "196169", "12.35", "0.5".  The table prints values this way; JSON
 * values get six significant digits, also without an exponent.
 */
void bench_format_value(char *buf, size_t size, double v);

/* @ns as a duration with its unit and three significant digits: "3.88 ms". */
void bench_format_ns(char *buf, size_t size, double ns);

/* Flushes and closes the output; frees @r. Returns 0, or -1 with errno. */
int bench_close(struct bench_results *r);

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t bench_now_ns(void);

/*
 * The @p-th percentile (0 <= p <= 100, nearest rank) of @n values;
 * sorts @v in place. Returns 0 for n == 0.
 */
double bench_percentile(double *v, size_t n, double p);

/* bench_percentile(v, n, 50). */
double bench_median(double *v, size_t n);

/*
 * Parses the options every bench program takes: "--out PATH" (default
 * build/bench/SUITE.jsonl) and "--help". Stores the output path in *@out.
 * Returns 0, or -1 after printing usage (with @usage_extra appended) for
 * --help, or one line for an unknown option, a missing PATH or an
 * argument left over; *@help_asked tells which.
 */
int bench_parse_common(int argc, char **argv, const char *suite, const char *usage_extra,
		       const char **out, int *help_asked);

/*
 * @arg, the value of option @opt of mymap-bench-@suite; NULL (the option
 * came last) after one line on stderr saying the value is missing.
 */
const char *bench_option_value(const char *suite, const char *opt, const char *arg);

/*
 * The whole of @arg, the value of option @opt of mymap-bench-@suite, as a
 * number from @min to @max (a whole one if @whole) in *@out.  Returns 0,
 * or -1 after one line on stderr naming the option; a NULL @arg (the
 * option came last) is reported as a missing value.
 */
int bench_parse_number(const char *suite, const char *opt, const char *arg, double min, double max,
		       bool whole, double *out);

#endif /* MYMAP_BENCH_H */
