/* SPDX-License-Identifier: GPL-2.0 */
/*
 * wait.h - sleeping on a 32-bit word of a region until another process
 * changes it, by whatever means the region's backend allows.
 */
#ifndef MYMAP_WAIT_H
#define MYMAP_WAIT_H

#include <stdbool.h>
#include <stdint.h>

/*
 * struct mm_sleep - how this process sleeps on the words of one mapped
 * region.
 * @base:   the region's start in this process (the device takes offsets).
 * @fd:     the device's descriptor (@device only).
 * @device: MYMAP_IOC_WAIT/WAKE, since a futex on PFN-mapped memory fails;
 *          otherwise a futex.
 * @shared: the mapping is shared with other processes (a shared futex).
 */
struct mm_sleep {
	const char *base;
	int fd;
	bool device;
	bool shared;
};

/*
 * Sleeps while *@word == @expected, at most @timeout_ns (0: no limit).
 * Returns 0 (woken, perhaps spuriously), or an errno value: EAGAIN,
 * ETIMEDOUT, EINTR.  @word is trusted to be aligned and in the region.
 */
int mm_sleep_wait(const struct mm_sleep *s, const uint32_t *word, uint32_t expected,
		  uint64_t timeout_ns);

/* Wakes up to @count sleepers on @word; returns how many (0 if unknown). */
int mm_sleep_wake(const struct mm_sleep *s, const uint32_t *word, unsigned int count);

#endif /* MYMAP_WAIT_H */
