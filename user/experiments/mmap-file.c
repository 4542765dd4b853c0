// SPDX-License-Identifier: GPL-2.0
/*
 * mmap-file - demonstrates a shared file mapping: bytes stored through the
 * mapping are the file's bytes, read(2) sees them, msync() pushes them to
 * the disk, and they are still in the file after munmap and close.
 */
#include "experiment.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define PAGE 4096

static const char original[] = "hello, file";

/* Reads the file's first bytes with read(2) into @buf (NUL-terminated). */
static void read_back(int fd, char *buf, size_t size)
{
	ssize_t n = pread(fd, buf, size - 1, 0);

	buf[n > 0 ? n : 0] = '\0';
}

int main(void)
{
	char path[] = "/tmp/exp-mmap-file-XXXXXX", seen[32];
	char *map;
	int fd, synced;

	report_begin("experiment 7a: a file changed through MAP_SHARED, msync, read back");
	fd = mkstemp(path);
	if (!tap_ok(fd >= 0 && write(fd, original, strlen(original)) == (ssize_t)strlen(original) &&
			ftruncate(fd, PAGE) == 0,
		    "a one-page temporary file holding \"%s\": %s", original,
		    fd < 0 ? strerror(errno) : "created"))
		return tap_done();

	map = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (!tap_ok(map != MAP_FAILED, "mmap(MAP_SHARED, PROT_READ|PROT_WRITE) of the file: %s",
		    map == MAP_FAILED ? strerror(errno) : "mapped")) {
		unlink(path);
		return tap_done();
	}
	tap_ok(memcmp(map, original, strlen(original)) == 0,
	       "the mapping shows the file's bytes: \"%.11s\"", map);

	memcpy(map, "HELLO", 5);
	read_back(fd, seen, sizeof(seen));
	tap_ok(strcmp(seen, "HELLO, file") == 0,
	       "after storing \"HELLO\" in the mapping, read(2) sees it at once: \"%s\"", seen);
	tap_diag("note: even before msync; the mapping and read(2) share the same page-cache page "
		 "on Linux, msync is about the disk");
	synced = msync(map, PAGE, MS_SYNC);
	tap_ok(synced == 0, "msync(MS_SYNC) writes the page to the file on disk: %s",
	       synced ? strerror(errno) : "done");

	tap_ok(pwrite(fd, "there", 5, 7) == 5, "write(2) \"there\" into the file at offset 7");
	tap_ok(memcmp(map, "HELLO, there", 12) == 0,
	       "and the mapping shows that write too: \"%.12s\"", map);

	munmap(map, PAGE);
	close(fd);
	fd = open(path, O_RDONLY);
	read_back(fd, seen, sizeof(seen));
	tap_ok(strcmp(seen, "HELLO, there") == 0,
	       "after munmap and close, a new open+read finds the change in the file: \"%s\"",
	       seen);
	close(fd);
	unlink(path);
	return tap_done();
}
