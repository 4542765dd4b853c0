// SPDX-License-Identifier: GPL-2.0
/*
 * mymap-bench-map - what it costs to get memory mapped and touched:
 * mmap + write one byte per page + munmap, for /dev/mymap and for the
 * kernel's other ways of handing out memory, at 4, 64 and 256 MiB.
 * Reports per subject the median time per MiB, the minor page faults of
 * a cycle and of the touching alone, the floor (the same pages written
 * again once mapped: no fault, what touching alone costs), the same
 * floor with the TLB emptied first (what touching costs with a TLB fill
 * per page, as the first touch pays on any machine), and the
 * page-table entries the touched mapping holds (4 KiB and 2 MiB), the
 * measure that does not depend on the machine.  Then random reads over
 * 256 MiB of the device, in ns per access.
 *
 * The device is measured as loaded ("device": 2 MiB entries where the
 * kernel allows them) and, with --reload-off MODULE, reloaded with
 * huge=off ("device-off": 4 KiB entries at mmap time) in the same run.
 *
 * Runs inside the VM (the device needs the module): the region must be
 * at least as large as the largest case, e.g. vm-run --param size=268435456.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include "bench.h"

#define REPS	    9
#define NSIZES	    3
#define MIB	    (1024UL * 1024)
#define HUGE_BYTES  (2 * MIB)
#define RANDOM_MIB  256
#define RANDOM_READ (1UL << 21)
#define SYSFS	    "/sys/class/misc/mymap/"

static const size_t sizes_mib[NSIZES] = {4, 64, 256};

enum backing { ANONYMOUS, DEVICE, MEMFD };
enum thp { THP_DEFAULT, THP_ON, THP_OFF };

struct subject {
	const char *name;
	int flags; /* mmap flags */
	enum backing backing;
	enum thp thp; /* madvise before touching */
};

static const struct subject subjects[] = {
    {"device", MAP_SHARED, DEVICE, THP_DEFAULT},
    {"anon-private", MAP_PRIVATE | MAP_ANONYMOUS, ANONYMOUS, THP_DEFAULT},
    {"anon-thp", MAP_PRIVATE | MAP_ANONYMOUS, ANONYMOUS, THP_ON},
    {"anon-nothp", MAP_PRIVATE | MAP_ANONYMOUS, ANONYMOUS, THP_OFF},
    {"anon-shared", MAP_SHARED | MAP_ANONYMOUS, ANONYMOUS, THP_DEFAULT},
    {"anon-populate", MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, ANONYMOUS, THP_DEFAULT},
    {"memfd", MAP_SHARED, MEMFD, THP_DEFAULT},
};

static const struct subject device_off = {"device-off", MAP_SHARED, DEVICE, THP_DEFAULT};

/* One size's figures for the verdicts under the table; 0 or -1: not measured. */
struct figures {
	double ns, floor_ns, cold_floor_ns, touch_faults;
};

struct verdicts {
	struct figures device[NSIZES], off[NSIZES], thp[NSIZES];
	char path[16]; /* map_path of the first load */
};

static long minor_faults(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_minflt;
}

static void touch(volatile unsigned char *p, size_t len, long page)
{
	for (size_t off = 0; off < len; off += (size_t)page)
		p[off] = 1;
}

/* The first line of a sysfs file of the device, or "" */
static void read_sysfs(const char *attr, char *buf, size_t size)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), SYSFS "%s", attr);
	buf[0] = 0;
	f = fopen(path, "r");
	if (!f)
		return;
	if (!fgets(buf, (int)size, f))
		buf[0] = 0;
	buf[strcspn(buf, "\n")] = 0;
	fclose(f);
}

/* 2 MiB entries of the process's anonymous memory (smaps_rollup), or -1. */
static long anon_huge_entries(void)
{
	char line[256];
	long kib = -1;
	FILE *f = fopen("/proc/self/smaps_rollup", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "AnonHugePages: %ld kB", &kib) == 1)
			break;
	fclose(f);
	return kib < 0 ? -1 : kib / 2048;
}

/* 2 MiB entries mapping @s now (this process), or -1 when not known. */
static long huge_entries(const struct subject *s)
{
	char buf[32];

	if (s->backing == DEVICE) {
		read_sysfs("pmd_entries", buf, sizeof(buf));
		return buf[0] ? atol(buf) : -1;
	}
	if (s->flags & MAP_PRIVATE)
		return anon_huge_entries();
	return -1;
}

static volatile unsigned char *map_subject(const struct subject *s, int fd, size_t len)
{
	volatile unsigned char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, s->flags, fd, 0);

	if (p == MAP_FAILED)
		return NULL;
	if (s->thp != THP_DEFAULT)
		madvise((void *)p, len, s->thp == THP_ON ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
	return p;
}

/*
 * Pages whose dropping (MADV_DONTNEED) empties the process's TLB: past 33
 * pages (tlb_single_page_flush_ceiling) x86 flushes the whole TLB rather
 * than page by page.
 */
#define SCRATCH_PAGES 64

static volatile unsigned char *scratch;

/* Empties this CPU's TLB of the process's entries, page tables untouched. */
static void empty_tlb(long page)
{
	size_t len = SCRATCH_PAGES * (size_t)page;

	if (!scratch) {
		void *p =
		    mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			return;
		scratch = p;
	}
	/* Only pages that are mapped make the kernel flush when they go. */
	touch(scratch, len, page);
	madvise((void *)scratch, len, MADV_DONTNEED);
}

/* One cycle's times in ns, and its faults. */
struct cycle_figures {
	double total;	     /* mmap + touch + munmap */
	double map, unmap;   /* the mmap (and madvise) and the munmap alone */
	double floor;	     /* the pages written again, TLB warm */
	double cold_floor;   /* and again, the TLB emptied first */
	double faults;	     /* of the cycle */
	double touch_faults; /* of the first touch */
};

/*
 * One cycle: mmap + touch every page + munmap, timed, with the faults of
 * the cycle and of the touching; and between touch and munmap, untimed
 * for the cycle, the floors: every page written again, then again once
 * the TLB was emptied.  -1 if mmap failed.
 */
static int cycle(const struct subject *s, int fd, size_t len, long page, struct cycle_figures *c)
{
	long f0 = minor_faults(), f1, f2;
	uint64_t t0 = bench_now_ns(), tm, t1, t2, t3, t4, t5;
	volatile unsigned char *p = map_subject(s, fd, len);

	if (!p)
		return -1;
	tm = bench_now_ns();
	f1 = minor_faults();
	touch(p, len, page);
	t1 = bench_now_ns();
	c->touch_faults = (double)(minor_faults() - f1);
	touch(p, len, page);
	t2 = bench_now_ns();
	f2 = minor_faults();
	empty_tlb(page);
	f2 = minor_faults() - f2; /* the scratch pages' own faults */
	t3 = bench_now_ns();
	touch(p, len, page);
	t4 = bench_now_ns();
	munmap((void *)p, len);
	t5 = bench_now_ns();
	c->faults = (double)(minor_faults() - f0 - f2);
	c->total = (double)(t1 - t0 + t5 - t4);
	c->map = (double)(tm - t0);
	c->unmap = (double)(t5 - t4);
	c->floor = (double)(t2 - t1);
	c->cold_floor = (double)(t4 - t3);
	return 0;
}

/* The page-table entries of a touched mapping: 2 MiB ones, the rest 4 KiB. */
static void record_entries(struct bench_results *r, const char *bench_case, const struct subject *s,
			   int fd, size_t len, long page)
{
	long before = s->backing == DEVICE ? 0 : huge_entries(s), huge;
	volatile unsigned char *p = map_subject(s, fd, len);

	if (!p)
		return;
	touch(p, len, page);
	huge = huge_entries(s);
	munmap((void *)p, len);
	if (huge < 0 || before < 0)
		return;
	huge -= before;
	bench_record(r, bench_case, s->name, "pmd_entries", (double)huge, "entries");
	bench_record(r, bench_case, s->name, "pte_entries",
		     (double)((len - (size_t)huge * HUGE_BYTES) / (size_t)page), "entries");
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

/* The median over the cycles @c of their field at offset @field, a double. */
static double median_of(const struct cycle_figures *c, size_t field)
{
	double v[REPS];

	for (int i = 0; i < REPS; i++)
		memcpy(&v[i], (const char *)&c[i] + field, sizeof(v[i]));
	return bench_median(v, REPS);
}

#define MEDIAN_OF(c, field) median_of(c, offsetof(struct cycle_figures, field))

/* Measures @s at size index @z; fills @fig. Returns 0, or 1 if skipped. */
static int measure(struct bench_results *r, const struct subject *s, size_t z, long page,
		   struct figures *fig)
{
	size_t len = sizes_mib[z] * MIB;
	double mib = (double)sizes_mib[z];
	struct cycle_figures c[REPS];
	char bench_case[16];
	int fd = open_subject(s, len);

	snprintf(bench_case, sizeof(bench_case), "%zuMiB", sizes_mib[z]);
	if (s->backing != ANONYMOUS && fd < 0) {
		fprintf(stderr, "mymap-bench-map: %s: %s (skipped)\n", s->name, strerror(errno));
		return 1;
	}
	for (int i = 0; i < REPS; i++) {
		if (cycle(s, fd, len, page, &c[i]) < 0) {
			fprintf(stderr, "mymap-bench-map: %s %s: mmap failed: %s (skipped)\n",
				s->name, bench_case, strerror(errno));
			if (fd >= 0)
				close(fd);
			return 1;
		}
	}
	fig->ns = MEDIAN_OF(c, total) / mib;
	fig->floor_ns = MEDIAN_OF(c, floor) / mib;
	fig->cold_floor_ns = MEDIAN_OF(c, cold_floor) / mib;
	fig->touch_faults = MEDIAN_OF(c, touch_faults);
	bench_record(r, bench_case, s->name, "ns_per_mib", fig->ns, "ns");
	bench_record(r, bench_case, s->name, "floor_ns_per_mib", fig->floor_ns, "ns");
	bench_record(r, bench_case, s->name, "cold_floor_ns_per_mib", fig->cold_floor_ns, "ns");
	bench_record(r, bench_case, s->name, "mmap_ns", MEDIAN_OF(c, map), "ns");
	bench_record(r, bench_case, s->name, "munmap_ns", MEDIAN_OF(c, unmap), "ns");
	bench_record(r, bench_case, s->name, "minflt", MEDIAN_OF(c, faults), "faults");
	bench_record(r, bench_case, s->name, "minflt_touch", fig->touch_faults, "faults");
	record_entries(r, bench_case, s, fd, len, page);
	if (fd >= 0)
		close(fd);
	return 0;
}

/* Where the random reads' sum goes, so that the compiler keeps them. */
static volatile unsigned long read_sink;

/* Random one-byte reads over RANDOM_MIB of the device, all pages mapped first. */
static int random_reads(struct bench_results *r, const char *name, long page)
{
	size_t len = RANDOM_MIB * MIB;
	int fd = open("/dev/mymap", O_RDONLY);
	volatile unsigned char *p;
	uint64_t x = 88172645463325252ULL, t0;
	unsigned long sum = 0;

	if (fd < 0)
		return 1;
	p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED) {
		fprintf(stderr, "mymap-bench-map: %s random reads: mmap failed: %s (skipped)\n",
			name, strerror(errno));
		return 1;
	}
	for (size_t off = 0; off < len; off += (size_t)page)
		sum += p[off];
	t0 = bench_now_ns();
	for (unsigned long i = 0; i < RANDOM_READ; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		sum += p[x % len];
	}
	bench_record(r, "random-256MiB", name, "ns_per_access",
		     (double)(bench_now_ns() - t0) / (double)RANDOM_READ, "ns");
	munmap((void *)p, len);
	read_sink = sum;
	return 0;
}

/* Reloads @module with huge=off and the region's size. 0, or -1 (said why). */
static int reload_off(const char *module)
{
	char size[32], cmd[512];

	read_sysfs("size", size, sizeof(size));
	if (!size[0] || strspn(size, "0123456789") != strlen(size)) {
		fprintf(stderr, "mymap-bench-map: cannot read the region's size\n");
		return -1;
	}
	snprintf(cmd, sizeof(cmd), "rmmod mymap && insmod '%s' size=%s huge=off", module, size);
	if (system(cmd) != 0) {
		fprintf(stderr, "mymap-bench-map: '%s' failed\n", cmd);
		return -1;
	}
	return 0;
}

static void print_ratio_verdict(const char *what, double value, double limit, bool at_least,
				const char *extra)
{
	char v[32];

	if (value <= 0) {
		printf("target %s: not measured\n", what);
		return;
	}
	bench_format_value(v, sizeof(v), value);
	printf("target %s (%s%s): %s\n", what, v, extra,
	       (at_least ? value >= limit : value <= limit) ? "met" : "not met");
}

static void print_verdicts(const struct verdicts *v)
{
	char what[96];

	if (strcmp(v->path, "pmd") != 0) {
		printf("targets for 2 MiB entries: not measured (map_path is '%s' here)\n",
		       v->path);
		return;
	}
	for (size_t z = 0; z < NSIZES; z++) {
		const struct figures *d = &v->device[z], *o = &v->off[z], *t = &v->thp[z];
		size_t mib = sizes_mib[z];

		if (mib == 4 || mib == 64) {
			snprintf(what, sizeof(what), "%zu MiB: device >= %s x faster than huge=off",
				 mib, mib == 64 ? "3" : "1.8");
			print_ratio_verdict(what, d->ns > 0 && o->ns > 0 ? o->ns / d->ns : 0,
					    mib == 64 ? 3 : 1.8, true, "x");
		}
		snprintf(what, sizeof(what), "%zu MiB: device <= 0.1 x anon-thp per MiB", mib);
		print_ratio_verdict(what, d->ns > 0 && t->ns > 0 ? d->ns / t->ns : 0, 0.1, false,
				    "x");
		snprintf(what, sizeof(what), "%zu MiB: device <= 1.6 x its touch floor", mib);
		print_ratio_verdict(what, d->ns > 0 && d->floor_ns > 0 ? d->ns / d->floor_ns : 0,
				    1.6, false, "x");
		snprintf(what, sizeof(what),
			 "%zu MiB: device <= 1.6 x its touch floor, TLB emptied", mib);
		print_ratio_verdict(
		    what, d->ns > 0 && d->cold_floor_ns > 0 ? d->ns / d->cold_floor_ns : 0, 1.6,
		    false, "x");
		snprintf(what, sizeof(what), "%zu MiB: device <= 1 fault per 2 MiB touched", mib);
		print_ratio_verdict(what, d->ns > 0 ? d->touch_faults / (double)(mib / 2) : 0, 1,
				    false, " per 2 MiB");
	}
}

int main(int argc, char **argv)
{
	struct verdicts v;
	const char *out, *module = NULL;
	char *args[argc + 1];
	int help, nargs = 0, skipped = 0;
	long page = sysconf(_SC_PAGESIZE);

	for (int i = 0; i < argc; i++) {
		if (i > 0 && strcmp(argv[i], "--reload-off") == 0) {
			module = bench_option_value("map", "--reload-off", argv[i + 1]);
			if (!module)
				return 2;
			i++;
			continue;
		}
		args[nargs++] = argv[i];
	}
	args[nargs] = NULL;
	if (bench_parse_common(
		nargs, args, "map",
		" [--reload-off MODULE]\n"
		"  --reload-off MODULE  then reload MODULE with huge=off and measure "
		"the device again",
		&out, &help) < 0)
		return help ? 0 : 2;
	struct bench_results *r = bench_open("map", out);

	if (!r) {
		fprintf(stderr, "mymap-bench-map: cannot write %s: %s\n", out, strerror(errno));
		return 1;
	}
	memset(&v, 0, sizeof(v));
	read_sysfs("map_path", v.path, sizeof(v.path));
	for (size_t z = 0; z < NSIZES; z++) {
		for (size_t s = 0; s < sizeof(subjects) / sizeof(subjects[0]); s++) {
			struct figures fig = {0, 0, 0, -1};

			skipped += measure(r, &subjects[s], z, page, &fig);
			if (subjects[s].backing == DEVICE)
				v.device[z] = fig;
			if (subjects[s].thp == THP_ON)
				v.thp[z] = fig;
		}
	}
	skipped += random_reads(r, "device", page);
	if (module) {
		if (reload_off(module) == 0) {
			for (size_t z = 0; z < NSIZES; z++)
				skipped += measure(r, &device_off, z, page, &v.off[z]);
			skipped += random_reads(r, "device-off", page);
		} else {
			skipped++;
		}
	}
	printf("\nmap: median of %d cycles of mmap + touch every page + munmap; the floor is "
	       "the same pages written again once mapped, the cold floor the same after the TLB "
	       "was emptied; device map_path %s\n",
	       REPS, v.path[0] ? v.path : "unknown");
	bench_print_table(r, stdout);
	print_verdicts(&v);
	bench_close(r);
	return skipped ? 1 : 0;
}
