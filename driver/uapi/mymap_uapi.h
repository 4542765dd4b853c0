/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * mymap_uapi.h - the interface between the mymap driver and userspace.
 *
 * /dev/mymap is one region of zeroed kernel memory that processes map with
 * mmap(MAP_SHARED).  This header holds everything a program needs besides
 * mmap/read/write/poll: the ioctls and their arguments.
 * Offsets are always byte offsets from the start of the region; no kernel
 * address ever crosses this interface.
 */
#ifndef _UAPI_MYMAP_UAPI_H
#define _UAPI_MYMAP_UAPI_H

#include <linux/ioctl.h>
#include <linux/types.h>

/* Bumped whenever a structure below changes layout or meaning. */
#define MYMAP_ABI_VERSION 2

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

/* mymap_wait.flags: @timeout_ns is an absolute CLOCK_MONOTONIC time. */
#define MYMAP_WAIT_ABSTIME 0x1

/*
 * struct mymap_wait - MYMAP_IOC_WAIT argument.
 * @offset:     offset of a naturally aligned 32-bit word in the region.
 * @expected:   sleep only while the word still holds this value.
 * @flags:      0 or MYMAP_WAIT_ABSTIME.
 * @timeout_ns: 0 waits without a time limit; else nanoseconds from now,
 *              or with MYMAP_WAIT_ABSTIME the CLOCK_MONOTONIC deadline.
 * @peer:       0, or a session id (see MYMAP_IOC_ALIVE): sleep only while
 *              that open file exists.
 *
 * The comparisons and the queueing happen under the lock that
 * MYMAP_IOC_WAKE and the closing of a file take, so neither a wake that
 * follows a store to the word nor the death of @peer is ever missed.
 * A wait ends only for one of the reasons below: closing another open
 * file, or another descriptor of this one, does not end it, and closing
 * the very descriptor waited through leaves it running, as it leaves a
 * blocked read(2).  A stop and continue (SIGSTOP, a debugger attaching,
 * the freezer) restarts it with the same deadline: before the restart the
 * driver rewrites a relative @timeout_ns in the argument as its absolute
 * deadline, setting MYMAP_WAIT_ABSTIME (as select(2) updates its
 * timeout), so an argument re-issued after EINTR keeps it too.  Where the
 * argument cannot be written (read-only memory) the restart gets its full
 * relative timeout again.
 * Returns 0 when woken, or fails with:
 *   EAGAIN     the word did not hold @expected;
 *   ETIMEDOUT  the deadline passed;
 *   EINTR      a signal handler ran;
 *   EPIPE      @peer is gone;
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
 * @count:  end at most this many MYMAP_IOC_WAITs on it (oldest first).
 * @flags:  must be 0.
 *
 * Also signals every watch (MYMAP_IOC_WATCH) on the word, whatever
 * @count: watches are notifications, not waiters that a wake uses up.
 * Returns the number of waits ended plus the number of watches signalled
 * that were not signalled already (0 or more); EINVAL or EFAULT as for
 * WAIT.
 */
struct mymap_wake {
	__u64 offset;
	__u32 count;
	__u32 flags;
};

/*
 * struct mymap_watch - MYMAP_IOC_WATCH argument: what poll(2), select(2)
 * and epoll wait for on this open file.
 * @offset:   offset of a naturally aligned 32-bit word in the region.
 * @expected: the value the word holds now, as the caller last saw it.
 * @flags:    must be 0.
 * @peer:     0, or a session id whose closing the watch reports.
 *
 * Each open file has at most one watch; MYMAP_IOC_WATCH replaces it and
 * clears its signal, MYMAP_IOC_UNWATCH removes it.  The file polls:
 *   EPOLLIN | EPOLLRDNORM  once the word no longer holds @expected or a
 *                          MYMAP_IOC_WAKE named the word since the watch
 *                          was set;
 *   EPOLLHUP               once @peer is gone;
 *   nothing                without a watch, or while neither holds.
 * Level-triggered, the file stays readable until the watch is set again;
 * edge-triggered (EPOLLET), each MYMAP_IOC_WAKE on the word and the death
 * of @peer is one event.  A store to the word alone wakes no one: as for
 * MYMAP_IOC_WAIT, the writer stores, then calls MYMAP_IOC_WAKE.  Fails
 * with EINVAL for a bad offset, alignment or flags, EFAULT as for WAIT.
 */
struct mymap_watch {
	__u64 offset;
	__u32 expected;
	__u32 flags;
	__u64 peer;
};

/*
 * MYMAP_IOC_ALIVE takes a session id (from struct mymap_info) and returns
 * 0 while the open file it names exists, or fails with ESRCH once the last
 * descriptor of it is closed - which the kernel does for a process that
 * dies.  Session ids count up from 1 and are never reused while the module
 * is loaded, so a stale id can never be mistaken for a live peer.
 */
#define MYMAP_IOC_INFO	  _IOR(MYMAP_IOC_MAGIC, 0, struct mymap_info)
#define MYMAP_IOC_WAIT	  _IOWR(MYMAP_IOC_MAGIC, 1, struct mymap_wait)
#define MYMAP_IOC_WAKE	  _IOW(MYMAP_IOC_MAGIC, 2, struct mymap_wake)
#define MYMAP_IOC_ALIVE	  _IOW(MYMAP_IOC_MAGIC, 3, __u64)
#define MYMAP_IOC_WATCH	  _IOW(MYMAP_IOC_MAGIC, 4, struct mymap_watch)
#define MYMAP_IOC_UNWATCH _IO(MYMAP_IOC_MAGIC, 5)

#endif /* _UAPI_MYMAP_UAPI_H */
