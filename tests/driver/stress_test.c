// SPDX-License-Identifier: GPL-2.0
/*
 * stress_test - 16 processes each map, write, check and unmap the region
 * 200 times at once; their views must agree.  Each worker owns one page
 * (a header of {worker, round} then the page filled with a byte derived
 * from both) and bumps a shared atomic counter once per round.
 */
#include <stdatomic.h>
#include <stdint.h>
#include <sys/wait.h>

#include "devtest.h"

#define WORKERS 16
#define ROUNDS	200

static long page;

static unsigned char fill_byte(int worker, int round)
{
	return (unsigned char)(worker * 13 + round + 1);
}

/* Where the shared counter lives: the last word of the first page. */
static _Atomic uint32_t *counter(unsigned char *base)
{
	return (_Atomic uint32_t *)(base + page - sizeof(uint32_t));
}

static int worker(int id)
{
	int fd = open(DEV_PATH, O_RDWR);

	if (fd < 0)
		return 10;
	for (int round = 0; round < ROUNDS; round++) {
		unsigned char *base = mmap(NULL, (size_t)(WORKERS + 1) * page,
					   PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		unsigned char *mine, want = fill_byte(id, round);

		if (base == MAP_FAILED)
			return 11;
		mine = base + (size_t)(id + 1) * page;
		memset(mine, want, page);
		for (long i = 0; i < page; i++)
			if (mine[i] != want)
				return 12;
		atomic_fetch_add(counter(base), 1);
		if (munmap(base, (size_t)(WORKERS + 1) * page))
			return 13;
	}
	close(fd);
	return 0;
}

int main(void)
{
	int fd = dev_open(O_RDWR), failed = 0, status;
	pid_t pids[WORKERS];

	page = sysconf(_SC_PAGESIZE);
	/* Other programs of the suite may have left bytes there: count from 0. */
	uint32_t zero = 0;

	if (pwrite(fd, &zero, sizeof(zero), page - sizeof(zero)) != sizeof(zero))
		tap_diag("cannot zero the counter: %s", strerror(errno));
	for (int i = 0; i < WORKERS; i++) {
		pids[i] = fork();
		if (pids[i] == 0)
			_exit(worker(i));
	}
	for (int i = 0; i < WORKERS; i++) {
		waitpid(pids[i], &status, 0);
		if (!WIFEXITED(status) || WEXITSTATUS(status)) {
			failed++;
			tap_diag("worker %d: status %#x", i, status);
		}
	}
	tap_ok(failed == 0, "%d processes x %d map/write/check/unmap rounds: %d failed", WORKERS,
	       ROUNDS, failed);

	unsigned char *base =
	    mmap(NULL, (size_t)(WORKERS + 1) * page, PROT_READ, MAP_SHARED, fd, 0);

	if (!tap_ok(base != MAP_FAILED, "map to check the result: %s", strerror(errno)))
		return tap_done();
	uint32_t count = atomic_load(counter(base));

	tap_ok(count == WORKERS * ROUNDS, "the shared counter saw every round: %u (want %d)", count,
	       WORKERS * ROUNDS);
	int wrong_pages = 0;

	for (int w = 0; w < WORKERS; w++) {
		unsigned char *mine = base + (size_t)(w + 1) * page;

		for (long i = 0; i < page; i++)
			if (mine[i] != fill_byte(w, ROUNDS - 1)) {
				wrong_pages++;
				break;
			}
	}
	tap_ok(wrong_pages == 0, "every worker's page holds its last round (%d pages differ)",
	       wrong_pages);
	munmap(base, (size_t)(WORKERS + 1) * page);
	tap_ok(sysfs_number("mappings") == 0, "no mapping outlives the workers (saw %ld)",
	       sysfs_number("mappings"));
	close(fd);
	return tap_done();
}
