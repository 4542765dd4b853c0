// SPDX-License-Identifier: GPL-2.0
/*
 * family.c - the malloc family of libmymap-malloc.so: every entry point
 * glibc lets a program replace, served from the one libmymap heap.
 *
 * A pointer is the heap's, the bootstrap arena's (calls made while the
 * heap opened) or an over-aligned block's (alignment above the page
 * size); each is freed by its own owner, so no pointer reaches another
 * allocator's free.  A pointer that is none of these (the dynamic
 * loader's own early allocations) is left alone by free().  Failures set
 * errno to ENOMEM (EINVAL for a bad alignment) as glibc does; the
 * library's finer reasons stay in mymap_last_error().
 */
#include <errno.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "preload.h"

#define EXPORT __attribute__((visibility("default")))

/* The page size, the largest alignment mymap_aligned_alloc() gives. */
static size_t page_size(void)
{
	static size_t page;

	if (!page)
		page = (size_t)sysconf(_SC_PAGESIZE);
	return page;
}

static __attribute__((cold, noinline)) void *out_of_memory(void)
{
	errno = ENOMEM;
	return NULL;
}

/* @p, or NULL and ENOMEM whatever the heap's finer reason. */
static inline void *served(void *p)
{
	return p ? p : out_of_memory();
}

/* Any alignment that is a power of two; the heap's own up to a page. */
static void *aligned(size_t alignment, size_t size)
{
	struct fork_gate_slot *gate;
	void *p;

	if (alignment <= MYMAP_ALIGNMENT)
		alignment = 0;
	if (!preload_ready())
		return bootstrap_alloc(alignment ? alignment : MYMAP_ALIGNMENT, size);
	if (alignment > page_size())
		return overaligned_alloc(alignment, size);
	gate = fork_gate_enter();
	p = alignment ? mymap_aligned_alloc(preload_heap, alignment, size)
		      : mymap_malloc(preload_heap, size);
	fork_gate_leave(gate);
	return served(p);
}

/*
 * malloc() and free(), the calls programs make most, through the fork
 * gate (a shared heap).  Kept apart so that on a private heap, whose gate
 * is inactive, they hold no gate state across the heap's call and save
 * no registers for it.
 */
static __attribute__((noinline)) void *malloc_gated(size_t size)
{
	struct fork_gate_slot *gate = fork_gate_enter();
	void *p = mymap_malloc(preload_heap, size);

	fork_gate_leave(gate);
	return served(p);
}

static __attribute__((noinline)) void free_gated(void *ptr)
{
	struct fork_gate_slot *gate = fork_gate_enter();

	mymap_free(preload_heap, ptr);
	fork_gate_leave(gate);
}

EXPORT void *malloc(size_t size)
{
	if (!preload_ready())
		return bootstrap_alloc(MYMAP_ALIGNMENT, size);
	if (fork_gate_active)
		return malloc_gated(size);
	return served(mymap_malloc(preload_heap, size));
}

EXPORT void free(void *ptr)
{
	int saved;

	/* bootstrap blocks keep their memory; foreign pointers are left alone */
	if (!preload_in_heap(ptr))
		return;
	if (atomic_load_explicit(&overaligned_live, memory_order_relaxed) && overaligned_free(ptr))
		return;
	saved = errno; /* free() never changes errno (POSIX 2024) */
	if (fork_gate_active)
		free_gated(ptr);
	else
		mymap_free(preload_heap, ptr);
	errno = saved;
}

EXPORT void *calloc(size_t n, size_t size)
{
	struct fork_gate_slot *gate;
	size_t total;
	void *p;

	if (__builtin_mul_overflow(n, size, &total))
		return out_of_memory();
	if (!preload_ready())
		return bootstrap_alloc(MYMAP_ALIGNMENT, total); /* static: zero */
	gate = fork_gate_enter();
	p = mymap_calloc(preload_heap, 1, total);
	fork_gate_leave(gate);
	return served(p);
}

EXPORT size_t malloc_usable_size(void *ptr)
{
	struct fork_gate_slot *gate;
	size_t usable;

	if (!ptr)
		return 0;
	if (bootstrap_owns(ptr))
		return bootstrap_usable_size(ptr);
	if (atomic_load_explicit(&overaligned_live, memory_order_relaxed) &&
	    overaligned_usable_size(ptr, &usable))
		return usable;
	if (!preload_in_heap(ptr))
		return 0;
	gate = fork_gate_enter();
	usable = mymap_usable_size(preload_heap, ptr);
	fork_gate_leave(gate);
	return usable;
}

/* Moves a block the heap cannot resize (bootstrap, over-aligned) into a new one. */
static void *move_block(void *ptr, size_t have, size_t size)
{
	void *q = malloc(size);

	if (q) {
		memcpy(q, ptr, have < size ? have : size);
		free(ptr);
	}
	return q;
}

EXPORT void *realloc(void *ptr, size_t size)
{
	struct fork_gate_slot *gate;
	size_t usable;
	void *p;

	if (!ptr)
		return malloc(size);
	if (size == 0) { /* as glibc: frees, returns NULL */
		free(ptr);
		return NULL;
	}
	if (bootstrap_owns(ptr))
		return move_block(ptr, bootstrap_usable_size(ptr), size);
	if (atomic_load_explicit(&overaligned_live, memory_order_relaxed) &&
	    overaligned_usable_size(ptr, &usable))
		return move_block(ptr, usable, size);
	if (!preload_in_heap(ptr)) /* its size is unknown: it cannot be moved */
		preload_die("realloc() of a pointer this library never handed out");
	gate = fork_gate_enter();
	p = mymap_realloc(preload_heap, ptr, size);
	fork_gate_leave(gate);
	return served(p);
}

EXPORT void *reallocarray(void *ptr, size_t n, size_t size)
{
	size_t total;

	if (__builtin_mul_overflow(n, size, &total))
		return out_of_memory();
	return realloc(ptr, total);
}

static bool power_of_two(size_t x)
{
	return x && !(x & (x - 1));
}

/* C17 as glibc 2.38 reads it: any size, a power-of-two alignment. */
EXPORT void *aligned_alloc(size_t alignment, size_t size)
{
	if (!power_of_two(alignment)) {
		errno = EINVAL;
		return NULL;
	}
	return aligned(alignment, size);
}

EXPORT int posix_memalign(void **out, size_t alignment, size_t size)
{
	int saved = errno;
	void *p;

	if (!power_of_two(alignment) || alignment % sizeof(void *))
		return EINVAL;
	p = aligned(alignment, size);
	if (!p) {
		errno = saved;
		return ENOMEM;
	}
	*out = p;
	return 0;
}

/* As glibc: an alignment that is not a power of two is rounded up to one. */
EXPORT void *memalign(size_t alignment, size_t size)
{
	if (alignment > SIZE_MAX / 2 + 1) {
		errno = EINVAL;
		return NULL;
	}
	while (!power_of_two(alignment))
		alignment = alignment ? (alignment | (alignment - 1)) + 1 : 1;
	return aligned(alignment, size);
}

EXPORT void *valloc(size_t size)
{
	return aligned(page_size(), size);
}

/* Rounds the size up to whole pages; 0 gives one page. */
EXPORT void *pvalloc(size_t size)
{
	size_t page = page_size();
	size_t rounded;

	if (__builtin_add_overflow(size, page - 1, &rounded))
		return out_of_memory();
	rounded &= ~(page - 1);
	return aligned(page, rounded ? rounded : page);
}
