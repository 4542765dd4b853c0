// SPDX-License-Identifier: GPL-2.0
/*
 * consumer - a program built only from what `make install` put on the
 * system: <mymap.h>, <mymap_uapi.h> and libmymap, found through
 * pkg-config.  It exercises the library on an anonymous heap (no device
 * needed) and prints TAP.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <mymap.h>
#include <mymap_uapi.h>

#include "tap.h"

int main(void)
{
	struct mymap_heap *heap = mymap_open_anon(1 << 20, 0);
	struct mymap_stats stats;
	char *p;

	tap_ok(sizeof(struct mymap_info) == 32 && MYMAP_IOC_INFO != 0,
	       "the installed uapi header defines struct mymap_info and MYMAP_IOC_INFO (size %zu)",
	       sizeof(struct mymap_info));
	if (!tap_ok(heap != NULL, "the installed library opens an anonymous heap (%s)",
		    heap ? "ok" : mymap_last_message()))
		return tap_done();
	p = mymap_malloc(heap, 100);
	if (p)
		strcpy(p, "installed");
	tap_ok(p && mymap_offset(heap, p) != 0 && strcmp(p, "installed") == 0,
	       "mymap_malloc gives a usable block inside the heap");
	tap_ok(mymap_free(heap, p) == 0, "mymap_free gives it back");
	tap_ok(mymap_heap_stats(heap, &stats) == 0 && stats.alloc_count == 1 &&
		   stats.free_count == 1 && stats.in_use == 0,
	       "mymap_heap_stats counts one alloc and one free (alloc %llu, free %llu)",
	       (unsigned long long)stats.alloc_count, (unsigned long long)stats.free_count);
	tap_ok(mymap_close(heap) == 0, "mymap_close");
	return tap_done();
}
