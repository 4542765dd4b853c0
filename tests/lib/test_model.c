// SPDX-License-Identifier: GPL-2.0
/*
 * test_model.c - random operations on a heap, checked against a simple
 * model of what the heap should hold.
 *
 * usage: test_model BACKEND OPS [SEED]   (BACKEND: anon, memfd, brk, device)
 *
 * The model keeps every live block's request, usable size and fill
 * pattern, and the statistics the heap should report.  After every
 * operation the result is checked: alignment, usable size, the contents of
 * a block after realloc, and (by the fill patterns) that no block wrote
 * over another; every few thousand operations the statistics must match
 * exactly and mymap_heap_check() must pass, and at the end every live
 * block's contents are verified and the blocks are checked for overlap.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mymap.h"
#include "tap.h"

#define SLOTS	    2048
#define HEAP_SIZE   (8u << 20)
#define CHECK_EVERY 4096

struct slot {
	unsigned char *p;
	size_t req;    /* bytes asked for */
	size_t usable; /* mymap_usable_size() at allocation */
	uint32_t seed; /* fill pattern */
	size_t align;  /* alignment asked for */
};

struct model {
	struct slot slot[SLOTS];
	uint64_t in_use, peak, used_blocks, allocs, frees, failed, integrity;
	uint64_t total; /* in_use + free + 16 * blocks: constant */
};

static struct model m;
static struct mymap_heap *heap;
static bool demand_paged; /* any backend but the device: large blocks on the grid */
static uint64_t rng_state;
static uint64_t op_no;
static char failure[512];

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

__attribute__((format(printf, 1, 2))) static bool fail(const char *fmt, ...)
{
	va_list ap;
	int n;

	if (failure[0])
		return false;
	n = snprintf(failure, sizeof(failure), "op %" PRIu64 ": ", op_no);
	va_start(ap, fmt);
	vsnprintf(failure + n, sizeof(failure) - (size_t)n, fmt, ap);
	va_end(ap);
	return false;
}

/* Requests: mostly small, some medium, a few large (to hit ENOMEM). */
static size_t random_size(void)
{
	uint64_t r = rng() % 1000;

	if (r < 700)
		return rng() % 1041;
	if (r < 950)
		return rng() % 16384;
	if (r < 995)
		return rng() % 262144;
	return rng() % (3u << 20);
}

static inline unsigned char pattern_byte(uint32_t seed, size_t i)
{
	uint32_t x = seed + (uint32_t)i * 0x9e3779b1u;

	return (unsigned char)(x >> 24 ^ x >> 11);
}

/* Bytes that get a pattern: all of small blocks, a sample of large ones. */
static inline bool patterned(size_t len, size_t i)
{
	return len <= 8192 || i < 1024 || i >= len - 1024 || (i & 511) == 0;
}

static void fill(struct slot *s, size_t from)
{
	for (size_t i = from; i < s->req; i++)
		if (patterned(s->req, i))
			s->p[i] = pattern_byte(s->seed, i);
}

static bool verify(const struct slot *s, size_t upto, const char *when)
{
	for (size_t i = 0; i < upto; i++)
		if (patterned(s->req, i) && s->p[i] != pattern_byte(s->seed, i))
			return fail("%s: block at offset %#" PRIx64 " byte %zu of %zu is %#x, "
				    "expected %#x",
				    when, mymap_offset(heap, s->p), i, s->req, s->p[i],
				    pattern_byte(s->seed, i));
	return true;
}

/*
 * The farthest a block for @req bytes with its header at arena offset
 * @start may end: its own 16-byte units (header included, at least two)
 * and a remainder too small to be a block (one unit); or on a
 * demand-paged heap, for a block of 64 KiB or more, the first 64 KiB line
 * of the arena at or after that (the grid, alloc.c), one unit more.
 */
static uint64_t farthest_end(uint64_t start, size_t req)
{
	const uint64_t line = 64 << 10;
	uint64_t units = (req + 31) / 16 < 2 ? 2 : (req + 31) / 16;
	uint64_t tight = start + 16 * units + 16;

	if (!demand_paged || units < line / 16)
		return tight;
	uint64_t to_line = (start + 16 * units + line - 1) / line * line + 16;

	return to_line > tight ? to_line : tight;
}

static bool check_new(struct slot *s, const char *what)
{
	uintptr_t p = (uintptr_t)s->p;
	size_t usable = mymap_usable_size(heap, s->p);
	uint64_t start = mymap_offset(heap, s->p) - 16;

	if (p % s->align)
		return fail("%s returned %p, not aligned to %zu", what, (void *)s->p, s->align);
	if (usable < s->req || start + 16 + usable > farthest_end(start, s->req))
		return fail("%s(%zu): usable size %zu at offset %#" PRIx64, what, s->req, usable,
			    start + 16);
	s->usable = usable;
	return true;
}

static void count_alloc(const struct slot *s)
{
	m.in_use += s->usable;
	m.used_blocks++;
	m.allocs++;
	if (m.in_use > m.peak)
		m.peak = m.in_use;
}

static void count_free(const struct slot *s)
{
	m.in_use -= s->usable;
	m.used_blocks--;
	m.frees++;
}

static bool expect_nomem(const char *what, size_t size)
{
	if (errno != ENOMEM || mymap_last_error() != MYMAP_ERR_NOMEM)
		return fail("%s(%zu) failed with errno %d (%s), not ENOMEM", what, size, errno,
			    mymap_last_message());
	m.failed++;
	return true;
}

static bool op_alloc(struct slot *s, int kind)
{
	static const char *names[] = {"mymap_malloc", "mymap_calloc", "mymap_aligned_alloc"};
	size_t size = random_size();

	s->align = 16;
	if (kind == 0) {
		s->p = mymap_malloc(heap, size);
	} else if (kind == 1) {
		s->p = mymap_calloc(heap, 1, size);
	} else {
		s->align = (size_t)32 << (rng() % 8);
		s->p = mymap_aligned_alloc(heap, s->align, size);
	}
	if (!s->p)
		return expect_nomem(names[kind], size);
	s->req = size;
	if (!check_new(s, names[kind]))
		return false;
	if (kind == 1)
		for (size_t i = 0; i < size; i++)
			if (s->p[i])
				return fail("mymap_calloc(%zu): byte %zu is %#x", size, i, s->p[i]);
	count_alloc(s);
	s->seed = (uint32_t)rng();
	fill(s, 0);
	return true;
}

static bool op_free(struct slot *s)
{
	if (!verify(s, s->req, "before free"))
		return false;
	if (mymap_free(heap, s->p) != 0)
		return fail("mymap_free(%p) failed: %s", (void *)s->p, mymap_last_message());
	count_free(s);
	/* Sometimes free it again: the heap must name the double free and change nothing. */
	if (rng() % 64 == 0) {
		if (mymap_free(heap, s->p) == 0 || errno != EINVAL ||
		    mymap_last_error() != MYMAP_ERR_DOUBLE_FREE)
			return fail("second free of %p: errno %d, error %d, not a double free",
				    (void *)s->p, errno, mymap_last_error());
		m.integrity++;
	}
	s->p = NULL;
	return true;
}

static bool op_realloc(struct slot *s)
{
	size_t size = random_size();
	size_t keep = size < s->req ? size : s->req;
	struct slot old = *s;
	unsigned char *q = mymap_realloc(heap, s->p, size);

	if (!q) {
		if (!expect_nomem("mymap_realloc", size))
			return false;
		return verify(s, s->req, "after failed realloc");
	}
	if (q == s->p) {
		/* Resized in place: no block handed out or given back. */
		m.in_use -= s->usable;
	} else {
		uint64_t both = m.in_use + mymap_usable_size(heap, q);

		if (both > m.peak)
			m.peak = both;
		count_free(s);
		m.used_blocks++;
		m.allocs++;
	}
	s->p = q;
	s->req = size;
	s->align = 16;
	if (!check_new(s, "mymap_realloc"))
		return false;
	m.in_use += s->usable;
	if (m.in_use > m.peak)
		m.peak = m.in_use;
	old.p = q;
	if (!verify(&old, keep, "after realloc"))
		return false;
	/* A new pattern over the whole block, so later checks need not know its history. */
	s->seed = (uint32_t)rng();
	fill(s, 0);
	return true;
}

/* Bad pointers: refused, counted, nothing changed. */
static bool op_bad_free(void)
{
	int local;
	unsigned int i = (unsigned int)(rng() % SLOTS);
	struct slot *s = &m.slot[i];

	if (mymap_free(heap, &local) == 0 || mymap_last_error() != MYMAP_ERR_FOREIGN)
		return fail("free of a stack address: error %d", mymap_last_error());
	m.integrity++;
	if (s->p && s->usable >= 64) {
		if (mymap_free(heap, s->p + 8) == 0 || errno != EINVAL)
			return fail("free of an unaligned interior pointer succeeded (errno %d)",
				    errno);
		m.integrity++;
	}
	return true;
}

static bool stats_match(void)
{
	struct mymap_stats st;

	if (mymap_heap_stats(heap, &st) != 0)
		return fail("mymap_heap_stats: %s", mymap_last_message());
	if (st.in_use != m.in_use || st.used_blocks != m.used_blocks ||
	    st.alloc_count != m.allocs || st.free_count != m.frees || st.failed_count != m.failed ||
	    st.peak_in_use != m.peak || st.integrity_errors != m.integrity)
		return fail("stats: in_use %" PRIu64 "/%" PRIu64 " blocks %" PRIu64 "/%" PRIu64
			    " allocs %" PRIu64 "/%" PRIu64 " frees %" PRIu64 "/%" PRIu64
			    " failed %" PRIu64 "/%" PRIu64 " peak %" PRIu64 "/%" PRIu64
			    " integrity %" PRIu64 "/%" PRIu64 " (heap/model)",
			    st.in_use, m.in_use, st.used_blocks, m.used_blocks, st.alloc_count,
			    m.allocs, st.free_count, m.frees, st.failed_count, m.failed,
			    st.peak_in_use, m.peak, st.integrity_errors, m.integrity);
	if (st.in_use + st.free + 16 * (st.used_blocks + st.free_blocks) != m.total)
		return fail("stats: in_use + free + headers = %" PRIu64 ", was %" PRIu64,
			    st.in_use + st.free + 16 * (st.used_blocks + st.free_blocks), m.total);
	if (st.largest_free > st.free || st.fragmentation < 0 || st.fragmentation > 1)
		return fail("stats: largest free %" PRIu64 " of %" PRIu64 ", fragmentation %f",
			    st.largest_free, st.free, st.fragmentation);
	return true;
}

static int by_address(const void *a, const void *b)
{
	const struct slot *x = *(const struct slot *const *)a, *y = *(const struct slot *const *)b;

	return (x->p > y->p) - (x->p < y->p);
}

static bool no_overlap(void)
{
	static const struct slot *live[SLOTS];
	unsigned int n = 0;

	for (unsigned int i = 0; i < SLOTS; i++)
		if (m.slot[i].p)
			live[n++] = &m.slot[i];
	qsort(live, n, sizeof(live[0]), by_address);
	for (unsigned int i = 1; i < n; i++)
		if (live[i - 1]->p + live[i - 1]->usable > live[i]->p)
			return fail("blocks at offsets %#" PRIx64 " (+%zu) and %#" PRIx64
				    " overlap",
				    mymap_offset(heap, live[i - 1]->p), live[i - 1]->usable,
				    mymap_offset(heap, live[i]->p));
	for (unsigned int i = 0; i < n; i++)
		if (!verify(live[i], live[i]->req, "final"))
			return false;
	return true;
}

static struct mymap_heap *open_backend(const char *name)
{
	if (!strcmp(name, "anon"))
		return mymap_open_anon(HEAP_SIZE, 0);
	if (!strcmp(name, "memfd"))
		return mymap_open_memfd(HEAP_SIZE, 0);
	if (!strcmp(name, "brk"))
		return mymap_open_brk(HEAP_SIZE, 0);
	if (!strcmp(name, "device"))
		return mymap_open_device(MYMAP_FORMAT);
	errno = EINVAL;
	return NULL;
}

static bool run(uint64_t ops)
{
	struct mymap_stats st;

	mymap_heap_stats(heap, &st);
	m.total = st.in_use + st.free + 16 * (st.used_blocks + st.free_blocks);
	for (op_no = 0; op_no < ops; op_no++) {
		struct slot *s = &m.slot[rng() % SLOTS];
		uint64_t r = rng() % 100;
		bool ok;

		if (!s->p)
			ok = op_alloc(s, r < 80 ? 0 : r < 90 ? 1 : 2);
		else if (r < 55)
			ok = op_free(s);
		else if (r < 99)
			ok = op_realloc(s);
		else
			ok = op_bad_free();
		if (!ok)
			return false;
		if (op_no % CHECK_EVERY == 0) {
			if (!stats_match())
				return false;
			if (mymap_heap_check(heap) != 0)
				return fail("mymap_heap_check: %s", mymap_last_message());
		}
	}
	mymap_heap_stats(heap, &st);
	tap_diag("%" PRIu64 " blocks handed out, %" PRIu64 " refused for lack of space, "
		 "peak %" PRIu64 " bytes, fragmentation now %.2f",
		 st.alloc_count, st.failed_count, st.peak_in_use, st.fragmentation);
	return stats_match() && no_overlap() &&
	       (mymap_heap_check(heap) == 0 || fail("final check: %s", mymap_last_message()));
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: %s anon|memfd|brk|device OPS [SEED]\n", argv[0]);
		return 2;
	}
	const char *backend = argv[1];
	uint64_t ops = strtoull(argv[2], NULL, 10);

	rng_state = argc > 3 ? strtoull(argv[3], NULL, 0) : 0x2545f4914f6cdd1dULL;
	demand_paged = strcmp(backend, "device") != 0;
	heap = open_backend(backend);
	if (!tap_ok(heap != NULL, "%s: a heap opens", backend))
		tap_diag("%s", mymap_last_message());
	else {
		bool ok = run(ops);

		tap_ok(ok,
		       "%s: %" PRIu64 " random operations match the model (alignment, usable size, "
		       "contents across realloc, no overlap, exact statistics, heap check)%s%s",
		       backend, ops, ok ? "" : ": ", failure);
		tap_ok(mymap_close(heap) == 0, "%s: the heap closes", backend);
	}
	return tap_done();
}
