// SPDX-License-Identifier: GPL-2.0
/*
 * huge_test - how mappings are filled: with one 2 MiB page-table entry per
 * aligned 2 MiB of the region where the kernel allows it (map_path "pmd"),
 * or all at mmap time with 4 KiB entries (map_path "remap"); and that the
 * rules users see hold on both paths, inside a 2 MiB entry too.
 *
 * usage: huge_test pmd|remap   (the path this kernel and parameter give)
 */
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "devtest.h"

#define MIB  (1024UL * 1024)
#define HUGE (2 * MIB)

static long page;
static size_t size;
static bool pmd_path;

static long minflt(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_minflt;
}

static long pmd_entries(void)
{
	return sysfs_number("pmd_entries");
}

/* The 2 MiB pieces of [off, off + len) of the region, on the pmd path. */
static size_t pieces(size_t off, size_t len)
{
	size_t first = (off + HUGE - 1) / HUGE, end = (off + len) / HUGE;

	return pmd_path && end > first ? end - first : 0;
}

/* Reads one byte of every page; returns the sum so it is not optimized out. */
static unsigned long touch(const volatile unsigned char *p, size_t len)
{
	unsigned long sum = 0;
	size_t i;

	for (i = 0; i < len; i += page)
		sum += p[i];
	return sum;
}

/* A mapping placed by the kernel at a 2 MiB boundary, or NULL. */
static void *map_at_boundary(int fd, size_t len, int prot, off_t off)
{
	void *p;
	int err = try_map(fd, len, prot, MAP_SHARED, off, &p);

	return err ? NULL : p;
}

static void check_path(const char *expected)
{
	char path[16] = "", param[16] = "";
	FILE *f = fopen(SYSFS_DIR "map_path", "r");

	if (f) {
		if (fscanf(f, "%15s", path) != 1)
			path[0] = 0;
		fclose(f);
	}
	tap_ok(strcmp(path, expected) == 0, "map_path says %s (expected %s)", path, expected);
	f = fopen("/sys/module/mymap/parameters/huge", "r");
	if (f) {
		if (fscanf(f, "%15s", param) != 1)
			param[0] = 0;
		fclose(f);
	}
	tap_ok(strcmp(param, "auto") == 0 || (strcmp(param, "off") == 0 && !pmd_path),
	       "the huge parameter reads back as auto or off (%s), and off means remap", param);
}

/* A plain mmap(NULL) lands where 2 MiB entries can be used. */
static void check_placement(int fd)
{
	uintptr_t a;
	void *p;

	if (!pmd_path) {
		tap_skip("mmap(NULL) is placed for 2 MiB entries", "the remap path has none");
		return;
	}
	p = map_at_boundary(fd, size, PROT_READ, 0);
	a = (uintptr_t)p;
	tap_ok(p && a % HUGE == 0, "mmap(NULL, %zu) at offset 0 is 2 MiB aligned (%#lx)", size,
	       (unsigned long)a);
	if (p)
		munmap(p, size);
	/* [1 MiB, size) must hold a whole aligned 2 MiB of the region. */
	if (pieces(MIB, size - MIB) == 0)
		return;
	p = map_at_boundary(fd, size - MIB, PROT_READ, MIB);
	a = (uintptr_t)p;
	tap_ok(p && a % HUGE == MIB,
	       "at offset 1 MiB the address is 1 MiB past a 2 MiB boundary (%#lx)",
	       (unsigned long)a);
	if (p)
		munmap(p, size - MIB);
}

/*
 * Touching every page of a whole-region mapping: one fault per 2 MiB piece
 * on the pmd path, none on the remap path, and the entries seen in sysfs.
 */
static void check_fault_counts(int fd)
{
	size_t want = pieces(0, size);
	unsigned char *p = map_at_boundary(fd, size, PROT_READ | PROT_WRITE, 0);
	long before, faults, entries;

	if (!tap_ok(p != NULL, "map the whole region (%zu bytes)", size))
		return;
	tap_ok(pmd_entries() == 0, "no 2 MiB entry before the first touch");
	before = minflt();
	touch(p, size);
	faults = minflt() - before;
	entries = pmd_entries();
	tap_ok(faults <= (long)want,
	       "touching %zu pages took %ld faults (at most %zu: one per 2 MiB piece)", size / page,
	       faults, want);
	tap_ok(entries == (long)want, "pmd_entries is %ld while mapped (%zu pieces)", entries,
	       want);
	before = minflt();
	touch(p, size);
	tap_ok(minflt() == before, "touching again takes no fault");
	munmap(p, size);
	tap_ok(pmd_entries() == 0, "pmd_entries is 0 after munmap");
}

/* What write(2) stored is what the mapping shows, and the reverse. */
static bool agrees(int fd, const unsigned char *p, size_t off, size_t len)
{
	unsigned char *buf = malloc(len);
	bool same;

	same = buf && pread(fd, buf, len, (off_t)off) == (ssize_t)len && memcmp(buf, p, len) == 0;
	free(buf);
	return same;
}

/*
 * A mapping whose 2 MiB boundaries never meet the region's (offset one
 * page, placed with MAP_FIXED on a 2 MiB boundary) has no piece: it is
 * filled at mmap time, on both paths.
 */
static void check_misaligned_offset(int fd)
{
	size_t len = size - page;
	unsigned char *area = mmap(NULL, len + HUGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned char *at, *p;
	long before;

	if (!tap_ok(area != MAP_FAILED, "reserve address space: %s", strerror(errno)))
		return;
	at = area + (HUGE - (uintptr_t)area % HUGE) % HUGE;
	p = mmap(at, len, PROT_READ, MAP_SHARED | MAP_FIXED, fd, page);
	if (!tap_ok(p == at, "map from offset one page at a 2 MiB boundary: %s", strerror(errno))) {
		munmap(area, len + HUGE);
		return;
	}
	before = minflt();
	touch(p, len);
	tap_ok(minflt() == before && pmd_entries() == 0,
	       "it takes no fault and no 2 MiB entry (%ld faults)", minflt() - before);
	tap_ok(agrees(fd, p, page, len), "and shows the region's bytes");
	munmap(area, len + HUGE);
}

static void fill(int fd, unsigned char seed)
{
	unsigned char *buf = malloc(size);
	size_t i;

	for (i = 0; i < size; i++)
		buf[i] = (unsigned char)(i / page * 13 + i + seed);
	if (pwrite(fd, buf, size, 0) != (ssize_t)size)
		tap_diag("pwrite: %s", strerror(errno));
	free(buf);
}

/* munmap of one page inside a 2 MiB entry: the rest stays, split. */
static void check_split_munmap(int fd)
{
	unsigned char *p;
	long entries, mappings;
	size_t mid = HUGE / 2;

	if (size < HUGE) {
		tap_skip("a partial munmap inside a 2 MiB entry",
			 "the region is smaller than 2 MiB");
		return;
	}
	fill(fd, 1);
	p = map_at_boundary(fd, size, PROT_READ | PROT_WRITE, 0);
	if (!tap_ok(p != NULL, "map the region to split it"))
		return;
	touch(p, size);
	entries = pmd_entries();
	mappings = sysfs_number("mappings");
	tap_ok(munmap(p + mid, page) == 0, "munmap one page in the middle of the first 2 MiB");
	tap_ok(pmd_entries() == entries - (pmd_path ? 1 : 0),
	       "the entry holding it is gone, no other (%ld, was %ld)", pmd_entries(), entries);
	tap_ok(sysfs_number("mappings") == mappings + 1,
	       "the mapping is now two (mappings %ld, was %ld)", sysfs_number("mappings"),
	       mappings);
	tap_ok(agrees(fd, p, 0, mid) && agrees(fd, p + mid + page, mid + page, size - mid - page),
	       "both sides still show the region's bytes");
	p[mid - 1] = 0xa5;
	p[mid + page] = 0x5a;
	tap_ok(agrees(fd, p + mid - 1, mid - 1, 1) && agrees(fd, p + mid + page, mid + page, 1),
	       "stores on both sides of the hole reach the region");
	munmap(p, mid);
	munmap(p + mid + page, size - mid - page);
	tap_ok(pmd_entries() == 0, "pmd_entries is 0 once both parts are unmapped");
}

static sigjmp_buf segv_jump;

static void on_segv(int sig)
{
	(void)sig;
	siglongjmp(segv_jump, 1);
}

/* Does a store at @p fault? */
static bool store_faults(volatile unsigned char *p)
{
	struct sigaction sa = {.sa_handler = on_segv}, old;
	bool faulted = false;

	sigaction(SIGSEGV, &sa, &old);
	if (sigsetjmp(segv_jump, 1))
		faulted = true;
	else
		*p = 1;
	sigaction(SIGSEGV, &old, NULL);
	return faulted;
}

/* mprotect of one page inside a 2 MiB entry. */
static void check_split_mprotect(int fd)
{
	unsigned char *p;
	size_t mid = HUGE / 2;
	int err;

	if (size < HUGE) {
		tap_skip("mprotect inside a 2 MiB entry", "the region is smaller than 2 MiB");
		return;
	}
	fill(fd, 2);
	p = map_at_boundary(fd, size, PROT_READ | PROT_WRITE, 0);
	if (!tap_ok(p != NULL, "map the region to mprotect part of it"))
		return;
	touch(p, size);
	tap_ok(mprotect(p + mid, page, PROT_READ) == 0,
	       "mprotect(PROT_READ) one page in the middle of the first 2 MiB");
	tap_ok(store_faults(p + mid), "a store to that page faults");
	tap_ok(!store_faults(p + mid - 1) && !store_faults(p + mid + page),
	       "stores next to it do not");
	tap_ok(agrees(fd, p, 0, size), "the whole mapping still shows the region's bytes");
	err = mprotect(p + mid, page, PROT_EXEC) ? errno : 0;
	tap_ok(err == EACCES, "PROT_EXEC stays refused inside the split piece (%s)", errname(err));
	munmap(p, size);
}

/* MADV_NOHUGEPAGE before the first touch: 4 KiB entries from faults. */
static void check_nohugepage(int fd)
{
	unsigned char *p;
	long before, faults;
	size_t want = pieces(0, size) * (HUGE / page);

	if (!pmd_path) {
		tap_skip("MADV_NOHUGEPAGE gives 4 KiB entries from faults",
			 "the remap path has no faults");
		return;
	}
	fill(fd, 3);
	p = map_at_boundary(fd, size, PROT_READ, 0);
	if (!tap_ok(p != NULL && madvise(p, size, MADV_NOHUGEPAGE) == 0,
		    "map the region and madvise(MADV_NOHUGEPAGE)"))
		return;
	before = minflt();
	touch(p, size);
	faults = minflt() - before;
	tap_ok(faults >= (long)want && pmd_entries() == 0,
	       "then every page of the pieces faults on its own (%ld faults, %zu such pages), no 2 "
	       "MiB entry",
	       faults, want);
	tap_ok(agrees(fd, p, 0, size), "and shows the region's bytes");
	munmap(p, size);
}

/* fork shares the entries; mremap moves them. */
static void check_fork_and_mremap(int fd)
{
	unsigned char *p, *q;
	pid_t pid;
	int status = -1;

	fill(fd, 4);
	p = map_at_boundary(fd, size, PROT_READ | PROT_WRITE, 0);
	if (!tap_ok(p != NULL, "map the region for fork and mremap"))
		return;
	touch(p, size);
	pid = fork();
	if (pid == 0) {
		p[size - 1] = 0x77;
		_exit(agrees(fd, p, 0, size) ? 0 : 1);
	}
	waitpid(pid, &status, 0);
	tap_ok(pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	       "a child sees the region's bytes through the inherited mapping");
	tap_ok(p[size - 1] == 0x77, "and its store is seen by the parent");
	q = map_at_boundary(fd, size, PROT_READ, 0);
	if (q)
		q = mremap(p, size, size, MREMAP_MAYMOVE | MREMAP_FIXED, q);
	tap_ok(q && q != MAP_FAILED && agrees(fd, q, 0, size), "mremap moves it, bytes intact");
	if (q && q != MAP_FAILED) {
		touch(q, size);
		tap_ok(pmd_entries() == (long)pieces(0, size),
		       "after the move pmd_entries is %ld (%zu pieces)", pmd_entries(),
		       pieces(0, size));
		munmap(q, size);
	} else {
		munmap(p, size);
	}
}

int main(int argc, char **argv)
{
	int fd;

	if (argc != 2 || (strcmp(argv[1], "pmd") && strcmp(argv[1], "remap"))) {
		fprintf(stderr, "usage: huge_test pmd|remap\n");
		return 2;
	}
	pmd_path = strcmp(argv[1], "pmd") == 0;
	page = sysconf(_SC_PAGESIZE);
	fd = dev_open(O_RDWR);
	size = dev_info(fd).size;
	tap_diag("region of %zu bytes, expected path %s", size, argv[1]);

	check_path(argv[1]);
	check_placement(fd);
	check_fault_counts(fd);
	check_misaligned_offset(fd);
	check_split_munmap(fd);
	check_split_mprotect(fd);
	check_nohugepage(fd);
	check_fork_and_mremap(fd);
	close(fd);
	return tap_done();
}
