// SPDX-License-Identifier: GPL-2.0
/*
 * heapinfo.c - reads a libmymap heap's statistics from /dev/mymap.
 */
#include "heapinfo.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* Why the last libmymap call failed: its own message, else errno's text. */
static enum heap_presence unreadable(char *why, size_t len)
{
	snprintf(why, len, "%s", mymap_last_message()[0] ? mymap_last_message() : strerror(errno));
	return HEAP_UNREADABLE;
}

enum heap_presence heap_stats_read(struct mymap_stats *stats, char *why, size_t len)
{
	struct mymap_heap *heap = mymap_open_device(0);
	enum heap_presence presence;

	if (!heap) {
		if (mymap_last_error() == MYMAP_ERR_NOT_A_HEAP)
			return HEAP_ABSENT;
		return unreadable(why, len);
	}
	presence = mymap_heap_stats(heap, stats) < 0 ? unreadable(why, len) : HEAP_PRESENT;
	mymap_close(heap);
	return presence;
}
