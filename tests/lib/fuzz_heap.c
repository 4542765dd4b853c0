// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_heap.c - libFuzzer target: an input is a sequence of heap
 * operations, some of which damage the heap on purpose.
 *
 * Every input starts from a freshly formatted heap, shared (memfd, with
 * its cache slots), private (anon, its one thread its slot's sole user)
 * or shared without a cache (MYMAP_NOCACHE: every free merges at once) as
 * its first byte says.  The heap must never crash or touch memory outside
 * its region (ASan, UBSan watch), whatever the damage; as long as an
 * input has damaged nothing, every operation must succeed or fail with
 * ENOMEM, block contents must survive, and mymap_heap_check() and the
 * statistics must agree at the end.
 *
 * Operations (one byte of opcode, then arguments):
 *   0 malloc SIZE16   1 calloc SIZE16   2 aligned SHIFT SIZE16
 *   3 realloc IDX SIZE16   4 free IDX   5 free IDX again (double free)
 *   6 free interior IDX DELTA   7 damage: OFF24 BYTE (any byte of the
 *   arena or of the heap header other than the lock)   8 heap check
 *
 * Region images (first byte IMAGE_MODE): a heap holding a fixed pattern
 * of used, cached and free blocks, in a region with a PROT_NONE page on
 * each side, is overwritten by the input's patches, then every call runs
 * on it.  A flags byte, then patches of OFF24 LEN8 and LEN bytes laid at
 * OFF (anywhere but the lock).  Flags: bit 0, forge valid canaries over
 * every header a patch touched (as a peer that read the salt could);
 * bit 1, the private heap instead of the shared one; bit 2, a dead lock
 * owner, so the first call takes the lock over and replays the journal.
 * Nothing may crash, touch a guard page or hand out a block outside the
 * region.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guarded.h"
#include "heap.h"
#include "mymap.h"

#define HEAP_SIZE (256u << 10)
#define LIVE	  64

struct live {
	unsigned char *p;
	size_t size;
	unsigned char fill;
};

/* Three heaps: shared (journal, lock, slots), private (block cache), shared without cache. */
static struct mymap_heap *shared_heap, *private_heap, *uncached_heap, *heap;

struct input {
	const uint8_t *data;
	size_t left;
};

static unsigned int take(struct input *in, unsigned int bytes)
{
	unsigned int v = 0;

	while (bytes-- && in->left) {
		v = v << 8 | *in->data++;
		in->left--;
	}
	return v;
}

static bool intact(const struct live *l)
{
	for (size_t i = 0; i < l->size; i++)
		if (l->p[i] != l->fill)
			return false;
	return true;
}

static void fill(struct live *l, unsigned char value)
{
	l->fill = value;
	memset(l->p, value, l->size);
}

/* The first byte that selects a region image (no operation-sequence seed starts with it). */
#define IMAGE_MODE 0x49

static struct mymap_heap *guarded_shared, *guarded_private;

/* Aborts unless [p, p + n) lies in @h's region. */
static void inside(struct mymap_heap *h, const void *p, size_t n)
{
	const char *c = p, *base = mymap_heap_base(h);

	if (c && (c < base || c + n > base + HEAP_SIZE))
		abort();
}

/* Rewrites valid canaries over every header in [off, off + len). */
static void forge_canaries(struct mymap_heap *h, size_t off, size_t len)
{
	for (uint64_t at = off >> MM_UNIT_SHIFT; at << MM_UNIT_SHIFT < off + len; at++) {
		if (at < h->first || at >= h->end)
			continue;
		struct mm_block *b = mm_block_at(h, (uint32_t)at);

		b->check = mm_check_of(h->salt, (uint32_t)at, b->size, b->state);
	}
}

static int run_image(struct input *in)
{
	static const size_t sizes[] = {24, 40, 100, 500, 1000, 3000, 5000, 20000};
	unsigned int flags = take(in, 1);
	struct mymap_heap *h = flags & 2 ? guarded_private : guarded_shared;
	unsigned char *base = mymap_heap_base(h);
	size_t lock_off = offsetof(struct mm_header, lock);
	void *keep[24];
	struct mymap_stats st;

	mymap_heap_check(h);
	mm_format(h);
	for (unsigned int i = 0; i < 24; i++)
		keep[i] = mymap_malloc(h, sizes[i % 8]);
	for (unsigned int i = 0; i < 24; i += 3) {
		mymap_free(h, keep[i]);
		keep[i] = NULL;
	}
	while (in->left >= 4) {
		size_t off = take(in, 3) % HEAP_SIZE, len = take(in, 1);

		for (size_t i = 0; i < len && in->left; i++) {
			unsigned char byte = (unsigned char)take(in, 1);

			if (off + i < HEAP_SIZE &&
			    (off + i < lock_off || off + i >= lock_off + sizeof(struct mm_lock)))
				base[off + i] = byte;
		}
		if (flags & 1)
			forge_canaries(h, off, len);
	}
	if (flags & 4)
		atomic_store(&((struct mm_header *)base)->lock.owner, ~0ULL);

	mymap_heap_stats(h, &st);
	mymap_heap_check(h);
	for (unsigned int i = 0; i < 8; i++) {
		char *p = mymap_malloc(h, sizes[i]);

		inside(h, p, sizes[i]);
		if (p)
			memset(p, 0x5a, sizes[i]);
		char *q = mymap_realloc(h, p, sizes[(i + 3) % 8]);

		inside(h, q, sizes[(i + 3) % 8]);
		mymap_free(h, q ? q : p);
		p = mymap_aligned_alloc(h, 256, sizes[i]);
		inside(h, p, sizes[i]);
		mymap_free(h, p);
	}
	for (unsigned int i = 0; i < 24; i++) {
		mymap_usable_size(h, keep[i]);
		mymap_free(h, keep[i]);
	}
	mymap_heap_stats(h, &st);
	mymap_heap_check(h);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = {data, size};
	struct live live[LIVE] = {{0}};
	bool damaged = false;
	unsigned char *base;

	if (!shared_heap) {
		shared_heap = mymap_open_memfd(HEAP_SIZE, 0);
		private_heap = mymap_open_anon(HEAP_SIZE, 0);
		uncached_heap = mymap_open_memfd(HEAP_SIZE, MYMAP_NOCACHE);
		guarded_shared = guarded_open(GUARDED_SHARED, HEAP_SIZE);
		guarded_private = guarded_open(GUARDED_PRIVATE, HEAP_SIZE);
		if (!shared_heap || !private_heap || !uncached_heap || !guarded_shared ||
		    !guarded_private) {
			fprintf(stderr, "fuzz_heap: cannot open the heaps (%s%s%s%s%s): %s\n",
				shared_heap ? "" : " shared", private_heap ? "" : " private",
				uncached_heap ? "" : " uncached",
				guarded_shared ? "" : " guarded shared",
				guarded_private ? "" : " guarded private", mymap_last_message());
			abort();
		}
	}
	/* The first byte picks the heap, or a region image. */
	unsigned int first = take(&in, 1);

	if (first == IMAGE_MODE)
		return run_image(&in);
	switch (first % 3) {
	case 0:
		heap = shared_heap;
		break;
	case 1:
		heap = private_heap;
		break;
	default:
		heap = uncached_heap;
	}
	/* Blocks cached in the old format go back first; the format gives out new slots. */
	mymap_heap_check(heap);
	mm_format(heap);
	base = mymap_heap_base(heap);
	while (in.left) {
		unsigned int op = take(&in, 1) % 9;
		struct live *l = &live[take(&in, 1) % LIVE];
		unsigned char *p = NULL;
		size_t req;

		switch (op) {
		case 0:
		case 1:
		case 2:
			if (l->p)
				break;
			req = take(&in, 2) * 4u;
			if (op == 0)
				p = mymap_malloc(heap, req);
			else if (op == 1)
				p = mymap_calloc(heap, 1, req);
			else
				p = mymap_aligned_alloc(heap, (size_t)16 << (take(&in, 1) % 9),
							req);
			if (!p) {
				if (!damaged && errno != ENOMEM)
					abort();
				break;
			}
			if (op == 1 && !damaged)
				for (size_t i = 0; i < req; i++)
					if (p[i])
						abort();
			l->p = p;
			l->size = req;
			fill(l, (unsigned char)(op + req));
			break;
		case 3:
			if (!l->p)
				break;
			req = take(&in, 2) * 4u;
			if (!damaged && !intact(l))
				abort();
			p = mymap_realloc(heap, l->p, req);
			if (!p) {
				if (!damaged && errno != ENOMEM)
					abort();
				break;
			}
			l->p = p;
			if (req < l->size)
				l->size = req;
			if (!damaged && !intact(l))
				abort();
			l->size = req;
			fill(l, (unsigned char)req);
			break;
		case 4:
			if (!l->p)
				break;
			if (!damaged && !intact(l))
				abort();
			if (mymap_free(heap, l->p) != 0 && !damaged)
				abort();
			l->p = NULL;
			break;
		case 5:
			if (l->p && mymap_free(heap, l->p) == 0 && mymap_free(heap, l->p) == 0 &&
			    !damaged)
				abort(); /* a double free was accepted */
			l->p = NULL;
			break;
		case 6:
			/* A pointer strictly inside the block: never another block's start. */
			if (l->p && l->size > 1 &&
			    mymap_free(heap, l->p + 1 + take(&in, 1) % (l->size - 1)) == 0 &&
			    !damaged)
				abort(); /* an interior pointer was accepted */
			break;
		case 7: {
			size_t off = take(&in, 3) % HEAP_SIZE;
			/*
			 * The lock word: damage there makes every call wait out the
			 * lock's limit (seconds), which the fuzzer would take for a hang.
			 */
			size_t lock_off = offsetof(struct mm_header, lock);

			if (off >= lock_off && off < lock_off + sizeof(struct mm_lock))
				break;
			base[off] = (unsigned char)take(&in, 1);
			damaged = true;
			break;
		}
		case 8:
			if (mymap_heap_check(heap) != 0 && !damaged)
				abort();
			break;
		}
	}
	if (!damaged) {
		struct mymap_stats st;
		uint64_t in_use = 0;

		for (int i = 0; i < LIVE; i++)
			if (live[i].p) {
				if (!intact(&live[i]))
					abort();
				in_use += mymap_usable_size(heap, live[i].p);
			}
		if (mymap_heap_check(heap) != 0 || mymap_heap_stats(heap, &st) != 0 ||
		    st.in_use != in_use)
			abort();
	}
	return 0;
}
