// SPDX-License-Identifier: GPL-2.0
/*
 * heapinfo.c - reads a libmymap heap's statistics from /dev/mymap.
 */
#include "heapinfo.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

enum heap_presence heap_stats_read(struct mymap_stats *stats, char *why, size_t len)
{
	struct mymap_heap *heap = mymap_open_device(0);
	int ret;

	if (!heap) {
		if (mymap_last_error() == MYMAP_ERR_NOT_A_HEAP)
			return HEAP_ABSENT;
		snprintf(why, len, "%s",
			 mymap_last_message()[0] ? mymap_last_message() : strerror(errno));
		return HEAP_UNREADABLE;
	}
	ret = mymap_heap_stats(heap, stats);
	if (ret < 0)
		snprintf(why, len, "%s",
			 mymap_last_message()[0] ? mymap_last_message() : strerror(errno));
	mymap_close(heap);
	return ret < 0 ? HEAP_UNREADABLE : HEAP_PRESENT;
}
