// SPDX-License-Identifier: GPL-2.0
/*
 * programs - whole programs under libmymap-malloc.so against glibc's
 * malloc, jemalloc and mimalloc, each preloaded for the whole process
 * (user/bench/README.md, "programs").
 *
 * The programs are those of tests/malloc/programs (gcc, sqlite3, python3,
 * perl, xz -T2).  Each (program, subject) pair runs --runs times; the
 * rounds are interleaved (every pair once per round, the subjects in a
 * rotated order), so that load from elsewhere on the machine falls on
 * all alike.  A run is one process tree, measured by wait4(): user plus
 * system CPU time of it and every descendant it waited for, and the
 * largest resident set among them (ru_maxrss).  The figures are the
 * medians.  Every run's output must equal glibc's first run's, or the
 * pair is reported as failed: a fast wrong answer measures nothing.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

#define MAX_PROGRAMS 8
#define MAX_SUBJECTS 8
#define MAX_RUNS     15

struct subject {
	const char *name;    /* as in the JSON lines */
	const char *preload; /* LD_PRELOAD, or NULL for glibc */
	const char *backend; /* MYMAP_MALLOC_BACKEND for libmymap */
};

static const char *jemalloc_so = "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2";
static const char *mimalloc_so = "/usr/lib/x86_64-linux-gnu/libmimalloc.so.2";

struct options {
	const char *out, *lib, *script, *subjects;
	int runs;
};

static int usage_error(const char *what, const char *arg)
{
	fprintf(stderr, "mymap-bench-programs: %s '%s'; see --help\n", what, arg);
	return 2;
}

static int parse(int argc, char **argv, struct options *o)
{
	static char default_lib[4096];
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	/* build/bin/mymap-bench-programs -> build/lib/libmymap-malloc.so */
	self[n > 0 ? n : 0] = '\0';
	snprintf(default_lib, sizeof(default_lib), "%.4000s/../lib/libmymap-malloc.so",
		 n > 0 ? dirname(self) : ".");
	*o = (struct options){"build/bench/programs.jsonl", default_lib, "tests/malloc/programs",
			      "libmymap,glibc,jemalloc,mimalloc", 5};
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		double runs;

		if (!strcmp(a, "--help")) {
			printf(
			    "usage: mymap-bench-programs [--out PATH|-] [--runs N] [--lib SO] "
			    "[--programs SCRIPT] [--subjects LIST]\n"
			    "  --out PATH         JSON lines (default build/bench/programs.jsonl)\n"
			    "  --runs N           runs of each program and subject (default 5)\n"
			    "  --lib SO           libmymap-malloc.so (default ../lib/ beside this "
			    "program)\n"
			    "  --programs SCRIPT  tests/malloc/programs (the default, from the "
			    "tree)\n"
			    "  --subjects LIST    of libmymap (anon heap), libmymap-memfd, "
			    "libmymap-brk,\n"
			    "                     glibc, jemalloc, mimalloc (default "
			    "libmymap,glibc,\n"
			    "                     jemalloc,mimalloc)\n");
			exit(0);
		}
		if (strcmp(a, "--out") && strcmp(a, "--runs") && strcmp(a, "--lib") &&
		    strcmp(a, "--programs") && strcmp(a, "--subjects"))
			return usage_error(a[0] == '-' ? "unknown option" : "unexpected argument",
					   a);
		if (!bench_option_value("programs", a, v))
			return 2;
		i++;
		if (!strcmp(a, "--out"))
			o->out = v;
		else if (!strcmp(a, "--lib"))
			o->lib = v;
		else if (!strcmp(a, "--programs"))
			o->script = v;
		else if (!strcmp(a, "--subjects"))
			o->subjects = v;
		else if (bench_parse_number("programs", a, v, 1, MAX_RUNS, true, &runs) < 0)
			return 2;
		else
			o->runs = (int)runs;
	}
	return 0;
}

/* The subjects named in @list; returns how many, or -1 after a message. */
static int pick_subjects(const char *lib, const char *list, struct subject *out)
{
	static const char *names[] = {"libmymap", "libmymap-memfd", "libmymap-brk",
				      "glibc",	  "jemalloc",	    "mimalloc"};
	char copy[256], *save = NULL;
	int n = 0;

	snprintf(copy, sizeof(copy), "%s", list);
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		struct subject s = {NULL, NULL, NULL};

		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (!strcmp(t, names[i]))
				s.name = names[i];
		if (!s.name || n == MAX_SUBJECTS) {
			fprintf(stderr,
				"mymap-bench-programs: no subject '%s' (have: libmymap, "
				"libmymap-memfd, libmymap-brk, glibc, jemalloc, mimalloc)\n",
				t);
			return -1;
		}
		if (!strncmp(s.name, "libmymap", 8)) {
			s.preload = lib;
			s.backend = s.name[8] ? s.name + 9 : "anon";
		} else if (!strcmp(s.name, "jemalloc")) {
			s.preload = jemalloc_so;
		} else if (!strcmp(s.name, "mimalloc")) {
			s.preload = mimalloc_so;
		}
		if (s.preload && access(s.preload, R_OK) != 0) {
			fprintf(stderr,
				"mymap-bench-programs: %s: %s (scripts/install-deps installs it)\n",
				s.preload, strerror(errno));
			return -1;
		}
		out[n++] = s;
	}
	return n;
}

struct run {
	double cpu_s, rss_kib;
	bool ok;
};

/* Runs @program once under @s with its stdout in @out_path. */
static struct run run_once(const struct options *o, const struct subject *s, const char *program,
			   const char *dir, const char *out_path)
{
	struct run r = {0, 0, false};
	struct rusage ru;
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		int fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		int null = open("/dev/null", O_WRONLY | O_CLOEXEC);

		if (fd < 0 || null < 0 || dup2(fd, STDOUT_FILENO) < 0 ||
		    dup2(null, STDERR_FILENO) < 0)
			_exit(126);
		unsetenv("LD_PRELOAD");
		unsetenv("MYMAP_MALLOC_STATS");
		if (s->preload)
			setenv("LD_PRELOAD", s->preload, 1);
		if (s->backend)
			setenv("MYMAP_MALLOC_BACKEND", s->backend, 1);
		execl(o->script, o->script, "run", program, dir, (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || wait4(pid, &status, 0, &ru) != pid)
		return r;
	r.cpu_s = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
		  (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
	r.rss_kib = (double)ru.ru_maxrss;
	r.ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
	return r;
}

static bool same_file(const char *a, const char *b)
{
	FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
	bool same = fa && fb;
	int ca, cb;

	while (same) {
		ca = getc(fa);
		cb = getc(fb);
		same = ca == cb;
		if (ca == EOF || cb == EOF)
			break;
	}
	if (fa)
		fclose(fa);
	if (fb)
		fclose(fb);
	return same;
}

static void verdict(bool met, const char *fmt, double a, double b, const char *rest)
{
	printf("%s: ", met ? "met" : "not met");
	printf(fmt, a, b);
	printf("%s\n", rest);
}

int main(int argc, char **argv)
{
	struct options o;
	struct subject subjects[MAX_SUBJECTS];
	char *programs[MAX_PROGRAMS], list[256], dir[] = "/tmp/mymap-bench-programs.XXXXXX";
	char cmd[8192], ref[4200], out[4200];
	static double cpu[MAX_PROGRAMS][MAX_SUBJECTS][MAX_RUNS],
	    rss[MAX_PROGRAMS][MAX_SUBJECTS][MAX_RUNS];
	static bool failed[MAX_PROGRAMS][MAX_SUBJECTS];
	double med_cpu[MAX_PROGRAMS][MAX_SUBJECTS], med_rss[MAX_PROGRAMS][MAX_SUBJECTS];
	int nsub, nprog = 0, glibc = -1, mimalloc = -1, bad = 0;
	struct bench_results *res;
	FILE *p;

	if (parse(argc, argv, &o))
		return 2;
	nsub = pick_subjects(o.lib, o.subjects, subjects);
	if (nsub < 0)
		return 2;
	for (int s = 0; s < nsub; s++) {
		glibc = strcmp(subjects[s].name, "glibc") ? glibc : s;
		mimalloc = strcmp(subjects[s].name, "mimalloc") ? mimalloc : s;
	}
	if (glibc < 0) {
		fprintf(stderr,
			"mymap-bench-programs: glibc must be a subject: it is the reference\n");
		return 2;
	}
	snprintf(cmd, sizeof(cmd), "%s list", o.script);
	p = popen(cmd, "r");
	if (!p || !fgets(list, sizeof(list), p) || pclose(p) != 0) {
		fprintf(stderr, "mymap-bench-programs: '%s list' failed\n", o.script);
		return 2;
	}
	for (char *save = NULL, *t = strtok_r(list, " \n", &save); t && nprog < MAX_PROGRAMS;
	     t = strtok_r(NULL, " \n", &save))
		programs[nprog++] = t;
	if (!mkdtemp(dir))
		return perror("mkdtemp"), 1;
	snprintf(cmd, sizeof(cmd), "'%s' prepare %s", o.script, dir);
	if (system(cmd) != 0) {
		fprintf(stderr, "mymap-bench-programs: '%s' failed\n", cmd);
		return 1;
	}
	res = bench_open("programs", o.out);
	if (!res)
		return perror(o.out), 1;

	for (int round = 0; round < o.runs; round++)
		for (int i = 0; i < nprog; i++)
			for (int k = 0; k < nsub; k++) {
				int s = (k + round + i) % nsub;
				struct run r;

				snprintf(ref, sizeof(ref), "%s/%s.ref", dir, programs[i]);
				snprintf(out, sizeof(out), "%s/%s.out", dir, programs[i]);
				r = run_once(&o, &subjects[s], programs[i], dir,
					     s == glibc && round == 0 ? ref : out);
				/* glibc's first run is the reference; it may come later in round 0
				 */
				if (!(s == glibc && round == 0) && r.ok && (round > 0 || k > 0))
					r.ok = access(ref, R_OK) != 0 || same_file(ref, out);
				if (!r.ok && !failed[i][s])
					fprintf(stderr,
						"mymap-bench-programs: %s under %s failed or gave "
						"other output\n",
						programs[i], subjects[s].name);
				failed[i][s] |= !r.ok;
				cpu[i][s][round] = r.cpu_s;
				rss[i][s][round] = r.rss_kib;
			}

	for (int i = 0; i < nprog; i++)
		for (int s = 0; s < nsub; s++) {
			med_cpu[i][s] = bench_median(cpu[i][s], (size_t)o.runs);
			med_rss[i][s] = bench_median(rss[i][s], (size_t)o.runs);
			if (failed[i][s]) {
				bad = 1;
				continue;
			}
			bench_record(res, programs[i], subjects[s].name, "cpu_time", med_cpu[i][s],
				     "s");
			bench_record(res, programs[i], subjects[s].name, "peak_rss", med_rss[i][s],
				     "KiB");
		}
	for (int s = 0; s < nsub; s++) {
		double logsum = 0;

		for (int i = 0; i < nprog; i++)
			logsum += log(med_cpu[i][s]);
		bench_record(res, "geomean", subjects[s].name, "cpu_time", exp(logsum / nprog),
			     "s");
	}
	printf("programs: CPU time (user + system, s) and peak RSS (KiB), medians of %d runs\n",
	       o.runs);
	bench_print_table(res, stdout);

	printf("\nTargets (information, never a test):\n");
	for (int s = 0; s < nsub; s++) {
		double logsum = 0, mlogsum = 0, worst = 0, worst_rss = 0;
		const char *worst_at = "", *worst_rss_at = "";
		char tail[128];

		if (strncmp(subjects[s].name, "libmymap", 8))
			continue;
		for (int i = 0; i < nprog; i++) {
			double c = med_cpu[i][s] / med_cpu[i][glibc],
			       m = med_rss[i][s] / med_rss[i][glibc];

			if (c > worst)
				worst = c, worst_at = programs[i];
			if (m > worst_rss)
				worst_rss = m, worst_rss_at = programs[i];
			logsum += log(med_cpu[i][s]);
			if (mimalloc >= 0)
				mlogsum += log(med_cpu[i][mimalloc]);
		}
		snprintf(tail, sizeof(tail), " (worst: %s)", worst_at);
		printf("%s ", subjects[s].name);
		verdict(worst <= 1.0, "CPU time <= %.2fx glibc's on every program: at most %.2fx",
			1.0, worst, tail);
		if (mimalloc >= 0) {
			double g = exp((logsum - mlogsum) / nprog);

			printf("%s ", subjects[s].name);
			verdict(g <= 1.1, "geometric mean of CPU time <= %.2fx mimalloc's: %.2fx",
				1.1, g, "");
		}
		snprintf(tail, sizeof(tail), " (worst: %s)", worst_rss_at);
		printf("%s ", subjects[s].name);
		verdict(worst_rss <= 1.1,
			"peak RSS <= %.2fx glibc's on every program: at most %.2fx", 1.1, worst_rss,
			tail);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "mymap-bench-programs: could not remove %s\n", dir);
	if (bench_close(res) < 0)
		return perror(o.out), 1;
	return bad;
}
