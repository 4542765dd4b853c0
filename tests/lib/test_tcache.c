// SPDX-License-Identifier: GPL-2.0
/*
 * test_tcache.c - the per-thread block cache in the heap header: cached
 * blocks stay visible to every process (statistics, checks, double free),
 * a killed process's cached blocks come back to the heap (found dead by a
 * check, or by the recovery of the lock it held), a forked child never
 * touches its parent's cache slot; each thread caches in a slot of its
 * own, on shared heaps and on private ones once the process has threads,
 * a thread that ends gives its slot back itself, and one that ended
 * without its exit handlers has it reaped like a dead process's.
 *
 * The slots are read straight from the heap header (user/lib/layout.h) to
 * see that blocks really wait in a cache while another process looks.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <stddef.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "heap.h"
#include "identity.h"
#include "layout.h"
#include "lock.h"
#include "tcache.h"
#include "mymap.h"
#include "tap.h"

/* The library's test hook (internal, see user/lib/heap.h). */
extern void (*mm_test_hook)(const char *where);

#define SIZE	(1u << 20)
#define BLOCKS	8
#define PAYLOAD 100

static const struct mm_header *header(struct mymap_heap *h)
{
	return mymap_heap_base(h);
}

/* The cache slot @id owns in @h, or NULL. */
static const struct mm_tcache *slot_of(struct mymap_heap *h, uint64_t id)
{
	for (unsigned int i = 0; i < MM_TCACHE_SLOTS; i++)
		if (atomic_load(&header(h)->tcache[i].owner) == id)
			return &header(h)->tcache[i];
	return NULL;
}

static uint32_t cached_blocks(struct mymap_heap *h, uint64_t id)
{
	const struct mm_tcache *s = slot_of(h, id);
	uint32_t blocks = 0;

	for (unsigned int bin = 0; s && bin < MM_TCACHE_BINS; bin++)
		blocks += s->list[bin].count;
	return blocks;
}

/* The checks a child reported failed, one bit each in its exit status; 128 if it did not exit. */
static int child_failures(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return 128;
	return WEXITSTATUS(status);
}

static void test_own_cache(void)
{
	struct mymap_heap *h = mymap_open_memfd(SIZE, 0);
	struct mymap_stats st;

	if (!tap_ok(h != NULL, "memfd heap for the cache tests"))
		return;
	void *a = mymap_malloc(h, PAYLOAD);

	mymap_free(h, a);
	tap_ok(cached_blocks(h, mymap_self_id()) == 1,
	       "a freed small block waits in this process's slot in the heap header (saw %u)",
	       cached_blocks(h, mymap_self_id()));
	tap_ok(mymap_malloc(h, PAYLOAD) == a,
	       "it serves the next request of its size on the shared heap");
	tap_ok(mymap_free(h, a) == 0 && mymap_free(h, a) == -1 &&
		   mymap_last_error() == MYMAP_ERR_DOUBLE_FREE,
	       "a second free of a cached block is a double free (%s)", mymap_last_message());
	tap_ok(mymap_usable_size(h, a) == 0 && mymap_last_error() == MYMAP_ERR_DOUBLE_FREE,
	       "usable_size of a cached block says it is free");
	void *b = mymap_malloc(h, PAYLOAD);

	tap_ok(mymap_realloc(h, b, PAYLOAD + 1) == b,
	       "realloc to a size the block already has keeps it");
	mymap_free(h, b);
	mymap_heap_stats(h, &st);
	tap_ok(st.in_use == 0 && st.used_blocks == 0 && st.free_blocks == 1 &&
		   st.alloc_count == 3 && st.free_count == 3 && st.integrity_errors == 2,
	       "statistics count cached blocks as freed and merged back (in use %llu, %llu free "
	       "blocks, %llu allocs, %llu frees, %llu integrity errors)",
	       (unsigned long long)st.in_use, (unsigned long long)st.free_blocks,
	       (unsigned long long)st.alloc_count, (unsigned long long)st.free_count,
	       (unsigned long long)st.integrity_errors);
	tap_ok(mymap_heap_check(h) == 0, "the heap checks clean (%s)", mymap_last_message());

	/* Fill the heap with small blocks, free them all, then ask for most of it. */
	static void *p[2048];
	unsigned int n = 0;

	while (n < 2048 && (p[n] = mymap_malloc(h, 1000)) != NULL)
		n++;
	for (unsigned int i = 0; i < n; i++)
		mymap_free(h, p[i]);
	void *big = mymap_malloc(h, SIZE - SIZE / 8);

	tap_ok(n > 0 && big != NULL,
	       "after %u blocks of 1000 bytes are freed, %u bytes fit: cached blocks go back to "
	       "the heap when a request finds no room",
	       n, SIZE - SIZE / 8);
	mymap_free(h, big);
	mymap_close(h);
}

/*
 * A private heap in a process with one thread caches in a slot of its
 * header too, as its sole user: the block is named cached, statistics
 * and checks see it back in the heap, and a forked child, whose copy
 * holds the parent's slot, caches in a slot of its own.
 */
static void test_private_sole_slot(void)
{
	struct mymap_heap *h = mymap_open_anon(SIZE, 0);
	struct mymap_stats st;

	if (!tap_ok(h != NULL, "private anon heap for the sole-slot test"))
		return;
	void *a = mymap_malloc(h, PAYLOAD);

	mymap_free(h, a);
	tap_ok(cached_blocks(h, mymap_self_id()) == 1,
	       "private heap, one thread: a freed small block waits in the process's slot in the "
	       "heap header (saw %u)",
	       cached_blocks(h, mymap_self_id()));
	tap_ok(mymap_malloc(h, PAYLOAD) == a && cached_blocks(h, mymap_self_id()) == 0,
	       "it serves the next request of its size");
	tap_ok(mymap_free(h, a) == 0 && mymap_free(h, a) == -1 &&
		   mymap_last_error() == MYMAP_ERR_DOUBLE_FREE,
	       "a second free of the cached block is a double free (%s)", mymap_last_message());
	tap_ok(mymap_heap_stats(h, &st) == 0 && st.in_use == 0 && st.used_blocks == 0 &&
		   st.alloc_count == 2 && st.free_count == 2 &&
		   cached_blocks(h, mymap_self_id()) == 0,
	       "statistics take the block back first (in use %llu, %llu allocs, %llu frees)",
	       (unsigned long long)st.in_use, (unsigned long long)st.alloc_count,
	       (unsigned long long)st.free_count);
	mymap_free(h, mymap_malloc(h, PAYLOAD));
	pid_t pid = fork();

	if (pid == 0) {
		int failed = 0;

		mymap_free(h, mymap_malloc(h, PAYLOAD));
		if (cached_blocks(h, mymap_self_id()) != 1)
			failed |= 1;
		if (mymap_heap_check(h) != 0 || mymap_heap_stats(h, &st) != 0 || st.in_use != 0)
			failed |= 2;
		_exit(failed);
	}
	int failed = child_failures(pid);

	tap_ok(!(failed & 1), "a forked child caches in a slot of its own");
	tap_ok(!(failed & 2), "its copy checks clean, its parent's slot taken back");
	tap_ok(cached_blocks(h, mymap_self_id()) == 1, "the parent's slot is untouched");
	mymap_close(h);
}

/* Frees @n blocks of @size from @h and returns how many the calling process's slot then holds. */
static uint32_t free_all(struct mymap_heap *h, void **p, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		mymap_free(h, p[i]);
	return cached_blocks(h, mymap_self_id());
}

/* Fills @p with @n blocks of @size from @h; false if the heap refused one. */
static bool take_blocks(struct mymap_heap *h, void **p, unsigned int n, size_t size)
{
	for (unsigned int i = 0; i < n; i++)
		if (!(p[i] = mymap_malloc(h, size)))
			return false;
	return true;
}

/*
 * Takes @n blocks of @size from @h into @p and frees them; returns how
 * many blocks the frees added to the calling process's slot, or
 * UINT32_MAX if the heap refused one.
 */
static uint32_t cycle_blocks(struct mymap_heap *h, void **p, unsigned int n, size_t size)
{
	uint32_t spares;

	if (!take_blocks(h, p, n, size))
		return UINT32_MAX;
	spares = cached_blocks(h, mymap_self_id());
	return free_all(h, p, n) - spares;
}

/*
 * The only thread of a small private heap, whose 1/16 share is less than
 * 16 blocks of every cached size take (MM_TCACHE_SOLE_KEEP), still keeps
 * 16 of each; a shared heap's thread is held to the share.
 */
static void test_small_heap_keeps_16(void)
{
	static void *p[MM_TCACHE_BINS * MM_TCACHE_DEPTH];
	const unsigned int n = MM_TCACHE_BINS * MM_TCACHE_DEPTH;
	struct mymap_heap *heaps[2] = {mymap_open_anon(SIZE, 0), mymap_open_memfd(SIZE, 0)};

	for (int k = 0; k < 2; k++) {
		struct mymap_heap *h = heaps[k];
		const char *kind = k ? "memfd" : "private anon";
		unsigned int i = 0;

		if (!tap_ok(h != NULL, "%s heap of 1 MiB for the small-heap test", kind))
			continue;
		/* 16 blocks of each cached size: payloads of 16 to 1024 bytes. */
		for (; i < n && (p[i] = mymap_malloc(h, (i / MM_TCACHE_DEPTH + 1) * MM_UNIT)); i++)
			;
		uint32_t cached = i == n ? free_all(h, p, n) : 0;
		const struct mm_tcache *slot = slot_of(h, mymap_self_id());
		uint64_t bytes = slot ? slot->bytes : 0;

		if (k == 0)
			tap_ok(
			    cached == n && bytes == MM_TCACHE_SOLE_KEEP,
			    "%s: its only thread keeps 16 blocks of every size, %llu bytes, past "
			    "1/%d of the region (%u cached)",
			    kind, (unsigned long long)bytes, MM_TCACHE_SHARE, cached);
		else
			tap_ok(
			    i == n && bytes <= SIZE / MM_TCACHE_SHARE && cached < n,
			    "%s: a thread keeps at most 1/%d of the region (%llu bytes, %u blocks)",
			    kind, MM_TCACHE_SHARE, (unsigned long long)bytes, cached);
		tap_ok(mymap_heap_check(h) == 0, "%s: the heap checks clean", kind);
		mymap_close(h);
	}
}

static void *run_nothing(void *arg)
{
	return arg;
}

/*
 * The sole user of a private heap caches past the depth limit, as glibc's
 * fastbins do, up to the share of the region any thread may cache, until
 * a request its slot cannot serve finds more than MM_TCACHE_SOLE_KEEP
 * there and no room but fresh memory (mm_tcache_consolidate); a shared
 * heap's slot keeps MM_TCACHE_DEPTH per size; once the process has a
 * second thread, the slot's owner cuts its lists back at its next request
 * they cannot serve; a list cut short by a store after free is reported.
 */
#define DEEP	   100
#define DEEP_SIZE  (16u << 20)
#define KEEP_FILLS 6000 /* blocks of PAYLOAD: more than MM_TCACHE_SOLE_KEEP */
/* Bytes no cache list serves: 136 units, a class's least, so a request of this size finds it. */
#define HOLE	 2160
#define NOT_SOLE 64

/* A request the slot cannot serve; returns the blocks the slot holds after it. */
static uint32_t cached_after_miss(struct mymap_heap *h)
{
	void *big = mymap_malloc(h, 2048);
	uint32_t left = cached_blocks(h, mymap_self_id());

	mymap_free(h, big);
	return big ? left : UINT32_MAX;
}

/*
 * The cut-back looks at the block the free lists would serve a request
 * from: a small one, or a freed large one whose pages were written, leaves
 * the deep cache alone; a freed large one whose page the request would
 * end in was never written cuts it back first, as the arena's end does.
 * A populated heap places blocks tightly, one after the other, so the
 * holes are where the test makes them; MADV_DONTNEED makes a hole's pages
 * unwritten again.
 */
static void test_cut_back_before_large_hole(void)
{
	static void *p[KEEP_FILLS];
	struct mymap_heap *h = mymap_open_anon(DEEP_SIZE, MYMAP_POPULATE);
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	if (!tap_ok(h != NULL, "populated private heap for the large-hole test"))
		return;
	void *small = mymap_malloc(h, HOLE), *fence = mymap_malloc(h, HOLE);
	char *large = mymap_malloc(h, 128 << 10);
	void *fence2 = mymap_malloc(h, HOLE);
	uint32_t cached = cycle_blocks(h, p, KEEP_FILLS, PAYLOAD);

	tap_ok(cached == KEEP_FILLS && small && fence && large && fence2 &&
		   mymap_free(h, small) == 0 && mymap_free(h, large) == 0,
	       "%d blocks cached, a hole of %d bytes and one of 128 KiB in the heap", KEEP_FILLS,
	       HOLE);
	cached = cached_blocks(h, mymap_self_id());
	void *again = mymap_malloc(h, HOLE);
	uint32_t left = cached_blocks(h, mymap_self_id());

	tap_ok(again == small && left == cached,
	       "a request the small hole serves leaves the slot alone (%u cached)", left);
	void *written = mymap_malloc(h, 2 * HOLE);

	left = cached_blocks(h, mymap_self_id());
	tap_ok(written == large && left == cached && mymap_free(h, written) == 0,
	       "so does one the large hole serves from written pages (%u cached)", left);
	/* Ends in the large hole's second page, past its written start. */
	size_t past = page + HOLE;
	char *from = (char *)(((uintptr_t)large + page) & ~(uintptr_t)(page - 1));

	if (past >= (64u << 10) - HOLE) {
		tap_skip("one it would serve from a page never written cuts the slot back first",
			 "pages of %zu bytes leave no small request past the first", page);
		goto done;
	}
	int dropped = madvise(from, (size_t)(large + (120 << 10) - from), MADV_DONTNEED);
	void *bigger = mymap_malloc(h, past);

	left = cached_blocks(h, mymap_self_id());
	tap_ok(dropped == 0 && bigger && left == MM_TCACHE_DEPTH,
	       "one it would serve from a page never written cuts the slot back to %d first (%u "
	       "left)",
	       MM_TCACHE_DEPTH, left);
	mymap_free(h, bigger);
done:
	mymap_free(h, again);
	mymap_free(h, fence);
	mymap_free(h, fence2);
	tap_ok(mymap_heap_check(h) == 0, "the heap checks clean");
	mymap_close(h);
}

/*
 * A request of MM_GRID_UNITS or more cuts a deep cache back first even
 * where a written hole serves it, as glibc consolidates before a large
 * request: such a request may be placed anywhere.
 */
static void test_cut_back_before_large_request(void)
{
	static void *p[KEEP_FILLS];
	struct mymap_heap *h = mymap_open_anon(DEEP_SIZE, MYMAP_POPULATE);

	if (!tap_ok(h != NULL, "populated private heap for the large-request test"))
		return;
	char *large = mymap_malloc(h, 128 << 10);
	void *fence = mymap_malloc(h, HOLE);
	uint32_t cached = cycle_blocks(h, p, KEEP_FILLS, PAYLOAD);

	tap_ok(cached == KEEP_FILLS && large && fence && mymap_free(h, large) == 0,
	       "%d blocks cached, a written hole of 128 KiB in the heap", KEEP_FILLS);
	void *again = mymap_malloc(h, 64 << 10);
	uint32_t left = cached_blocks(h, mymap_self_id());

	tap_ok(again == large && left == MM_TCACHE_DEPTH,
	       "a request of 64 KiB, served from the hole, cuts the slot back to %d first (%u "
	       "left)",
	       MM_TCACHE_DEPTH, left);
	mymap_free(h, again);
	mymap_free(h, fence);
	tap_ok(mymap_heap_check(h) == 0, "the heap checks clean");
	mymap_close(h);
}

/* In a child: a deep cache, then a second thread; exit status as child_failures() reads it. */
static int deep_then_thread(void **p)
{
	struct mymap_heap *c = mymap_open_anon(DEEP_SIZE, 0);
	struct mymap_stats st;
	pthread_t t;
	int failed = 0;

	/* A sanitizer's runtime may have a thread of its own in the child. */
	if (!__libc_single_threaded)
		return NOT_SOLE;
	if (!c || !take_blocks(c, p, KEEP_FILLS, PAYLOAD) ||
	    free_all(c, p, KEEP_FILLS) != KEEP_FILLS)
		return 1;
	if (pthread_create(&t, NULL, run_nothing, NULL) != 0 || pthread_join(t, NULL) != 0)
		return 1;
	/* The request's locked call finds the slot again through the thread's table. */
	if (cached_after_miss(c) != MM_TCACHE_DEPTH)
		failed |= 2;
	void *q = mymap_malloc(c, PAYLOAD);

	if (q != p[KEEP_FILLS - 1] || mymap_free(c, q) != 0 ||
	    cached_blocks(c, mymap_self_id()) != MM_TCACHE_DEPTH)
		failed |= 2;
	if (mymap_heap_check(c) != 0 || mymap_heap_stats(c, &st) != 0 || st.in_use != 0 ||
	    st.used_blocks != 0 || st.free_blocks != 1 || st.integrity_errors != 0)
		failed |= 4;
	mymap_close(c);
	return failed;
}

/* A thread's request for half the region of heap @arg; the block, or NULL. */
static void *take_half(void *arg)
{
	return mymap_malloc(arg, SIZE / 2);
}

/*
 * In a child: on a 1 MiB private heap, whose 1/16 share is less than 16
 * blocks of every size take, the only thread frees KEEP_FILLS blocks of
 * one size; a thread started then gets half the region.  0, NOT_SOLE, 1
 * if the test could not run, 2 if the thread was refused.
 */
static int small_deep_then_thread(void **p)
{
	struct mymap_heap *c = mymap_open_anon(SIZE, 0);
	void *half = NULL;
	pthread_t t;

	if (!__libc_single_threaded)
		return NOT_SOLE;
	if (!c || !take_blocks(c, p, KEEP_FILLS, PAYLOAD))
		return 1;
	free_all(c, p, KEEP_FILLS);
	if (pthread_create(&t, NULL, take_half, c) != 0 || pthread_join(t, &half) != 0)
		return 1;
	return half ? 0 : 2;
}

static void test_small_heap_second_thread(void)
{
	static void *p[KEEP_FILLS];
	pid_t pid = fork();

	if (pid == 0)
		_exit(small_deep_then_thread(p));
	int failed = pid < 0 ? 1 : child_failures(pid);

	if (failed == NOT_SOLE) {
		tap_skip("a small heap's deep cache leaves a later thread half the region",
			 "the child has a thread of a sanitizer's runtime already");
		return;
	}
	tap_ok(failed == 0,
	       "child: %d blocks freed by the only thread of a 1 MiB heap, a thread started then "
	       "gets half the region (status %d)",
	       KEEP_FILLS, failed);
}

static void test_sole_caches_deep(void)
{
	static void *p[2 * KEEP_FILLS];
	struct mymap_heap *h = mymap_open_anon(DEEP_SIZE, 0);
	struct mymap_heap *shared = mymap_open_memfd(DEEP_SIZE, 0);
	const struct mm_tcache *slot;
	struct mymap_stats st;
	bool lifo = true;
	uint32_t left;

	if (!tap_ok(h && shared, "private and shared heaps for the deep-cache tests"))
		goto out;
	tap_ok(take_blocks(h, p, DEEP, PAYLOAD) && free_all(h, p, DEEP) == DEEP,
	       "private heap, one thread: %d freed blocks of one size all wait in the slot "
	       "(more than the %d a shared heap's keeps)",
	       DEEP, MM_TCACHE_DEPTH);
	for (unsigned int i = DEEP; i-- > 0;)
		lifo &= mymap_malloc(h, PAYLOAD) == p[i];
	tap_ok(lifo && cached_blocks(h, mymap_self_id()) == 0,
	       "they serve the next %d requests of their size, last freed first", DEEP);
	free_all(h, p, DEEP);
	left = cached_after_miss(h);
	tap_ok(left == DEEP,
	       "a request the slot cannot serve leaves it alone under MM_TCACHE_SOLE_KEEP (%llu "
	       "bytes; %u left)",
	       (unsigned long long)MM_TCACHE_SOLE_KEEP, left);

	tap_ok(take_blocks(h, p, KEEP_FILLS, PAYLOAD) && free_all(h, p, KEEP_FILLS) == KEEP_FILLS,
	       "%d freed blocks, more than MM_TCACHE_SOLE_KEEP in all, wait in the slot",
	       KEEP_FILLS);
	void *big = mymap_malloc(h, 2048);
	uint64_t used = header(h)->counters.used_blocks;

	left = cached_blocks(h, mymap_self_id());
	tap_ok(big && left == MM_TCACHE_DEPTH && used == MM_TCACHE_DEPTH + 1,
	       "with nothing else live, a request the slot cannot serve first cuts its list back "
	       "to %d blocks, the rest going back to the heap (%u left, %llu blocks counted in "
	       "use)",
	       MM_TCACHE_DEPTH, left, (unsigned long long)used);
	mymap_free(h, big);

	/* A freed block of HOLE bytes, a live one after it, then the cached ones. */
	void *hole = mymap_malloc(h, HOLE), *fence = mymap_malloc(h, PAYLOAD);

	tap_ok(hole && fence && take_blocks(h, p, KEEP_FILLS, PAYLOAD) &&
		   free_all(h, p, KEEP_FILLS) == KEEP_FILLS && mymap_free(h, hole) == 0,
	       "%d blocks freed into the slot, and one of %d bytes into the heap", KEEP_FILLS,
	       HOLE);
	big = mymap_malloc(h, HOLE);
	left = cached_blocks(h, mymap_self_id());
	tap_ok(big == hole && left == KEEP_FILLS,
	       "a request the slot cannot serve and a freed block can leaves the slot alone "
	       "(%u cached)",
	       left);
	/* Fresh memory lies past every block handed out so far. */
	char *top = fence;

	for (unsigned int i = 0; i < KEEP_FILLS; i++)
		top = (char *)p[i] > top ? p[i] : top;
	void *bigger = mymap_malloc(h, 2 * HOLE);

	left = cached_blocks(h, mymap_self_id());
	tap_ok(bigger && left == MM_TCACHE_DEPTH && (char *)bigger < top,
	       "one that only fresh memory could serve cuts the slot back to %d first, and is "
	       "served from the memory of the blocks cut off (%u left)",
	       MM_TCACHE_DEPTH, left);
	mymap_free(h, bigger);
	mymap_free(h, big);
	mymap_free(h, fence);
	tap_ok(mymap_heap_check(h) == 0, "the heap checks clean");

	tap_ok(take_blocks(h, p, 2 * KEEP_FILLS, PAYLOAD), "%d blocks taken", 2 * KEEP_FILLS);
	left = free_all(h, p, 2 * KEEP_FILLS);
	slot = slot_of(h, mymap_self_id());
	tap_ok(slot && slot->bytes <= DEEP_SIZE / MM_TCACHE_SHARE && left < 2 * KEEP_FILLS &&
		   mymap_heap_check(h) == 0,
	       "freed past 1/%d of the region, the rest go back to the heap (%u cached, %llu "
	       "bytes)",
	       MM_TCACHE_SHARE, left, slot ? (unsigned long long)slot->bytes : 0ULL);

	uint64_t errors = header(h)->counters.integrity_errors;

	tap_ok(take_blocks(h, p, DEEP, PAYLOAD) && free_all(h, p, DEEP) == DEEP, "%d cached", DEEP);
	/* A store after free: the head's link, the first word of its payload, cleared. */
	memset(p[DEEP - 1], 0, sizeof(uint64_t));
	int stats = mymap_heap_stats(h, &st);

	tap_ok(stats == 0 && st.integrity_errors > errors,
	       "a deep list cut short by a store after free is reported when it goes back to the "
	       "heap (%llu integrity errors)",
	       (unsigned long long)st.integrity_errors);
	errors = st.integrity_errors;
	tap_ok(take_blocks(h, p, DEEP, PAYLOAD) && free_all(h, p, DEEP) == DEEP, "%d cached", DEEP);
	/* The link of the block freed second: only the first one freed is cut off. */
	memset(p[1], 0, sizeof(uint64_t));
	stats = mymap_heap_stats(h, &st);
	tap_ok(stats == 0 && st.integrity_errors > errors,
	       "so is a list cut short by a single block (%llu integrity errors)",
	       (unsigned long long)st.integrity_errors);

	tap_ok(take_blocks(shared, p, DEEP, PAYLOAD) &&
		   free_all(shared, p, DEEP) == MM_TCACHE_DEPTH,
	       "a shared heap's slot keeps %d blocks of a size", MM_TCACHE_DEPTH);

	pid_t pid = fork();

	if (pid == 0)
		_exit(deep_then_thread(p));
	int failed = child_failures(pid);

	if (failed == NOT_SOLE) {
		tap_skip("child: a deep cache, then a second thread",
			 "the child has a thread of a sanitizer's runtime already");
		tap_skip("the deep lists are cut back at the next request they cannot serve",
			 "as above");
		tap_skip("statistics and checks take every block back", "as above");
		goto out;
	}
	tap_ok(failed != 1, "child: a deep cache, then a second thread");
	tap_ok(!(failed & 2),
	       "the deep lists are cut back to %d at the caching thread's next request they cannot "
	       "serve, and serve it",
	       MM_TCACHE_DEPTH);
	tap_ok(!(failed & 4), "statistics and checks take every block back, with no damage");
out:
	mymap_close(h);
	mymap_close(shared);
}

/* In a child: reports through its exit status which checks failed (a bit each). */
static int peer_view(struct mymap_heap *h, uint64_t owner, void *cached, size_t live_usable)
{
	struct mymap_stats st;
	int failed = 0;

	if (cached_blocks(h, owner) != BLOCKS)
		failed |= 1;
	if (mymap_heap_stats(h, &st) != 0 || st.in_use != live_usable || st.used_blocks != 1 ||
	    st.free_blocks != 1 + BLOCKS)
		failed |= 2;
	if (mymap_heap_check(h) != 0)
		failed |= 4;
	if (mymap_free(h, cached) != -1 || mymap_last_error() != MYMAP_ERR_DOUBLE_FREE)
		failed |= 8;
	/* The peer's blocks are still in its cache after all this. */
	if (cached_blocks(h, owner) != BLOCKS)
		failed |= 16;
	return failed;
}

static void test_peer_sees_cache(void)
{
	struct mymap_heap *h = mymap_open_memfd(SIZE, 0);
	void *p[BLOCKS + 1];

	if (!tap_ok(h != NULL, "memfd heap for the peer test"))
		return;
	/* One block stays live between the cached ones, so they cannot all merge. */
	for (unsigned int i = 0; i <= BLOCKS; i++)
		p[i] = mymap_malloc(h, PAYLOAD);
	for (unsigned int i = 0; i < BLOCKS; i++)
		mymap_free(h, p[i]);
	uint64_t me = mymap_self_id();
	pid_t pid = fork();

	if (pid == 0) {
		struct mymap_heap *peer = mymap_open_fd(mymap_heap_fd(h), 0);

		/* Its own mapping is elsewhere: the block is found by its offset. */
		void *cached = peer ? mymap_ptr(peer, mymap_offset(h, p[0]), 1) : NULL;

		_exit(cached ? peer_view(peer, me, cached, mymap_usable_size(h, p[BLOCKS])) : 64);
	}
	int failed = child_failures(pid);

	tap_ok(!(failed & 1), "another process sees %u blocks in this process's slot",
	       (unsigned int)BLOCKS);
	tap_ok(!(failed & 2),
	       "its statistics count them as free: one block in use, %u free (status %d)",
	       (unsigned int)BLOCKS + 1, failed);
	tap_ok(!(failed & 4), "its heap check passes with blocks in a live peer's cache");
	tap_ok(!(failed & 8), "its free of a block in the peer's cache is a double free");
	tap_ok(!(failed & 16), "and it leaves the live peer's cache alone");
	tap_ok(cached_blocks(h, me) == BLOCKS && mymap_malloc(h, PAYLOAD) == p[BLOCKS - 1],
	       "this process goes on serving requests from its cache");
	mymap_close(h);
}

static void stop_at_done(const char *where)
{
	if (!strcmp(where, "journal-done"))
		raise(SIGSTOP);
}

/* Where a caching child stops to be killed. */
enum stop {
	STOP_IDLE,	 /* outside any call */
	STOP_IN_REQUEST, /* inside the critical section of a request its cache cannot serve */
	STOP_IN_FLUSH,	 /* inside the lock, returning its slot's first block to the heap */
};

/*
 * A child that caches BLOCKS blocks and then waits to be killed where
 * @stop says.  Returns its pid once it is there, or -1.
 */
static pid_t spawn_cacher(struct mymap_heap *h, enum stop stop)
{
	bool stop_in_lock = stop != STOP_IDLE;
	int fds[2];
	char c = 0;

	if (pipe(fds) != 0)
		return -1;
	pid_t pid = fork();

	if (pid == 0) {
		void *p[BLOCKS + 1];

		for (unsigned int i = 0; i <= BLOCKS; i++)
			p[i] = mymap_malloc(h, PAYLOAD);
		for (unsigned int i = 0; i < BLOCKS; i++)
			mymap_free(h, p[i]);
		if (stop_in_lock) {
			struct mymap_stats st;

			mm_test_hook = stop_at_done;
			/* Statistics return this process's cached blocks to the heap first. */
			if (stop == STOP_IN_FLUSH)
				mymap_heap_stats(h, &st);
			else
				mymap_malloc(h, 5000);
			_exit(0);
		}
		if (write(fds[1], &c, 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(fds[1]);
	if (stop_in_lock) {
		int status;

		if (waitpid(pid, &status, WUNTRACED) != pid || !WIFSTOPPED(status))
			pid = -1;
	} else if (read(fds[0], &c, 1) != 1) {
		pid = -1;
	}
	close(fds[0]);
	return pid;
}

/* The identity of the process @pid (the library's format: start time << 22 | pid). */
static uint64_t id_of(struct mymap_heap *h, pid_t pid)
{
	for (unsigned int i = 0; i < MM_TCACHE_SLOTS; i++) {
		uint64_t id = atomic_load(&header(h)->tcache[i].owner);

		if ((id & ((1u << 22) - 1)) == (uint64_t)pid)
			return id;
	}
	return 0;
}

static void test_killed_cacher(enum stop stop)
{
	static const char *const hows[] = {"killed while idle", "killed inside the lock",
					   "killed returning its cache to the heap"};
	const char *how = hows[stop];
	bool in_lock = stop != STOP_IDLE;
	struct mymap_heap *h = mymap_open_memfd(SIZE, 0);
	struct mymap_stats st;
	int status;

	if (!tap_ok(h != NULL, "memfd heap for the %s test", how))
		return;
	pid_t pid = spawn_cacher(h, stop);

	if (!tap_ok(pid > 0, "a child cached %u blocks and was %s", (unsigned int)BLOCKS, how))
		return;
	uint64_t id = id_of(h, pid);
	/* Stopped in its flush, it has taken the first block off its list. */
	unsigned int expect_cached = stop == STOP_IN_FLUSH ? BLOCKS - 1 : BLOCKS;

	tap_ok(id && cached_blocks(h, id) == expect_cached, "%s: its slot holds %u blocks (saw %u)",
	       how, expect_cached, id ? cached_blocks(h, id) : 0);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	if (in_lock) {
		/* The next locked call waits for the dead holder, recovers, and reaps its slot. */
		void *q = mymap_malloc(h, 3000);

		tap_ok(q != NULL && header(h)->counters.recoveries == 1 && !slot_of(h, id),
		       "lock recovery returned the dead holder's slot (recoveries %llu, slot %s)",
		       (unsigned long long)header(h)->counters.recoveries,
		       slot_of(h, id) ? "still claimed" : "free");
		mymap_free(h, q);
	}
	/* The child's one live block stays (and, killed inside a request, its 5000 bytes). */
	uint64_t expect_used = stop == STOP_IN_REQUEST ? 2 : 1;

	int ret = mymap_heap_stats(h, &st);

	tap_ok(ret == 0 && st.used_blocks == expect_used && st.free_blocks <= 2 &&
		   st.integrity_errors == 0,
	       "%s: its cached blocks are back in the heap (%llu used, %llu free blocks, %llu "
	       "integrity errors)",
	       how, (unsigned long long)st.used_blocks, (unsigned long long)st.free_blocks,
	       (unsigned long long)st.integrity_errors);
	tap_ok(!slot_of(h, id), "the dead child's slot is free again");
	tap_ok(mymap_heap_check(h) == 0, "the heap checks clean (%s)", mymap_last_message());
	mymap_close(h);
}

static void test_fork(void)
{
	struct mymap_heap *h = mymap_open_memfd(SIZE, 0);

	if (!tap_ok(h != NULL, "memfd heap for the fork test"))
		return;
	void *cached = mymap_malloc(h, PAYLOAD), *live = mymap_malloc(h, PAYLOAD);
	void *keep = mymap_malloc(h, PAYLOAD);

	mymap_free(h, cached);
	uint64_t parent = mymap_self_id();
	pid_t pid = fork();

	if (pid == 0) {
		int failed = 0;
		void *mine = mymap_malloc(h, PAYLOAD);

		/* The parent's cached block is the parent's to hand out, never the child's. */
		if (mine == cached)
			failed |= 1;
		mymap_free(h, live);
		if (cached_blocks(h, parent) != 1)
			failed |= 2;
		if (cached_blocks(h, mymap_self_id()) != 1)
			failed |= 4;
		mymap_free(h, mine);
		mymap_close(h);
		_exit(failed);
	}
	int failed = child_failures(pid);

	tap_ok(!(failed & 1), "a forked child does not take its parent's cached block");
	tap_ok(!(failed & 2), "the child's free leaves the parent's slot as it was");
	tap_ok(!(failed & 4), "the child caches in a slot of its own");
	tap_ok(mymap_malloc(h, PAYLOAD) == cached, "the parent still has its cached block");
	struct mymap_stats st;
	int ret = mymap_heap_stats(h, &st);

	tap_ok(ret == 0 && st.used_blocks == 2 && mymap_heap_check(h) == 0,
	       "after the child closed the heap: 2 blocks in use (saw %llu), the heap checks clean",
	       (unsigned long long)st.used_blocks);
	mymap_free(h, keep);
	mymap_close(h);
}

/* MYMAP_NOCACHE is a property of the handle: another handle of the same heap caches. */
static void test_nocache(void)
{
	struct mymap_heap *h = mymap_open_memfd(SIZE, MYMAP_NOCACHE);

	if (!tap_ok(h != NULL, "memfd heap with MYMAP_NOCACHE"))
		return;
	mymap_free(h, mymap_malloc(h, PAYLOAD));
	tap_ok(slot_of(h, mymap_self_id()) == NULL,
	       "with MYMAP_NOCACHE a free claims no cache slot and caches nothing");
	struct mymap_heap *other = mymap_open_fd(mymap_heap_fd(h), 0);

	if (tap_ok(other != NULL, "a second handle on the same memfd, without the flag")) {
		mymap_free(other, mymap_malloc(other, PAYLOAD));
		tap_ok(cached_blocks(other, mymap_self_id()) == 1,
		       "the second handle caches its free (saw %u)",
		       cached_blocks(other, mymap_self_id()));
		mymap_close(other);
	}
	tap_ok(slot_of(h, mymap_self_id()) == NULL && mymap_heap_check(h) == 0,
	       "closing it gives its slot back, and the heap checks clean");
	mymap_close(h);
}

/* Slots claimed by threads of this process other than the calling one. */
static unsigned int other_thread_slots(struct mymap_heap *h)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < MM_TCACHE_SLOTS; i++) {
		uint64_t owner = atomic_load(&header(h)->tcache[i].owner);

		if (owner && owner != mm_thread_id() &&
		    header(h)->tcache[i].process == mymap_self_id())
			n++;
	}
	return n;
}

#define THREADS 2

struct cacher {
	struct mymap_heap *h;
	pthread_barrier_t *cached, *checked;
	void *blocks[BLOCKS], *guard;
	unsigned int in_own_slot; /* blocks its slot held after the frees */
	int own_slot;		  /* its slot was not the creating thread's */
	bool abrupt;		  /* ends by the exit system call: no thread-exit handlers */
	uint64_t id;		  /* its identity (mm_thread_id) */
};

/* A thread that frees BLOCKS blocks into its cache, then waits while the main thread looks. */
static void *cache_in_thread(void *arg)
{
	struct cacher *c = arg;

	for (unsigned int i = 0; i < BLOCKS; i++)
		c->blocks[i] = mymap_malloc(c->h, PAYLOAD);
	c->guard = mymap_malloc(c->h, PAYLOAD); /* keeps the cached ones from merging at the end */
	for (unsigned int i = 0; i < BLOCKS; i++)
		mymap_free(c->h, c->blocks[i]);
	c->id = mm_thread_id();
	c->in_own_slot = cached_blocks(c->h, c->id);
	c->own_slot = slot_of(c->h, mm_thread_id()) != slot_of(c->h, mymap_self_id());
	pthread_barrier_wait(c->cached);
	pthread_barrier_wait(c->checked);
	if (c->abrupt)
		syscall(SYS_exit, 0);
	return NULL;
}

/*
 * Whether a thread can end by the exit system call here: under the
 * sanitizers it cannot (ThreadSanitizer then waits in pthread_join() for
 * good, for an end it never saw; AddressSanitizer trips on the thread's
 * leftovers when the next thread starts).  The plain build tests it.
 */
static bool abrupt_end_possible(void)
{
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
	return false;
#else
	return true;
#endif
}

/* @n cacher threads on one heap, and the barriers the main thread holds them at. */
struct cachers {
	pthread_barrier_t cached, checked;
	unsigned int n;
	struct cacher c[THREADS];
	pthread_t t[THREADS];
};

/* Starts @n cachers on @h and returns once all have cached their blocks. */
static void start_cachers(struct cachers *cs, struct mymap_heap *h, unsigned int n)
{
	cs->n = n;
	pthread_barrier_init(&cs->cached, NULL, n + 1);
	pthread_barrier_init(&cs->checked, NULL, n + 1);
	for (unsigned int i = 0; i < n; i++) {
		cs->c[i] = (struct cacher){.h = h, .cached = &cs->cached, .checked = &cs->checked};
		pthread_create(&cs->t[i], NULL, cache_in_thread, &cs->c[i]);
	}
	pthread_barrier_wait(&cs->cached);
}

/* Lets the cachers end and waits for them. */
static void end_cachers(struct cachers *cs)
{
	pthread_barrier_wait(&cs->checked);
	for (unsigned int i = 0; i < cs->n; i++)
		pthread_join(cs->t[i], NULL);
	pthread_barrier_destroy(&cs->cached);
	pthread_barrier_destroy(&cs->checked);
}

/*
 * Threads on one heap each cache in a slot of their own; another thread
 * sees their blocks as cached.  A thread that ends gives its slot back
 * itself; one that ends without its thread-exit handlers (the exit system
 * call) leaves it until a check finds the thread gone.
 */
static void test_threads(const char *what, struct mymap_heap *h)
{
	struct cachers cs;
	const struct cacher *c = cs.c;
	struct mymap_stats st;

	if (!tap_ok(h != NULL, "%s heap for the thread test", what))
		return;
	start_cachers(&cs, h, THREADS);
	tap_ok(c[0].in_own_slot == BLOCKS && c[1].in_own_slot == BLOCKS && c[0].own_slot &&
		   c[1].own_slot,
	       "%s: each thread's frees wait in a slot of its own (%u and %u blocks)", what,
	       c[0].in_own_slot, c[1].in_own_slot);
	tap_ok(other_thread_slots(h) == THREADS, "%s: %d slots held by the other threads (saw %u)",
	       what, THREADS, other_thread_slots(h));
	tap_ok(mymap_free(h, c[0].blocks[0]) == -1 && mymap_last_error() == MYMAP_ERR_DOUBLE_FREE,
	       "%s: another thread's free of a block in a thread's cache is a double free", what);
	int ret = mymap_heap_stats(h, &st);

	tap_ok(ret == 0 && st.used_blocks == THREADS &&
		   st.in_use == THREADS * mymap_usable_size(h, c[0].guard),
	       "%s: statistics count the cached blocks as free: %d guards in use (saw %llu blocks)",
	       what, THREADS, (unsigned long long)st.used_blocks);
	tap_ok(mymap_heap_check(h) == 0 && other_thread_slots(h) == THREADS,
	       "%s: the heap checks clean and leaves live threads' slots alone", what);
	cs.c[1].abrupt = abrupt_end_possible();
	end_cachers(&cs);
	if (!cs.c[1].abrupt) {
		tap_ok(other_thread_slots(h) == 0,
		       "%s: threads that end give their slots and blocks back themselves", what);
		tap_diag("%s: no thread ends by the exit system call under a sanitizer", what);
	} else {
		tap_ok(other_thread_slots(h) == 1 && !slot_of(h, c[0].id) &&
			   cached_blocks(h, c[1].id) == BLOCKS,
		       "%s: a thread that ends gives its slot and blocks back itself; one ended by "
		       "the exit system call keeps its %u blocks (%u slots, %u blocks cached)",
		       what, BLOCKS, other_thread_slots(h), cached_blocks(h, c[1].id));
	}
	tap_ok(mymap_heap_check(h) == 0 && other_thread_slots(h) == 0,
	       "%s: a check finds a thread gone and empties its slot", what);
	for (unsigned int i = 0; i < THREADS; i++)
		mymap_free(h, c[i].guard);
	ret = mymap_heap_stats(h, &st);
	tap_ok(ret == 0 && st.used_blocks == 0 && st.free_blocks == 1,
	       "%s: with the guards freed the heap is one free block again (%llu used, %llu free)",
	       what, (unsigned long long)st.used_blocks, (unsigned long long)st.free_blocks);
	mymap_close(h);
}

#define HEAPS 9 /* one more than a thread's table of slots (MM_TLS_SLOTS) */

/* A thread that caches a block in each of HEAPS heaps, then ends. */
static void *cache_in_each(void *arg)
{
	struct mymap_heap **heaps = arg;

	for (int i = 0; i < HEAPS; i++)
		mymap_free(heaps[i], mymap_malloc(heaps[i], PAYLOAD));
	return (void *)(uintptr_t)mm_thread_id();
}

/*
 * A thread that ends gives back its slot in every heap it used, although
 * its table of slots could not hold them all (two handle numbers share an
 * entry).
 */
static void test_exit_gives_back_every_slot(void)
{
	struct mymap_heap *heaps[HEAPS];
	unsigned int kept = 0, opened = 0;
	void *id = NULL;
	pthread_t t;

	for (int i = 0; i < HEAPS; i++)
		opened += (heaps[i] = mymap_open_memfd(SIZE, 0)) != NULL;
	if (!tap_ok(opened == HEAPS, "%d memfd heaps open", HEAPS))
		return;
	pthread_create(&t, NULL, cache_in_each, heaps);
	pthread_join(t, &id);
	for (int i = 0; i < HEAPS; i++)
		kept += slot_of(heaps[i], (uint64_t)(uintptr_t)id) != NULL;
	tap_ok(id && kept == 0,
	       "a thread that cached in %d heaps gives back all its slots as it ends (%u kept)",
	       HEAPS, kept);
	for (int i = 0; i < HEAPS; i++)
		mymap_close(heaps[i]);
}

/* A thread that caches a block in a heap, waits to be let go, then ends. */
struct one_cacher {
	struct mymap_heap *h;
	pthread_barrier_t cached, go;
	uint64_t id;
};

static void *cache_one(void *arg)
{
	struct one_cacher *c = arg;

	mymap_free(c->h, mymap_malloc(c->h, PAYLOAD));
	c->id = mm_thread_id();
	pthread_barrier_wait(&c->cached);
	pthread_barrier_wait(&c->go);
	return NULL;
}

/*
 * A thread ending while another process holds the heap's lock and is
 * stopped: the thread still ends (its exit handler waits a bounded time),
 * its slot is left to a reaper, and the reaper takes it once the holder is
 * gone.
 */
static void test_exit_while_lock_held(void)
{
	struct one_cacher c = {.h = mymap_open_memfd(SIZE, 0)};
	int ready[2];

	if (!tap_ok(c.h != NULL && pipe(ready) == 0, "memfd heap for the stopped-holder test"))
		return;
	pthread_barrier_init(&c.cached, NULL, 2);
	pthread_barrier_init(&c.go, NULL, 2);
	pthread_t t;

	pthread_create(&t, NULL, cache_one, &c);
	pthread_barrier_wait(&c.cached);
	pid_t holder = fork();

	if (holder == 0) {
		struct mymap_heap *mine = mymap_open_fd(mymap_heap_fd(c.h), 0);
		char byte = 1;

		mm_lock(mine);
		(void)!write(ready[1], &byte, 1);
		raise(SIGSTOP);
		_exit(0);
	}
	char byte = 0;

	(void)!read(ready[0], &byte, 1);
	alarm(10);
	pthread_barrier_wait(&c.go);
	int joined = pthread_join(t, NULL);

	alarm(0);
	tap_ok(joined == 0 && byte == 1 && slot_of(c.h, c.id),
	       "a thread ends while a stopped process holds the lock; its slot waits for a reaper");
	kill(holder, SIGKILL);
	waitpid(holder, NULL, 0);
	tap_ok(mymap_heap_check(c.h) == 0 && !slot_of(c.h, c.id),
	       "once the holder is gone, a check takes the lock over and empties the slot");
	pthread_barrier_destroy(&c.cached);
	pthread_barrier_destroy(&c.go);
	close(ready[0]);
	close(ready[1]);
	mymap_close(c.h);
}

/* What the watcher of test_main_thread_exit() waits for and looks at. */
struct main_exit {
	struct mymap_heap *h;
	_Atomic uint64_t main_id; /* set once the main thread holds its slot */
};

/*
 * Reports in its exit status whether the main thread's slot went within
 * 5 s of the main thread holding it.  It polls, rather than joining the
 * main thread: ThreadSanitizer cannot join a main thread.
 */
static void *watch_main_exit(void *arg)
{
	struct main_exit *m = arg;
	uint64_t id;

	while (!(id = atomic_load(&m->main_id)))
		usleep(1000);
	for (int ms = 0; ms < 5000; ms++) {
		if (!slot_of(m->h, id))
			_exit(0);
		usleep(1000);
	}
	_exit(1);
}

/*
 * A main thread that ends by pthread_exit() while another thread runs on
 * gives its slot back like any thread (its identity is its process's).
 */
static void test_main_thread_exit(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		static struct main_exit m;
		pthread_t watcher;

		alarm(10);
		m.h = mymap_open_memfd(SIZE, 0);
		if (!m.h || pthread_create(&watcher, NULL, watch_main_exit, &m) != 0)
			_exit(2);
		mymap_free(m.h, mymap_malloc(m.h, PAYLOAD));
		if (!slot_of(m.h, mm_thread_id()))
			_exit(3);
		atomic_store(&m.main_id, mm_thread_id());
		pthread_exit(NULL);
	}
	int failed = child_failures(pid);

	tap_ok(failed == 0,
	       "a main thread that ends by pthread_exit() gives its slot back as it ends (%d)",
	       failed);
}

/* Heaps the short-lived threads of test_fork_while_threads_end() cache in. */
static struct mymap_heap *churned[2];
static atomic_bool churn_stop;

/* A thread that caches a block in each heap and ends, at once. */
static void *cache_and_end(void *arg)
{
	(void)arg;
	for (int i = 0; i < 2; i++)
		mymap_free(churned[i], mymap_malloc(churned[i], PAYLOAD));
	return NULL;
}

/* Starts short-lived threads, one after another, until told to stop. */
static void *start_threads(void *arg)
{
	(void)arg;
	while (!atomic_load(&churn_stop)) {
		pthread_t t;

		if (pthread_create(&t, NULL, cache_and_end, NULL) == 0)
			pthread_join(t, NULL);
	}
	return NULL;
}

/*
 * fork() while threads keep ending (their exit handlers take the list of
 * open handles and the heaps' locks, as the fork handlers do): every
 * child finds both heaps usable, neither lock held.
 */
static void test_fork_while_threads_end(void)
{
	int forks = 30, bad = 0;
	pthread_t starter;

	churned[0] = mymap_open_memfd(SIZE, 0);
	churned[1] = mymap_open_anon(SIZE, 0);
	if (!tap_ok(churned[0] && churned[1], "a shared and a private heap for the fork test"))
		return;
	atomic_store(&churn_stop, false);
	pthread_create(&starter, NULL, start_threads, NULL);
	for (int i = 0; i < forks; i++) {
		pid_t pid = fork();

		if (pid == 0) {
			alarm(5);
			for (int h = 0; h < 2; h++) {
				void *p = mymap_malloc(churned[h], PAYLOAD);

				if (!p || mymap_free(churned[h], p) != 0 ||
				    mymap_heap_check(churned[h]) != 0)
					_exit(1);
			}
			_exit(0);
		}
		bad += child_failures(pid) != 0;
	}
	atomic_store(&churn_stop, true);
	pthread_join(starter, NULL);
	tap_ok(bad == 0,
	       "%d forks while threads keep caching and ending: every child can use both heaps "
	       "(%d could not)",
	       forks, bad);
	tap_ok(mymap_heap_check(churned[0]) == 0 && mymap_heap_check(churned[1]) == 0,
	       "both heaps check clean in the parent");
	mymap_close(churned[0]);
	mymap_close(churned[1]);
}

/* Closing a handle gives back the slots its threads claimed through it, even of live threads. */
static void test_close_releases_thread_slots(void)
{
	struct mymap_heap *h = mymap_open_memfd(SIZE, 0);
	struct cachers cs;

	if (!tap_ok(h != NULL, "memfd heap for the close test"))
		return;
	struct mymap_heap *other = mymap_open_fd(mymap_heap_fd(h), 0);

	start_cachers(&cs, h, 1);
	mymap_close(h);
	tap_ok(other && other_thread_slots(other) == 0,
	       "closing the handle gives back the slot a live thread claimed through it");
	struct mymap_stats st;

	tap_ok(other && mymap_heap_stats(other, &st) == 0 && st.used_blocks == 1,
	       "its blocks are back in the heap: only the guard is in use");
	end_cachers(&cs);
	mymap_close(other);
}

/*
 * A private heap copied by fork() from a process whose threads had
 * slots: the child's copy is its own, so it takes those slots' blocks
 * back although the threads live on in the parent.
 */
static void test_fork_private_with_threads(void)
{
	struct mymap_heap *h = mymap_open_anon(SIZE, 0);
	struct cachers cs;

	if (!tap_ok(h != NULL, "private anon heap for the fork-with-threads test"))
		return;
	start_cachers(&cs, h, 1);
	pid_t pid = fork();

	if (pid == 0) {
		struct mymap_stats st;
		int failed = 0;

		if (mymap_heap_stats(h, &st) != 0 || st.used_blocks != 1)
			failed |= 1;
		if (other_thread_slots(h) != 0)
			failed |= 2;
		if (mymap_heap_check(h) != 0)
			failed |= 4;
		_exit(failed);
	}
	int failed = child_failures(pid);

	tap_ok(!(failed & 1), "the child's statistics: only the guard in use");
	tap_ok(!(failed & 2), "the child takes back the slot its parent's thread held in its copy");
	tap_ok(!(failed & 4), "the child's copy checks clean");
	tap_ok(other_thread_slots(h) == 1,
	       "the parent's thread keeps its slot in the parent's heap");
	end_cachers(&cs);
	mymap_close(h);
}

/*
 * A slot whose owner died inside a change (its sequence number odd) is
 * even again at rest once reaped and claimed anew: else every statistics
 * call would spend all its tries on it, under the lock.
 */
static void test_seq_after_death_in_change(void)
{
	struct mymap_heap *h = mymap_open_memfd(SIZE, 0);
	struct mymap_stats st;

	if (!tap_ok(h != NULL, "memfd heap for the sequence-number test"))
		return;
	pid_t pid = fork();

	if (pid == 0) {
		mymap_free(h, mymap_malloc(h, PAYLOAD));
		struct mm_tcache *s = (struct mm_tcache *)slot_of(h, mymap_self_id());

		/* Dies between the two stores of a change: the number is left odd. */
		if (s)
			atomic_fetch_add(&s->seq, 1);
		_exit(s ? 0 : 1);
	}
	tap_ok(child_failures(pid) == 0, "a child cached a block and died inside a change");
	mymap_heap_stats(h, &st); /* reaps the dead child's slot */
	mymap_free(h, mymap_malloc(h, PAYLOAD));
	const struct mm_tcache *s = slot_of(h, mymap_self_id());

	tap_ok(s && !(atomic_load(&s->seq) & 1),
	       "after the reap and a new claim the slot's sequence number is even at rest (%u)",
	       s ? (unsigned int)atomic_load(&s->seq) : 0u);
	mymap_close(h);
}

/*
 * A state change told the wrong present state (two threads freeing one
 * block at once) leaves a header the checks call damaged, never a valid
 * one in another state.
 */
static void test_wrong_from_is_damage(void)
{
	struct mymap_heap *h = mymap_open_memfd(SIZE, MYMAP_NOCACHE);

	if (!tap_ok(h != NULL, "memfd heap for the state-change test"))
		return;
	char *p = mymap_malloc(h, PAYLOAD);
	uint32_t at = (uint32_t)((p - (char *)mymap_heap_base(h)) / MM_UNIT) - 1;
	char saved[MM_UNIT];

	memcpy(saved, p - MM_UNIT, MM_UNIT);
	mm_change_state(h, at, MM_CACHED, MM_USED); /* it is used already */
	tap_ok(mymap_free(h, p) == -1 && errno == EUCLEAN &&
		   mymap_last_error() == MYMAP_ERR_CORRUPT,
	       "a used block moved 'from cached' is damaged, not free or cached (%s)",
	       mymap_last_message());
	memcpy(p - MM_UNIT, saved, MM_UNIT);
	tap_ok(mymap_free(h, p) == 0 && mymap_heap_check(h) == 0,
	       "with its header restored it frees and the heap checks clean");
	mymap_close(h);
}

/* Two threads freeing the same block at once, round after round. */
#define RACE_ROUNDS 20000

struct race {
	struct mymap_heap *heap[2];
	void *block[2]; /* the same block, as each thread's handle maps it */
	_Atomic unsigned int arrived, generation;
	int result[2];
	enum mymap_error code[2];
	unsigned int rounds, wrong;
};

/* Waits until both threads arrive; spinning, so both leave at nearly the same moment. */
static void race_meet(struct race *r)
{
	unsigned int generation = atomic_load(&r->generation);

	if (atomic_fetch_add(&r->arrived, 1) == 1) {
		atomic_store(&r->arrived, 0);
		atomic_fetch_add(&r->generation, 1);
		return;
	}
	for (unsigned int spins = 0; atomic_load(&r->generation) == generation; spins++)
		if (spins > 1000)
			sched_yield();
}

/* Thread @i of the race; thread 0 allocates each block and scores each round. */
static void race_free(struct race *r, int i)
{
	for (unsigned int round = 0; round < RACE_ROUNDS; round++) {
		if (i == 0) {
			r->block[0] = mymap_malloc(r->heap[0], PAYLOAD);
			r->block[1] =
			    r->block[0] ? mymap_ptr(r->heap[1],
						    mymap_offset(r->heap[0], r->block[0]), PAYLOAD)
					: NULL;
		}
		race_meet(r);
		if (!r->block[1])
			return;
		r->result[i] = mymap_free(r->heap[i], r->block[i]);
		r->code[i] = r->result[i] ? mymap_last_error() : MYMAP_OK;
		race_meet(r);
		if (i == 0) {
			bool one_wins = (r->result[0] == 0) != (r->result[1] == 0);
			enum mymap_error loser = r->result[0] ? r->code[0] : r->code[1];

			r->rounds++;
			if (!one_wins || loser != MYMAP_ERR_DOUBLE_FREE)
				r->wrong++;
		}
	}
}

static void *race_free_1(void *arg)
{
	race_free(arg, 1);
	return NULL;
}

/*
 * Two threads free one block at the same moment, each through its own
 * cache slot (@b is @a), or one through its slot and one through the
 * lock (@b opened with MYMAP_NOCACHE): exactly one free succeeds and the
 * other is a double free, every round, and the heap stays whole.
 */
static void test_concurrent_double_free(const char *what, struct mymap_heap *a,
					struct mymap_heap *b)
{
	struct race r = {.heap = {a, b}};
	struct mymap_stats st;
	pthread_t t;

	if (!tap_ok(a && b, "%s: heap for the double-free race", what))
		return;
	pthread_create(&t, NULL, race_free_1, &r);
	race_free(&r, 0);
	pthread_join(t, NULL);
	tap_ok(r.rounds == RACE_ROUNDS && r.wrong == 0,
	       "%s: %u rounds of two frees of one block at once: exactly one wins, the other is a "
	       "double free (%u rounds otherwise)",
	       what, r.rounds, r.wrong);
	bool whole = mymap_heap_stats(a, &st) == 0 && st.used_blocks == 0;

	whole = whole && mymap_heap_check(a) == 0;
	tap_ok(whole, "%s: after the race no block is in use and the heap checks clean (%llu used)",
	       what, (unsigned long long)st.used_blocks);
}

/*
 * The library's opens, seen through this definition (the static library
 * binds to it): how many opened a file under /proc while this process
 * held @proc_heap's lock.
 */
static struct mymap_heap *proc_heap;
static _Atomic unsigned int proc_opens, proc_opens_locked;

int open(const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = (flags & (O_CREAT | O_TMPFILE)) ? va_arg(ap, mode_t) : 0;
	va_end(ap);
	if (proc_heap && strncmp(path, "/proc/", 6) == 0) {
		proc_opens++;
		if (atomic_load(&header(proc_heap)->lock.owner) == mymap_self_id())
			proc_opens_locked++;
	}
	return (int)syscall(SYS_openat, AT_FDCWD, path, flags, mode);
}

static atomic_bool slots_released;
static _Atomic unsigned int slots_held;

/* Claims a slot (a block cached) and keeps it until told to end. */
static void *hold_slot(void *arg)
{
	struct mymap_heap *h = arg;

	mymap_free(h, mymap_malloc(h, PAYLOAD));
	mymap_free(h, mymap_malloc(h, PAYLOAD));
	atomic_fetch_add(&slots_held, 1);
	while (!atomic_load(&slots_released))
		usleep(1000);
	return NULL;
}

/* Requests @size until one is refused. */
static void fill(struct mymap_heap *h, size_t size)
{
	while (mymap_malloc(h, size))
		;
}

/*
 * A request that finds no room looks for dead cache-slot owners in /proc
 * only without the heap lock, at most once per MM_PROBE_INTERVAL_NS per
 * handle, however many threads hold slots; and the slot of a process
 * that died with blocks cached comes back to such a request.
 */
static void test_refusal_probes(void)
{
	struct mymap_heap *h = mymap_open_memfd(SIZE, 0);
	pthread_t t[MM_TCACHE_SLOTS - 2];
	int ready[2], status;
	char c;

	if (!tap_ok(h != NULL && pipe(ready) == 0, "memfd heap for the refusal test"))
		return;
	for (unsigned int i = 0; i < MM_TCACHE_SLOTS - 2; i++)
		pthread_create(&t[i], NULL, hold_slot, h);
	pid_t pid = fork();

	if (pid == 0) {
		void *b[BLOCKS];

		for (unsigned int i = 0; i < BLOCKS; i++)
			b[i] = mymap_malloc(h, 1000);
		for (unsigned int i = 0; i < BLOCKS; i++)
			mymap_free(h, b[i]);
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	if (read(ready[0], &c, 1) != 1)
		pid = -1;
	/*
	 * The lock is the process's: a holder's thread still at its first
	 * calls would make the main thread's probes look as if made under it.
	 */
	for (uint64_t until = mm_now_ns() + 2000000000ULL;
	     atomic_load(&slots_held) < MM_TCACHE_SLOTS - 2 && mm_now_ns() < until;)
		usleep(1000);
	fill(h, 4000);
	fill(h, 1000);
	fill(h, 16);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);

	proc_heap = h;
	uint64_t start = mm_now_ns(), deadline = start + 2000000000ULL;
	void *back = NULL;

	while (!back && mm_now_ns() < deadline)
		back = mymap_malloc(h, 1000);
	tap_ok(back != NULL,
	       "a request that found no room got a block the killed process had "
	       "cached, once a probe found it dead (%.1f ms)",
	       (double)(mm_now_ns() - start) / 1e6);

	unsigned int refusals = 0, opens = proc_opens;

	start = mm_now_ns();
	while (mm_now_ns() - start < 50000000ULL && refusals < 1000000)
		refusals += mymap_malloc(h, SIZE / 2) == NULL && errno == ENOMEM;
	uint64_t elapsed = mm_now_ns() - start;

	opens = proc_opens - opens;
	proc_heap = NULL;
	tap_ok(proc_opens_locked == 0,
	       "no file in /proc was opened with the heap lock held (%u were)", proc_opens_locked);
	tap_ok(opens <= (MM_TCACHE_SLOTS - 1) * (1 + elapsed / MM_PROBE_INTERVAL_NS),
	       "%u refused requests with %u live threads holding slots opened %u files in /proc "
	       "in %.1f ms: a look at each slot at most once per %llu ms",
	       refusals, MM_TCACHE_SLOTS - 2, opens, (double)elapsed / 1e6,
	       MM_PROBE_INTERVAL_NS / 1000000);
	tap_diag("a refused request took %.0f ns on average", (double)elapsed / refusals);
	atomic_store(&slots_released, true);
	for (unsigned int i = 0; i < MM_TCACHE_SLOTS - 2; i++)
		pthread_join(t[i], NULL);
	close(ready[0]);
	close(ready[1]);
	mymap_close(h);
}

/* Lowers the soft descriptor limit to at most 64 and opens descriptors until none is left. */
static int use_up_descriptors(void)
{
	struct rlimit lim;
	int fd, last = -1;

	if (getrlimit(RLIMIT_NOFILE, &lim) < 0)
		return -1;
	if (lim.rlim_cur > 64)
		lim.rlim_cur = 64;
	if (setrlimit(RLIMIT_NOFILE, &lim) < 0)
		return -1;
	while ((fd = open("/dev/null", O_RDONLY)) >= 0)
		last = fd;
	return errno == EMFILE ? last : -1;
}

/*
 * With no descriptor left /proc cannot be read.  The identity computed
 * then (the pid alone) is kept once /proc reads again, since owner words
 * hold it; the main thread's identity is the same one; and another live
 * process is not taken for dead.  In a forked child, which computes its
 * identities anew.
 */
static void test_identity_without_descriptors(void)
{
	uint64_t parent = mymap_self_id();
	pid_t pid = fork();

	if (pid == 0) {
		int last = use_up_descriptors();

		if (last < 0)
			_exit(16);
		uint64_t starved = mymap_self_id();

		for (int fd = last; fd > 2; fd--)
			close(fd);
		/* Computed now that /proc reads: nothing asked for it before. */
		uint64_t thread = mm_thread_id();
		int failed = (starved >> 22 != 0) | (mymap_self_id() != starved) << 2 |
			     (thread != starved) << 3;

		last = use_up_descriptors();
		if (last < 0)
			_exit(16);
		failed |= (mymap_id_alive(parent) != 1) << 1;
		_exit(failed);
	}
	int failed = pid < 0 ? 128 : child_failures(pid);

	tap_ok(!(failed & (1 | 16 | 128)),
	       "a child without descriptors computes its identity from the pid alone (status %d)",
	       failed);
	tap_ok(!(failed & 2), "meanwhile its live parent is not taken for dead");
	tap_ok(!(failed & 4), "once /proc reads again its identity stays the one it handed out");
	tap_ok(!(failed & 8), "and its main thread's identity is that same one");
}

#define MAX_REFUSED 4

/*
 * From now on the calling process's system calls @nrs fail with EPERM, as
 * under a seccomp filter that refuses them (systemd's
 * SystemCallErrorNumber=).  The filter looks at the call's number alone:
 * the test makes only native calls.  0, or -1.
 */
static int refuse_calls(const long *nrs, unsigned int n)
{
	struct sock_filter code[MAX_REFUSED + 3];
	struct sock_fprog prog = {(unsigned short)(n + 3), code};

	if (n > MAX_REFUSED)
		return -1;
	code[0] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
					       offsetof(struct seccomp_data, nr));
	/* A match jumps past the checks left and the ALLOW, to the refusal. */
	for (unsigned int i = 0; i < n; i++)
		code[1 + i] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
							   (uint32_t)nrs[i], (uint8_t)(n - i), 0);
	code[1 + n] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	code[2 + n] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -1;
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
}

/* refuse_calls() of the calls that open files. */
static int refuse_opening_files(void)
{
	static const long nrs[] = {
#ifdef SYS_open
	    SYS_open,
#endif
	    SYS_openat};

	return refuse_calls(nrs, sizeof(nrs) / sizeof(nrs[0]));
}

/*
 * The parent's side of a test in a confined child: the child exits 16 if
 * it could not be confined (@skip says why), else with bit 1, 2 or 4 set
 * where @what[0], [1] or [2] failed.
 */
static void report_confined(pid_t pid, const char *const what[3], const char *skip)
{
	int failed = pid < 0 ? 128 : child_failures(pid);

	if (failed == 16) {
		tap_skip(what[0], "%s", skip);
		return;
	}
	tap_ok(!(failed & (1 | 128)), "%s (status %d)", what[0], failed);
	tap_ok(!(failed & 2), "%s", what[1]);
	tap_ok(!(failed & 4), "%s", what[2]);
}

/*
 * A process that may not open /proc (a seccomp filter refusing it with
 * EPERM) cannot tell whether another process lives: it takes its live
 * parent for alive, computes its own identity from the pid alone, and
 * still serves itself from a heap of its own.
 */
static void test_identity_when_proc_refused(void)
{
	uint64_t parent = mymap_self_id();
	pid_t pid = fork();

	if (pid == 0) {
		if (refuse_opening_files() < 0 || open("/proc/self/stat", O_RDONLY) >= 0 ||
		    errno != EPERM)
			_exit(16);
		struct mymap_heap *c = mymap_open_anon(1 << 20, 0);
		void *p = c ? mymap_malloc(c, 100) : NULL;
		int failed = (mymap_id_alive(parent) != 1) | (mymap_self_id() >> 22 != 0) << 1 |
			     (!p || mymap_free(c, p) < 0 || mymap_heap_check(c) < 0) << 2;

		_exit(failed);
	}
	static const char *const what[] = {
	    "a process refused /proc (EPERM) takes its live parent for alive",
	    "its identity is its pid alone",
	    "and it serves itself from a heap of its own, which checks clean"};

	report_confined(pid, what, "no seccomp filter could be installed here");
}

/*
 * Without /proc (unmounted in a mount namespace of the child's own, as a
 * container may leave it, or hidden by hidepid=invisible) a live process
 * has no entry there: the child takes its live parent for alive and a
 * reaped child of its own for dead.
 */
static void test_identity_without_proc(void)
{
	uint64_t parent = mymap_self_id();
	pid_t pid = fork();

	if (pid == 0) {
		if (unshare(CLONE_NEWNS) < 0 ||
		    mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
		    umount2("/proc", MNT_DETACH) < 0 || open("/proc/self/stat", O_RDONLY) >= 0)
			_exit(16);
		pid_t gone = fork();

		if (gone == 0)
			_exit(0);
		if (gone < 0 || waitpid(gone, NULL, 0) != gone)
			_exit(4);
		_exit((mymap_id_alive(parent) != 1) | (mymap_id_alive((uint64_t)gone) != 0) << 1);
	}
	static const char *const what[] = {
	    "a process without /proc takes its live parent for alive",
	    "and a reaped child of its own for dead", "it could start and reap that child"};

	report_confined(pid, what, "no mount namespace of its own for the child (not root)");
}

/*
 * A process whose mincore(2) is refused (EPERM) takes every page for
 * written, so a deep cache is never cut back for a hole's sake, and keeps
 * errno as it was.
 */
static void test_residency_when_mincore_refused(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		static const long nrs[] = {SYS_mincore};
		struct mymap_heap *c = mymap_open_anon(1 << 20, 0);
		char *p = c ? mymap_malloc(c, 100) : NULL;
		unsigned char vec;

		if (!p || refuse_calls(nrs, 1) < 0 ||
		    mincore((void *)((uintptr_t)p & ~(uintptr_t)4095), 1, &vec) == 0 ||
		    errno != EPERM)
			_exit(16);
		errno = ENOTTY;
		/* A page of the arena never written: resident only by this answer. */
		bool resident =
		    mm_region_resident(&c->region, (char *)c->region.base + c->region.size - 1);
		int failed = (int)(!resident) | (errno != ENOTTY) << 1 |
			     (mymap_free(c, p) < 0 || mymap_heap_check(c) < 0) << 2;

		_exit(failed);
	}
	static const char *const what[] = {
	    "a process refused mincore (EPERM) takes an unwritten page for written",
	    "and keeps errno as it was", "its heap still serves and checks clean"};

	report_confined(pid, what, "no seccomp filter could be installed here");
}

int main(void)
{
	test_own_cache();
	test_private_sole_slot();
	test_small_heap_keeps_16();
	test_small_heap_second_thread();
	test_sole_caches_deep();
	test_cut_back_before_large_hole();
	test_cut_back_before_large_request();
	test_identity_without_descriptors();
	test_identity_when_proc_refused();
	test_identity_without_proc();
	test_residency_when_mincore_refused();
	test_seq_after_death_in_change();
	test_wrong_from_is_damage();
	test_nocache();
	test_peer_sees_cache();
	test_killed_cacher(STOP_IDLE);
	test_killed_cacher(STOP_IN_REQUEST);
	test_killed_cacher(STOP_IN_FLUSH);
	test_fork();
	/* Last: after these the process has had threads, for good. */
	test_threads("memfd", mymap_open_memfd(SIZE, 0));
	test_threads("private anon", mymap_open_anon(SIZE, 0));
	test_close_releases_thread_slots();
	test_exit_gives_back_every_slot();
	test_exit_while_lock_held();
	test_main_thread_exit();
	test_fork_while_threads_end();
	test_fork_private_with_threads();
	test_refusal_probes();

	struct mymap_heap *shared = mymap_open_memfd(SIZE, 0);
	struct mymap_heap *uncached =
	    shared ? mymap_open_fd(mymap_heap_fd(shared), MYMAP_NOCACHE) : NULL;
	struct mymap_heap *private = mymap_open_anon(SIZE, 0);

	test_concurrent_double_free("memfd, two slots", shared, shared);
	test_concurrent_double_free("memfd, a slot and the lock", shared, uncached);
	test_concurrent_double_free("private anon, two slots", private, private);
	mymap_close(uncached);
	mymap_close(shared);
	mymap_close(private);
	return tap_done();
}
