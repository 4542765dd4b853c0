/* SPDX-License-Identifier: GPL-2.0 */
/*
 * block_format.h - a block as it lies in the region: the 16-byte header
 * before every payload, its states, and the list links a free block keeps
 * in its payload.  Sizes and offsets are in 16-byte units, so a 32-bit
 * field reaches 64 GiB.  The code that reads and changes headers is in
 * block.h.
 */
#ifndef MYMAP_BLOCK_FORMAT_H
#define MYMAP_BLOCK_FORMAT_H

#include <stdint.h>

#define MM_UNIT_SHIFT 4
#define MM_UNIT	      (1u << MM_UNIT_SHIFT)
/* A block is at least a header and the two free-list links. */
#define MM_MIN_UNITS 2u
/* 2^32 units of 16 bytes. */
#define MM_MAX_REGION (1ULL << 36)

/* Block states; any other value is not a block start. */
#define MM_USED 0x44455355u /* "USED" */
#define MM_FREE 0x45455246u /* "FREE" */
/* A header that stopped being a block start when its block was merged
 * into a neighbour: kept recognisable so a second free is named. */
#define MM_GONE 0x454e4f47u /* "GONE" */
/* Freed into a thread's cache slot in the heap header (tcache.h). */
#define MM_CACHED 0x48434143u /* "CACH" */

/*
 * struct mm_block - the 16 bytes before every payload.
 * @size:  the block's size in units, header included.
 * @prev:  the size in units of the block just before it; 0 for the first.
 * @state: MM_USED, MM_FREE, MM_CACHED or MM_GONE.
 * @check: canary over @size, @state, the block's own offset and the heap's
 *         salt, so a damaged or misplaced header is recognised.  @prev is
 *         left out (a neighbour's change rewrites it alone); it is checked
 *         by finding there a block whose size agrees.
 * @tag:   @state and @check as one word.  A process moves its own cached
 *         blocks between MM_USED and MM_CACHED without the heap lock, so
 *         both change in one store and are read in one load (mm_block_ok);
 *         the lock holder meanwhile writes only @prev of such a block.
 */
struct mm_block {
	union {
		struct {
			uint32_t size;
			uint32_t prev;
		};
		uint64_t span; /* @size and @prev as one word (mm_header_store) */
	};
	union {
		struct {
			uint32_t state;
			uint32_t check;
		};
		uint64_t tag;
	};
};

/* In the payload of a free block: its neighbours in its class's list. */
struct mm_links {
	uint32_t next;
	uint32_t prev;
};

#endif /* MYMAP_BLOCK_FORMAT_H */
