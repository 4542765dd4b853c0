// SPDX-License-Identifier: GPL-2.0
/*
 * ipc.c - the ipc benchmark: a channel against a pipe, a unix stream
 * socket and memcpy, at 64 B, 4 KiB, 64 KiB and 1 MiB, in one run.
 *
 * Subjects (each prefixed with --prefix, "vm-" inside the VM):
 *   device        a MESSAGES channel in a heap on /dev/mymap (--device)
 *   memfd         the same channel in a heap on a memfd
 *   memfd-view    the same, the receiver reading in place (recv_view)
 *                 instead of copying out
 *   pipe, unix    the kernel's ways, a child writing and the caller reading
 *   memcpy        the same bytes copied once in one process, the source
 *                 walking through a window as large as the channel's ring:
 *                 the ceiling
 *   ring          the reference ring: a minimal zero-copy SPSC ring with
 *                 the channel's slot count, the reader in place (both
 *                 busy-polling): what crossing cores costs at the least
 *   pubsub-N      a PUBSUB channel on the memfd heap, one publisher and N
 *                 (1, 2, 4) subscriber processes reading in place, each
 *                 on a CPU of its own while there are enough: the mean
 *                 subscriber's throughput
 *   cacheline     one line bounced between two processes: the latency floor
 * Both processes of every subject run pinned, the caller (receiver) on
 * one CPU and the forked peer on another, the same two for all subjects
 * (ipc-affinity.h).
 * Metrics: bytes_per_s and msgs_per_s (streaming, the receiver's clock,
 * the median of five runs, the subjects taking turns);
 * rtt_busy_* (both sides busy-poll; channels only) and rtt_block_* (the
 * channels sleep at once, through futex or MYMAP_IOC_WAIT; pipes and
 * sockets block in the kernel) as median and p99 in ns, from the run of
 * three with the middle median; oneway_busy_ns,
 * half the median busy round trip at 64 B.  The targets are printed as
 * information after the table; they are never a pass/fail.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "ipc-affinity.h"
#include "ipc-baseline.h"
#include "ipc-measure.h"
#include "mymap.h"
#include "mymap_channel.h"

#define HEAP_BYTES (64u << 20)

struct size_case {
	const char *name;
	size_t size;
	uint64_t count;	     /* streaming messages at scale 1 */
	uint32_t busy_iters; /* ping-pong round trips */
	uint32_t block_iters;
};

static const struct size_case cases[] = {
    {"64B", 64, 400000, 20000, 5000},
    {"4KiB", 4096, 32768, 5000, 2000},
    {"64KiB", 65536, 2048, 500, 300},
    {"1MiB", 1 << 20, 128, 60, 40},
};

enum subject_index {
	S_DEVICE,
	S_MEMFD,
	S_MEMFD_VIEW,
	S_PIPE,
	S_UNIX,
	S_MEMCPY,
	S_RING,
	S_PUBSUB_1,
	S_PUBSUB_2,
	S_PUBSUB_4,
	S_COUNT,
};

static const char *const subject_names[S_COUNT] = {
    "device", "memfd", "memfd-view", "pipe",	 "unix",
    "memcpy", "ring",  "pubsub-1",   "pubsub-2", "pubsub-4",
};

struct bench_run {
	struct bench_results *results;
	const char *prefix;
	double scale;
	/* Kept for the targets. */
	double rate[4][S_COUNT];
	double rtt_busy[4][S_COUNT];
	double rtt_block[4][S_COUNT];
	double cacheline_oneway;
};

static void record(struct bench_run *b, const char *c, const char *subject, const char *metric,
		   double value, const char *unit)
{
	char name[64];

	snprintf(name, sizeof(name), "%s%s", b->prefix, subject);
	bench_record(b->results, c, name, metric, value, unit);
}

static uint64_t scaled(double scale, uint64_t n, uint64_t floor)
{
	uint64_t v = (uint64_t)((double)n * scale);

	return v < floor ? floor : v;
}

/*
 * Runs per figure; the median one is recorded (the machine is shared).
 * Throughput runs take milliseconds, so they get more than round trips.
 */
#define RATE_RUNS 5
#define RTT_RUNS  3

/* The run of median throughput among @n (sorts @r). */
static const struct ipc_rate *median_rate(struct ipc_rate *r, int n)
{
	for (int i = 1; i < n; i++)
		for (int j = i;
		     j > 0 && r[j].bytes / r[j].seconds < r[j - 1].bytes / r[j - 1].seconds; j--) {
			struct ipc_rate t = r[j];

			r[j] = r[j - 1];
			r[j - 1] = t;
		}
	return &r[n / 2];
}

static void record_rate(struct bench_run *b, int ci, int si, const struct ipc_rate *r)
{
	double bps = r->seconds > 0 ? (double)r->bytes / r->seconds : 0;

	b->rate[ci][si] = bps;
	record(b, cases[ci].name, subject_names[si], "bytes_per_s", bps, "B/s");
	record(b, cases[ci].name, subject_names[si], "msgs_per_s",
	       r->seconds > 0 ? (double)r->messages / r->seconds : 0, "1/s");
}

static void warn(const char *what, const char *subject, const char *c, int err)
{
	fprintf(stderr, "mymap-bench-ipc: %s %s at %s: %s\n", what, subject, c, strerror(-err));
}

/*
 * One ping-pong subject: which channel heap (NULL: the kernel @path) and
 * how it waits.
 */
struct pingpong {
	struct mymap_heap *heap;
	enum ipc_kernel_path path;
	size_t size;
	uint32_t spin;
};

static int run_pingpong(const struct pingpong *p, uint32_t iters, double *rtt)
{
	if (p->heap)
		return ipc_measure_pingpong(p->heap, p->size, iters, p->spin, rtt);
	return ipc_baseline_pingpong(p->path, p->size, iters, rtt);
}

/*
 * Runs @p RTT_RUNS times and records, as "@metric_median" and
 * "@metric_p99", the run whose median is the middle one: a single run
 * can land on a moment when the machine is busy elsewhere.  Returns that
 * median, or 0 after a failure.
 */
static double measure_rtt(struct bench_run *b, int ci, int si, const char *metric,
			  const struct pingpong *p, uint32_t iters, double *rtt)
{
	double median[RTT_RUNS], p99[RTT_RUNS];
	char name[48];
	int mid = 0;

	for (int r = 0; r < RTT_RUNS; r++) {
		int err = run_pingpong(p, iters, rtt);

		if (err) {
			warn(metric, subject_names[si], cases[ci].name, err);
			return 0;
		}
		median[r] = bench_median(rtt, iters);
		p99[r] = bench_percentile(rtt, iters, 99);
	}
	for (int r = 0; r < RTT_RUNS; r++) {
		int below = 0, above = 0;

		for (int q = 0; q < RTT_RUNS; q++) {
			below += median[q] < median[r];
			above += median[q] > median[r];
		}
		if (below <= RTT_RUNS / 2 && above <= RTT_RUNS / 2)
			mid = r;
	}
	snprintf(name, sizeof(name), "%s_median", metric);
	record(b, cases[ci].name, subject_names[si], name, median[mid], "ns");
	snprintf(name, sizeof(name), "%s_p99", metric);
	record(b, cases[ci].name, subject_names[si], name, p99[mid], "ns");
	return median[mid];
}

/* Both ping-pongs of a channel in @heap. */
static void measure_channel(struct bench_run *b, struct mymap_heap *heap, int ci, int si,
			    double *rtt)
{
	const struct size_case *c = &cases[ci];
	uint32_t busy = (uint32_t)scaled(b->scale, c->busy_iters, 10);
	uint32_t block = (uint32_t)scaled(b->scale, c->block_iters, 10);

	b->rtt_busy[ci][si] = measure_rtt(
	    b, ci, si, "rtt_busy",
	    &(struct pingpong){.heap = heap, .size = c->size, .spin = MYMAP_CHANNEL_SPIN_FOREVER},
	    busy, rtt);
	b->rtt_block[ci][si] =
	    measure_rtt(b, ci, si, "rtt_block",
			&(struct pingpong){.heap = heap, .size = c->size, .spin = 0}, block, rtt);
}

static void measure_kernel_path(struct bench_run *b, enum ipc_kernel_path path, int ci, int si,
				double *rtt)
{
	const struct size_case *c = &cases[ci];
	uint32_t block = (uint32_t)scaled(b->scale, c->block_iters, 10);

	b->rtt_block[ci][si] = measure_rtt(
	    b, ci, si, "rtt_block", &(struct pingpong){.path = path, .size = c->size}, block, rtt);
}

/* One throughput run of subject @si; 0 or a negative errno. */
static int rate_once(struct bench_run *b, int ci, int si, struct mymap_heap *device,
		     struct mymap_heap *memfd, struct ipc_rate *r)
{
	const struct size_case *c = &cases[ci];
	uint64_t count = scaled(b->scale, c->count, 16);

	switch (si) {
	case S_DEVICE:
		return ipc_measure_rate(device, c->size, count, MYMAP_CHANNEL_SPIN_DEFAULT,
					IPC_CONSUME_COPY, r);
	case S_MEMFD:
	case S_MEMFD_VIEW:
		return ipc_measure_rate(memfd, c->size, count, MYMAP_CHANNEL_SPIN_DEFAULT,
					si == S_MEMFD ? IPC_CONSUME_COPY : IPC_CONSUME_VIEW, r);
	case S_PIPE:
	case S_UNIX:
		return ipc_baseline_rate(si == S_PIPE ? IPC_PIPE : IPC_UNIX_STREAM, c->size, count,
					 r);
	case S_RING:
		return ipc_baseline_ring(c->size, count, ipc_measure_capacity(c->size), r);
	case S_PUBSUB_1:
	case S_PUBSUB_2:
	case S_PUBSUB_4: {
		uint64_t lost;

		return ipc_measure_pubsub(memfd, c->size, count, 1u << (si - S_PUBSUB_1), r, &lost);
	}
	default:
		/* The ceiling never waits: more copies for a measurable time. */
		return ipc_baseline_memcpy(c->size, scaled(b->scale, c->count * 4, 64),
					   (size_t)ipc_measure_capacity(c->size) * c->size, r);
	}
}

/*
 * Throughput of every subject, in RTT_RUNS rounds that each run every
 * subject once, so that a burst of load elsewhere on the machine falls
 * on all subjects alike rather than on one subject's consecutive runs;
 * each subject's median run is recorded.
 */
static void measure_rates(struct bench_run *b, int ci, struct mymap_heap *device,
			  struct mymap_heap *memfd)
{
	struct ipc_rate r[S_COUNT][RTT_RUNS];
	int err[S_COUNT] = {0};

	for (int i = 0; i < RTT_RUNS; i++)
		for (int si = device ? S_DEVICE : S_MEMFD; si < S_COUNT; si++)
			if (!err[si])
				err[si] = rate_once(b, ci, si, device, memfd, &r[si][i]);
	for (int si = device ? S_DEVICE : S_MEMFD; si < S_COUNT; si++) {
		if (err[si])
			warn("throughput of", subject_names[si], cases[ci].name, err[si]);
		else
			record_rate(b, ci, si, median_rate(r[si], RTT_RUNS));
	}
}

static void measure_case(struct bench_run *b, int ci, struct mymap_heap *device,
			 struct mymap_heap *memfd, double *rtt)
{
	measure_rates(b, ci, device, memfd);
	if (device)
		measure_channel(b, device, ci, S_DEVICE, rtt);
	measure_channel(b, memfd, ci, S_MEMFD, rtt);
	measure_kernel_path(b, IPC_PIPE, ci, S_PIPE, rtt);
	measure_kernel_path(b, IPC_UNIX_STREAM, ci, S_UNIX, rtt);
}

static void measure_cacheline(struct bench_run *b, double *rtt)
{
	uint32_t iters = (uint32_t)scaled(b->scale, 20000, 100);
	double oneway[RTT_RUNS];
	char name[64];

	for (int r = 0; r < RTT_RUNS; r++) {
		if (ipc_baseline_cacheline(iters, rtt) != 0) {
			fprintf(stderr, "mymap-bench-ipc: cache-line ping-pong failed\n");
			return;
		}
		oneway[r] = bench_median(rtt, iters) / 2;
	}
	/* As for the other figures, the middle of three runs. */
	b->cacheline_oneway = bench_median(oneway, RTT_RUNS);
	snprintf(name, sizeof(name), "%scacheline", b->prefix);
	bench_record(b->results, "64B", name, "oneway_busy_ns", b->cacheline_oneway, "ns");
}

static void target(const char *what, double ratio, const char *op, double bound)
{
	bool met = strcmp(op, ">=") == 0 ? ratio >= bound : ratio <= bound;

	if (ratio <= 0) {
		printf("target: %s: not measured\n", what);
		return;
	}
	printf("target: %s: %.2f (want %s %.2f) %s\n", what, ratio, op, bound,
	       met ? "met" : "missed");
}

/* The targets, from this run's figures only. */
static void print_targets(struct bench_run *b, bool device)
{
	int ch = device ? S_DEVICE : S_MEMFD;
	double pipe = b->rate[1][S_PIPE], copy = b->rate[1][S_MEMCPY];
	double oneway = b->rtt_busy[0][ch] / 2;

	printf("\n(%s figures; compare only within this run; %s)\n", b->prefix[0] ? "VM" : "host",
	       ipc_affinity_describe());
	target(device ? "4KiB throughput, device channel / pipe"
		      : "4KiB throughput, memfd channel / pipe",
	       pipe > 0 ? b->rate[1][ch] / pipe : 0, ">=", 3.0);
	target(device ? "4KiB throughput, device channel / memcpy"
		      : "4KiB throughput, memfd channel / memcpy",
	       copy > 0 ? b->rate[1][ch] / copy : 0, ">=", 0.5);
	for (int ci = 1; ci <= 2; ci++) {
		double ring = b->rate[ci][S_RING];
		char what[96];

		snprintf(what, sizeof(what), "%s throughput, %s channel / reference ring",
			 cases[ci].name, device ? "device" : "memfd");
		target(what, ring > 0 ? b->rate[ci][ch] / ring : 0, ">=", 0.9);
		snprintf(what, sizeof(what), "%s throughput, memfd-view channel / reference ring",
			 cases[ci].name);
		target(what, ring > 0 ? b->rate[ci][S_MEMFD_VIEW] / ring : 0, ">=", 0.9);
	}
	for (int ci = 1; ci <= 2; ci++) {
		double one = b->rate[ci][S_PUBSUB_1];
		char what[96];

		snprintf(what, sizeof(what),
			 "%s publish/subscribe, 4 subscribers / 1, per subscriber", cases[ci].name);
		/* Subscribers that share a CPU share its time: that measures the machine. */
		if (ipc_peer_cpus() < 4) {
			printf("target: %s: not measurable here: the 4 subscribers had %u CPU%s "
			       "besides the publisher's, and need 4\n",
			       what, ipc_peer_cpus(), ipc_peer_cpus() == 1 ? "" : "s");
			continue;
		}
		target(what, one > 0 ? b->rate[ci][S_PUBSUB_4] / one : 0, ">=", 0.8);
	}
	if (b->cacheline_oneway > 0)
		printf("        64B busy one-way: channel %.0f ns, cache line %.0f ns\n", oneway,
		       b->cacheline_oneway);
	target("64B busy-poll one-way latency / cache-line transfer",
	       b->cacheline_oneway > 0 ? oneway / b->cacheline_oneway : 0, "<=", 2.0);
	if (device)
		target("64B blocking ping-pong, driver wait/wake / futex (memfd)",
		       b->rtt_block[0][S_MEMFD] > 0
			   ? b->rtt_block[0][S_DEVICE] / b->rtt_block[0][S_MEMFD]
			   : 0,
		       "<=", 1.5);
}

int main(int argc, char **argv)
{
	struct bench_run b = {.prefix = "", .scale = 1.0};
	struct mymap_heap *device = NULL, *memfd;
	const char *out;
	bool use_device = false;
	double *rtt;
	int help, rest = 1;

	/* Take this suite's own options out; bench_parse_common knows the rest. */
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--device") == 0)
			use_device = true;
		else if (strcmp(argv[i], "--prefix") == 0) {
			b.prefix =
			    bench_option_value("ipc", argv[i], i + 1 < argc ? argv[i + 1] : NULL);
			if (!b.prefix)
				return 2;
			i++;
		} else if (strcmp(argv[i], "--scale") == 0) {
			if (bench_parse_number("ipc", argv[i], i + 1 < argc ? argv[i + 1] : NULL,
					       1e-6, 1e6, false, &b.scale))
				return 2;
			i++;
		} else {
			argv[rest++] = argv[i];
		}
	}
	int parsed =
	    bench_parse_common(rest, argv, "ipc",
			       " [--device] [--prefix STR] [--scale F]\n"
			       "  --device    also measure a channel on /dev/mymap (in the VM)\n"
			       "  --prefix S  put S before every subject name (vm- in the VM)\n"
			       "  --scale F   multiply message and round-trip counts by F",
			       &out, &help);
	if (parsed < 0)
		return help ? 0 : 2;
	if (use_device) {
		device = mymap_open_device(MYMAP_FORMAT);
		if (!device) {
			fprintf(stderr,
				"mymap-bench-ipc: %s; load the module (make module, "
				"scripts/vm-run) or leave out --device\n",
				mymap_last_message());
			return 1;
		}
	}
	memfd = mymap_open_memfd(HEAP_BYTES, 0);
	rtt = malloc(sizeof(double) * 40000);
	b.results = bench_open("ipc", out);
	if (!memfd || !rtt || !b.results) {
		fprintf(stderr, "mymap-bench-ipc: %s: %s\n", out, strerror(errno));
		return 1;
	}
	measure_cacheline(&b, rtt);
	for (int ci = 0; ci < (int)(sizeof(cases) / sizeof(cases[0])); ci++) {
		measure_case(&b, ci, device, memfd, rtt);
		if (ci == 0) {
			double oneway = b.rtt_busy[0][use_device ? S_DEVICE : S_MEMFD] / 2;

			record(&b, "64B", subject_names[use_device ? S_DEVICE : S_MEMFD],
			       "oneway_busy_ns", oneway, "ns");
		}
	}
	bench_print_table(b.results, stdout);
	print_targets(&b, use_device);
	bench_close(b.results);
	mymap_close(memfd);
	mymap_close(device);
	free(rtt);
	return 0;
}
