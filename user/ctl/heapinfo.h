/* SPDX-License-Identifier: GPL-2.0 */
/*
 * heapinfo.h - the statistics of the libmymap heap in the device's region,
 * if the region holds one.
 */
#ifndef MYMAPCTL_HEAPINFO_H
#define MYMAPCTL_HEAPINFO_H

#include <stddef.h>

#include <mymap.h>

enum heap_presence {
	HEAP_PRESENT,	 /* *stats is filled in */
	HEAP_ABSENT,	 /* the region holds no libmymap heap */
	HEAP_UNREADABLE, /* the device or heap could not be read; @why says why */
};

/*
 * Opens the device's heap without formatting it (libmymap never formats
 * on its own), reads its statistics under the heap lock and closes it.
 * Taking the lock means that a lock left by a dead process is recovered
 * here, as by any other user of the heap.
 */
enum heap_presence heap_stats_read(struct mymap_stats *stats, char *why, size_t len);

#endif /* MYMAPCTL_HEAPINFO_H */
