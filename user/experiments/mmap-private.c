// SPDX-License-Identifier: GPL-2.0
/*
 * mmap-private - demonstrates MAP_PRIVATE copy-on-write: a store to a private
 * file mapping copies the page and never reaches the file, while pages not
 * yet written still show the file as it changes.
 */
#include "experiment.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define PAGE 4096

/* The file's byte at @offset, by read(2). */
static char file_byte(int fd, off_t offset)
{
	char c = '?';

	return pread(fd, &c, 1, offset) == 1 ? c : '?';
}

int main(void)
{
	char path[] = "/tmp/exp-mmap-private-XXXXXX", pages[2 * PAGE];
	char *map;
	int fd;

	report_begin("experiment 7b: MAP_PRIVATE is copy-on-write");
	report_about(
	    "MAP_PRIVATE gives a process its own copy of a file's pages, made only when it\n"
	    "writes (copy on write): reading costs nothing, and the file never changes.\n"
	    "This program writes through a private mapping and changes the file underneath,\n"
	    "to show which bytes each side sees.");
	memset(pages, 'A', PAGE);
	memset(pages + PAGE, 'B', PAGE);
	fd = mkstemp(path);
	if (!tap_ok(fd >= 0 && write(fd, pages, sizeof(pages)) == (ssize_t)sizeof(pages),
		    "a two-page file, page 0 all 'A', page 1 all 'B': %s",
		    fd < 0 ? strerror(errno) : "created"))
		return tap_done();
	map = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	if (!tap_ok(map != MAP_FAILED, "mmap(MAP_PRIVATE, PROT_READ|PROT_WRITE): %s",
		    map == MAP_FAILED ? strerror(errno) : "mapped")) {
		unlink(path);
		return tap_done();
	}

	map[0] = 'x';
	tap_ok(map[0] == 'x' && file_byte(fd, 0) == 'A',
	       "a store to page 0 of the mapping stays there: mapping '%c', file '%c'", map[0],
	       file_byte(fd, 0));
	tap_diag("the first store copied page 0 into a page of the process's own; the file's "
		 "page was never written");

	tap_ok(pwrite(fd, "C", 1, 0) == 1 && pwrite(fd, "D", 1, PAGE) == 1,
	       "write(2) 'C' to the file's page 0 and 'D' to its page 1");
	tap_ok(map[0] == 'x', "page 0 of the mapping, already copied, does not see it: '%c'",
	       map[0]);
	tap_ok(map[PAGE] == 'D',
	       "page 1, never written through the mapping, still shows the file: '%c'", map[PAGE]);
	tap_diag("note: POSIX leaves it unspecified whether a private mapping sees later changes "
		 "to the file; Linux shows them until the page is first written");

	munmap(map, 2 * PAGE);
	tap_ok(file_byte(fd, 0) == 'C',
	       "after munmap the file has none of the mapping's stores: '%c'", file_byte(fd, 0));
	close(fd);
	unlink(path);
	return tap_done();
}
