/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * mymap_uapi.h - the interface between the mymap driver and userspace.
 *
 * /dev/mymap is one region of zeroed, page-reserved kernel memory that
 * processes map with mmap(MAP_SHARED).  This header holds everything a
 * program needs besides mmap/read/write: the ioctls and their arguments.
 * Offsets are always byte offsets from the start of the region; no kernel
 * address ever crosses this interface.
 */
#ifndef _UAPI_MYMAP_UAPI_H
#define _UAPI_MYMAP_UAPI_H

#include <linux/ioctl.h>
#include <linux/types.h>

/* Bumped whenever a structure below changes layout or meaning. */
#define MYMAP_ABI_VERSION 1

/* Unassigned in Documentation/userspace-api/ioctl/ioctl-number.rst. */
#define MYMAP_IOC_MAGIC 0xB8

/*
 * struct mymap_info - MYMAP_IOC_INFO result.
 * @size:        region size in bytes (a whole number of pages).
 * @page_size:   the kernel's PAGE_SIZE in bytes.
 * @abi_version: MYMAP_ABI_VERSION of the loaded driver.
 * @mappings:    live mappings (VMAs) of the region, all processes.
 * @opens:       open files of the device, all processes.
 * @session:     this open file's session id (see MYMAP_IOC_ALIVE).
 */
struct mymap_info {
	__u64 size;
	__u32 page_size;
	__u32 abi_version;
	__u32 mappings;
	__u32 opens;
	__u64 session;
};

/*
 * struct mymap_wait - MYMAP_IOC_WAIT argument.
 * @offset:     offset of a naturally aligned 32-bit word in the region.
 * @expected:   sleep only while the word still holds this value.
 * @flags:      must be 0.
 * @timeout_ns: relative timeout; 0 waits without a time limit.
 * @peer:       0, or a session id (see MYMAP_IOC_ALIVE): sleep only while
 *              that open file exists.
 *
 * The comparisons and the queueing happen under the lock that
 * MYMAP_IOC_WAKE and the closing of a file take, so neither a wake that
 * follows a store to the word nor the death of @peer is ever missed.
 * Returns 0 when woken, or fails with:
 *   EAGAIN     the word did not hold @expected;
 *   ETIMEDOUT  @timeout_ns passed;
 *   EINTR      a signal handler ran (a stop/continue, or a ptrace attach,
 *              restarts the wait instead, with its full timeout);
 *   EPIPE      @peer is gone, or any open file of the device was closed
 *              while waiting (a peer may have died: check and wait again);
 *   EBADF      another thread of this process closed the file waited on;
 *   EINVAL     bad offset, alignment or flags;
 *   EFAULT     the argument could not be read.
 */
struct mymap_wait {
	__u64 offset;
	__u32 expected;
	__u32 flags;
	__u64 timeout_ns;
	__u64 peer;
};

/*
 * struct mymap_wake - MYMAP_IOC_WAKE argument.
 * @offset: the word's offset, as given to MYMAP_IOC_WAIT.
 * @count:  wake at most this many waiters (oldest first).
 * @flags:  must be 0.
 *
 * Returns the number of waiters woken (0 or more); EINVAL or EFAULT as
 * for WAIT.
 */
struct mymap_wake {
	__u64 offset;
	__u32 count;
	__u32 flags;
};

/*
 * MYMAP_IOC_ALIVE takes a session id (from struct mymap_info) and returns
 * 0 while the open file it names exists, or fails with ESRCH once the last
 * descriptor of it is closed - which the kernel does for a process that
 * dies.  Session ids count up from 1 and are never reused while the module
 * is loaded, so a stale id can never be mistaken for a live peer.
 */
#define MYMAP_IOC_INFO	_IOR(MYMAP_IOC_MAGIC, 0, struct mymap_info)
#define MYMAP_IOC_WAIT	_IOW(MYMAP_IOC_MAGIC, 1, struct mymap_wait)
#define MYMAP_IOC_WAKE	_IOW(MYMAP_IOC_MAGIC, 2, struct mymap_wake)
#define MYMAP_IOC_ALIVE	_IOW(MYMAP_IOC_MAGIC, 3, __u64)

#endif /* _UAPI_MYMAP_UAPI_H */
