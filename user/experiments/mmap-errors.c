// SPDX-License-Identifier: GPL-2.0
/*
 * mmap-errors - produces each error mmap(2) documents for a bad file or bad
 * arguments (EBADF, EACCES, EINVAL, ENODEV) and checks the errno, next to
 * the near misses that succeed.
 */
#include "experiment.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#define PAGE 4096

/* One mmap call and the errno it should fail with (0: it should succeed). */
struct attempt {
	const char *what;
	int fd;
	size_t length;
	int prot, flags;
	off_t offset;
	int expected;
};

/* Names the errnos these attempts produce. */
static const char *errno_name(int e)
{
	switch (e) {
	case 0:
		return "success";
	case EBADF:
		return "EBADF";
	case EACCES:
		return "EACCES";
	case EINVAL:
		return "EINVAL";
	case ENODEV:
		return "ENODEV";
	case EIO:
		return "EIO";
	default:
		return strerror(e);
	}
}

static void try(const struct attempt *a)
{
	void *map;
	int got;

	errno = 0;
	map = mmap(NULL, a->length, a->prot, a->flags, a->fd, a->offset);
	got = map == MAP_FAILED ? errno : 0;
	if (map != MAP_FAILED)
		munmap(map, a->length);
	tap_ok(got == a->expected, "%s: %s%s%s", a->what, errno_name(a->expected),
	       got == a->expected ? "" : ", but got ", got == a->expected ? "" : errno_name(got));
}

int main(void)
{
	char path[] = "/tmp/exp-mmap-errors-XXXXXX";
	int file = mkstemp(path), read_only, write_only, closed, dir, pipe_fds[2], proc_file;
	int event, sockets[2] = {-1, -1}, dev_null, proc_status;
	const int rw = PROT_READ | PROT_WRITE;

	report_begin("experiment 7e: mmap's errors, each produced");
	report_about(
	    "mmap(2) refuses bad requests with different errors, and a program that maps\n"
	    "files must tell them apart: a bad descriptor, a file opened without the access\n"
	    "the mapping needs, bad arguments, a file that cannot be mapped at all.  This\n"
	    "program produces each error, beside the near misses that succeed.");
	if (!tap_ok(file >= 0 && ftruncate(file, 2 * PAGE) == 0 && pipe(pipe_fds) == 0,
		    "a two-page temporary file and a pipe: %s",
		    file < 0 ? strerror(errno) : "made"))
		return tap_done();
	read_only = open(path, O_RDONLY);
	write_only = open(path, O_WRONLY);
	dir = open("/", O_RDONLY | O_DIRECTORY);
	proc_file = open("/proc/meminfo", O_RDONLY);
	event = eventfd(0, 0);
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sockets) < 0)
		sockets[0] = -1;
	dev_null = open("/dev/null", O_RDWR);
	proc_status = open("/proc/self/status", O_RDONLY);
	tap_ok(event >= 0 && sockets[0] >= 0 && dev_null >= 0 && proc_status >= 0 && proc_file >= 0,
	       "an eventfd, a Unix socket pair, /dev/null, /proc/self/status and /proc/meminfo "
	       "open: %s",
	       event < 0 || sockets[0] < 0 || dev_null < 0 || proc_status < 0 || proc_file < 0
		   ? strerror(errno)
		   : "opened");
	/* Last, so that no later open reuses the number. */
	closed = dup(file);
	close(closed);

	const struct attempt attempts[] = {
	    {"fd -1 without MAP_ANONYMOUS", -1, PAGE, PROT_READ, MAP_SHARED, 0, EBADF},
	    {"a closed fd", closed, PAGE, PROT_READ, MAP_SHARED, 0, EBADF},
	    {"PROT_WRITE, MAP_SHARED of a file opened O_RDONLY", read_only, PAGE, rw, MAP_SHARED, 0,
	     EACCES},
	    {"PROT_WRITE, MAP_PRIVATE of the same fd (writes stay private)", read_only, PAGE, rw,
	     MAP_PRIVATE, 0, 0},
	    {"PROT_READ of a file opened O_WRONLY (mapping needs read access)", write_only, PAGE,
	     PROT_READ, MAP_SHARED, 0, EACCES},
	    {"length 0", file, 0, PROT_READ, MAP_SHARED, 0, EINVAL},
	    {"offset 1, not a multiple of the page size", file, PAGE, PROT_READ, MAP_SHARED, 1,
	     EINVAL},
	    {"offset 4096, page-aligned", file, PAGE, PROT_READ, MAP_SHARED, PAGE, 0},
	    {"neither MAP_SHARED nor MAP_PRIVATE", file, PAGE, PROT_READ, 0, 0, EINVAL},
	    {"a pipe (no mmap file operation)", pipe_fds[0], PAGE, PROT_READ, MAP_SHARED, 0,
	     ENODEV},
	    {"a directory, /", dir, PAGE, PROT_READ, MAP_PRIVATE, 0, ENODEV},
	    {"an eventfd", event, PAGE, PROT_READ, MAP_SHARED, 0, ENODEV},
	    {"a Unix socket", sockets[0], PAGE, PROT_READ, MAP_SHARED, 0, ENODEV},
	    {"/dev/null", dev_null, PAGE, PROT_READ, MAP_SHARED, 0, ENODEV},
	    {"/proc/self/status", proc_status, PAGE, PROT_READ, MAP_PRIVATE, 0, ENODEV},
	};
	for (size_t i = 0; i < sizeof(attempts) / sizeof(attempts[0]); i++)
		try(&attempts[i]);
	tap_diag("ENODEV says this kind of file cannot be mapped at all: its file operations "
		 "have no mmap (a pipe, a directory, an eventfd, /dev/null, the files of "
		 "/proc/PID), or refuse it as sockets do");

	const struct attempt proc = {"/proc/meminfo", proc_file, PAGE, PROT_READ,
				     MAP_PRIVATE,     0,	 EIO};
	try(&proc);
	tap_diag("note: not every unmappable file says ENODEV: a /proc file made with proc_create "
		 "has an mmap operation that answers EIO when the entry has none of its own");

	close(file);
	close(read_only);
	close(write_only);
	close(dir);
	close(proc_file);
	close(event);
	close(sockets[0]);
	close(sockets[1]);
	close(dev_null);
	close(proc_status);
	close(pipe_fds[0]);
	close(pipe_fds[1]);
	unlink(path);
	return tap_done();
}
