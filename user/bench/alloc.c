// SPDX-License-Identifier: GPL-2.0
/*
 * mymap-bench-alloc - libmymap's allocator against glibc, jemalloc and
 * mimalloc: the same workloads, every (case, subject) pair in a fresh
 * worker process, results as JSON lines and a table, and a verdict on each
 * performance target (information only).
 *
 * This program is also the worker for glibc and the libmymap backends;
 * jemalloc and mimalloc replace malloc in any process they are linked into,
 * so their workers are the separate programs mymap-bench-alloc-jemalloc and
 * mymap-bench-alloc-mimalloc, found beside this one.
 */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "alloc-larson.h"
#include "alloc-subjects.h"
#include "alloc-verdict.h"
#include "alloc-work.h"
#include "alloc-worker.h"
#include "bench.h"

#define MIB ((size_t)1 << 20)

/* Every subject, and the program whose process runs it. */
struct subject_entry {
	const struct alloc_subject *subject; /* its name and flags */
	const char *program;		     /* the worker beside this one; NULL: this one */
};

/* Carried by their own worker programs: only the name and flags here. */
static const struct alloc_subject jemalloc_elsewhere = {"jemalloc", 0, NULL, NULL};
static const struct alloc_subject mimalloc_elsewhere = {"mimalloc", 0, NULL, NULL};

static const struct subject_entry catalogue[] = {
    {&alloc_mymap_anon, NULL},
    {&alloc_mymap_anon_populated, NULL},
    {&alloc_mymap_memfd, NULL},
    {&alloc_mymap_brk, NULL},
    {&alloc_mymap_device, NULL},
    {&alloc_glibc, NULL},
    {&jemalloc_elsewhere, "mymap-bench-alloc-jemalloc"},
    {&mimalloc_elsewhere, "mymap-bench-alloc-mimalloc"},
};
#define NSUBJECTS (sizeof(catalogue) / sizeof(catalogue[0]))

/*
 * Timed batches of each case at --scale 1: enough for a p99.9 from tens of
 * samples above it, about a second per subject on the host; fill runs
 * until the arena is full instead.
 */
static size_t default_batches(const char *name)
{
	if (strcmp(name, "large") == 0)
		return 10000;
	if (strncmp(name, "larson", 6) == 0)
		return 40000;
	if (strcmp(name, "refused") == 0)
		return 4000;
	return 100000;
}

struct options {
	const char *out;
	char subjects[256];
	char cases[256];
	const char *prefix;
	double scale;
	size_t arena_mib;
	unsigned int workers;
	unsigned long seed;
	int callgrind; /* 1 yes, 0 no, -1 if valgrind is there */
	int quick;
};

static const char usage_extra[] =
    " [--subjects LIST] [--cases LIST] [--quick] [--scale F] [--prefix P]\n"
    "       [--arena MIB] [--workers N] [--seed N] [--callgrind|--no-callgrind]\n"
    "  --subjects LIST  comma-separated, of anon,anon-populated,memfd,brk,device,glibc,\n"
    "                   jemalloc,mimalloc\n"
    "                   (default: all; device only if /dev/mymap exists)\n"
    "  --cases LIST     comma-separated, of churn,pairs64,larson-thr,larson-proc,fill,large\n"
    "  --quick          1/20 of the operations, for a smoke test\n"
    "  --scale F        multiply the operation counts by F\n"
    "  --prefix P       prefix every subject name with P (e.g. vm-)\n"
    "  --arena MIB      libmymap arena size (default 64; the device's is its region)\n"
    "  --workers N      threads or processes of the larson cases, 2 to 16 (default 2)\n"
    "  --seed N         of the random sequences, the same for every subject (default 42)\n"
    "  --no-callgrind   skip the instruction counts\n"
    "  --callgrind      count instructions per operation at 1 and 256 MiB heaps\n"
    "                   (default: if valgrind is installed)";

/* Takes this program's own options out of argv; the rest go to bench_parse_common(). */
static int parse_options(int argc, char **argv, struct options *o)
{
	char **rest = calloc((size_t)argc + 1, sizeof(*rest));
	int nrest = 0, help;

	if (!rest)
		return -1;
	*o = (struct options){
	    .prefix = "", .scale = 1, .arena_mib = 64, .workers = 2, .seed = 42, .callgrind = -1};
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		double n = 0;
		int bad = 0;

		if (strcmp(a, "--subjects") == 0) {
			bad = !bench_option_value("alloc", a, v);
			snprintf(o->subjects, sizeof(o->subjects), "%s", v ? v : "");
		} else if (strcmp(a, "--cases") == 0) {
			bad = !bench_option_value("alloc", a, v);
			snprintf(o->cases, sizeof(o->cases), "%s", v ? v : "");
		} else if (strcmp(a, "--prefix") == 0) {
			bad = !bench_option_value("alloc", a, v);
			o->prefix = v;
		} else if (strcmp(a, "--scale") == 0) {
			bad = bench_parse_number("alloc", a, v, 1e-6, 1e6, false, &o->scale);
		} else if (strcmp(a, "--arena") == 0) {
			bad = bench_parse_number("alloc", a, v, 1, 65535, true, &n);
			o->arena_mib = (size_t)n;
		} else if (strcmp(a, "--workers") == 0) {
			bad = bench_parse_number("alloc", a, v, 2, ALLOC_LARSON_MAX_WORKERS, true,
						 &n);
			o->workers = (unsigned int)n;
		} else if (strcmp(a, "--seed") == 0) {
			bad = bench_parse_number("alloc", a, v, 0, (double)UINT32_MAX, true, &n);
			o->seed = (unsigned long)n;
		} else {
			if (strcmp(a, "--quick") == 0)
				o->quick = 1;
			else if (strcmp(a, "--callgrind") == 0)
				o->callgrind = 1;
			else if (strcmp(a, "--no-callgrind") == 0)
				o->callgrind = 0;
			else
				rest[nrest++] = argv[i];
			continue;
		}
		if (bad) {
			free(rest);
			return -1;
		}
		i++;
	}
	int used = bench_parse_common(nrest, rest, "alloc", usage_extra, &o->out, &help);

	free(rest);
	if (used < 0)
		return help ? 1 : -1;
	if (o->quick)
		o->scale /= 20;
	return 0;
}

/* Is @name in the comma-separated @list (an empty list holds everything)? */
static int listed(const char *list, const char *name)
{
	size_t len = strlen(name);

	if (!*list)
		return 1;
	for (const char *p = list; p; p = strchr(p, ',')) {
		if (*p == ',')
			p++;
		if (strncmp(p, name, len) == 0 && (p[len] == ',' || p[len] == '\0'))
			return 1;
	}
	return 0;
}

/* Every name in @list must be one of @known: a typo should not pass as "skipped". */
static int check_list(const char *list, const char *const *known, size_t n, const char *what)
{
	char copy[256];

	snprintf(copy, sizeof(copy), "%s", list);
	for (char *save, *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		size_t i;

		for (i = 0; i < n && strcmp(known[i], t) != 0; i++)
			;
		if (i == n) {
			fprintf(stderr, "mymap-bench-alloc: no %s '%s'; see --help\n", what, t);
			return -1;
		}
	}
	return 0;
}

static int check_lists(struct options *o)
{
	const char *subjects[NSUBJECTS], *cases[16];

	for (size_t i = 0; i < NSUBJECTS; i++)
		subjects[i] = catalogue[i].subject->name;
	for (size_t i = 0; i < alloc_ncases; i++)
		cases[i] = alloc_cases[i].name;
	if (check_list(o->subjects, subjects, NSUBJECTS, "subject") < 0 ||
	    check_list(o->cases, cases, alloc_ncases, "case") < 0)
		return -1;
	if (!*o->subjects) {
		/* the device only where the module is loaded (in the VM) */
		snprintf(o->subjects, sizeof(o->subjects),
			 "anon,anon-populated,memfd,brk,%sglibc,jemalloc,mimalloc",
			 access("/dev/mymap", F_OK) == 0 ? "device," : "");
	}
	return 0;
}

/* The path of @program beside this one, or this one for NULL. */
static const char *program_path(const char *program)
{
	static char self[PATH_MAX], path[PATH_MAX + 64];
	ssize_t len;

	if (!self[0]) {
		len = readlink("/proc/self/exe", self, sizeof(self) - 1);
		if (len < 0)
			return NULL;
		self[len] = '\0';
	}
	if (!program)
		return self;
	char dir[PATH_MAX];

	snprintf(dir, sizeof(dir), "%s", self);
	snprintf(path, sizeof(path), "%s/%s", dirname(dir), program);
	return path;
}

/*
 * Runs @argv with its standard output read into @lines (one result per
 * line, at most @max).  Returns the number of lines, or -1 if the program
 * could not run or failed (its standard error has said why).
 */
static int run_worker(char *const argv[], char lines[][96], int max)
{
	int fds[2], n = 0, status = 0;
	pid_t pid;
	FILE *f;

	if (pipe(fds) < 0)
		return -1;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		dup2(fds[1], STDOUT_FILENO);
		close(fds[0]);
		close(fds[1]);
		execv(argv[0], argv);
		fprintf(stderr, "mymap-bench-alloc: cannot run %s: %s (build it with make)\n",
			argv[0], strerror(errno));
		_exit(127);
	}
	close(fds[1]);
	f = fdopen(fds[0], "r");
	while (f && n < max && fgets(lines[n], sizeof(lines[n]), f))
		n++;
	if (f)
		fclose(f);
	else
		close(fds[0]);
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		if (WIFSIGNALED(status))
			fprintf(stderr, "mymap-bench-alloc: %s %s %s: killed by signal %d\n",
				argv[0], argv[2], argv[3], WTERMSIG(status));
		return -1;
	}
	return n;
}

struct run {
	struct bench_results *r;
	struct alloc_verdicts *v;
	const struct options *o;
	int failures;
};

/* The worker command line for @e and @case_name, in @argv (strings in @buf). */
static void worker_argv(const struct subject_entry *e, const char *case_name, size_t batches,
			size_t arena, const struct options *o, char buf[4][32], char **argv)
{
	snprintf(buf[0], 32, "%zu", batches);
	snprintf(buf[1], 32, "%zu", arena);
	snprintf(buf[2], 32, "%u", o->workers);
	snprintf(buf[3], 32, "%lu", o->seed);
	argv[0] = (char *)program_path(e->program);
	argv[1] = "--worker";
	argv[2] = (char *)e->subject->name;
	argv[3] = (char *)case_name;
	argv[4] = buf[0];
	argv[5] = buf[1];
	argv[6] = buf[2];
	argv[7] = buf[3];
	argv[8] = NULL;
}

static void measure(struct run *run, const struct alloc_case *c, const struct subject_entry *e)
{
	const struct options *o = run->o;
	size_t batches = (size_t)((double)default_batches(c->name) * o->scale);
	char buf[4][32], *argv[9], lines[16][96], subject[64];
	int n;

	if (batches < 64)
		batches = 64;
	worker_argv(e, c->name, batches, o->arena_mib * MIB, o, buf, argv);
	n = run_worker(argv, lines, 16);
	if (n < 0) {
		fprintf(stderr, "mymap-bench-alloc: %s on %s failed (see above)\n", c->name,
			e->subject->name);
		run->failures++;
		return;
	}
	snprintf(subject, sizeof(subject), "%s%s", o->prefix, e->subject->name);
	for (int i = 0; i < n; i++) {
		char metric[32], unit[16];
		double value;

		if (sscanf(lines[i], "%31s %lf %15s", metric, &value, unit) != 3) {
			fprintf(stderr, "mymap-bench-alloc: %s: unreadable result '%s'\n",
				e->subject->name, lines[i]);
			run->failures++;
			continue;
		}
		bench_record(run->r, c->name, subject, metric, value, unit);
		alloc_verdict_note(run->v, c->name, e->subject->name, metric, value);
	}
}

/* The "summary:" or "totals:" line of a callgrind output file: instructions counted. */
static double callgrind_total(const char *path)
{
	char line[256];
	double total = -1;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "summary: %lf", &total) == 1 ||
		    sscanf(line, "totals: %lf", &total) == 1)
			break;
	fclose(f);
	return total;
}

/* Instructions per churn operation at two heap sizes, counted by callgrind. */
static void measure_instructions(struct run *run, const struct subject_entry *e)
{
	static const size_t heaps_mib[] = {1, 256};
	const struct options *o = run->o;
	size_t ops_batches = o->quick ? 320 : 3200; /* x64 operations */

	for (size_t i = 0; i < sizeof(heaps_mib) / sizeof(heaps_mib[0]); i++) {
		char buf[4][32], *wargv[9], *argv[16], out_opt[160], out_path[96], lines[4][96];
		char case_name[32], subject[64];
		double total, ops = 0;
		int n, k = 0;

		snprintf(out_path, sizeof(out_path), "/tmp/mymap-bench-alloc.%d.%zu.callgrind",
			 (int)getpid(), i);
		snprintf(out_opt, sizeof(out_opt), "--callgrind-out-file=%s", out_path);
		worker_argv(e, ALLOC_INSTR_CASE, ops_batches, heaps_mib[i] * MIB, o, buf, wargv);
		argv[k++] = "/usr/bin/valgrind";
		argv[k++] = "-q";
		argv[k++] = "--tool=callgrind";
		argv[k++] = out_opt;
		argv[k++] = "--collect-atstart=no";
		argv[k++] = "--toggle-collect=alloc_callgrind_region";
		for (int j = 0; wargv[j]; j++)
			argv[k++] = wargv[j];
		argv[k] = NULL;
		n = run_worker(argv, lines, 4);
		for (int j = 0; j < n; j++)
			sscanf(lines[j], "ops %lf", &ops);
		total = callgrind_total(out_path);
		unlink(out_path);
		if (n < 0 || ops <= 0 || total <= 0) {
			fprintf(stderr, "mymap-bench-alloc: callgrind on %s (%zu MiB) failed\n",
				e->subject->name, heaps_mib[i]);
			run->failures++;
			continue;
		}
		snprintf(case_name, sizeof(case_name), "instr-%zuMiB", heaps_mib[i]);
		snprintf(subject, sizeof(subject), "%s%s", o->prefix, e->subject->name);
		bench_record(run->r, case_name, subject, "instr_per_op", total / ops, "Ir");
		alloc_verdict_note(run->v, case_name, e->subject->name, "instr_per_op",
				   total / ops);
	}
}

static void print_notes(const struct options *o, FILE *out)
{
	fprintf(out,
		"\nalloc: every case and subject in a fresh process; times are ns per operation\n"
		"(one alloc, free or realloc), from batches of %d operations: median, p99 and\n"
		"p99.9 over the batches.  peak_rss: resident-set growth during the case.\n"
		"faults: page faults taken while the batches ran (one-thread cases).\n"
		"utilisation: bytes handed out before the first refusal / arena bytes, libmymap\n"
		"only (malloc, jemalloc and mimalloc never refuse).  anon-populated: anon opened\n"
		"with MYMAP_POPULATE, its whole arena resident before peak_rss starts counting.\n"
		"Operation counts x%g.\n",
		ALLOC_BATCH_OPS, o->scale);
	for (size_t i = 0; i < alloc_ncases; i++)
		if (listed(o->cases, alloc_cases[i].name))
			fprintf(out, "  %-12s %s\n", alloc_cases[i].name, alloc_cases[i].what);
	fputc('\n', out);
}

int main(int argc, char **argv)
{
	struct options o;
	int parsed;

	if (argc >= 2 && strcmp(argv[1], "--worker") == 0) {
		const struct alloc_subject *local[NSUBJECTS];
		size_t n = 0;

		for (size_t i = 0; i < NSUBJECTS; i++)
			if (!catalogue[i].program)
				local[n++] = catalogue[i].subject;
		return alloc_worker_main(argc, argv, local, n);
	}
	parsed = parse_options(argc, argv, &o);
	if (parsed != 0)
		return parsed > 0 ? 0 : 2;
	if (check_lists(&o) < 0)
		return 2;
	if (!program_path(NULL)) {
		fprintf(stderr, "mymap-bench-alloc: cannot find myself: %s\n", strerror(errno));
		return 1;
	}
	struct run run = {.o = &o};

	run.r = bench_open("alloc", o.out);
	run.v = alloc_verdict_open(o.prefix);
	if (!run.r || !run.v) {
		fprintf(stderr, "mymap-bench-alloc: cannot write %s: %s\n", o.out, strerror(errno));
		return 1;
	}
	for (size_t c = 0; c < alloc_ncases; c++) {
		const struct alloc_case *ac = &alloc_cases[c];

		if (!listed(o.cases, ac->name))
			continue;
		for (size_t s = 0; s < NSUBJECTS; s++)
			if (listed(o.subjects, catalogue[s].subject->name) &&
			    (catalogue[s].subject->flags & ac->needs) == ac->needs)
				measure(&run, ac, &catalogue[s]);
	}
	if (o.callgrind == -1)
		o.callgrind = access("/usr/bin/valgrind", X_OK) == 0;
	if (o.callgrind && listed(o.subjects, "anon"))
		measure_instructions(&run, &catalogue[0]);
	/* the table on stdout: keep it apart from JSON lines sharing stdout */
	print_notes(&o, stdout);
	bench_print_table(run.r, stdout);
	alloc_verdict_print(run.v, stdout);
	alloc_verdict_close(run.v);
	if (bench_close(run.r) < 0) {
		fprintf(stderr, "mymap-bench-alloc: writing %s: %s\n", o.out, strerror(errno));
		return 1;
	}
	if (run.failures)
		fprintf(stderr, "mymap-bench-alloc: %d measurement(s) failed\n", run.failures);
	return run.failures ? 1 : 0;
}
