// SPDX-License-Identifier: GPL-2.0
/*
 * test_errors.c - bad pointers and damaged heaps are reported, with the
 * right codes, and change nothing.
 *
 * The checks on damage beside a freed block run on heaps opened with
 * MYMAP_NOCACHE, where every free merges at once and so looks at its
 * neighbours; with the block cache, the same damage is found when the
 * cached block goes back to the heap (test_damage_beside_cached_block).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mymap.h"
#include "tap.h"

#define SIZE (1u << 20)

static struct mymap_heap *h;

static unsigned long long integrity(void)
{
	struct mymap_stats st;

	mymap_heap_stats(h, &st);
	return (unsigned long long)st.integrity_errors;
}

/* Whether @p's free fails with @err and @code. */
static bool refused(void *p, int err, enum mymap_error code)
{
	return mymap_free(h, p) == -1 && errno == err && mymap_last_error() == code;
}

static void test_bad_pointers(void)
{
	struct mymap_heap *other = mymap_open_anon(SIZE, 0);
	char *a = mymap_malloc(h, 100), *b = mymap_malloc(h, 200), *c = mymap_malloc(h, 300);
	void *g = malloc(16);
	unsigned long long before = integrity();

	memset(b, 0, 200);
	tap_ok(refused(g, EINVAL, MYMAP_ERR_FOREIGN),
	       "free of a glibc pointer: EINVAL, MYMAP_ERR_FOREIGN (%s)", mymap_last_message());
	void *o = mymap_malloc(other, 10);

	tap_ok(refused(o, EINVAL, MYMAP_ERR_FOREIGN), "free of another heap's block: foreign");
	tap_ok(refused(b + 1, EINVAL, MYMAP_ERR_INTERIOR), "free of b+1: interior (%s)",
	       mymap_last_message());
	tap_ok(refused(b + 64, EINVAL, MYMAP_ERR_INTERIOR),
	       "free of b+64 (zeroed payload): interior");
	tap_ok(mymap_usable_size(h, b + 32) == 0 && mymap_last_error() == MYMAP_ERR_INTERIOR,
	       "usable_size of an interior pointer: 0, interior");
	tap_ok(integrity() == before + 5, "integrity_errors counted 5 refusals (saw %llu)",
	       integrity() - before);

	tap_ok(mymap_free(h, b) == 0, "b is freed once");
	tap_ok(refused(b, EINVAL, MYMAP_ERR_DOUBLE_FREE), "second free of b: double free (%s)",
	       mymap_last_message());
	tap_ok(mymap_free(h, a) == 0, "a (before b) is freed and merges with b");
	tap_ok(refused(b, EINVAL, MYMAP_ERR_DOUBLE_FREE),
	       "third free of b, now merged into a's block: still a double free");
	tap_ok(refused(a, EINVAL, MYMAP_ERR_DOUBLE_FREE), "second free of a: double free");
	tap_ok(mymap_heap_check(h) == 0, "after all refusals the heap checks clean");
	mymap_free(h, c);
	free(g);
	mymap_close(other);
}

static void test_damaged_headers(void)
{
	char *a = mymap_malloc(h, 64), *b = mymap_malloc(h, 64), *c = mymap_malloc(h, 64);
	char saved[16];

	/* An overflow out of a over b's header. */
	memcpy(saved, b - 16, 16);
	memset(b - 16, 0x41, 16);
	tap_ok(mymap_heap_check(h) == -1 && errno == EUCLEAN &&
		   mymap_last_error() == MYMAP_ERR_CORRUPT,
	       "mymap_heap_check finds an overwritten header: EUCLEAN (%s)", mymap_last_message());
	tap_ok(refused(b, EINVAL, MYMAP_ERR_INTERIOR) || refused(b, EUCLEAN, MYMAP_ERR_CORRUPT),
	       "free of the block whose header was overwritten is refused");
	tap_ok(refused(a, EUCLEAN, MYMAP_ERR_CORRUPT),
	       "free of the block before it is refused: its neighbour is damaged (%s)",
	       mymap_last_message());
	tap_ok(refused(c, EUCLEAN, MYMAP_ERR_CORRUPT),
	       "free of the block after it is refused too (%s)", mymap_last_message());
	memcpy(b - 16, saved, 16);
	tap_ok(mymap_heap_check(h) == 0, "with the header restored the heap is as it was");

	/* One flipped bit in a size. */
	b[-16] ^= 0x02;
	tap_ok(refused(b, EUCLEAN, MYMAP_ERR_CORRUPT),
	       "a header with one bit flipped in its size is damaged, not interior");
	b[-16] ^= 0x02;

	/* a's header copied over c's: the same size and state, another place. */
	memcpy(saved, c - 16, 16);
	memcpy(c - 16, a - 16, 16);
	tap_ok(refused(c, EUCLEAN, MYMAP_ERR_CORRUPT),
	       "a header copied from another block of its size is damaged: the canary binds its "
	       "place (%s)",
	       mymap_last_message());
	memcpy(c - 16, saved, 16);

	/* The state word alone rewritten, used to free (the state follows size and prev). */
	memcpy(saved, b - 16, 16);
	memcpy(b - 8, "FREE", 4);
	tap_ok(refused(b, EUCLEAN, MYMAP_ERR_CORRUPT),
	       "a header whose state alone was rewritten to free is damaged, not a double free");
	memcpy(b - 16, saved, 16);
	tap_ok(mymap_free(h, a) == 0 && mymap_free(h, b) == 0 && mymap_free(h, c) == 0,
	       "restored, all three blocks free normally");
}

static void test_damaged_links(void)
{
	char *a = mymap_malloc(h, 5000), *guard = mymap_malloc(h, 16);
	struct mymap_stats st;

	mymap_free(h, a);
	/* Use after free: scribble over the free block's list links. */
	memset(a, 0x5a, 16);
	tap_ok(mymap_heap_check(h) == -1 && errno == EUCLEAN, "heap check finds broken links (%s)",
	       mymap_last_message());
	void *p = mymap_malloc(h, 4000);

	tap_ok(p == NULL && errno == EUCLEAN && mymap_last_error() == MYMAP_ERR_CORRUPT,
	       "malloc that would follow the broken link refuses with EUCLEAN (%s)",
	       mymap_last_message());
	tap_ok(refused(guard, EUCLEAN, MYMAP_ERR_CORRUPT),
	       "free that would merge with the damaged block refuses (%s)", mymap_last_message());
	mymap_heap_stats(h, &st);
	tap_ok(st.integrity_errors > 0, "integrity_errors is %llu, never reset",
	       (unsigned long long)st.integrity_errors);
}

/*
 * With the block cache a free does not look at its neighbours: the damage
 * is reported when the block goes back to the heap, and the block stays
 * allocated rather than merge across it.
 */
static void test_damage_beside_cached_block(const char *what)
{
	char *a = mymap_malloc(h, 64), *b = mymap_malloc(h, 64), *c = mymap_malloc(h, 64);
	unsigned long long before = integrity();
	struct mymap_stats st;
	char saved[16];

	mymap_heap_stats(h, &st);
	uint64_t frees = st.free_count;

	memcpy(saved, b - 16, 16);
	memset(b - 16, 0x41, 16);
	tap_ok(mymap_free(h, a) == 0, "%s: a free beside a damaged header goes to the cache", what);
	tap_ok(mymap_heap_check(h) == -1 && errno == EUCLEAN &&
		   mymap_last_error() == MYMAP_ERR_CORRUPT,
	       "%s: mymap_heap_check, which returns the cached block first, reports the damage "
	       "(%s)",
	       what, mymap_last_message());
	tap_ok(integrity() > before, "%s: the damage is counted (%llu integrity errors more)", what,
	       integrity() - before);
	memcpy(b - 16, saved, 16);
	tap_ok(mymap_heap_check(h) == 0, "%s: with the header restored the heap checks clean (%s)",
	       what, mymap_last_message());
	mymap_heap_stats(h, &st);
	tap_ok(st.free_count == frees + 1,
	       "%s: the free that was refused its merge still counts once (free_count +%lld)", what,
	       (long long)(st.free_count - frees));
	tap_ok(mymap_free(h, b) == 0 && mymap_free(h, c) == 0, "%s: b and c then free normally",
	       what);
	mymap_heap_stats(h, &st);
	tap_ok(st.used_blocks == 1 && st.in_use == mymap_usable_size(h, a),
	       "%s: the block that could not merge stayed allocated, whole (%llu blocks, %llu "
	       "bytes in use)",
	       what, (unsigned long long)st.used_blocks, (unsigned long long)st.in_use);
	tap_ok(mymap_free(h, a) == 0 && mymap_heap_check(h) == 0,
	       "%s: freeing it again gives the heap back whole", what);
}

/*
 * A write after free into a cached block's list link, pointing it at
 * data inside a live block that looks like a cached header: the cache
 * must not hand that data out as a block.
 */
static void test_forged_cache_link(const char *what)
{
	char *base = mymap_heap_base(h);
	char *a = mymap_malloc(h, 40), *b = mymap_malloc(h, 400);
	uint32_t *fake = (uint32_t *)(b + 64);
	unsigned long long before = integrity();

	/* Size 4 units, no predecessor, state "CACH", and a canary that cannot match. */
	fake[0] = 4;
	fake[1] = 0;
	fake[2] = 0x48434143u;
	fake[3] = 0x12345678u;
	mymap_free(h, a);
	*(uint32_t *)a = (uint32_t)(((char *)fake - base) >> 4);
	char *x = mymap_malloc(h, 40), *y = mymap_malloc(h, 40);

	tap_ok(x == a && y && !(y >= b && y < b + 400),
	       "%s: a forged link in a cached block is not followed into a live block (%s)", what,
	       y >= b && y < b + 400 ? "it was" : "not followed");
	tap_ok(integrity() > before, "%s: the forged link is counted as damage", what);
	mymap_free(h, x);
	mymap_free(h, y);
	mymap_free(h, b);
}

/* Runs @test on a heap from @open with @flags. */
static void on_heap(struct mymap_heap *(*open)(size_t, unsigned int), unsigned int flags,
		    const char *what, void (*test)(const char *))
{
	h = open(SIZE, flags);
	if (!tap_ok(h != NULL, "%s heap opens", what))
		return;
	test(what);
	mymap_close(h);
}

static void test_every_free_merges(const char *what)
{
	(void)what;
	test_bad_pointers();
	test_damaged_headers();
	test_damaged_links();
}

int main(void)
{
	on_heap(mymap_open_memfd, MYMAP_NOCACHE, "memfd, MYMAP_NOCACHE", test_every_free_merges);
	on_heap(mymap_open_anon, MYMAP_NOCACHE, "private anon, MYMAP_NOCACHE",
		test_every_free_merges);
	on_heap(mymap_open_memfd, 0, "memfd", test_damage_beside_cached_block);
	on_heap(mymap_open_anon, 0, "private anon", test_damage_beside_cached_block);
	on_heap(mymap_open_memfd, 0, "memfd", test_forged_cache_link);
	on_heap(mymap_open_anon, 0, "private anon", test_forged_cache_link);
	return tap_done();
}
