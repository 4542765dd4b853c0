// SPDX-License-Identifier: GPL-2.0
/*
 * mymap-bench-map - what it costs to get memory mapped and touched:
 * mmap + write one byte per page + munmap, for /dev/mymap and for the
 * kernel's other ways of handing out memory, at two sizes.  Reports the
 * median time per MiB and the minor page faults of a cycle, and of the
 * touching alone (the device maps every page at mmap time: none).
 *
 * Runs inside the VM (the device needs the module): the region must be
 * at least as large as the largest case, e.g. vm-run --param size=67108864.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include "bench.h"

#define REPS  9
#define SIZES 2

/* What a case's target needs, kept for the verdicts printed under the table. */
struct verdict {
	double device_ns, private_ns; /* ns per MiB; 0: not measured */
	double device_touch_faults;   /* faults touching the mapped device; -1: not measured */
};

enum backing { ANONYMOUS, DEVICE, MEMFD };

struct subject {
	const char *name;
	int flags; /* mmap flags */
	enum backing backing;
};

static const struct subject subjects[] = {
    {"device", MAP_SHARED, DEVICE},
    {"anon-private", MAP_PRIVATE | MAP_ANONYMOUS, ANONYMOUS},
    {"anon-shared", MAP_SHARED | MAP_ANONYMOUS, ANONYMOUS},
    {"anon-populate", MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, ANONYMOUS},
    {"memfd", MAP_SHARED, MEMFD},
};

static long minor_faults(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_minflt;
}

/*
 * One cycle; returns its time in ns and stores the faults of the whole
 * cycle and of the touching alone.  -1 if mmap failed.
 */
static double cycle(const struct subject *s, int fd, size_t len, long page, long *faults,
		    long *touch_faults)
{
	long f0 = minor_faults(), f1;
	uint64_t t0 = bench_now_ns();
	volatile unsigned char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, s->flags, fd, 0);

	if (p == MAP_FAILED)
		return -1;
	f1 = minor_faults();
	for (size_t off = 0; off < len; off += (size_t)page)
		p[off] = 1;
	*touch_faults = minor_faults() - f1;
	munmap((void *)p, len);
	*faults = minor_faults() - f0;
	return (double)(bench_now_ns() - t0);
}

static int open_subject(const struct subject *s, size_t len)
{
	int fd = -1;

	if (s->backing == DEVICE) {
		fd = open("/dev/mymap", O_RDWR);
	} else if (s->backing == MEMFD) {
		fd = memfd_create("mymap-bench", MFD_CLOEXEC);
		if (fd >= 0 && ftruncate(fd, (off_t)len)) {
			close(fd);
			fd = -1;
		}
	}
	return fd;
}

/* The target of one case, under the table: met, not met, or not measured. */
static void print_verdict(size_t mib, const struct verdict *v)
{
	char ratio[32];
	bool met;

	if (v->device_ns <= 0 || v->private_ns <= 0) {
		printf("target %zu MiB: device <= 1/20 of anon-private per MiB, no fault after "
		       "mmap: not measured\n",
		       mib);
		return;
	}
	bench_format_value(ratio, sizeof(ratio), v->device_ns / v->private_ns);
	met = v->device_ns * 20 <= v->private_ns && v->device_touch_faults == 0;
	printf("target %zu MiB: device <= 1/20 of anon-private per MiB (%s), no fault after mmap "
	       "(%.0f): %s\n",
	       mib, ratio, v->device_touch_faults, met ? "met" : "not met");
}

int main(int argc, char **argv)
{
	static const size_t sizes_mib[SIZES] = {4, 64};
	struct verdict verdicts[SIZES];
	const char *out;
	int help, skipped = 0;
	long page = sysconf(_SC_PAGESIZE);

	if (bench_parse_common(argc, argv, "map", NULL, &out, &help) < 0)
		return help ? 0 : 2;
	struct bench_results *r = bench_open("map", out);

	if (!r) {
		fprintf(stderr, "mymap-bench-map: cannot write %s: %s\n", out, strerror(errno));
		return 1;
	}
	for (size_t z = 0; z < sizeof(sizes_mib) / sizeof(sizes_mib[0]); z++) {
		size_t len = sizes_mib[z] << 20;
		char bench_case[16];
		struct verdict *v = &verdicts[z];

		*v = (struct verdict){0, 0, -1};
		snprintf(bench_case, sizeof(bench_case), "%zuMiB", sizes_mib[z]);
		for (size_t s = 0; s < sizeof(subjects) / sizeof(subjects[0]); s++) {
			const struct subject *sub = &subjects[s];
			double ns[REPS], faults[REPS], touch[REPS];
			int fd = open_subject(sub, len);

			if (sub->backing != ANONYMOUS && fd < 0) {
				fprintf(stderr, "mymap-bench-map: %s: %s (skipped)\n", sub->name,
					strerror(errno));
				skipped++;
				continue;
			}
			for (int i = 0; i < REPS; i++) {
				long f = 0, tf = 0;

				ns[i] = cycle(sub, fd, len, page, &f, &tf);
				faults[i] = (double)f;
				touch[i] = (double)tf;
				if (ns[i] < 0)
					break;
			}
			if (fd >= 0)
				close(fd);
			if (ns[REPS - 1] < 0) {
				fprintf(stderr,
					"mymap-bench-map: %s %s: mmap failed: %s (skipped)\n",
					sub->name, bench_case, strerror(errno));
				skipped++;
				continue;
			}
			double per_mib = bench_median(ns, REPS) / (double)sizes_mib[z];

			bench_record(r, bench_case, sub->name, "ns_per_mib", per_mib, "ns");
			bench_record(r, bench_case, sub->name, "minflt", bench_median(faults, REPS),
				     "faults");
			bench_record(r, bench_case, sub->name, "minflt_touch",
				     bench_median(touch, REPS), "faults");
			if (sub->backing == DEVICE) {
				v->device_ns = per_mib;
				v->device_touch_faults = bench_median(touch, REPS);
			}
			if (strcmp(sub->name, "anon-private") == 0)
				v->private_ns = per_mib;
		}
	}
	printf("\nmap: median of %d cycles of mmap + touch every page + munmap\n", REPS);
	bench_print_table(r, stdout);
	for (size_t z = 0; z < SIZES; z++)
		print_verdict(sizes_mib[z], &verdicts[z]);
	bench_close(r);
	return skipped ? 1 : 0;
}
