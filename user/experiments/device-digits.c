// SPDX-License-Identifier: GPL-2.0
/*
 * device-digits - demonstrates mapping a device: the mymap driver's region,
 * mapped from /dev/mymap, starts with the bytes 0, 1, ..., 9 it was loaded
 * with and is zero after them, the same bytes read(2) returns.
 */
#include "experiment.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define DEVICE	  "/dev/mymap"
#define SIZE_ATTR "/sys/class/misc/mymap/size"
#define DIGITS	  10

/* The region's size in bytes from sysfs; 0 if it cannot be read. */
static size_t region_size(void)
{
	char text[32];
	int fd = open(SIZE_ATTR, O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, text, sizeof(text) - 1);

	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return 0;
	text[n] = '\0';
	return strtoull(text, NULL, 10);
}

int main(void)
{
	unsigned char digits[DIGITS], *map;
	size_t size, nonzero = 0, first_nonzero = 0;
	int fd, digits_ok = 1;
	char line[4 * DIGITS + 1];
	size_t used = 0;
	char where[48] = "";

	report_begin("experiment 8: the device, /dev/mymap, mapped into this process");
	report_about(
	    "A device can hand a process memory too: the mymap driver maps its own kernel\n"
	    "memory into the process with remap_pfn_range, so loads and stores reach it\n"
	    "without a system call.  This program maps /dev/mymap (in the VM, with the module\n"
	    "loaded) and checks the bytes the driver put there against read(2).");
	fd = open(DEVICE, O_RDWR);
	if (!tap_ok(fd >= 0, "open(%s): %s", DEVICE,
		    fd < 0 ? strerror(errno) : "opened (the module is loaded)")) {
		tap_diag("load the module first: this runs in the VM, scripts/vm-run");
		return tap_done();
	}
	size = region_size();
	if (!tap_ok(size > 0, "%s gives the region's size: %zu bytes", SIZE_ATTR, size))
		return tap_done();

	map = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
	if (!tap_ok(map != MAP_FAILED, "mmap(MAP_SHARED) of the whole region: %s",
		    map == MAP_FAILED ? strerror(errno) : "mapped"))
		return tap_done();

	for (int i = 0; i < DIGITS; i++) {
		digits_ok &= map[i] == i;
		/* At most " 255" each: line[] has room for all ten. */
		used += snprintf(line + used, sizeof(line) - used, "%s%d", i ? " " : "", map[i]);
	}
	tap_ok(digits_ok, "the first ten bytes of the mapping are 0..9: %s", line);
	for (size_t i = DIGITS; i < size; i++)
		if (map[i] && !nonzero++)
			first_nonzero = i;
	if (nonzero)
		snprintf(where, sizeof(where), ", the first at offset %zu", first_nonzero);
	tap_ok(nonzero == 0, "the other %zu bytes are all zero: %zu are not%s", size - DIGITS,
	       nonzero, where);
	tap_ok(pread(fd, digits, DIGITS, 0) == DIGITS && memcmp(digits, map, DIGITS) == 0,
	       "read(2) of the device returns the same ten bytes");
	tap_diag("the memory behind this mapping is kernel memory the driver allocated; the "
		 "driver put it into this process's page tables (VM_PFNMAP), so loads need no "
		 "system call");
	munmap(map, size);
	close(fd);
	return tap_done();
}
