// SPDX-License-Identifier: GPL-2.0
/*
 * bootstrap.c - the static arena that serves the malloc family while the
 * heap is being opened: libudev, /proc readers and thread-local storage
 * may allocate from inside mymap_open_*(), before there is a heap.
 *
 * A bump allocator: each block has a 16-byte header holding its size, so
 * realloc() and malloc_usable_size() know it; free() of a block keeps its
 * memory (start-up allocates little, and much of it for the whole run).
 * Only the opening thread allocates here, the others wait for the heap, so
 * no lock.  Running out ends the process with a message.
 */
#include <string.h>

#include "preload.h"

#define BOOTSTRAP_SIZE (1u << 20)
#define HEADER	       16

static _Alignas(4096) unsigned char arena[BOOTSTRAP_SIZE];
static size_t used;

void *bootstrap_alloc(size_t alignment, size_t size)
{
	uintptr_t start = (uintptr_t)arena;
	size_t at;

	if (alignment < HEADER)
		alignment = HEADER;
	/* the payload aligned, its header just below it */
	at = ((start + used + HEADER + alignment - 1) & ~(uintptr_t)(alignment - 1)) - start;
	if (alignment > BOOTSTRAP_SIZE || size > BOOTSTRAP_SIZE)
		preload_die(
		    "the bootstrap arena (1 MiB, for calls made while the heap opens) is full");
	size = (size + HEADER - 1) & ~(size_t)(HEADER - 1);
	if (at > BOOTSTRAP_SIZE - size)
		preload_die(
		    "the bootstrap arena (1 MiB, for calls made while the heap opens) is full");
	memcpy(arena + at - HEADER, &size, sizeof(size));
	used = at + size;
	return arena + at;
}

bool bootstrap_owns(const void *p)
{
	return (uintptr_t)p - (uintptr_t)arena < BOOTSTRAP_SIZE;
}

size_t bootstrap_usable_size(const void *p)
{
	size_t size;

	memcpy(&size, (const unsigned char *)p - HEADER, sizeof(size));
	return size;
}
