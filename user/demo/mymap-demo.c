// SPDX-License-Identifier: GPL-2.0
/*
 * mymap-demo - maps /dev/mymap and shows what a process sees there: the
 * bytes 0..9 the driver put at the start of its region, and a write made
 * through the mapping coming back through read(2), since both are the same
 * kernel pages.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "mymap_uapi.h"

static const char *device = "/dev/mymap";

static int fail(const char *what)
{
	fprintf(stderr, "mymap-demo: %s %s: %s\n", what, device, strerror(errno));
	if (errno == ENOENT)
		fprintf(stderr, "mymap-demo: is the module loaded? (insmod build/KVER/mymap.ko)\n");
	return 1;
}

int main(int argc, char **argv)
{
	const char message[] = "hello from a mapping";
	char back[sizeof(message)];
	struct mymap_info info;
	unsigned char *region;
	int fd;

	if (argc > 1) {
		fprintf(stderr, "usage: mymap-demo\n"
				"  maps /dev/mymap, prints its first ten bytes, and shows a write\n"
				"  through the mapping read back with read(2)\n");
		return strcmp(argv[1], "--help") == 0 ? 0 : 2;
	}
	fd = open(device, O_RDWR);
	if (fd < 0)
		return fail("cannot open");
	if (ioctl(fd, MYMAP_IOC_INFO, &info))
		return fail("MYMAP_IOC_INFO on");
	printf("%s: a region of %llu bytes (%llu pages of %u bytes)\n", device,
	       (unsigned long long)info.size, (unsigned long long)info.size / info.page_size,
	       info.page_size);

	/* MAP_SHARED is the only kind the driver accepts: these are its pages. */
	region = mmap(NULL, info.page_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (region == MAP_FAILED)
		return fail("cannot mmap");

	printf("\nThe driver zeroed the region at load and wrote 0..9 at its start.\n"
	       "The first ten bytes of the mapping:\n");
	for (int i = 0; i < 10; i++)
		printf("%d ", region[i]);
	printf("\n");

	printf("\nNow a store through the mapping at offset 100 (no system call)...\n");
	memcpy(region + 100, message, sizeof(message));
	if (pread(fd, back, sizeof(back), 100) != (ssize_t)sizeof(back))
		return fail("cannot read");
	printf("...and read(2) of the same offset returns: \"%s\"\n", back);
	printf("Both are the same kernel pages: the mapping is not a copy.\n");

	munmap(region, info.page_size);
	close(fd);
	return strcmp(back, message) == 0 ? 0 : 1;
}
