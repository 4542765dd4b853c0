// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_heap.c - libFuzzer target: an input is a sequence of heap
 * operations, some of which damage the heap on purpose.
 *
 * Every input starts from a freshly formatted heap, shared (memfd, with
 * its cache slots), private (anon, with its block cache) or shared without
 * a cache (MYMAP_NOCACHE: every free merges at once) as its first byte
 * says.  The heap must never
 * crash or touch memory outside its region (ASan, UBSan watch), whatever
 * the damage; as long as an input has damaged nothing, every operation
 * must succeed or fail with ENOMEM, block contents must survive, and
 * mymap_heap_check() and the statistics must agree at the end.
 *
 * Operations (one byte of opcode, then arguments):
 *   0 malloc SIZE16   1 calloc SIZE16   2 aligned SHIFT SIZE16
 *   3 realloc IDX SIZE16   4 free IDX   5 free IDX again (double free)
 *   6 free interior IDX DELTA   7 damage: OFF24 BYTE (any byte of the
 *   arena or of the heap header other than the lock)   8 heap check
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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
		if (!shared_heap || !private_heap || !uncached_heap)
			abort();
	}
	/* The first byte picks the heap. */
	switch (take(&in, 1) % 3) {
	case 0:
		heap = shared_heap;
		break;
	case 1:
		heap = private_heap;
		break;
	default:
		heap = uncached_heap;
	}
	/* The handle's cache refers to the old format: empty it by a check first. */
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
			/* The lock word: damage there would only make the heap wait forever. */
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
