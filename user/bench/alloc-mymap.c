// SPDX-License-Identifier: GPL-2.0
/*
 * alloc-mymap.c - libmymap as subjects: one heap per backend (anon, memfd,
 * brk, device), each formatted fresh for the measurement, and anon once
 * more with MYMAP_POPULATE.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc-subjects.h"
#include "mymap.h"

/* A refused free or realloc means a damaged heap: no figure is worth reporting after it. */
static void die(const char *what)
{
	fprintf(stderr, "mymap-bench-alloc: %s: %s (%s)\n", what, mymap_last_message(),
		strerror(errno));
	exit(1);
}

static void *heap_alloc(void *ctx, size_t size)
{
	return mymap_malloc(ctx, size);
}

static void heap_free(void *ctx, void *ptr)
{
	if (__builtin_expect(mymap_free(ctx, ptr) < 0, 0))
		die("mymap_free");
}

static void *heap_realloc(void *ctx, void *ptr, size_t size)
{
	void *p = mymap_realloc(ctx, ptr, size);

	if (__builtin_expect(!p && errno != ENOMEM, 0))
		die("mymap_realloc");
	return p;
}

static uint64_t heap_to_offset(void *ctx, void *ptr)
{
	return mymap_offset(ctx, ptr);
}

static void *heap_from_offset(void *ctx, uint64_t off)
{
	return mymap_ptr(ctx, off, 1);
}

static int fill_ops(struct alloc_heap *h, struct mymap_heap *heap, const char *backend)
{
	if (!heap) {
		fprintf(stderr, "mymap-bench-alloc: cannot open a %s heap: %s\n", backend,
			*mymap_last_message() ? mymap_last_message() : strerror(errno));
		return -1;
	}
	*h = (struct alloc_heap){
	    .ctx = heap,
	    .arena_bytes = mymap_heap_size(heap),
	    .alloc = heap_alloc,
	    .free = heap_free,
	    .realloc = heap_realloc,
	    .to_offset = heap_to_offset,
	    .from_offset = heap_from_offset,
	};
	return 0;
}

static int heap_reopen(struct alloc_heap *h)
{
	struct mymap_heap *old = h->ctx, *fresh = mymap_open_fd(mymap_heap_fd(old), 0);

	if (!fresh) {
		fprintf(stderr, "mymap-bench-alloc: cannot map the heap again: %s\n",
			mymap_last_message());
		return -1;
	}
	mymap_close(old);
	h->ctx = fresh;
	return 0;
}

static int anon_open(struct alloc_heap *h, size_t arena_bytes)
{
	return fill_ops(h, mymap_open_anon(arena_bytes, 0), "anon");
}

/* The arena resident from the open: no allocation ever meets a first-touch page fault. */
static int anon_populated_open(struct alloc_heap *h, size_t arena_bytes)
{
	return fill_ops(h, mymap_open_anon(arena_bytes, MYMAP_POPULATE), "anon (populated)");
}

static int memfd_open(struct alloc_heap *h, size_t arena_bytes)
{
	if (fill_ops(h, mymap_open_memfd(arena_bytes, 0), "memfd") < 0)
		return -1;
	h->reopen = heap_reopen;
	return 0;
}

static int brk_open(struct alloc_heap *h, size_t arena_bytes)
{
	return fill_ops(h, mymap_open_brk(arena_bytes, 0), "brk");
}

/* The whole device region, formatted whatever it held: the benchmark owns the device. */
static int device_open(struct alloc_heap *h, size_t arena_bytes)
{
	(void)arena_bytes;
	if (fill_ops(h, mymap_open_device(MYMAP_FORMAT), "device") < 0)
		return -1;
	h->reopen = heap_reopen;
	return 0;
}

static void heap_close(struct alloc_heap *h)
{
	if (mymap_close(h->ctx) < 0)
		fprintf(stderr, "mymap-bench-alloc: mymap_close: %s\n", strerror(errno));
	h->ctx = NULL;
}

const struct alloc_subject alloc_mymap_anon = {"anon", ALLOC_BOUNDED, anon_open, heap_close};
const struct alloc_subject alloc_mymap_anon_populated = {"anon-populated", ALLOC_BOUNDED,
							 anon_populated_open, heap_close};
const struct alloc_subject alloc_mymap_memfd = {"memfd", ALLOC_BOUNDED | ALLOC_SHARED, memfd_open,
						heap_close};
const struct alloc_subject alloc_mymap_brk = {"brk", ALLOC_BOUNDED, brk_open, heap_close};
const struct alloc_subject alloc_mymap_device = {"device", ALLOC_BOUNDED | ALLOC_SHARED,
						 device_open, heap_close};
