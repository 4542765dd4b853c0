/* SPDX-License-Identifier: GPL-2.0 */
/*
 * clock.h - the one clock the library measures waits and intervals with:
 * CLOCK_MONOTONIC, which no one can set back, read through the vDSO (no
 * system call).
 */
#ifndef MYMAP_CLOCK_H
#define MYMAP_CLOCK_H

#include <stdint.h>
#include <time.h>

/* Nanoseconds of CLOCK_MONOTONIC. */
static inline uint64_t mm_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

#endif /* MYMAP_CLOCK_H */
