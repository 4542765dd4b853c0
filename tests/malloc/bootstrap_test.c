// SPDX-License-Identifier: GPL-2.0
/*
 * bootstrap_test - the malloc family of libmymap-malloc.so (user/malloc/
 * family.c and its parts, linked into this program so its malloc is
 * theirs) across the opening of the heap: blocks handed out before the
 * heap exists come from the bootstrap arena, and afterwards free(),
 * realloc() and malloc_usable_size() of them work.  This program stands
 * in for setup.c: the heap opens when main() says so, not at the first
 * call, so the test holds pointers from both sides.
 */
#include <errno.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../user/malloc/preload.h"
#include "tap.h"

struct mymap_heap *preload_heap;
uintptr_t preload_heap_start, preload_heap_end;
_Atomic int preload_state; /* PRELOAD_OPEN once main() has opened the heap */

bool preload_open_heap(void)
{
	return false;
}

void preload_die(const char *message)
{
	if (write(STDERR_FILENO, message, strlen(message)) < 0)
		_exit(126);
	_exit(127);
}

int main(void)
{
	char *early = malloc(100), *zeroed = calloc(50, 4), *grown = malloc(40);
	void *aligned = aligned_alloc(256, 10), *in_heap, *moved;
	bool zero = true, kept = true;

	for (int i = 0; i < 200; i++)
		zero &= zeroed && ((unsigned char *)zeroed)[i] == 0;
	if (grown)
		memcpy(grown, "bootstrap contents", 19);
	preload_heap = mymap_open_anon(64 << 20, 0); /* its handle: bootstrap too */
	if (!tap_ok(preload_heap != NULL, "the heap opens (%s)", mymap_last_message()))
		return tap_done();
	preload_heap_start = (uintptr_t)mymap_heap_base(preload_heap);
	preload_heap_end = preload_heap_start + mymap_heap_size(preload_heap);
	fork_gate_setup();
	atomic_store(&preload_state, PRELOAD_OPEN);

	tap_ok(early && bootstrap_owns(early) && !preload_in_heap(early),
	       "a block from before the heap opened is the bootstrap arena's (%p)", (void *)early);
	tap_ok(zero, "calloc from the bootstrap arena is zeroed");
	tap_ok(bootstrap_owns(aligned) && (uintptr_t)aligned % 256 == 0,
	       "aligned_alloc(256) from the bootstrap arena is aligned (%p)", aligned);
	tap_ok(malloc_usable_size(early) >= 100 && malloc_usable_size(early) < 100 + 16,
	       "malloc_usable_size of a bootstrap block is its rounded size (%zu)",
	       malloc_usable_size(early));
	moved = realloc(grown, 5000);
	kept = moved && memcmp(moved, "bootstrap contents", 19) == 0;
	tap_ok(kept && preload_in_heap(moved),
	       "realloc of a bootstrap block moves it into the heap with its contents (%p)", moved);
	in_heap = malloc(100);
	tap_ok(in_heap && preload_in_heap(in_heap),
	       "after the open, malloc serves from the heap (%p)", in_heap);
	errno = 4321;
	free(early);
	free(zeroed);
	free(aligned);
	tap_ok(errno == 4321, "free() of bootstrap blocks returns quietly, errno untouched");
	tap_ok(realloc(in_heap, 0) == NULL && mymap_heap_check(preload_heap) == 0,
	       "and the heap is whole after all this (%s)", mymap_last_message());
	free(moved);
	return tap_done();
}
