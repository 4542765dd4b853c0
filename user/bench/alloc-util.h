/* SPDX-License-Identifier: GPL-2.0 */
/*
 * alloc-util.h - what the alloc workloads need besides an allocator: a
 * random number generator, memory that stays out of the allocator under
 * test, and the resident-set high-water mark.
 */
#ifndef MYMAP_BENCH_ALLOC_UTIL_H
#define MYMAP_BENCH_ALLOC_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* xorshift64*: cheap, and the same sequence for every subject. */
static inline uint64_t alloc_rand(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545f4914f6cdd1dull;
}

/* Uniform in [lo, hi]. */
static inline size_t alloc_rand_between(uint64_t *state, size_t lo, size_t hi)
{
	return lo + (size_t)(alloc_rand(state) % (hi - lo + 1));
}

/*
 * @size bytes of zeroed, already resident memory from mmap, so the
 * harness's own buffers never come from (or disturb) the allocator being
 * measured; @shared makes it MAP_SHARED for forked workers.  Returns NULL
 * after printing why.  Release with alloc_buffer_free().
 */
void *alloc_buffer(size_t size, int shared);
void alloc_buffer_free(void *buf, size_t size);

/*
 * The calling thread's involuntary context switches so far (times it was
 * preempted), or -1; with @faults, also stores there the page faults the
 * thread has taken so far (minor and major).  A system call: see timed
 * batches in alloc-work.c.
 */
long alloc_preemptions(long *faults);

/*
 * Resets the process's resident-set high-water mark to the current
 * resident set (/proc/self/clear_refs) and returns that resident set in
 * KiB; alloc_rss_growth_kib() then gives how far the high-water mark rose
 * above it.  Where the reset is not possible the growth is measured from
 * the process's lifetime peak, which can only overstate it.
 */
long alloc_rss_reset(void);
long alloc_rss_growth_kib(long base_kib);

#endif /* MYMAP_BENCH_ALLOC_UTIL_H */
