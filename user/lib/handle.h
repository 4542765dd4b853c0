/* SPDX-License-Identifier: GPL-2.0 */
/*
 * handle.h - struct mymap_heap, one process's view of a heap: its copies
 * of the header's checked constants, its mapping, and how it finds its
 * thread cache.
 */
#ifndef MYMAP_HANDLE_H
#define MYMAP_HANDLE_H

#include <stdbool.h>
#include <stdint.h>

#include "layout.h"
#include "region.h"
#include "wait.h"

#define mm_likely(x)   __builtin_expect(!!(x), 1)
#define mm_unlikely(x) __builtin_expect(!!(x), 0)
#define mm_inline      inline __attribute__((always_inline))

/* Pages a handle remembers as written (mm_page_written). */
#define MM_WRITTEN_PAGES 4

/*
 * struct mymap_heap - one process's view of a heap.
 * @base:   the region in this process (the heap header is at @base).
 * @hdr:    the same address, typed.
 * @salt:   hdr->salt folded to the canary's 32 bits (constant after format).
 * @first:  copy of hdr->first.
 * @end:    copy of hdr->end.
 * (@first and @end are 64-bit here although they fit 32 bits: header
 * writes are 32-bit stores, which C's aliasing rules then cannot confuse
 * with these fields, so the compiler keeps them in registers.)
 * @region: the backend's mapping.
 * @sleep:  how to sleep on words of the region (wait.h): the heap lock's
 *          waiters and mymap_wait().
 * @lock_wait: how this handle waits for the heap lock: on @sleep, at most
 *          MYMAP_LOCK_TIMEOUT_NS for one live holder.
 * @serial: the handle's number, unique in the process: threads find their
 *          cache slots in the header by it (tcache.h).
 * @solo_slot: the cache slot the process's one thread claimed, while it has
 *          only one (tcache.h: mm_tcache_solo); cleared when the slot is
 *          given up and in a forked child.
 * @tcache_wait: slow calls left before claiming a slot is tried again
 *          after every slot was found taken.
 * @nocache: MYMAP_NOCACHE: every free goes back to the heap at once.
 * @private_tcache: neither shared nor @nocache, so while the process has
 *          one thread it is the sole user of the slots (mm_tcache_sole):
 *          one byte for the fast paths to test.
 * @tcache_limit: the bytes one thread's cache slot may hold, a
 *          1/MM_TCACHE_SHARE of the region (tcache.h).
 * @written: the last pages (addresses / 4096) mm_page_written() found
 *          written, @written_next the entry it replaces next.
 * @grid_from: the units from which a request is placed on the large-block
 *          grid (alloc.c); UINT32_MAX where this handle finds its arena
 *          resident (the device, or opened with MYMAP_POPULATE), so no page
 *          is touched for the first time (no request has that many units).
 * @payloads: address of the first block's payload, the lowest a block's
 *          pointer can have.
 * @payload_span: bytes from there to the payload of the last block the
 *          arena could end with: a block pointer is @payloads plus at
 *          most this, in whole units.
 * @last:   @end - MM_MIN_UNITS, the last unit a block can start at: the
 *          bound every header's size is checked against (mm_fits).
 * @open_next, @open_prev: the list of the process's open handles (handles.c).
 * @fork_locked: fork.c took this heap's lock for a fork in progress.
 * @dead:   per cache slot of the header, an owner this process found dead
 *          by reading /proc without the lock (mm_tcache_probe), for the
 *          lock holder to reap (mm_tcache_reap): no /proc read ever
 *          stalls every process on the heap.
 * @probed_ns: when this handle last probed (mm_now_ns).
 * @probe_asap: a claim found every slot taken: probe before the next
 *          locked call.
 */
struct mymap_heap {
	char *base;
	struct mm_header *hdr;
	uint32_t salt;
	uint64_t first;
	uint64_t end;
	struct mm_region region;
	struct mm_sleep sleep;
	struct mm_lock_wait lock_wait;
	uint64_t serial;
	struct mm_tcache *solo_slot;
	uint32_t tcache_wait;
	bool nocache;
	bool private_tcache;
	uint64_t tcache_limit;
	uintptr_t written[MM_WRITTEN_PAGES];
	unsigned int written_next;
	uint32_t grid_from;
	uintptr_t payloads;
	uint64_t payload_span;
	uint64_t last;
	struct mymap_heap *open_next, *open_prev;
	bool fork_locked;
	_Atomic uint64_t dead[MM_TCACHE_SLOTS];
	_Atomic uint64_t probed_ns;
	_Atomic bool probe_asap;
};

#endif /* MYMAP_HANDLE_H */
