// SPDX-License-Identifier: GPL-2.0
/*
 * mmap_test - the device's mmap rules: what a mapping shows, and every
 * request the driver (or the kernel on its behalf) must refuse.
 */
#include <stdint.h>
#include <sys/wait.h>

#include "devtest.h"

static long page;
static size_t size;

static void check_contents(int fd)
{
	unsigned char *p;
	size_t i, nonzero = 0, first_nonzero = 0;
	int err = try_map(fd, size, PROT_READ, MAP_SHARED, 0, (void **)&p);
	bool seed = true;

	if (!tap_ok(err == 0, "map the whole region (%zu bytes): %s", size, errname(err)))
		return;
	for (i = 0; i < 10; i++)
		seed &= p[i] == i;
	tap_ok(seed, "a fresh region starts with the bytes 0..9 (saw %u %u %u ...)", p[0], p[1],
	       p[2]);
	for (i = 10; i < size; i++) {
		if (p[i] && !nonzero++)
			first_nonzero = i;
	}
	tap_ok(nonzero == 0, "every byte after the seed is zero (%zu nonzero, first at %zu)",
	       nonzero, first_nonzero);
	munmap(p, size);
}

/* Writes a pattern with write(2), then compares every mapped byte. */
static void check_matches_read(int fd)
{
	unsigned char *buf = malloc(size), *p;
	size_t i, bad = 0;
	int err;

	for (i = 0; i < size; i++)
		buf[i] = (unsigned char)(i * 7 + i / page);
	if (pwrite(fd, buf, size, 0) != (ssize_t)size) {
		tap_ok(false, "pwrite the whole region: %s", strerror(errno));
		free(buf);
		return;
	}
	err = try_map(fd, size, PROT_READ, MAP_SHARED, 0, (void **)&p);
	if (tap_ok(err == 0, "map after pwrite: %s", errname(err))) {
		for (i = 0; i < size; i++)
			bad += p[i] != buf[i];
		tap_ok(bad == 0,
		       "the mapping shows what write(2) stored, across every chunk (%zu differ)",
		       bad);
		munmap(p, size);
	}
	free(buf);
}

static void check_alias_and_offsets(int fd)
{
	unsigned char *a, *b, *last, *mid;
	int ea = try_map(fd, size, PROT_READ | PROT_WRITE, MAP_SHARED, 0, (void **)&a);
	int eb = try_map(fd, size, PROT_READ | PROT_WRITE, MAP_SHARED, 0, (void **)&b);

	if (!tap_ok(ea == 0 && eb == 0, "two mappings of the region: %s / %s", errname(ea),
		    errname(eb)))
		return;
	tap_ok(a != b, "they are two different addresses");
	a[123] = 0x5a;
	b[size - 1] = 0xa5;
	tap_ok(b[123] == 0x5a && a[size - 1] == 0xa5,
	       "a store through one is seen through the other (saw %#x, %#x)", b[123], a[size - 1]);

	int em = try_map(fd, page, PROT_READ, MAP_SHARED, page, (void **)&mid);

	if (tap_ok(em == 0, "map one page at offset one page: %s", errname(em))) {
		a[page] = 0x11;
		a[2 * page - 1] = 0x22;
		tap_ok(mid[0] == 0x11 && mid[page - 1] == 0x22,
		       "offset mapping starts at byte page_size of the region (saw %#x, %#x)",
		       mid[0], mid[page - 1]);
		munmap(mid, page);
	}
	int el = try_map(fd, page, PROT_READ, MAP_SHARED, size - page, (void **)&last);

	if (tap_ok(el == 0, "map the last page: %s", errname(el))) {
		tap_ok(last[page - 1] == 0xa5, "the last page ends with the region's last byte");
		munmap(last, page);
	}
	munmap(a, size);
	munmap(b, size);
}

static void expect_refused(int fd, size_t len, int prot, int flags, off_t off, int want,
			   const char *rule)
{
	void *p;
	int err = try_map(fd, len, prot, flags, off, &p);

	tap_ok(err == want, "%s: %s (want %s)", rule, errname(err), errname(want));
	if (p)
		munmap(p, len);
}

static void check_refusals(int fd, int rdonly_fd)
{
	const int rw = PROT_READ | PROT_WRITE;

	expect_refused(fd, size + page, rw, MAP_SHARED, 0, EINVAL, "longer than the region");
	expect_refused(fd, page, rw, MAP_SHARED, size, EINVAL, "offset at the end");
	expect_refused(fd, page, rw, MAP_SHARED, size + page, EINVAL, "offset after the end");
	expect_refused(fd, 2 * page, rw, MAP_SHARED, size - page, EINVAL, "straddling the end");
	expect_refused(fd, page, rw, MAP_SHARED, (off_t)1 << 52, EINVAL, "huge offset (2^52)");
	expect_refused(fd, page, rw, MAP_SHARED, INT64_MAX & ~(off_t)(page - 1), EINVAL,
		       "largest page-aligned offset");
	expect_refused(fd, page, rw, MAP_PRIVATE, 0, EINVAL, "MAP_PRIVATE");
	expect_refused(fd, page, PROT_READ | PROT_EXEC, MAP_SHARED, 0, EPERM, "PROT_EXEC");
	expect_refused(fd, page, PROT_READ | PROT_EXEC, MAP_PRIVATE, 0, EINVAL,
		       "MAP_PRIVATE and PROT_EXEC: the first rule decides");
	expect_refused(fd, page, PROT_READ | PROT_EXEC, MAP_SHARED, size, EPERM,
		       "PROT_EXEC outside the region: the second rule decides");
	expect_refused(fd, page, rw, MAP_SHARED, -(off_t)page, EOVERFLOW,
		       "negative offset (kernel rule)");
	expect_refused(fd, 0, rw, MAP_SHARED, 0, EINVAL, "zero length (kernel rule)");
	expect_refused(fd, page, rw, MAP_SHARED, 1, EINVAL, "unaligned offset (kernel rule)");
	expect_refused(rdonly_fd, page, rw, MAP_SHARED, 0, EACCES,
		       "writable mapping of a read-only open (kernel rule)");

	void *p, *q;
	int err = try_map(fd, 2 * page, rw, MAP_SHARED, 0, &p);

	if (!tap_ok(err == 0, "map two pages for mprotect/mremap: %s", errname(err)))
		return;
	err = mprotect(p, page, PROT_READ | PROT_EXEC) ? errno : 0;
	tap_ok(err == EACCES, "mprotect to PROT_EXEC later: %s (want %s)", errname(err),
	       errname(EACCES));
	q = mremap(p, 2 * page, 4 * page, MREMAP_MAYMOVE);
	err = q == MAP_FAILED ? errno : 0;
	tap_ok(err == EFAULT, "mremap cannot grow it: %s (want %s)", errname(err), errname(EFAULT));
	if (q != MAP_FAILED)
		munmap(q, 4 * page);
	q = mremap(p, 2 * page, page, 0);
	tap_ok(q == p, "mremap may shrink it: %s", q == MAP_FAILED ? strerror(errno) : "success");
	munmap(p, page);
}

/* A read-only open may still map the region shared, for reading. */
static void check_read_only_mapping(int rdonly_fd)
{
	unsigned char *p;
	int err = try_map(rdonly_fd, page, PROT_READ, MAP_SHARED, 0, (void **)&p);

	if (tap_ok(err == 0, "PROT_READ MAP_SHARED of a read-only open: %s", errname(err))) {
		unsigned char first[16] = {0};

		if (pread(rdonly_fd, first, sizeof(first), 0) != sizeof(first))
			tap_diag("pread: %s", strerror(errno));
		tap_ok(memcmp(p, first, sizeof(first)) == 0,
		       "it shows what read(2) returns (byte 9: %u and %u)", p[9], first[9]);
		munmap(p, page);
	}
}

/* The VMA flags the driver sets, as /proc/self/smaps names them. */
static void check_vma_flags(int fd)
{
	char line[512], flags[512] = "";
	char *p;
	int err = try_map(fd, page, PROT_READ | PROT_WRITE, MAP_SHARED, 0, (void **)&p);
	unsigned long start = 0, end = 0;
	bool in_vma = false;
	FILE *f = fopen("/proc/self/smaps", "r");

	if (!tap_ok(err == 0 && f, "map a page and read smaps: %s", errname(err)))
		return;
	while (fgets(line, sizeof(line), f)) {
		/* A VMA's first line is "start-end perms ..."; fields are "Name: ...". */
		if (sscanf(line, "%lx-%lx ", &start, &end) == 2)
			in_vma = start == (unsigned long)p;
		else if (in_vma && strncmp(line, "VmFlags:", 8) == 0)
			snprintf(flags, sizeof(flags), "%s", line + 8);
	}
	fclose(f);
	flags[strcspn(flags, "\n")] = '\0';
	tap_ok(strstr(flags, " dd") && strstr(flags, " de"),
	       "VM_DONTDUMP (dd: core dumps leave it out) and VM_DONTEXPAND (de) are set:%s",
	       flags);
	tap_ok(!strstr(flags, " ex") && !strstr(flags, " me"),
	       "neither VM_EXEC (ex) nor VM_MAYEXEC (me):%s", flags);
	munmap(p, page);
}

/* A mapping that starts in one kmalloc chunk and ends in the next. */
static void check_chunk_crossing(int fd)
{
	const size_t chunk = 4u << 20;
	unsigned char *p, buf[2 * 4096];
	int err;

	if (size <= chunk)
		return;
	err = try_map(fd, 2 * page, PROT_READ, MAP_SHARED, chunk - page, (void **)&p);
	if (tap_ok(err == 0, "map two pages across the first chunk boundary: %s", errname(err))) {
		bool same = pread(fd, buf, 2 * page, chunk - page) == 2 * page &&
			    memcmp(p, buf, 2 * page) == 0;

		tap_ok(same, "it shows the bytes read(2) finds at offset %zu", chunk - page);
		munmap(p, 2 * page);
	}
}

static void check_fork_shares(int fd)
{
	volatile unsigned char *p;
	long before;
	int status, err = try_map(fd, page, PROT_READ | PROT_WRITE, MAP_SHARED, 0, (void **)&p);

	if (!tap_ok(err == 0, "map for fork: %s", errname(err)))
		return;
	before = sysfs_number("mappings");
	p[100] = 0;
	pid_t pid = fork();

	if (pid == 0) {
		/* The child's copy of the mapping is counted while it lives. */
		p[100] = sysfs_number("mappings") == before + 1 ? 0x77 : 0x66;
		_exit(0);
	}
	waitpid(pid, &status, 0);
	tap_ok(p[100] == 0x77, "a forked child writes through its inherited mapping (saw %#x)",
	       p[100]);
	tap_ok(sysfs_number("mappings") == before, "its mapping is uncounted when it exits");
	munmap((void *)p, page);
}

static void check_unprivileged(void)
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		if (setgid(65534) || setuid(65534))
			_exit(2);
		_exit(open(DEV_PATH, O_RDWR) < 0 && errno == EACCES ? 0 : 1);
	}
	waitpid(pid, &status, 0);
	tap_ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	       "an unprivileged user cannot open the 0600 node (child status %d)",
	       WEXITSTATUS(status));
}

int main(void)
{
	int fd = dev_open(O_RDWR), rdonly_fd = dev_open(O_RDONLY);

	page = sysconf(_SC_PAGESIZE);
	size = (size_t)sysfs_number("size");
	tap_diag("region of %zu bytes, page %ld", size, page);
	check_contents(fd);
	check_alias_and_offsets(fd);
	check_refusals(fd, rdonly_fd);
	check_fork_shares(fd);
	check_matches_read(fd);
	check_chunk_crossing(fd);
	check_read_only_mapping(rdonly_fd);
	check_vma_flags(fd);
	check_unprivileged();
	tap_ok(sysfs_number("mappings") == 0, "no mapping is left counted");
	close(rdonly_fd);
	close(fd);
	return tap_done();
}
