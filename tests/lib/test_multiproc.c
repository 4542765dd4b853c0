// SPDX-License-Identifier: GPL-2.0
/*
 * test_multiproc.c - several processes share one heap: they allocate,
 * write patterns, hand blocks to each other by offset and free each
 * other's blocks; then one of them is killed while it holds the heap lock
 * and the others must carry on.
 *
 * usage: test_multiproc memfd|device
 *
 * Each worker maps the heap itself (a new mapping of the memfd, or a new
 * open of the device), so the workers see the heap at different addresses
 * and only offsets cross between them.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mymap.h"
#include "tap.h"

/* The library's test hook (internal, see user/lib/heap.h). */
extern void (*mm_test_hook)(const char *where);

#define WORKERS	   4
#define BOX	   32 /* mailbox slots from one worker to the next */
#define OWN	   64 /* blocks a worker holds at most */
#define MAX_BLOCK  4096
#define RUN_US	   500000
#define HEAP_SIZE  (4u << 20)
#define BLOCK_SIGN 0x6d796d6100000000ULL

/* Shared by all workers, in the heap; found through root slot 1. */
struct shared {
	_Atomic uint32_t stop;
	_Atomic uint32_t started;
	_Atomic uint32_t errors;
	_Atomic uint64_t handed, claimed;
	_Atomic mymap_off_t mailbox[WORKERS][BOX];
	/* owned[w]: blocks worker w holds; written only by w. */
	_Atomic mymap_off_t owned[WORKERS][OWN];
};

static const char *backend;
static struct mymap_heap *parent_heap;

static struct mymap_heap *open_again(void)
{
	if (!strcmp(backend, "device"))
		return mymap_open_device(0);
	return mymap_open_fd(mymap_heap_fd(parent_heap), 0);
}

static uint64_t next_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/*
 * A block starts with its sign (worker and sequence) and its size, and
 * repeats the sequence's low byte after that.
 */
static void write_block(unsigned char *p, uint64_t size, unsigned int w, uint64_t seq)
{
	uint64_t sign = BLOCK_SIGN | (uint64_t)w << 24 | (seq & 0xffffff);

	memcpy(p, &sign, sizeof(sign));
	memcpy(p + 8, &size, sizeof(size));
	memset(p + 16, (int)(seq & 0xff), size - 16);
}

/* Whether the block written by worker @w is whole, within @usable bytes. */
static bool block_intact(const unsigned char *p, size_t usable, unsigned int w)
{
	uint64_t sign, size;

	memcpy(&sign, p, sizeof(sign));
	memcpy(&size, p + 8, sizeof(size));
	if (sign >> 32 != BLOCK_SIGN >> 32 || (sign >> 24 & 0xff) != w || size > usable)
		return false;
	for (size_t i = 16; i < size; i++)
		if (p[i] != (unsigned char)(sign & 0xff))
			return false;
	return true;
}

static int own_slot(struct shared *sh, unsigned int w, mymap_off_t off)
{
	for (int i = 0; i < OWN; i++)
		if (atomic_load(&sh->owned[w][i]) == off)
			return i;
	return -1;
}

static const char *stop_point;
static uint64_t stop_after;

static void stop_here(const char *where)
{
	if (!strcmp(where, stop_point))
		raise(SIGSTOP);
}

/* One worker: runs until told to stop. */
static int worker(unsigned int w)
{
	struct mymap_heap *h = open_again();
	uint64_t rng = 0x9e3779b97f4a7c15ULL * (w + 1), seq = 0;

	if (!h)
		return 10;
	struct shared *sh = mymap_ptr(h, mymap_root_get(h, 1), sizeof(struct shared));
	unsigned int from = (w + WORKERS - 1) % WORKERS;

	/* Start together, so blocks really travel between running processes. */
	atomic_fetch_add(&sh->started, 1);
	while (atomic_load(&sh->started) % WORKERS)
		usleep(100);

	for (uint64_t r = 0; !atomic_load(&sh->stop); r++) {
		if (stop_point && r == stop_after)
			mm_test_hook = stop_here;
		uint64_t x = next_rand(&rng);
		int slot = (int)(x % OWN);
		mymap_off_t off = atomic_load(&sh->owned[w][slot]);

		if (!off) {
			size_t size = 16 + (x >> 8) % (MAX_BLOCK - 16);
			unsigned char *p = mymap_malloc(h, size);

			if (!p)
				continue;
			write_block(p, size, w, ++seq);
			atomic_store(&sh->owned[w][slot], mymap_offset(h, p));
		} else if (x >> 40 & 1) {
			/* Hand it to the next worker: out of my table, then into its mailbox. */
			mymap_off_t empty = 0;
			unsigned int k = (unsigned int)(x >> 44) % BOX;

			atomic_store(&sh->owned[w][slot], 0);
			if (atomic_compare_exchange_strong(&sh->mailbox[w][k], &empty, off))
				atomic_fetch_add(&sh->handed, 1);
			else
				atomic_store(&sh->owned[w][slot], off);
		} else {
			atomic_store(&sh->owned[w][slot], 0);
			if (mymap_free(h, mymap_ptr(h, off, 1)) != 0)
				atomic_fetch_add(&sh->errors, 1);
		}
		/* The previous worker's mailbox: take one block, check its pattern, free it. */
		mymap_off_t got = 0;

		for (unsigned int i = 0, k = (unsigned int)(x >> 50); i < BOX && !got; i++)
			if (atomic_load(&sh->mailbox[from][(k + i) % BOX]))
				got = atomic_exchange(&sh->mailbox[from][(k + i) % BOX], 0);

		if (got) {
			unsigned char *p = mymap_ptr(h, got, 1);
			size_t size = mymap_usable_size(h, p);
			int free_slot = own_slot(sh, w, 0);

			if (free_slot >= 0)
				atomic_store(&sh->owned[w][free_slot], got);
			if (!size || !block_intact(p, size, from))
				atomic_fetch_add(&sh->errors, 1);
			if (free_slot >= 0)
				atomic_store(&sh->owned[w][free_slot], 0);
			if (mymap_free(h, p) != 0)
				atomic_fetch_add(&sh->errors, 1);
			atomic_fetch_add(&sh->claimed, 1);
		}
	}
	/* Give back what this worker still holds. */
	for (int i = 0; i < OWN; i++) {
		mymap_off_t off = atomic_exchange(&sh->owned[w][i], 0);

		if (off && mymap_free(h, mymap_ptr(h, off, 1)) != 0)
			atomic_fetch_add(&sh->errors, 1);
	}
	mymap_close(h);
	return 0;
}

static pid_t spawn(unsigned int w)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(worker(w));
	return pid;
}

/* Frees the blocks left in mailboxes (and, if @w_owned, in worker w's table). */
static uint64_t free_leftovers(struct mymap_heap *h, struct shared *sh, int w_owned)
{
	uint64_t bytes = 0;

	for (int w = 0; w < WORKERS; w++)
		for (int k = 0; k < BOX; k++) {
			mymap_off_t off = atomic_exchange(&sh->mailbox[w][k], 0);

			if (off)
				mymap_free(h, mymap_ptr(h, off, 1));
		}
	if (w_owned >= 0)
		for (int i = 0; i < OWN; i++) {
			mymap_off_t off = atomic_exchange(&sh->owned[w_owned][i], 0);

			if (off) {
				bytes += mymap_usable_size(h, mymap_ptr(h, off, 1));
				mymap_free(h, mymap_ptr(h, off, 1));
			}
		}
	return bytes;
}

static struct shared *setup(struct mymap_heap *h, uint64_t *baseline)
{
	struct shared *sh = mymap_calloc(h, 1, sizeof(*sh));
	mymap_off_t zero = 0;
	struct mymap_stats st;

	if (!sh || mymap_root_cas(h, 1, &zero, mymap_offset(h, sh)) != 0)
		return NULL;
	mymap_heap_stats(h, &st);
	*baseline = st.in_use;
	return sh;
}

static void test_sharing(struct mymap_heap *h, struct shared *sh, uint64_t baseline)
{
	pid_t pid[WORKERS];
	int clean = 0, status;
	struct mymap_stats st;

	atomic_store(&sh->stop, 0);
	for (unsigned int w = 0; w < WORKERS; w++)
		pid[w] = spawn(w);
	/* Long enough for every worker to run many times over, even on a busy machine. */
	usleep(RUN_US);
	atomic_store(&sh->stop, 1);
	for (unsigned int w = 0; w < WORKERS; w++)
		if (waitpid(pid[w], &status, 0) == pid[w] && WIFEXITED(status) &&
		    WEXITSTATUS(status) == 0)
			clean++;
	tap_ok(clean == WORKERS, "%s: %d workers sharing the heap for %d ms exit cleanly (%d did)",
	       backend, WORKERS, RUN_US / 1000, clean);
	tap_ok(atomic_load(&sh->errors) == 0 && atomic_load(&sh->claimed) >= 100,
	       "%s: %" PRIu64 " blocks passed between processes by offset, patterns intact, freed "
	       "by the receiver (errors: %u)",
	       backend, (uint64_t)atomic_load(&sh->claimed), atomic_load(&sh->errors));
	free_leftovers(h, sh, -1);
	mymap_heap_stats(h, &st);
	tap_ok(st.in_use == baseline && mymap_heap_check(h) == 0,
	       "%s: every block is freed again and the heap checks clean (%" PRIu64
	       " bytes in use, %" PRIu64 " expected)",
	       backend, st.in_use, baseline);
}

static void test_kill_holder(struct mymap_heap *h, struct shared *sh, uint64_t baseline)
{
	pid_t pid[WORKERS];
	int status, clean = 0;
	struct mymap_stats before, st;

	mymap_heap_stats(h, &before);
	atomic_store(&sh->stop, 0);
	/* Worker 0 stops itself inside the critical section after 3000 rounds. */
	stop_point = "journal-half-applied";
	stop_after = 3000;
	pid[0] = spawn(0);
	stop_point = NULL;
	for (unsigned int w = 1; w < WORKERS; w++)
		pid[w] = spawn(w);
	waitpid(pid[0], &status, WUNTRACED);
	tap_ok(WIFSTOPPED(status), "%s: worker 0 stopped while holding the heap lock", backend);
	usleep(100000); /* the others now wait for the lock */
	kill(pid[0], SIGKILL);
	waitpid(pid[0], &status, 0);
	tap_ok(WIFSIGNALED(status), "%s: worker 0 killed with SIGKILL", backend);
	uint64_t claimed = atomic_load(&sh->claimed);

	usleep(300000);
	tap_ok(atomic_load(&sh->claimed) > claimed,
	       "%s: the other workers carry on after the holder died (%" PRIu64 " more blocks "
	       "passed)",
	       backend, (uint64_t)(atomic_load(&sh->claimed) - claimed));
	atomic_store(&sh->stop, 1);
	for (unsigned int w = 1; w < WORKERS; w++)
		if (waitpid(pid[w], &status, 0) == pid[w] && WIFEXITED(status) &&
		    WEXITSTATUS(status) == 0)
			clean++;
	tap_ok(clean == WORKERS - 1 && atomic_load(&sh->errors) == 0,
	       "%s: the %d survivors exit cleanly, no errors (%d clean, %u errors)", backend,
	       WORKERS - 1, clean, atomic_load(&sh->errors));
	mymap_heap_stats(h, &st);
	tap_ok(st.recoveries == before.recoveries + 1,
	       "%s: exactly one lock recovery (%" PRIu64 ")", backend,
	       st.recoveries - before.recoveries);
	int rc = mymap_heap_check(h);

	tap_ok(rc == 0, "%s: the heap checks clean after the recovery%s%s", backend, rc ? ": " : "",
	       rc ? mymap_last_message() : "");
	/* Left: the killed worker's own blocks, plus at most the one it was allocating. */
	uint64_t victim_bytes = free_leftovers(h, sh, 0);

	mymap_heap_stats(h, &st);
	tap_ok(st.in_use - baseline <= MAX_BLOCK + 16,
	       "%s: nothing leaks beyond the killed worker's blocks (%" PRIu64
	       " bytes were its own, %" PRIu64 " left besides)",
	       backend, victim_bytes, st.in_use - baseline);
}

int main(int argc, char **argv)
{
	uint64_t baseline = 0;

	backend = argc > 1 ? argv[1] : "memfd";
	if (!strcmp(backend, "device")) {
		parent_heap = mymap_open_device(0);
		tap_ok(!parent_heap && errno == ENODATA &&
			   mymap_last_error() == MYMAP_ERR_NOT_A_HEAP,
		       "device: the fresh region (0..9) is not opened without MYMAP_CREATE: "
		       "ENODATA (saw errno %d: %s)",
		       errno, mymap_last_message());
		mymap_close(parent_heap);
		parent_heap = mymap_open_device(MYMAP_CREATE);
		if (!tap_ok(parent_heap && mymap_heap_check(parent_heap) == 0,
			    "device: MYMAP_CREATE formats it"))
			tap_diag("%s", mymap_last_message());
		/* Its pages are mapped at mmap time: MYMAP_POPULATE has nothing to add. */
		struct mymap_heap *populated = mymap_open_device(MYMAP_POPULATE | MYMAP_NOCACHE);

		tap_ok(populated && mymap_heap_check(populated) == 0,
		       "device: a second handle with MYMAP_POPULATE | MYMAP_NOCACHE attaches (%s)",
		       populated ? "ok" : mymap_last_message());
		mymap_close(populated);
	} else {
		parent_heap = mymap_open_memfd(HEAP_SIZE, 0);
		tap_ok(parent_heap != NULL, "memfd: heap opens");
	}
	if (!parent_heap)
		return tap_done();
	struct shared *sh = setup(parent_heap, &baseline);

	if (!tap_ok(sh != NULL, "%s: shared area allocated and published", backend))
		return tap_done();
	test_sharing(parent_heap, sh, baseline);
	test_kill_holder(parent_heap, sh, baseline);
	mymap_close(parent_heap);
	return tap_done();
}
