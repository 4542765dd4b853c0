/* SPDX-License-Identifier: GPL-2.0 */
/*
 * malloc-chunk.h - the two facts about glibc's chunks the experiments need
 * to explain what they measure (64-bit glibc; see malloc/malloc.c).
 */
#ifndef MYMAP_EXPERIMENTS_MALLOC_CHUNK_H
#define MYMAP_EXPERIMENTS_MALLOC_CHUNK_H

#include <stddef.h>
#include <stdint.h>

/* The smallest chunk malloc makes: two size fields and two list pointers. */
#define MALLOC_MIN_CHUNK 32

/*
 * The size of the chunk malloc carves for @request bytes: the request plus
 * the 8-byte size field in front of it, rounded up to 16, at least 32.
 * Every malloc threshold is compared with this, never with the request.
 */
static inline size_t malloc_chunk_size(size_t request)
{
	size_t chunk = (request + 8 + 15) & ~(size_t)15;

	return chunk < MALLOC_MIN_CHUNK ? MALLOC_MIN_CHUNK : chunk;
}

/*
 * The size field just before a block malloc returned: the chunk's size in
 * the high bits, flags in the low three (bit 1 set: the chunk was mmapped).
 */
static inline size_t malloc_size_field(const void *block)
{
	/* Through an integer: the field is outside the block, where gcc allows no pointer. */
	const size_t *field = (const size_t *)((uintptr_t)block - sizeof(size_t));

	return *field;
}

#endif /* MYMAP_EXPERIMENTS_MALLOC_CHUNK_H */
