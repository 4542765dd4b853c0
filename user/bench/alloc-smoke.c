// SPDX-License-Identifier: GPL-2.0
/*
 * alloc-smoke - checks that mymap-bench-alloc runs and reports what it
 * promises: a --quick run on the host's subjects, then every result line
 * parsed against the schema {"suite","case","subject","metric","value",
 * "unit"}, every expected (case, subject, metric) present once, the order
 * statistics in order, the table and one verdict per target printed.
 * It never judges the figures themselves: speed belongs to the benchmark.
 *
 * usage: alloc-smoke PATH/mymap-bench-alloc
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tap.h"

#define HOST_SUBJECTS "anon,anon-populated,memfd,brk,glibc,jemalloc,mimalloc"
#define MAX_RESULTS   512

struct result {
	char suite[32], bench_case[32], subject[32], metric[32], unit[16];
	double value;
	int seen; /* times an expectation matched it */
};

static struct result results[MAX_RESULTS];
static size_t nresults;

/*
 * Runs @argv with stdout to @out_path and stderr to @err_path; returns the
 * exit status, or -1 if it did not exit normally.
 */
static int run(char *const argv[], const char *out_path, const char *err_path)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		int out = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int err = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		if (out < 0 || err < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0)
			_exit(126);
		execv(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/* Reads "KEY": into @p; returns the position after the colon, or NULL. */
static const char *expect_key(const char *p, const char *key)
{
	size_t len = strlen(key);

	if (*p != '"' || strncmp(p + 1, key, len) != 0 || p[len + 1] != '"' || p[len + 2] != ':')
		return NULL;
	return p + len + 3;
}

/* Reads a JSON string without escapes (the names are identifiers) into @dst. */
static const char *read_string(const char *p, char *dst, size_t size)
{
	size_t n = 0;

	if (*p++ != '"')
		return NULL;
	while (*p && *p != '"' && *p != '\\') {
		if (n + 1 >= size)
			return NULL;
		dst[n++] = *p++;
	}
	dst[n] = '\0';
	return *p == '"' && n > 0 ? p + 1 : NULL;
}

/* One line, exactly the schema's keys in order; 0 or -1. */
static int parse_line(const char *line, struct result *r)
{
	struct {
		const char *key;
		char *dst;
		size_t size;
	} strings[] = {
	    {"suite", r->suite, sizeof(r->suite)},
	    {"case", r->bench_case, sizeof(r->bench_case)},
	    {"subject", r->subject, sizeof(r->subject)},
	    {"metric", r->metric, sizeof(r->metric)},
	};
	const char *p = line;
	char *end;

	if (*p++ != '{')
		return -1;
	for (size_t i = 0; i < 4; i++) {
		p = expect_key(p, strings[i].key);
		if (p)
			p = read_string(p, strings[i].dst, strings[i].size);
		if (!p || *p++ != ',')
			return -1;
	}
	p = expect_key(p, "value");
	if (!p)
		return -1;
	errno = 0;
	r->value = strtod(p, &end);
	if (errno || end == p || !isfinite(r->value) || *end != ',')
		return -1;
	p = expect_key(end + 1, "unit");
	if (p)
		p = read_string(p, r->unit, sizeof(r->unit));
	return p && strcmp(p, "}\n") == 0 ? 0 : -1;
}

static void check_lines(const char *path)
{
	char line[512];
	size_t lineno = 0, bad = 0, bad_at = 0, other_suite = 0;
	FILE *f = fopen(path, "r");

	if (!tap_ok(f != NULL, "the results file %s can be read", path))
		return;
	while (fgets(line, sizeof(line), f)) {
		struct result r = {0};

		lineno++;
		if (parse_line(line, &r) < 0) {
			if (!bad++)
				bad_at = lineno;
			continue;
		}
		if (strcmp(r.suite, "alloc") != 0)
			other_suite++;
		if (nresults < MAX_RESULTS)
			results[nresults++] = r;
	}
	fclose(f);
	tap_ok(lineno > 0, "the run wrote result lines: %zu", lineno);
	tap_ok(bad == 0,
	       "every line is {suite,case,subject,metric,value,unit} with a finite value: %zu bad",
	       bad);
	if (bad)
		tap_diag("first bad line: %zu", bad_at);
	tap_ok(other_suite == 0, "every line says suite \"alloc\": %zu others", other_suite);
}

/* The result, marked as expected; NULL if absent or present more than once. */
static struct result *find(const char *bench_case, const char *subject, const char *metric,
			   int *count)
{
	struct result *hit = NULL;

	*count = 0;
	for (size_t i = 0; i < nresults; i++)
		if (!strcmp(results[i].bench_case, bench_case) &&
		    !strcmp(results[i].subject, subject) && !strcmp(results[i].metric, metric)) {
			results[i].seen++;
			hit = &results[i];
			(*count)++;
		}
	return *count == 1 ? hit : NULL;
}

static const char *const libmymap_subjects[] = {"anon", "anon-populated", "memfd", "brk"};
static const char *const malloc_subjects[] = {"glibc", "jemalloc", "mimalloc"};
#define NLIBMYMAP (sizeof(libmymap_subjects) / sizeof(libmymap_subjects[0]))
#define NMALLOC	  (sizeof(malloc_subjects) / sizeof(malloc_subjects[0]))

static int is_libmymap(const char *subject)
{
	for (size_t i = 0; i < NLIBMYMAP; i++)
		if (!strcmp(subject, libmymap_subjects[i]))
			return 1;
	return 0;
}

/*
 * The timing figures of one (case, subject): present once, positive, in
 * order; the page faults too in the one-thread cases (not larson).
 */
static void check_timed(const char *bench_case, const char *subject, int with_utilisation)
{
	int count;

	if (strncmp(bench_case, "larson", 6) != 0) {
		struct result *f = find(bench_case, subject, "faults", &count);

		tap_ok(f && f->value >= 0 && !strcmp(f->unit, "count"),
		       "%s %s: faults once, a count >= 0: %d lines, %g", bench_case, subject, count,
		       f ? f->value : -1);
	}
	static const char *const metrics[] = {"median", "p99", "p99.9", "peak_rss", "preempted"};
	struct result *r[5];
	int missing = 0;

	for (size_t i = 0; i < 5; i++) {
		r[i] = find(bench_case, subject, metrics[i], &count);
		if (!r[i]) {
			missing++;
			tap_diag("%s %s %s: %d lines", bench_case, subject, metrics[i], count);
		}
	}
	if (!tap_ok(missing == 0, "%s %s: median, p99, p99.9 and peak_rss once each: %d missing",
		    bench_case, subject, missing))
		return;
	tap_ok(r[0]->value > 0 && r[0]->value <= r[1]->value && r[1]->value <= r[2]->value &&
		   !strcmp(r[0]->unit, "ns/op") && r[3]->value >= 0,
	       "%s %s: 0 < median <= p99 <= p99.9 ns/op, peak_rss >= 0: %g %g %g %s, %g",
	       bench_case, subject, r[0]->value, r[1]->value, r[2]->value, r[0]->unit, r[3]->value);
	if (with_utilisation) {
		struct result *u = find(bench_case, subject, "utilisation", &count);

		tap_ok(u && u->value > 0 && u->value <= 100 && !strcmp(u->unit, "%"),
		       "%s %s: utilisation in (0, 100] %%: %d lines, %g", bench_case, subject,
		       count, u ? u->value : -1);
	}
}

static void check_expected(void)
{
	static const char *const every_subject_cases[] = {"churn", "pairs64", "larson-thr",
							  "large"};
	int count;

	for (size_t c = 0; c < 4; c++) {
		for (size_t s = 0; s < NLIBMYMAP; s++)
			check_timed(every_subject_cases[c], libmymap_subjects[s], 0);
		for (size_t s = 0; s < NMALLOC; s++)
			check_timed(every_subject_cases[c], malloc_subjects[s], 0);
	}
	/* cross-process free needs a heap shared between processes: memfd on the host */
	check_timed("larson-proc", "memfd", 0);
	/* exhaustion only where an arena bounds the heap */
	for (size_t s = 0; s < NLIBMYMAP; s++)
		check_timed("fill", libmymap_subjects[s], 1);
	/* what a refusal costs with every cache slot held: libmymap only */
	for (size_t s = 0; s < NLIBMYMAP; s++)
		check_timed("refused", libmymap_subjects[s], 0);
	for (size_t i = 0; i < 2; i++) {
		const char *c = i ? "instr-256MiB" : "instr-1MiB";
		struct result *r = find(c, "anon", "instr_per_op", &count);

		tap_ok(r && r->value > 0, "%s anon: instr_per_op once, positive: %d lines, %g", c,
		       count, r ? r->value : -1);
	}
	size_t unexpected = 0;

	for (size_t i = 0; i < nresults; i++)
		if (!results[i].seen) {
			if (!unexpected++)
				tap_diag("first unexpected: %s %s %s", results[i].bench_case,
					 results[i].subject, results[i].metric);
		}
	tap_ok(unexpected == 0,
	       "no results beyond those expected (no larson-proc or fill for the malloc family, no "
	       "device on the host): %zu others",
	       unexpected);
	size_t util_elsewhere = 0;

	for (size_t i = 0; i < nresults; i++)
		if (!strcmp(results[i].metric, "utilisation") && !is_libmymap(results[i].subject))
			util_elsewhere++;
	tap_ok(util_elsewhere == 0, "utilisation only for libmymap backends: %zu others",
	       util_elsewhere);
}

/* Lines of @path that start with @prefix. */
static int count_lines(const char *path, const char *prefix)
{
	char line[512];
	int n = 0;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, prefix, strlen(prefix)) == 0)
			n++;
	fclose(f);
	return n;
}

static void check_table(const char *out_path)
{
	int header = count_lines(out_path, "case ");
	int verdicts = count_lines(out_path, "# target ");
	int rows = count_lines(out_path, "churn ");

	tap_ok(header == 1 && rows == 7, "the table: one header, a churn row per subject: %d, %d",
	       header, rows);
	/*
	 * churn vs glibc, vs mimalloc, tail, utilisation and the refusal's cost
	 * for 4 subjects; instructions for anon
	 */
	tap_ok(verdicts == 21, "a verdict line per target and libmymap subject: %d of 21",
	       verdicts);
	int shared = count_lines(out_path, "# p99.9 / median with the workers sharing the cores, ");

	tap_ok(shared == 4,
	       "the larson tails beside the verdicts, for each libmymap subject: %d of 4", shared);
}

static void check_bad_usage(const char *bench, const char *out_path, const char *err_path)
{
	char *argv[] = {(char *)bench, "--subjects", "anon,nosuch", "--out", "/dev/null", NULL};
	int status = run(argv, out_path, err_path);

	tap_ok(status == 2 && count_lines(err_path, "mymap-bench-alloc: no subject 'nosuch'") == 1,
	       "an unknown subject is refused with exit 2 and one line naming it: exit %d", status);

	char *last[] = {(char *)bench, "--out", "/dev/null", "--subjects", NULL};

	status = run(last, out_path, err_path);
	tap_ok(status == 2 &&
		   count_lines(err_path, "mymap-bench-alloc: --subjects needs a value") == 1,
	       "--subjects with no value is refused with exit 2 and one line saying so: exit %d",
	       status);
}

int main(int argc, char **argv)
{
	char dir[] = "/tmp/alloc-smoke.XXXXXX", jsonl[64], out[64], err[64];

	if (argc != 2) {
		fprintf(stderr, "usage: alloc-smoke PATH/mymap-bench-alloc\n");
		return 2;
	}
	if (!mkdtemp(dir)) {
		fprintf(stderr, "alloc-smoke: cannot make a directory in /tmp: %s\n",
			strerror(errno));
		return 1;
	}
	snprintf(jsonl, sizeof(jsonl), "%s/alloc.jsonl", dir);
	snprintf(out, sizeof(out), "%s/stdout", dir);
	snprintf(err, sizeof(err), "%s/stderr", dir);
	char *bench[] = {argv[1],	"--quick", "--callgrind", "--subjects",
			 HOST_SUBJECTS, "--out",   jsonl,	  NULL};
	int status = run(bench, out, err);

	if (!tap_ok(status == 0, "mymap-bench-alloc --quick on %s exits 0: %d", HOST_SUBJECTS,
		    status))
		tap_diag("its errors are in %s", err);
	check_lines(jsonl);
	check_expected();
	check_table(out);
	check_bad_usage(argv[1], out, err);
	if (!tap_failures) {
		unlink(jsonl);
		unlink(out);
		unlink(err);
		rmdir(dir);
	}
	return tap_done();
}
