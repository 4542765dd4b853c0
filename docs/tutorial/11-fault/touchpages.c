// SPDX-License-Identifier: GPL-2.0
/*
 * touchpages.c - maps the whole device, reads one byte of every page twice,
 * and prints the page faults and the time that mmap() and each pass took.
 *
 * usage: touchpages
 * Prints one line, "pages=N mmap_faults=N touch_faults=N again_faults=N
 * mmap_ns=N touch_ns=N again_ns=N".  Faults are this process's minor
 * faults (getrusage's ru_minflt), counts a check can rely on; times are
 * CLOCK_MONOTONIC, only worth comparing on one machine.  Exits 0, or 1
 * with a message.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

struct sample {
	long faults;
	long long ns;
};

/* Minor faults so far and the time now; -1 if either cannot be read. */
static int sample(struct sample *s)
{
	struct rusage ru;
	struct timespec ts;

	if (getrusage(RUSAGE_SELF, &ru) || clock_gettime(CLOCK_MONOTONIC, &ts))
		return -1;
	s->faults = ru.ru_minflt;
	s->ns = ts.tv_sec * 1000000000LL + ts.tv_nsec;
	return 0;
}

/*
 * Reads one byte of each page, so that every page is accessed once; the
 * sum makes the reads needed, and lets two passes be compared.
 */
static unsigned int touch(const unsigned char *map, size_t len, size_t page)
{
	unsigned int sum = 0;

	for (size_t off = 0; off < len; off += page)
		sum += map[off];
	return sum;
}

static int fail(const char *what)
{
	fprintf(stderr, "touchpages: %s: %s\n", what, strerror(errno));
	return 1;
}

/* The device's size in bytes, from sysfs, or 0. */
static size_t device_size(void)
{
	FILE *f = fopen("/sys/class/misc/mymap/size", "r");
	size_t size = 0;

	if (!f)
		return 0;
	if (fscanf(f, "%zu", &size) != 1)
		size = 0;
	fclose(f);
	return size;
}

int main(void)
{
	static const unsigned char warm_up[1];
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t len = device_size();
	struct sample s[4];
	unsigned int sum[2];
	unsigned char *map;
	int fd;

	if (!len) {
		errno = ENODEV;
		return fail("/sys/class/misc/mymap/size");
	}
	fd = open("/dev/mymap", O_RDONLY);
	if (fd < 0)
		return fail("open /dev/mymap");
	/*
	 * Each once first, so that no fault on this program's own code and
	 * data is counted below.
	 */
	sum[0] = touch(warm_up, sizeof(warm_up), page);
	if (sample(&s[0]))
		return fail("getrusage or clock_gettime");

	if (sample(&s[0]))
		return fail("getrusage or clock_gettime");
	map = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		return fail("mmap /dev/mymap");
	if (sample(&s[1]))
		return fail("getrusage or clock_gettime");
	sum[0] = touch(map, len, page);
	if (sample(&s[2]))
		return fail("getrusage or clock_gettime");
	sum[1] = touch(map, len, page);
	if (sample(&s[3]))
		return fail("getrusage or clock_gettime");
	if (sum[0] != sum[1]) {
		errno = EIO;
		return fail("two passes over the mapping read different bytes");
	}

	printf("pages=%zu mmap_faults=%ld touch_faults=%ld again_faults=%ld ", len / page,
	       s[1].faults - s[0].faults, s[2].faults - s[1].faults, s[3].faults - s[2].faults);
	printf("mmap_ns=%lld touch_ns=%lld again_ns=%lld\n", s[1].ns - s[0].ns, s[2].ns - s[1].ns,
	       s[3].ns - s[2].ns);
	if (munmap(map, len) || close(fd))
		return fail("munmap or close");
	return fflush(stdout) ? fail("write stdout") : 0;
}
