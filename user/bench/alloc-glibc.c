// SPDX-License-Identifier: GPL-2.0
/*
 * alloc-glibc.c - the C library's malloc as a subject, and the check that
 * the malloc this program calls really is the C library's (a preloaded or
 * linked-in allocator would replace it silently).
 */
#include "alloc-subjects.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *sys_alloc(void *ctx, size_t size)
{
	(void)ctx;
	return malloc(size);
}

static void sys_free(void *ctx, void *ptr)
{
	(void)ctx;
	free(ptr);
}

static void *sys_realloc(void *ctx, void *ptr, size_t size)
{
	(void)ctx;
	return realloc(ptr, size);
}

void alloc_use_malloc(struct alloc_heap *h)
{
	*h = (struct alloc_heap){.alloc = sys_alloc, .free = sys_free, .realloc = sys_realloc};
}

int alloc_malloc_is_from(const char *library)
{
	Dl_info info;
	void *(*fn)(size_t) = malloc;

	if (!dladdr(*(void **)&fn, &info) || !info.dli_fname) {
		fprintf(stderr, "mymap-bench-alloc: cannot tell which library malloc is from\n");
		return 0;
	}
	if (!strstr(info.dli_fname, library)) {
		fprintf(stderr,
			"mymap-bench-alloc: malloc comes from %s, not %s (preloaded, or a "
			"sanitizer's)\n",
			info.dli_fname, library);
		return 0;
	}
	return 1;
}

static int glibc_open(struct alloc_heap *h, size_t arena_bytes)
{
	(void)arena_bytes;
	if (!alloc_malloc_is_from("libc.so"))
		return -1;
	alloc_use_malloc(h);
	return 0;
}

const struct alloc_subject alloc_glibc = {"glibc", 0, glibc_open, NULL};
