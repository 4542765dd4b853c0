// SPDX-License-Identifier: GPL-2.0
/*
 * info.c - asks the driver about itself with the MYMAP_IOC_INFO ioctl of
 * the uapi header and prints the answer, one "name=value" line per field.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "mymap_uapi.h"

static int fail(const char *what)
{
	fprintf(stderr, "info: %s: %s; is the mymap module loaded?\n", what, strerror(errno));
	return 1;
}

int main(void)
{
	struct mymap_info info;
	const char *unknown;
	int fd;

	fd = open("/dev/mymap", O_RDWR);
	if (fd < 0)
		return fail("open /dev/mymap");
	if (ioctl(fd, MYMAP_IOC_INFO, &info))
		return fail("ioctl MYMAP_IOC_INFO");
	/* An ioctl number the driver does not know: the answer is printed. */
	unknown = ioctl(fd, _IO(MYMAP_IOC_MAGIC, 0x7f)) ? strerrorname_np(errno) : "ok";
	if (close(fd))
		return fail("close /dev/mymap");

	printf("size=%llu\n", (unsigned long long)info.size);
	printf("page_size=%u\n", info.page_size);
	printf("abi_version=%u\n", info.abi_version);
	printf("mappings=%u\n", info.mappings);
	printf("opens=%u\n", info.opens);
	printf("session=%llu\n", (unsigned long long)info.session);
	printf("unknown_ioctl=%s\n", unknown);
	return fflush(stdout) ? fail("write stdout") : 0;
}
