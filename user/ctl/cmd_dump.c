// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_dump.c - `mymapctl dump OFFSET LEN`: the region's bytes through
 * pread(2), as a canonical hex+ASCII dump.
 */
#include "ctl.h"
#include "device.h"
#include "hexdump.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libudev.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define DUMP_CHUNK 65536

/* Reads and prints; returns the bytes dumped, or -errno. */
static int64_t dump_fd(int fd, uint64_t offset, uint64_t length)
{
	static unsigned char buf[DUMP_CHUNK];
	struct hexdump h;
	uint64_t done = 0;

	hexdump_init(&h, stdout, offset);
	while (done < length) {
		size_t want = length - done < DUMP_CHUNK ? (size_t)(length - done) : DUMP_CHUNK;
		ssize_t n = pread(fd, buf, want, (off_t)(offset + done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break; /* the end of the region */
		hexdump_feed(&h, buf, (size_t)n);
		done += (uint64_t)n;
	}
	hexdump_finish(&h);
	return (int64_t)done;
}

int cmd_dump(const struct ctl_args *a)
{
	struct mymap_state s;
	struct udev *udev = ctl_udev_new("dump");
	int64_t done;
	int fd;

	if (!udev)
		return CTL_EXIT_FAILED;
	mymap_state_read(udev, &s);
	udev_unref(udev);
	if (!s.present) {
		ctl_error("dump", "mymap is not loaded; load it with 'mymapctl load'");
		return CTL_EXIT_NOT_LOADED;
	}
	if (s.have_size && a->length > 0 && a->offset >= s.size) {
		ctl_error("dump",
			  "offset %" PRIu64 " is past the end of the region (%" PRIu64
			  " bytes); give an OFFSET below the size",
			  a->offset, s.size);
		return CTL_EXIT_FAILED;
	}
	if (a->offset > (uint64_t)INT64_MAX - a->length) {
		ctl_error("dump", "OFFSET + LEN overflows a file offset; give smaller numbers");
		return CTL_EXIT_USAGE;
	}
	fd = open(s.devnode, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int err = errno;

		ctl_error("dump", "cannot open %s (%s); %s", s.devnode, strerror(err),
			  err == EACCES || err == EPERM
			      ? "run as root or as a member of the device's group"
			      : "check the node with 'mymapctl status'");
		return err == EACCES || err == EPERM ? CTL_EXIT_PERMISSION : CTL_EXIT_FAILED;
	}
	done = dump_fd(fd, a->offset, a->length);
	close(fd);
	if (done < 0) {
		ctl_error("dump", "read of %s failed (%s)", s.devnode, strerror((int)-done));
		return CTL_EXIT_FAILED;
	}
	if (fflush(stdout) != 0) {
		ctl_error("dump", "cannot write the output (%s)", strerror(errno));
		return CTL_EXIT_FAILED;
	}
	if ((uint64_t)done < a->length)
		fprintf(stderr,
			"mymapctl dump: the region ends at %" PRIu64 "; dumped %" PRId64
			" of %" PRIu64 " bytes\n",
			a->offset + (uint64_t)done, done, a->length);
	return CTL_EXIT_OK;
}
