/* SPDX-License-Identifier: GPL-2.0 */
/*
 * layout.h - the heap as it lies in the region: header, block headers,
 * free-list links and the size classes that index them.
 *
 * Everything here is shared by every process mapping the region, at
 * whatever address, so it holds offsets and never pointers.  Offsets of
 * blocks are counted in 16-byte units ("unit offsets"), which lets a
 * 32-bit field address a 64 GiB region.
 */
#ifndef MYMAP_LAYOUT_H
#define MYMAP_LAYOUT_H

#include <stdatomic.h>
#include <stdint.h>

#include "block_format.h"
#include "mymap.h"
#include "robust_lock.h"

/* "MYMAPHP1" read as a little-endian word: a formatted heap. */
#define MM_MAGIC 0x31504850414d594dULL
/* Written first by a format in progress, replaced by MM_MAGIC last. */
#define MM_FORMATTING 0x2e2e2e2e41544d46ULL

/* Second level: each power-of-two range is split into 16 classes. */
#define MM_SL_SHIFT 4
#define MM_SL_COUNT (1u << MM_SL_SHIFT)
/* Blocks under 16 * 16 units (256 bytes) are classed linearly in level 0. */
#define MM_SMALL_UNITS MM_SL_COUNT
/* Level i >= 1 holds blocks of [2^(i+3), 2^(i+4)) units; 2^32 units max. */
#define MM_FL_COUNT 29u

/*
 * The journal: every change to block headers is first written here in
 * full and committed by setting @count, then applied, then @count is reset.
 * A lock holder that dies leaves either nothing committed (headers
 * untouched) or a complete list of new headers to write again.
 */
#define MM_JOURNAL_SLOTS 4
struct mm_journal_entry {
	uint32_t at;	    /* unit offset of the header */
	uint32_t prev_only; /* nonzero: only block.prev is written (see mm_block) */
	struct mm_block block;
};

struct mm_journal {
	_Atomic uint32_t count;
	uint32_t pad;
	struct mm_journal_entry entry[MM_JOURNAL_SLOTS];
};

/* Counters kept under the lock; see struct mymap_stats. */
struct mm_counters {
	uint64_t in_use;
	uint64_t free;
	uint64_t used_blocks;
	uint64_t free_blocks;
	uint64_t peak_in_use;
	uint64_t alloc_count;
	uint64_t free_count;
	uint64_t failed_count;
	_Atomic uint64_t integrity_errors;
	uint64_t recoveries;
};

/*
 * The thread caches (tcache.h): a thread claims a slot for one handle by
 * swapping its identity into @owner, and from then on only it changes the
 * slot, without the heap lock, until it closes the handle or is found dead
 * (then the lock holder returns the slot's blocks to the heap).
 * @process: the owner's process identity; @handle: the number of the
 *         owner's handle (unique in its process), so mymap_close() finds
 *         the slots that handle claimed.
 * @list:  per size (2 .. 65 units), @head, the unit offset of the last
 *         cached block (each cached block's first payload word links the
 *         next), beside @count, the blocks in the list (their sum is the
 *         slot's block count): a push or a pop touches one line of them.
 * @seq:   odd while the owner changes the slot: the counters below are
 *         read by other processes as a consistent snapshot.
 * @bytes: the usable bytes of the blocks in the lists.  The heap
 *         counters count these blocks as in use; statistics move them to
 *         free.
 * @allocs, @frees: requests served by the cache and frees into it, not
 *         yet in the heap counters.
 * @peak:  the highest in-use figure a request served by the cache made.
 */
#define MM_TCACHE_SLOTS 8
#define MM_TCACHE_BINS	64
#define MM_TCACHE_DEPTH 16 /* blocks per list, but for a private heap's sole user */

struct mm_tcache {
	_Atomic uint64_t owner;
	uint64_t process;
	uint64_t handle;
	_Atomic uint32_t seq;
	uint32_t reserved; /* zero */
	uint64_t bytes;
	uint64_t allocs;
	uint64_t frees;
	uint64_t peak;
	struct {
		uint32_t head;
		uint32_t count;
	} list[MM_TCACHE_BINS];
} __attribute__((aligned(64)));

/*
 * struct mm_header - at offset 0 of the region.
 * Fields before @lock are written once by the format and only read after.
 */
struct mm_header {
	_Atomic uint64_t magic;
	uint32_t version;
	uint32_t header_size;
	uint64_t region_size;
	uint64_t salt;
	uint32_t first; /* unit offset of the first block */
	uint32_t end;	/* unit offset just past the last block */
	uint64_t generation;

	struct mm_lock lock __attribute__((aligned(64)));
	_Atomic uint64_t roots[MYMAP_ROOT_SLOTS] __attribute__((aligned(64)));
	struct mm_counters counters __attribute__((aligned(64)));
	struct mm_journal journal __attribute__((aligned(64)));

	uint64_t fl_bitmap __attribute__((aligned(64)));
	uint32_t sl_bitmap[MM_FL_COUNT];
	uint32_t heads[MM_FL_COUNT][MM_SL_COUNT];

	struct mm_tcache tcache[MM_TCACHE_SLOTS];
};

#endif /* MYMAP_LAYOUT_H */
