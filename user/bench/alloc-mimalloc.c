// SPDX-License-Identifier: GPL-2.0
/*
 * mymap-bench-alloc-mimalloc - the alloc benchmark's worker for mimalloc.
 *
 * Debian's libmimalloc is built to override malloc: linking it replaces
 * malloc for the whole process, so it gets a program of its own, like
 * jemalloc.  The workloads call mi_malloc/mi_free/mi_realloc directly.
 */
#include <mimalloc.h>
#include <stdio.h>

#include "alloc-subjects.h"
#include "alloc-worker.h"

static void *mi_alloc_fn(void *ctx, size_t size)
{
	(void)ctx;
	return mi_malloc(size);
}

static void mi_free_fn(void *ctx, void *ptr)
{
	(void)ctx;
	mi_free(ptr);
}

static void *mi_realloc_fn(void *ctx, void *ptr, size_t size)
{
	(void)ctx;
	return mi_realloc(ptr, size);
}

static int mimalloc_open(struct alloc_heap *h, size_t arena_bytes)
{
	(void)arena_bytes;
	if (mi_version() <= 0) {
		fprintf(stderr, "mymap-bench-alloc: mimalloc reports no version\n");
		return -1;
	}
	*h =
	    (struct alloc_heap){.alloc = mi_alloc_fn, .free = mi_free_fn, .realloc = mi_realloc_fn};
	return 0;
}

const struct alloc_subject alloc_mimalloc = {"mimalloc", 0, mimalloc_open, NULL};

int main(int argc, char **argv)
{
	const struct alloc_subject *const subjects[] = {&alloc_mimalloc};

	return alloc_worker_main(argc, argv, subjects, 1);
}
