/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mymap.h - libmymap: one heap allocator over a shared region, on
 * /dev/mymap or on ordinary memory (anon, memfd, brk).  The heap lives
 * wholly in its region, as offsets: processes that map the region at
 * different addresses share the heap and exchange offsets (mymap_offset(),
 * mymap_ptr()), never pointers.  How it works: user/lib/README.md.
 *
 * Guarantees:
 *  1. Time: mymap_malloc(), mymap_free(), mymap_aligned_alloc(),
 *     mymap_usable_size() and a mymap_realloc() in place take a bounded
 *     number of steps whatever the heap's size or fragmentation (TLSF good
 *     fit); mymap_calloc() and a moving mymap_realloc() add a zeroing or a
 *     copy.  Only mymap_heap_check(), mymap_heap_stats()'s `largest_free`
 *     walk, and a call that returns a private heap's deep cache (4: linear
 *     in the blocks returned, each free once) are not bounded.
 *  2. Alignment: every payload is aligned to MYMAP_ALIGNMENT (16) bytes and
 *     has a 16-byte header before it; mymap_aligned_alloc() gives up to
 *     the page size.  A region is at most 64 GiB.
 *  3. Concurrency: every function may be called from any thread of any
 *     process mapping the heap (mymap_close() aside).  A call holds the
 *     heap lock, a word in the region (no system call uncontended), for a
 *     bounded time (1), mostly once (each function says); a private heap
 *     in a single-threaded process, and a block cache, take none.  No call
 *     is async-signal-safe.
 *  4. Caching: a thread keeps up to 16 freed blocks of each size up to
 *     1 KiB, within 1/16 of the region, for reuse without the lock; a
 *     private heap's (anon, brk) only thread keeps its 16 regardless, and
 *     more within that share, cut back to 16 when over 520 KiB at a
 *     request they cannot serve that needs fresh memory (any such request
 *     once a second thread came).  They stay marked in the heap: a second
 *     free of one is a double free, statistics count them as free, checks
 *     accept them, and a request that finds no room takes them back first.
 *     MYMAP_NOCACHE turns caching off.
 *  5. Failure: a failing call changes nothing in the heap and returns NULL
 *     or -1 (0 where stated) with errno set; mymap_last_error() gives the
 *     finer reason, mymap_last_message() a line with the values.  Every
 *     call that takes the lock may also fail with ETIMEDOUT (guarantee
 *     7).  Of two frees of one block at once, exactly one succeeds.
 *  6. Damage: bad pointers, and whatever another process wrote into the
 *     region (headers, links, bitmaps, counters, journal, cache slots), are
 *     checked before use: a call gives EINVAL or EUCLEAN, never a crash, a
 *     hang, or an access outside the region.
 *  7. A dead process: one that dies holding the lock is found dead by a
 *     waiter within about 2 ms; one waiter takes the lock over, finishes
 *     the dead holder's last update from the journal (shared heaps),
 *     rebuilds the free lists and counts one in `recoveries`.  The dead
 *     process's blocks stay allocated (at most one more, the one it was
 *     allocating); its cached blocks go back to the heap once a lock
 *     holder finds it dead.  Processes sharing a heap share a PID
 *     namespace and /proc.  A live holder (stopped, stuck, or an owner
 *     word forged by a peer) is waited for MYMAP_LOCK_TIMEOUT_NS without
 *     progress, ten times that in all, each time a call takes the lock;
 *     then the call fails with ETIMEDOUT (MYMAP_ERR_LOCK_TIMEOUT) and
 *     changes nothing.
 *  8. Errors: the mymap_* functions set errno and return NULL or -1; the
 *     mymap_channel_* functions (mymap_channel.h) return a negative errno.
 *     A heap argument is taken as open, unchecked: a NULL heap is the
 *     caller's bug, as a NULL stream is to fputs(), except where a
 *     function says otherwise (mymap_close() ignores it; the checks,
 *     statistics and waits give EINVAL).
 */
#ifndef MYMAP_H
#define MYMAP_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* An open heap: process-local handle to a heap in a mapped region. Opaque. */
struct mymap_heap;

/* A byte offset from the start of a heap's region; 0 means "none". */
typedef uint64_t mymap_off_t;

/* The heap format version stored in the heap header. */
#define MYMAP_HEAP_VERSION 6

/* The longest wait for the heap lock while one live process holds it (guarantee 7). */
#define MYMAP_LOCK_TIMEOUT_NS 2000000000ULL

/* Every block's payload is aligned to this many bytes. */
#define MYMAP_ALIGNMENT 16

/* Flags of the open functions. */
/* Format the region if it does not already hold a heap; attach if it does. */
#define MYMAP_CREATE 0x1u
/* Format the region whatever it holds (its contents are lost). */
#define MYMAP_FORMAT 0x2u
/* anon backend: MAP_SHARED, so children forked later share the heap. */
#define MYMAP_SHARED 0x4u
/*
 * No block cache in this handle (any backend): every free goes back to the
 * free lists at once, under the lock, and merges there, so damage beside a
 * freed block is reported by that free itself (see mymap_free()).  Slower
 * (the lock on every call of a shared heap); for debugging, and for
 * processes that must never hold freed blocks back from the others.
 */
#define MYMAP_NOCACHE 0x8u
/*
 * Makes every page of the region resident and writable at open
 * (madvise(MADV_POPULATE_WRITE)), so no later call or access takes a
 * first-touch page fault: for callers that need a bounded tail latency.
 * The whole region is then resident from the start, and large blocks are
 * placed tightly, not on 64 KiB lines (see mymap_usable_size()).  The
 * device needs nothing: its pages are mapped when it is mapped.
 */
#define MYMAP_POPULATE 0x10u

/* Root slots: offsets in the heap header that processes use to find the
 * shared structures they build (a list head, a directory).  Slot 0 is
 * reserved for the channel directory of mymap_channel.h. */
#define MYMAP_ROOT_SLOTS    8
#define MYMAP_ROOT_CHANNELS 0

/* Where a heap's region comes from. */
enum mymap_backend {
	MYMAP_BACKEND_DEVICE = 1,
	MYMAP_BACKEND_ANON,
	MYMAP_BACKEND_MEMFD,
	MYMAP_BACKEND_BRK,
};

/*
 * The reason for a failure, finer than errno.  Each line gives the errno
 * the failing call sets.
 */
enum mymap_error {
	MYMAP_OK = 0,
	MYMAP_ERR_ARGUMENT,	/* EINVAL: bad flags, size, alignment or slot */
	MYMAP_ERR_NOMEM,	/* ENOMEM: no free block is large enough */
	MYMAP_ERR_FOREIGN,	/* EINVAL: pointer or offset outside this heap */
	MYMAP_ERR_INTERIOR,	/* EINVAL: inside the heap but not a block start */
	MYMAP_ERR_DOUBLE_FREE,	/* EINVAL: the block is already free */
	MYMAP_ERR_CORRUPT,	/* EUCLEAN: a header, link or canary is damaged */
	MYMAP_ERR_NOT_A_HEAP,	/* ENODATA: region holds no heap, no MYMAP_CREATE */
	MYMAP_ERR_VERSION,	/* EPROTO: heap of another MYMAP_HEAP_VERSION */
	MYMAP_ERR_SIZE,		/* ERANGE: region size differs from the recorded
				 * one, or too small/large for a heap */
	MYMAP_ERR_NO_DEVICE,	/* ENODEV: no mymap device (module not loaded) */
	MYMAP_ERR_PERMISSION,	/* EACCES: the device node may not be opened */
	MYMAP_ERR_BUSY,		/* EBUSY: this process already has a brk heap */
	MYMAP_ERR_NO_FD,	/* EBADF: the backend has no file descriptor */
	MYMAP_ERR_SYSTEM,	/* a system call failed; errno is its errno */
	MYMAP_ERR_UNSEALED,	/* EPERM: a memfd that could change size (not
				 * sealed, and sealing not allowed) */
	MYMAP_ERR_LOCK_TIMEOUT, /* ETIMEDOUT: a live process kept the heap
				 * lock MYMAP_LOCK_TIMEOUT_NS (guarantee 7) */
};

/*
 * Statistics, as of the moment of the call (under the heap lock).  All
 * sizes are in bytes.  "usable" bytes are what mymap_usable_size() reports;
 * each block also costs a 16-byte header.  Counters marked "never
 * decreases" count since the heap was formatted, across all processes.
 */
struct mymap_stats {
	uint64_t region_size;	   /* bytes of the whole region; constant */
	uint64_t in_use;	   /* usable bytes of allocated blocks; may decrease */
	uint64_t free;		   /* usable bytes of free blocks; may decrease */
	uint64_t largest_free;	   /* usable bytes of the largest free block; a
				    * request that large may still fail: it is
				    * rounded up by at most 1/16 to its size
				    * class before the search */
	uint64_t peak_in_use;	   /* highest `in_use` seen; never decreases;
				    * may count blocks that sat in another
				    * process's cache as in use */
	uint64_t used_blocks;	   /* allocated blocks; may decrease */
	uint64_t free_blocks;	   /* free blocks; may decrease */
	uint64_t alloc_count;	   /* blocks handed out; never decreases */
	uint64_t free_count;	   /* blocks given back; never decreases */
	uint64_t failed_count;	   /* requests refused with ENOMEM; never decreases */
	uint64_t integrity_errors; /* bad pointers and damage found; never
				    * decreases */
	uint64_t recoveries;	   /* lock takeovers from dead owners; never
				    * decreases */
	uint64_t generation;	   /* bumped by each format and each recovery */
	/* 1 - largest_free / free, in [0, 1]: 0 when all free memory is one
	 * block, near 1 when it is split into many small pieces; 0 when
	 * nothing is free. */
	double fragmentation;
};

/*
 * Opening and closing.
 *
 * Every open function returns a handle the caller owns and releases with
 * mymap_close(), or NULL with errno set (see enum mymap_error).  Opening
 * an existing heap checks its header (magic, MYMAP_HEAP_VERSION, region
 * size) and never changes it.  A region that holds anything else than a
 * heap (the fresh device holds the bytes 0, 1, ..., 9 at its start) is
 * refused with ENODATA (MYMAP_ERR_NOT_A_HEAP) unless MYMAP_CREATE or
 * MYMAP_FORMAT is given: the library never formats on its own.  Opening
 * takes time proportional to nothing but the system calls it makes: the
 * arena is not walked or touched beyond its header (MYMAP_POPULATE aside).
 * Every open function also takes MYMAP_NOCACHE and MYMAP_POPULATE; the
 * latter can fail with the errno of madvise() (ENOMEM, or EINVAL on
 * kernels before 5.14).
 *
 * A handle may be used by all threads of the process; after fork() the
 * child may keep using the handles it inherited (the mapping is the same
 * for device, memfd and MYMAP_SHARED anon heaps; a private copy otherwise,
 * which fork() takes only while no thread is inside the heap).  A child
 * made without fork()'s handlers (_Fork(), clone()) must not call into a
 * heap, as it must not call malloc(): it would take its parent's identity
 * and with it the parent's cache slot.
 */

/*
 * Opens /dev/mymap: finds it with libudev (subsystem "misc", sysname
 * "mymap"), takes the device node and the `size` attribute from udev (the
 * MYMAP_DEVICE environment variable, if set, names the node instead),
 * opens it, checks the size with MYMAP_IOC_INFO and maps the whole region
 * MAP_SHARED.  @flags: MYMAP_CREATE, MYMAP_FORMAT.  Cost: the udev look-up
 * and those system calls.
 * Errors: ENODEV (module not loaded; the message says how to load it),
 * EACCES (the message names the node's mode and the udev rule to add),
 * ERANGE (udev and driver disagree on the size), ENODATA, EPROTO, and the
 * errno of open/ioctl/mmap.
 */
struct mymap_heap *mymap_open_device(unsigned int flags);

/*
 * Maps @size bytes (rounded up to pages) of anonymous memory and formats a
 * heap there.  @flags: MYMAP_SHARED for MAP_SHARED (shared with children
 * forked afterwards), otherwise MAP_PRIVATE.  MYMAP_CREATE is implied.
 * Cost: one mmap and the header's format (the arena is not touched).
 * Errors: EINVAL (size too small or above 64 GiB), ENOMEM from mmap.
 */
struct mymap_heap *mymap_open_anon(size_t size, unsigned int flags);

/*
 * Creates a memfd of @size bytes (rounded up to pages), seals it against
 * shrinking and growing (F_SEAL_SHRINK | F_SEAL_GROW: no process holding
 * it can truncate the heap from under the others), maps it MAP_SHARED
 * and formats a heap there.  MYMAP_CREATE is implied.  Pass the descriptor
 * (mymap_heap_fd()) to another process, which opens the same heap with
 * mymap_open_fd().  Cost: those system calls and the header's format.
 * Errors: EINVAL (size), and the errno of memfd_create/ftruncate/fcntl/mmap.
 */
struct mymap_heap *mymap_open_memfd(size_t size, unsigned int flags);

/*
 * Opens the heap in the region behind @fd: a memfd (its whole size, from
 * fstat) or a /dev/mymap descriptor (its whole region, MYMAP_IOC_INFO).
 * A memfd must be sealed against shrinking and growing, or allow it
 * (MFD_ALLOW_SEALING), in which case the seals are added before its size
 * is read.  The handle keeps its own duplicate of @fd; the caller keeps
 * @fd and may close it at once.  @flags: MYMAP_CREATE, MYMAP_FORMAT.
 * Cost: fstat or the ioctl, fcntl, mmap, and a check of the header.
 * Errors: EBADF, EPERM (MYMAP_ERR_UNSEALED: a file or memfd that cannot
 * be sealed), ENODATA, EPROTO, ERANGE, and the errno of fstat/mmap.
 */
struct mymap_heap *mymap_open_fd(int fd, unsigned int flags);

/*
 * Grows the program break by @size bytes (plus alignment) with sbrk() and
 * formats a heap there: the way early allocators got memory, kept for
 * comparison.  Limits: one brk heap per process (EBUSY otherwise); glibc's
 * malloc also moves the break, so the heap's memory is given back on close
 * only if nothing has moved the break since; private to the process.
 * Cost: one sbrk and the header's format.
 * Errors: EBUSY, EINVAL (size), ENOMEM from sbrk.
 */
struct mymap_heap *mymap_open_brk(size_t size, unsigned int flags);

/*
 * Unmaps the heap's region and frees the handle; pointers into the heap
 * become invalid in this process.  The heap itself stays as it is, with
 * every block still allocated, for other processes and later opens (device
 * and memfd); on a shared heap the blocks this process had cached go back
 * to the heap first (under the lock) and its cache slot is given up.
 * Must not be called while another thread uses @heap.  Cost: the lock
 * once, with every block cached through the handle returned (guarantee
 * 4), and munmap.
 * NULL is accepted and ignored.  Returns 0, or -1 with errno from munmap,
 * or with ETIMEDOUT when the lock could not be had (guarantee 7): the
 * handle is closed all the same, and the blocks its threads cached stay
 * in their slots until a lock holder finds this process dead.
 */
int mymap_close(struct mymap_heap *heap);

/* The backend @heap was opened on.  Constant time, no lock; cannot fail. */
enum mymap_backend mymap_heap_backend(const struct mymap_heap *heap);

/*
 * The descriptor behind the heap (memfd or device), owned by the handle:
 * valid until mymap_close(); do not close it.  To hand it to another
 * process, send it over a unix socket (SCM_RIGHTS) or let a child inherit
 * it.  Constant time, no lock.  Fails with -1 and EBADF (MYMAP_ERR_NO_FD)
 * for anon and brk heaps.
 */
int mymap_heap_fd(const struct mymap_heap *heap);

/* This process's mapping of the region: its start and size in bytes.  Constant time; cannot fail.
 */
void *mymap_heap_base(const struct mymap_heap *heap);
size_t mymap_heap_size(const struct mymap_heap *heap);

/*
 * Allocation.  Constant time (guarantee 1).  Blocks are never zero-filled
 * except by mymap_calloc(); a freshly formatted device heap is zero,
 * recycled blocks hold whatever was there.  Any process sharing the heap
 * may free any block, whoever allocated it.
 */

/*
 * As malloc(): a block of at least @size bytes, 16-byte aligned, or NULL
 * with ENOMEM (MYMAP_ERR_NOMEM; `failed_count` goes up) or EUCLEAN
 * (damage found on the way).  @size 0 gives a unique minimum-size block.
 * Cost: no lock when the caller's cache holds a block of that size; else
 * the lock once, or twice when no block fits (the caches go back to the
 * heap, owners of cache slots are looked up in /proc without the lock,
 * and the search runs again).
 */
void *mymap_malloc(struct mymap_heap *heap, size_t size);

/*
 * As calloc(): @n * @size zeroed bytes; EINVAL if the product overflows.
 * Cost: mymap_malloc() and the zeroing.
 */
void *mymap_calloc(struct mymap_heap *heap, size_t n, size_t size);

/*
 * As realloc(): resizes @ptr's block in place when it can (shrinking, or
 * growing into a free neighbour), otherwise allocates a new block, copies
 * the old contents and frees the old block.  NULL @ptr acts as
 * mymap_malloc(); @size 0 shrinks to the minimum block (never frees).  On
 * failure the old block is untouched and still owned by the caller; errors
 * as mymap_malloc() and mymap_free().  Cost: with a cache serving the
 * caller, no lock when the block fits already or the cache holds a block
 * of the new size (then a copy); else the lock once for a resize in
 * place, and if that fails mymap_malloc(), the copy and mymap_free().
 */
void *mymap_realloc(struct mymap_heap *heap, void *ptr, size_t size);

/*
 * As aligned_alloc(): @alignment must be a power of two no larger than the
 * page size (EINVAL otherwise); any @size is accepted.  The space skipped
 * to reach the alignment goes back to the heap as a free block.  Cost: as
 * mymap_malloc() for an @alignment up to 16; above, never from a cache:
 * the lock once (twice as there when nothing fits).
 */
void *mymap_aligned_alloc(struct mymap_heap *heap, size_t alignment, size_t size);

/*
 * As free(), but checked: returns 0, or -1 and leaves the heap untouched
 * when @ptr is not a live block of @heap: EINVAL with MYMAP_ERR_FOREIGN
 * (outside the region), MYMAP_ERR_INTERIOR (not the start of a block),
 * MYMAP_ERR_DOUBLE_FREE (already free); EUCLEAN with MYMAP_ERR_CORRUPT
 * (its header failed its canary, or - when the block is not cached, as
 * always with MYMAP_NOCACHE - a neighbour's header or free-list links are
 * damaged).  Every refusal adds one to `integrity_errors`.  A double
 * free is recognised while the block is still free; once its memory has
 * been handed out again a stale pointer is reported as interior or
 * damaged, or, if a new block starts at exactly that address, frees the
 * new block: no allocator can tell that apart.  Of two frees of one block
 * at the same moment, from any threads or processes, exactly one
 * succeeds and the other is a double free.  Cost: no lock when the
 * caller's cache takes the block (its header checked and marked cached);
 * else the lock once, merging with free neighbours at once.
 * NULL is accepted and ignored (returns 0).
 */
int mymap_free(struct mymap_heap *heap, void *ptr);

/*
 * The usable size of @ptr's block: at least what was asked for, and less
 * than 48 bytes more (rounding to 16 bytes, plus a remainder too small to
 * be a block of its own).  Except on a demand-paged heap (anon, memfd,
 * brk, without MYMAP_POPULATE): there a block of 64 KiB or more, header
 * included, from mymap_malloc() or mymap_realloc() starts and ends on a
 * multiple of 64 KiB of the region where a free block has room for that,
 * and so may have up to 64 KiB more.  Those bytes cost no memory until
 * written; in exchange, large blocks of any sizes keep their headers and
 * first bytes on the same few pages, and the heap's resident set stays
 * small.  They do cost room, so this is done only while three quarters of
 * the region stay free: it never takes more than an eighth of the region.
 * 0 with errno set as for mymap_free() if @ptr is not a live block.
 * Takes the heap lock once; constant time.
 */
size_t mymap_usable_size(struct mymap_heap *heap, const void *ptr);

/*
 * Offsets: how processes name memory in a shared heap.  Constant time, no
 * lock, any thread.
 */

/*
 * The offset of @ptr from the start of the region.  NULL gives 0 (errno
 * unchanged); a pointer outside this process's mapping of the region gives
 * 0 with EINVAL (MYMAP_ERR_FOREIGN).
 */
mymap_off_t mymap_offset(const struct mymap_heap *heap, const void *ptr);

/*
 * This process's pointer to the @len bytes at @off.  0 gives NULL (errno
 * unchanged); a range that is not wholly inside the region gives NULL with
 * EINVAL (MYMAP_ERR_FOREIGN).  Does not check that the bytes are a block.
 */
void *mymap_ptr(const struct mymap_heap *heap, mymap_off_t off, size_t len);

/*
 * Root slots: MYMAP_ROOT_SLOTS offsets in the heap header, 0 until set,
 * read and changed atomically without the heap lock, in constant time.
 */

/* The offset in @slot (0 if never set); 0 with EINVAL for a bad slot. */
mymap_off_t mymap_root_get(const struct mymap_heap *heap, unsigned int slot);

/*
 * Sets @slot to @desired if it holds *@expected, as C11's
 * atomic_compare_exchange_strong (sequentially consistent).  Returns 0 on
 * success; otherwise -1 with errno EAGAIN and *@expected set to the slot's
 * value, or EINVAL for a bad slot.  The library never interprets the
 * offsets except slot 0's owner, the channel layer.
 */
int mymap_root_cas(struct mymap_heap *heap, unsigned int slot, mymap_off_t *expected,
		   mymap_off_t desired);

/*
 * Checking and statistics.
 */

/*
 * Walks the whole heap under the lock and checks it: the heap header,
 * every block header's canary, that the blocks tile the arena, that no
 * two free blocks are neighbours, that every free block is in the free list
 * of its size class and every listed block is free, that the bitmaps match
 * the lists, and that the statistics match the blocks.  Linear in the
 * number of blocks, all under the lock (dead cache owners are looked up
 * in /proc first, without it).  Returns 0, or -1 with EUCLEAN (MYMAP_ERR_CORRUPT) and
 * mymap_last_message() naming the first problem and its offset.
 */
int mymap_heap_check(struct mymap_heap *heap);

/*
 * Fills @out under the lock (taken once, after dead cache owners are
 * looked up in /proc without it).  Constant time except `largest_free`, which
 * looks through the largest non-empty size class (linear in its length,
 * never more blocks than the arena can hold of that class).  Returns 0,
 * or -1 with EINVAL for a NULL argument, or -1 with EUCLEAN
 * (MYMAP_ERR_CORRUPT) if that list is damaged (a bad link, a cycle): @out
 * is filled all the same, `largest_free` from the blocks before the damage.
 */
int mymap_heap_stats(struct mymap_heap *heap, struct mymap_stats *out);

/*
 * Waiting on a word of the region, the same way on every backend: futex
 * on anon, memfd and brk; MYMAP_IOC_WAIT/WAKE on the device; a short sleep
 * where neither works.  @word must be a naturally aligned 32-bit word
 * inside the region (EINVAL otherwise).  For the channel layer and any
 * structure built in the heap; the heap lock uses them too.
 */

/*
 * Sleeps while *@word == @expected, at most @timeout_ns (0: no limit).
 * Returns 0 when woken (or spuriously), -1 with EAGAIN (the word
 * differed), ETIMEDOUT, EINTR or EINVAL.  Closing a descriptor, the heap's
 * or another, does not end a wait.  Callers re-check their condition, and
 * their peers, after any return.  Cost: one system call (a futex or the
 * device's ioctl), no heap lock.
 */
int mymap_wait(struct mymap_heap *heap, const uint32_t *word, uint32_t expected,
	       uint64_t timeout_ns);

/*
 * Wakes up to @count waiters on @word; returns how many, or -1 with EINVAL.
 * Cost: one system call, no heap lock.
 */
int mymap_wake(struct mymap_heap *heap, const uint32_t *word, unsigned int count);

/*
 * Process identity, as the heap lock records its owner: nonzero, unique
 * among live and dead processes of one boot (pid and start time).  For
 * structures that must notice a dead peer.  Reads /proc/self/stat once
 * per process (again in a forked child); constant time after.
 */
uint64_t mymap_self_id(void);

/*
 * 1 if the process @id names is alive, else 0: a zombie is dead, unless it
 * is a process whose main thread alone has ended.  Dead only when it is
 * gone: no /proc entry and, since /proc may be hidden or unmounted, no
 * such process for kill(2).  When /proc cannot be read for another
 * reason (no descriptor or memory left, a seccomp filter refusing open),
 * 1: a live process must never be taken for dead (without /proc a zombie
 * counts as alive too).  errno is left as it was.  Cost: one open and
 * read of /proc/PID/stat; no heap lock.
 */
int mymap_id_alive(uint64_t id);

/*
 * Errors.  The last failure in the calling thread; successful calls leave
 * them as they were.  Constant time, no lock; these cannot fail.
 */
enum mymap_error mymap_last_error(void);

/* Static text for @err (never NULL). */
const char *mymap_strerror(enum mymap_error err);

/*
 * One line for the last failure in the calling thread, with the values
 * involved ("free: offset 0x1230 is inside the block at 0x1200"), or ""
 * if none.  Valid until the thread's next failing call.
 */
const char *mymap_last_message(void);

#ifdef __cplusplus
}
#endif

#endif /* MYMAP_H */
