// SPDX-License-Identifier: GPL-2.0
/*
 * mymap_heap_fill - puts a known libmymap heap in the device's region for
 * mymapctl's status test: formats it, allocates three 100-byte blocks and
 * frees one, so the statistics read 3 allocs, 1 free, 2 blocks in use.
 */
#include <stdio.h>

#include <mymap.h>

int main(void)
{
	struct mymap_heap *heap = mymap_open_device(MYMAP_FORMAT);
	void *a, *b, *c;

	if (!heap) {
		fprintf(stderr, "mymap_heap_fill: %s\n", mymap_last_message());
		return 1;
	}
	a = mymap_malloc(heap, 100);
	b = mymap_malloc(heap, 100);
	c = mymap_malloc(heap, 100);
	if (!a || !b || !c || mymap_free(heap, b) < 0) {
		fprintf(stderr, "mymap_heap_fill: %s\n", mymap_last_message());
		return 1;
	}
	return mymap_close(heap) < 0;
}
