// SPDX-License-Identifier: GPL-2.0
/*
 * bench_test - the benchmark support: nearest-rank percentiles, the JSON
 * line format every suite writes, and the table.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "tap.h"

static void check_percentiles(void)
{
	double one[] = {7};
	double v[] = {5, 1, 4, 2, 3};
	double hundred[100];

	tap_ok(bench_median(v, 5) == 3, "median of 1..5 shuffled is 3 (got %g)",
	       bench_median(v, 5));
	tap_ok(bench_percentile(v, 5, 0) == 1, "0th percentile is the minimum");
	tap_ok(bench_percentile(v, 5, 100) == 5, "100th percentile is the maximum");
	tap_ok(bench_median(one, 1) == 7, "median of one value is that value");
	tap_ok(bench_median(NULL, 0) == 0, "median of nothing is 0");
	for (int i = 0; i < 100; i++)
		hundred[i] = 100 - i;
	tap_ok(bench_percentile(hundred, 100, 99) == 99, "p99 of 1..100 is 99 (got %g)",
	       bench_percentile(hundred, 100, 99));
	tap_ok(bench_percentile(hundred, 100, 99.9) == 100, "p99.9 of 1..100 is 100 (got %g)",
	       bench_percentile(hundred, 100, 99.9));
}

static void check_output(void)
{
	char path[] = "/tmp/bench_test.XXXXXX", line[256] = "";
	int fd = mkstemp(path);
	struct bench_results *r = bench_open("unit", path);
	FILE *f;

	if (!tap_ok(fd >= 0 && r, "open a results file"))
		return;
	bench_record(r, "4MiB", "dev\"ice", "ns_per_mib", 1234.5, "ns");
	bench_record(r, "4MiB", "anon", "minflt", 1024, "faults");
	tap_ok(bench_close(r) == 0, "close the results file");
	f = fopen(path, "r");
	if (f && fgets(line, sizeof(line), f))
		line[strcspn(line, "\n")] = '\0';
	tap_ok(strcmp(line, "{\"suite\":\"unit\",\"case\":\"4MiB\",\"subject\":\"dev\\\"ice\","
			    "\"metric\":\"ns_per_mib\",\"value\":1234.5,\"unit\":\"ns\"}") == 0,
	       "a JSON line has the six fields in order, quotes escaped: %s", line);
	int lines = 1;

	while (f && fgets(line, sizeof(line), f))
		lines++;
	tap_ok(lines == 2, "one line per record (%d)", lines);
	if (f)
		fclose(f);
	unlink(path);
	close(fd);

	tap_ok(bench_open("unit", "/nonexistent/dir/x.jsonl") == NULL,
	       "an unwritable path is reported, not ignored");
}

static void check_table(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	struct bench_results *r = bench_open("unit", "/dev/null");

	bench_record(r, "a", "x", "m1", 1, "ns");
	bench_record(r, "a", "x", "m2", 2, "ns");
	bench_record(r, "a", "y", "m1", 3, "ns");
	bench_print_table(r, mem);
	fclose(mem);
	bench_close(r);
	int rows = 0;

	for (char *p = buf; *p; p++)
		rows += *p == '\n';
	tap_ok(rows == 3, "the table has a header and one row per case and subject (%d lines)",
	       rows);
	tap_ok(strstr(buf, "m1(ns)") && strstr(buf, "m2(ns)"), "one column per metric");
	tap_ok(strstr(buf, " -") != NULL, "a missing value shows as -");
	free(buf);
}

/* The options every bench program shares, and the checked numbers of its own. */
static void check_options(void)
{
	char *ok_args[] = {"prog", "--out", "-"}, *extra[] = {"prog", "extra"},
	     *no_path[] = {"prog", "--out"}, *unknown[] = {"prog", "--bogus"};
	const char *out;
	double v = -1;
	int help;

	tap_ok(bench_parse_common(3, ok_args, "t", NULL, &out, &help) == 0 && !strcmp(out, "-"),
	       "--out - is taken");
	tap_ok(bench_parse_common(2, extra, "t", NULL, &out, &help) == -1 && !help,
	       "a left-over argument is refused");
	tap_ok(bench_parse_common(2, no_path, "t", NULL, &out, &help) == -1 && !help,
	       "--out with no PATH is refused");
	tap_ok(bench_parse_common(2, unknown, "t", NULL, &out, &help) == -1 && !help,
	       "an unknown option is refused");
	tap_ok(bench_parse_number("t", "--n", "2.5", 1, 3, false, &v) == 0 && v == 2.5,
	       "a number in range is taken (%g)", v);
	tap_ok(bench_parse_number("t", "--n", "2.5", 1, 3, true, &v) == -1,
	       "a fraction is refused where a whole number is wanted");
	tap_ok(bench_parse_number("t", "--n", "abc", 1, 3, false, &v) == -1 &&
		   bench_parse_number("t", "--n", "2x", 1, 3, false, &v) == -1 &&
		   bench_parse_number("t", "--n", "", 1, 3, false, &v) == -1,
	       "text, trailing text and nothing are refused");
	tap_ok(bench_parse_number("t", "--n", "0", 1, 3, false, &v) == -1 &&
		   bench_parse_number("t", "--n", "4", 1, 3, false, &v) == -1 &&
		   bench_parse_number("t", "--n", "nan", 1, 3, false, &v) == -1,
	       "numbers out of range, and nan, are refused");
	tap_ok(bench_parse_number("t", "--n", NULL, 1, 3, false, &v) == -1,
	       "a missing value is refused");
	tap_ok(bench_option_value("t", "--s", NULL) == NULL &&
		   !strcmp(bench_option_value("t", "--s", "x"), "x"),
	       "a string option's value is passed on, a missing one refused");
}

/* Numbers for a reader: no exponent, sensible precision, units on durations. */
static void check_numbers(void)
{
	char path[] = "/tmp/bench_test.XXXXXX", text[512] = "", buf[64];
	const char *tiny;
	int fd = mkstemp(path);
	struct bench_results *r = bench_open("unit", path);
	ssize_t n;

	if (!tap_ok(fd >= 0 && r, "open a results file"))
		return;
	bench_record(r, "c", "s", "big", 5757123, "ns");
	bench_record(r, "c", "s", "frac", 196168.9688, "ns");
	bench_record(r, "c", "s", "tiny", 0.000123456789, "ratio");
	bench_record(r, "c", "s", "huge", 1e300, "ns");
	bench_close(r);
	n = read(fd, text, sizeof(text) - 1);
	text[n > 0 ? n : 0] = '\0';
	tiny = strstr(text, "\"tiny\"") ? strstr(text, "\"tiny\"") : "(no line for tiny)";
	tap_ok(strstr(text, "\"value\":5757123,") && strstr(text, "\"value\":196169,") &&
		   strstr(text, "\"value\":0.000123457,"),
	       "JSON values below 1e15 have six significant digits and no exponent: %.*s",
	       (int)strcspn(tiny, "\n"), tiny);
	tap_ok(strstr(text, "\"value\":1e+300,") != NULL,
	       "a value of 1e15 or more may use an exponent");
	close(fd);
	unlink(path);

	bench_format_value(buf, sizeof(buf), 196168.9688);
	tap_ok(strcmp(buf, "196169") == 0, "a table value keeps its whole digits: %s", buf);
	bench_format_value(buf, sizeof(buf), 12.3456);
	tap_ok(strcmp(buf, "12.35") == 0, "and four significant digits: %s", buf);
	bench_format_value(buf, sizeof(buf), 0.5);
	tap_ok(strcmp(buf, "0.5") == 0, "without trailing zeros: %s", buf);
	bench_format_value(buf, sizeof(buf), 0);
	tap_ok(strcmp(buf, "0") == 0, "zero is 0: %s", buf);
	bench_format_ns(buf, sizeof(buf), 3880866);
	tap_ok(strcmp(buf, "3.88 ms") == 0, "3880866 ns reads 3.88 ms: %s", buf);
	bench_format_ns(buf, sizeof(buf), 412);
	tap_ok(strcmp(buf, "412 ns") == 0, "412 ns reads 412 ns: %s", buf);
	bench_format_ns(buf, sizeof(buf), 12500);
	tap_ok(strcmp(buf, "12.5 us") == 0, "12500 ns reads 12.5 us: %s", buf);
}

int main(void)
{
	check_percentiles();
	check_output();
	check_table();
	check_numbers();
	check_options();
	return tap_done();
}
