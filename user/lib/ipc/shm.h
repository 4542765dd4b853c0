/* SPDX-License-Identifier: GPL-2.0 */
/*
 * shm.h - the heap a channel lives in, as the channel code sees it: a
 * base address, a size, how to sleep on one of its words, and, on the
 * device, the session that names this process's open file.
 *
 * Everything stored in the region is an offset, never a pointer, so each
 * process may map it at a different address.  Sleeping goes through the
 * heap's mymap_wait()/mymap_wake(), which pick futex(2) for ordinary
 * shared memory and the driver's MYMAP_IOC_WAIT/WAKE for /dev/mymap.
 */
#ifndef MYMAP_IPC_SHM_H
#define MYMAP_IPC_SHM_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

struct mymap_heap;
struct mm_sleep;

/*
 * struct ipc_region - one process's view of a heap's region.
 * @heap:    the open heap (not owned).
 * @base:    where this process mapped the region.
 * @size:    bytes mapped.
 * @dev_fd:  the device file for MYMAP_IOC_ALIVE, -1 off the device.
 * @session: that file's session id (MYMAP_IOC_INFO), 0 off the device.
 * @sleep:   how to sleep on the region's words (the heap's, wait.h): for
 *           the control locks.
 */
struct ipc_region {
	struct mymap_heap *heap;
	const struct mm_sleep *sleep;
	char *base;
	size_t size;
	int dev_fd;
	uint64_t session;
};

/* Fills @r for @heap.  Returns 0, or a negative errno from MYMAP_IOC_INFO. */
int ipc_region_of(struct ipc_region *r, struct mymap_heap *heap);

/* The address of region offset @off (no range check: see ipc_region_has). */
static inline void *ipc_at(const struct ipc_region *r, uint64_t off)
{
	return r->base + off;
}

/* The region offset of @p, which must lie inside the region. */
static inline uint64_t ipc_off(const struct ipc_region *r, const void *p)
{
	return (uint64_t)((const char *)p - r->base);
}

/* Does [off, off + len) lie inside the region?  Cannot overflow. */
static inline int ipc_region_has(const struct ipc_region *r, uint64_t off, uint64_t len)
{
	return off <= r->size && len <= r->size - off;
}

/*
 * Sleeps while *@word == @expected, at most @timeout_ns (0: no limit).
 * Returns 0 when woken, or a negative errno: -EAGAIN (the word differed),
 * -ETIMEDOUT, -EINTR.  Every return may be spurious: callers re-check.
 */
int ipc_wait(const struct ipc_region *r, _Atomic uint32_t *word, uint32_t expected,
	     uint64_t timeout_ns);

/*
 * As ipc_wait(), and on the device the wait also ends with -EPIPE as soon
 * as the open file of session @peer is gone (0: no peer named).
 */
int ipc_wait_peer(const struct ipc_region *r, _Atomic uint32_t *word, uint32_t expected,
		  uint64_t timeout_ns, uint64_t peer);

/* Wakes at most @count sleepers of @word; returns how many were woken. */
int ipc_wake(const struct ipc_region *r, _Atomic uint32_t *word, uint32_t count);

#endif /* MYMAP_IPC_SHM_H */
