// SPDX-License-Identifier: GPL-2.0
/*
 * mmap-file - demonstrates a shared file mapping: bytes stored through the
 * mapping are the file's bytes, read(2) sees them, msync() writes them to
 * the disk (the page stops being dirty), and they are still in the file
 * after munmap and close.
 */
#include "experiment.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <linux/magic.h>
#include <sys/mman.h>
#include <sys/vfs.h>
#include <unistd.h>

#define PAGE 4096

static const char original[] = "hello, file";

/* The mapping's dirty memory in kB as /proc/self/smaps counts it; -1 if unknown. */
static long dirty_kb(const void *map)
{
	long private = procfs_smaps_kb((uintptr_t)map, "Private_Dirty");
	long shared = procfs_smaps_kb((uintptr_t)map, "Shared_Dirty");

	return private < 0 || shared < 0 ? -1 : private + shared;
}

/*
 * Reads the file's first bytes at @path into @buf (NUL-terminated) through
 * a descriptor of its own opened O_DIRECT, which reads the disk, not the
 * page cache.  Returns 0, or the errno (EINVAL: the file system has no
 * direct I/O, as tmpfs).
 */
static int read_direct(const char *path, char *buf, size_t size)
{
	static char block[PAGE] __attribute__((aligned(PAGE)));
	int fd = open(path, O_RDONLY | O_DIRECT), err = 0;
	ssize_t n;

	if (fd < 0)
		return errno;
	n = pread(fd, block, PAGE, 0);
	if (n < 0)
		err = errno;
	close(fd);
	if (err)
		return err;
	snprintf(buf, size, "%.*s", (int)(n < (ssize_t)size ? n : (ssize_t)size - 1), block);
	return 0;
}

/* Whether @fd's file lives in tmpfs, which has no disk behind its page cache. */
static bool on_tmpfs(int fd)
{
	struct statfs fs;

	return fstatfs(fd, &fs) == 0 && fs.f_type == TMPFS_MAGIC;
}

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
	int fd, synced, direct;
	long dirty_before, dirty_after;

	report_begin("experiment 7a: a file changed through MAP_SHARED, msync, read back");
	report_about(
	    "A MAP_SHARED mapping of a file is the file's own pages: a store through it is a\n"
	    "write to the file, seen by read(2) at once, and msync() is what makes it reach\n"
	    "the disk.  This program changes a file through a mapping and follows the bytes\n"
	    "to the page cache, then to the disk, then past munmap and close.");
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
	dirty_before = dirty_kb(map);
	tap_ok(dirty_before >= PAGE / 1024,
	       "the stored page is dirty: changed in memory, not yet written to the disk "
	       "(smaps: %ld kB dirty)",
	       dirty_before);
	synced = msync(map, PAGE, MS_SYNC);
	dirty_after = dirty_kb(map);
	tap_ok(synced == 0 && dirty_after == 0,
	       "msync(MS_SYNC) writes it to the file on disk and waits: the page is clean "
	       "after it (smaps: %ld kB dirty; msync: %s)",
	       dirty_after, synced ? strerror(errno) : "0");
	direct = on_tmpfs(fd) ? EINVAL : read_direct(path, seen, sizeof(seen));
	if (direct == EINVAL)
		tap_skip("the disk holds the stored bytes, read with O_DIRECT",
			 "the file is in tmpfs or a file system without direct I/O");
	else
		tap_ok(direct == 0 && strcmp(seen, "HELLO, file") == 0,
		       "the disk holds the stored bytes: a descriptor of its own opened with "
		       "O_DIRECT, which bypasses the page cache, reads \"%s\"%s%s",
		       direct ? "" : seen, direct ? ": " : "", direct ? strerror(direct) : "");
	tap_diag("a direct read would first write dirty pages back itself, so it is the clean "
		 "page above that shows msync did the writing");

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
