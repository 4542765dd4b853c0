/* SPDX-License-Identifier: GPL-2.0 */
/*
 * alloc-subject.h - an allocator under test, as the alloc benchmark's
 * workloads see it: a context and three function pointers, so one copy of
 * each workload measures every allocator the same way.
 *
 * Each subject lives in the worker program linked against its allocator
 * (glibc and libmymap in mymap-bench-alloc, jemalloc and mimalloc in their
 * own programs, since both replace malloc for the whole process they are
 * linked into), and each measurement runs in a fresh worker process.
 */
#ifndef MYMAP_BENCH_ALLOC_SUBJECT_H
#define MYMAP_BENCH_ALLOC_SUBJECT_H

#include <stddef.h>
#include <stdint.h>

/* The subject's arena is bounded: allocation fails once it is full. */
#define ALLOC_BOUNDED 0x1u
/* Another process can free the subject's blocks (a shared heap). */
#define ALLOC_SHARED 0x2u

/* An open allocator: what the workloads call. */
struct alloc_heap {
	void *ctx;
	size_t arena_bytes; /* ALLOC_BOUNDED: bytes of the arena; else 0 */
	/* NULL when the request cannot be met */
	void *(*alloc)(void *ctx, size_t size);
	void (*free)(void *ctx, void *ptr);
	/* NULL when the request cannot be met; @ptr then stays valid */
	void *(*realloc)(void *ctx, void *ptr, size_t size);
	/* ALLOC_SHARED only: naming blocks across processes */
	uint64_t (*to_offset)(void *ctx, void *ptr);
	void *(*from_offset)(void *ctx, uint64_t off);
	/*
	 * ALLOC_SHARED only, in a forked child: maps the heap again on its
	 * own (at another address, like an unrelated process would), drops
	 * the mapping inherited from the parent and updates @heap->ctx.
	 * 0, or -1 after printing why.
	 */
	int (*reopen)(struct alloc_heap *heap);
};

struct alloc_subject {
	const char *name;
	unsigned int flags; /* ALLOC_BOUNDED, ALLOC_SHARED */
	/*
	 * Opens the allocator with an arena of @arena_bytes (ignored by the
	 * malloc family).  0, or -1 after printing one line saying why.
	 */
	int (*open)(struct alloc_heap *heap, size_t arena_bytes);
	void (*close)(struct alloc_heap *heap); /* NULL: nothing to release */
};

#endif /* MYMAP_BENCH_ALLOC_SUBJECT_H */
