/* SPDX-License-Identifier: GPL-2.0 */
/*
 * wait.h - sleeping on a 32-bit word of the region until another process
 * changes it, by whatever means the backend allows.
 */
#ifndef MYMAP_WAIT_H
#define MYMAP_WAIT_H

#include <stdint.h>

struct mymap_heap;

/*
 * Sleeps while *@word == @expected, at most @timeout_ns (0: no limit).
 * Returns 0 (woken, perhaps spuriously), or an errno value: EAGAIN,
 * ETIMEDOUT, EINTR.  @word is trusted to be aligned and in the region.
 */
int mm_wait_word(const struct mymap_heap *h, const uint32_t *word, uint32_t expected,
		 uint64_t timeout_ns);

/* Wakes up to @count sleepers on @word; returns how many (0 if unknown). */
int mm_wake_word(const struct mymap_heap *h, const uint32_t *word, unsigned int count);

#endif /* MYMAP_WAIT_H */
