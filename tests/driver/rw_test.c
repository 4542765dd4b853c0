// SPDX-License-Identifier: GPL-2.0
/*
 * rw_test - read(2), write(2) and lseek(2) on the device, at every edge of
 * the region: short transfers at the end, 0 past it for reads, ENOSPC for
 * writes, and seeks inside [0, size] only.
 */
#include <stdint.h>

#include "devtest.h"

static size_t size;

static void check_reads(int fd)
{
	const unsigned char known[10] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
	unsigned char buf[32];
	ssize_t n;

	/* Other programs of the suite ran before: start from known bytes. */
	if (pwrite(fd, known, sizeof(known), 0) != sizeof(known))
		tap_diag("pwrite of 0..9 at offset 0: %s", strerror(errno));
	n = read(fd, buf, 5);
	tap_ok(n == 5 && buf[0] == 0 && buf[4] == 4, "read at 0 returns 0..4 (n=%zd, [4]=%u)", n,
	       buf[4]);
	n = read(fd, buf, 5);
	tap_ok(n == 5 && buf[0] == 5 && buf[4] == 9, "a second read continues at 5 (n=%zd, [0]=%u)",
	       n, buf[0]);
	n = pread(fd, buf, sizeof(buf), size - 4);
	tap_ok(n == 4, "pread of 32 at size-4 is short: %zd (want 4)", n);
	n = pread(fd, buf, sizeof(buf), size);
	tap_ok(n == 0, "pread at the end returns 0: %zd", n);
	n = pread(fd, buf, sizeof(buf), size + 4096);
	tap_ok(n == 0, "pread past the end returns 0: %zd", n);
	n = pread(fd, buf, 0, 0);
	tap_ok(n == 0, "a read of 0 bytes returns 0: %zd", n);
	n = pread(fd, inaccessible_page(), 8, 0);
	tap_ok(n < 0 && errno == EFAULT, "read into a bad buffer fails with EFAULT: %zd %s", n,
	       n < 0 ? strerror(errno) : "");
}

static void check_writes(int fd)
{
	unsigned char buf[8] = {1, 2, 3, 4, 5, 6, 7, 8}, back[8] = {0};
	ssize_t n;

	n = pwrite(fd, buf, sizeof(buf), size - 2);
	tap_ok(n == 2, "pwrite of 8 at size-2 is short: %zd (want 2)", n);
	n = pread(fd, back, 2, size - 2);
	tap_ok(n == 2 && back[0] == 1 && back[1] == 2, "those 2 bytes read back (%u %u)", back[0],
	       back[1]);
	errno = 0;
	n = pwrite(fd, buf, sizeof(buf), size);
	tap_ok(n < 0 && errno == ENOSPC, "pwrite at the end fails with ENOSPC: %zd %s", n,
	       strerror(errno));
	errno = 0;
	n = pwrite(fd, buf, sizeof(buf), size + 1);
	tap_ok(n < 0 && errno == ENOSPC, "pwrite past the end fails with ENOSPC: %zd %s", n,
	       strerror(errno));
	n = pwrite(fd, buf, 0, size);
	tap_ok(n == 0, "a write of 0 bytes at the end returns 0: %zd", n);
	n = pwrite(fd, inaccessible_page(), 8, 0);
	tap_ok(n < 0 && errno == EFAULT, "write from a bad buffer fails with EFAULT: %zd", n);

	unsigned char *p;
	int err = try_map(fd, size, PROT_READ, MAP_SHARED, 0, (void **)&p);

	if (tap_ok(err == 0, "map to check writes: %s", errname(err))) {
		n = pwrite(fd, "mymap", 5, 4096 + 3);
		tap_ok(n == 5 && memcmp(p + 4096 + 3, "mymap", 5) == 0,
		       "write(2) is seen through a mapping at once");
		munmap(p, size);
	}
}

static void check_seeks(int fd)
{
	off_t o;

	o = lseek(fd, 0, SEEK_END);
	tap_ok(o == (off_t)size, "SEEK_END 0 is the size: %jd", (intmax_t)o);
	o = lseek(fd, -10, SEEK_END);
	tap_ok(o == (off_t)size - 10, "SEEK_END -10: %jd", (intmax_t)o);
	o = lseek(fd, 3, SEEK_CUR);
	tap_ok(o == (off_t)size - 7, "SEEK_CUR +3: %jd", (intmax_t)o);
	o = lseek(fd, (off_t)size, SEEK_SET);
	tap_ok(o == (off_t)size, "SEEK_SET to the size itself is allowed: %jd", (intmax_t)o);
	errno = 0;
	o = lseek(fd, (off_t)size + 1, SEEK_SET);
	tap_ok(o < 0 && errno == EINVAL, "SEEK_SET past the size fails with EINVAL: %jd %s",
	       (intmax_t)o, strerror(errno));
	errno = 0;
	o = lseek(fd, -1, SEEK_SET);
	tap_ok(o < 0 && errno == EINVAL, "a negative position fails with EINVAL: %jd", (intmax_t)o);
	errno = 0;
	o = lseek(fd, 1, SEEK_END);
	tap_ok(o < 0 && errno == EINVAL, "SEEK_END +1 fails with EINVAL: %jd", (intmax_t)o);
	o = lseek(fd, 0, SEEK_CUR);
	tap_ok(o == (off_t)size, "a refused seek leaves the position alone: %jd", (intmax_t)o);

	unsigned char c;
	ssize_t n = read(fd, &c, 1);

	tap_ok(n == 0, "read at the end position returns 0: %zd", n);
	n = write(fd, &c, 1);
	tap_ok(n < 0 && errno == ENOSPC, "write at the end position fails with ENOSPC: %zd", n);
}

/* A transfer that crosses from one kmalloc chunk into the next. */
static void check_chunk_boundaries(int fd)
{
	const size_t chunk = 4u << 20;
	unsigned char out[64], in[64];

	if (size <= chunk) {
		tap_diag("region is one chunk: no chunk boundary to cross");
		return;
	}
	for (size_t b = chunk; b < size; b += chunk) {
		for (size_t i = 0; i < sizeof(out); i++)
			out[i] = (unsigned char)(b / chunk * 31 + i);
		ssize_t w = pwrite(fd, out, sizeof(out), b - 32);
		ssize_t r = pread(fd, in, sizeof(in), b - 32);

		tap_ok(w == 64 && r == 64 && memcmp(in, out, 64) == 0,
		       "64 bytes across the chunk boundary at %zu written and read back", b);
	}
}

int main(void)
{
	int fd = dev_open(O_RDWR);

	size = (size_t)sysfs_number("size");
	tap_diag("region of %zu bytes", size);
	check_reads(fd);
	check_writes(fd);
	check_seeks(fd);
	check_chunk_boundaries(fd);
	close(fd);
	return tap_done();
}
