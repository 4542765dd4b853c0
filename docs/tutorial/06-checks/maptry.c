// SPDX-License-Identifier: GPL-2.0
/*
 * maptry.c - asks /dev/mymap for one mapping, shaped by its options, and
 * prints what the kernel answered, so a check can compare drivers.
 *
 * usage: maptry [--open-rdonly] [--prot-read] [--private] [--exec]
 *               [--offset BYTES] [--length BYTES]
 *               [--mprotect-exec | --mprotect-write] [--write BYTE] [--show N]
 * Opens the device O_RDWR (O_RDONLY with --open-rdonly) and maps it
 * MAP_SHARED, PROT_READ | PROT_WRITE (PROT_READ with --prot-read).
 * Prints "mmap: ok" or "mmap: ERRNO-NAME"; after a mapping, the outcome of
 * each requested action in the order above.  Exits 0 when it could ask,
 * 1 on a usage error or when the device cannot be opened.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

struct request {
	int open_flags;
	int flags;
	int prot;
	off_t offset;
	size_t length;
	int mprotect_prot;
	int write_byte;
	int show;
};

/* The errno's name ("EINVAL"), which is what a check compares. */
static const char *outcome(int ret)
{
	return ret ? strerrorname_np(errno) : "ok";
}

/* A whole decimal or 0x number, or -1. */
static int number(const char *text, long long *value)
{
	char *end;

	errno = 0;
	*value = strtoll(text, &end, 0);
	return errno || end == text || *end ? -1 : 0;
}

static int parse(int argc, char **argv, struct request *req)
{
	static const struct option options[] = {
	    {.name = "open-rdonly", .has_arg = no_argument, .val = 'r'},
	    {.name = "prot-read", .has_arg = no_argument, .val = 'R'},
	    {.name = "private", .has_arg = no_argument, .val = 'p'},
	    {.name = "exec", .has_arg = no_argument, .val = 'x'},
	    {.name = "offset", .has_arg = required_argument, .val = 'o'},
	    {.name = "length", .has_arg = required_argument, .val = 'l'},
	    {.name = "mprotect-exec", .has_arg = no_argument, .val = 'm'},
	    {.name = "mprotect-write", .has_arg = no_argument, .val = 'W'},
	    {.name = "write", .has_arg = required_argument, .val = 'w'},
	    {.name = "show", .has_arg = required_argument, .val = 's'},
	    {0},
	};
	long long n = 0;
	int opt;

	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (opt) {
		case 'r':
			req->open_flags = O_RDONLY;
			break;
		case 'R':
			req->prot &= ~PROT_WRITE;
			break;
		case 'p':
			req->flags = MAP_PRIVATE;
			break;
		case 'x':
			req->prot |= PROT_EXEC;
			break;
		case 'o':
			if (number(optarg, &n))
				return -1;
			req->offset = n;
			break;
		case 'l':
			if (number(optarg, &n) || n <= 0)
				return -1;
			req->length = (size_t)n;
			break;
		case 'm':
			req->mprotect_prot = PROT_READ | PROT_EXEC;
			break;
		case 'W':
			req->mprotect_prot = PROT_READ | PROT_WRITE;
			break;
		case 'w':
			if (number(optarg, &n) || n < 0 || n > 255)
				return -1;
			req->write_byte = (int)n;
			break;
		case 's':
			if (number(optarg, &n) || n < 0 || n > 64)
				return -1;
			req->show = (int)n;
			break;
		default:
			return -1;
		}
	}
	/* A store to a mapping without PROT_WRITE would only crash. */
	if (req->write_byte >= 0 && !(req->prot & PROT_WRITE))
		return -1;
	return optind == argc ? 0 : -1;
}

int main(int argc, char **argv)
{
	struct request req = {
	    .open_flags = O_RDWR,
	    .flags = MAP_SHARED,
	    .prot = PROT_READ | PROT_WRITE,
	    .length = (size_t)sysconf(_SC_PAGESIZE),
	    .write_byte = -1,
	};
	unsigned char *map;
	int fd;

	if (parse(argc, argv, &req)) {
		fprintf(stderr, "maptry: bad arguments; see the usage in maptry.c\n");
		return 1;
	}
	fd = open("/dev/mymap", req.open_flags);
	if (fd < 0) {
		fprintf(stderr, "maptry: open /dev/mymap: %s; is the module loaded?\n",
			strerror(errno));
		return 1;
	}
	map = mmap(NULL, req.length, req.prot, req.flags, fd, req.offset);
	printf("mmap: %s\n", outcome(map == MAP_FAILED));
	if (map == MAP_FAILED)
		return 0;

	if (req.mprotect_prot)
		printf("mprotect: %s\n", outcome(mprotect(map, req.length, req.mprotect_prot)));
	if (req.write_byte >= 0) {
		map[0] = (unsigned char)req.write_byte;
		printf("write: ok\n");
	}
	if (req.show > 0) {
		printf("bytes:");
		for (int i = 0; i < req.show; i++)
			printf(" %u", map[i]);
		printf("\n");
	}
	printf("munmap: %s\n", outcome(munmap(map, req.length)));
	printf("close: %s\n", outcome(close(fd)));
	return fflush(stdout) ? 1 : 0;
}
