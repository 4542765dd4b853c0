// SPDX-License-Identifier: GPL-2.0
/*
 * heap.c - opening a heap on a region: formatting it, or attaching to the
 * heap it already holds after checking the header; closing; what a handle
 * says about its region.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "handles.h"
#include "heap.h"
#include "identity.h"
#include "lock.h"
#include "tcache.h"

void (*mm_test_hook)(const char *where);

/* The heap header's size, rounded so the first block starts on a cache line. */
#define HEADER_BYTES ((sizeof(struct mm_header) + 63) & ~(size_t)63)

/*
 * The smallest arena holds more than the largest cached block beyond its
 * first: mm_cached_block_ok() checks a cached block's place and extent in
 * one compare, end - first - units, which must not wrap.
 */
_Static_assert(MM_MIN_REGION / MM_UNIT - HEADER_BYTES / MM_UNIT > MM_TCACHE_BINS + MM_MIN_UNITS,
	       "the smallest region leaves room past the header for any cached size");

/* How long an opener waits for another process's format to finish. */
#define FORMAT_WAIT_MS 10000
/* How long a formatter's recorded identity must stay dead before a takeover. */
#define FORMAT_TAKEOVER_MS 100

static uint64_t fresh_salt(void)
{
	uint64_t salt;

	if (getrandom(&salt, sizeof(salt), GRND_NONBLOCK) != sizeof(salt)) {
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		salt = (uint64_t)ts.tv_nsec * 0x9e3779b97f4a7c15ULL ^ (uint64_t)getpid();
	}
	return salt;
}

static void load_geometry(struct mymap_heap *h)
{
	h->salt = (uint32_t)(h->hdr->salt ^ h->hdr->salt >> 32);
	h->first = h->hdr->first;
	h->end = h->hdr->end;
	h->payloads = (uintptr_t)mm_payload_at(h, (uint32_t)h->first);
	h->payload_span = (h->end - MM_MIN_UNITS - h->first) << MM_UNIT_SHIFT;
	h->last = h->end - MM_MIN_UNITS;
}

/*
 * Lays a fresh heap over the region: header, one free block spanning the
 * arena.  The caller has claimed the region (magic MM_FORMATTING or a
 * region nobody else sees); the magic is stored last, so an opener that
 * sees MM_MAGIC sees a complete heap.
 */
void mm_format(struct mymap_heap *h)
{
	struct mm_header *hdr = h->hdr;
	uint64_t generation = hdr->generation + 1;
	uint64_t size = h->region.size & ~(uint64_t)(MM_UNIT - 1);

	uint64_t owner = atomic_load(&hdr->lock.owner);

	memset((char *)hdr + sizeof(hdr->magic), 0, HEADER_BYTES - sizeof(hdr->magic));
	/* The cache slots are new: this handle has claimed none of them. */
	__atomic_store_n(&h->solo_slot, NULL, __ATOMIC_RELAXED);
	/* Still the formatter's until the end, so a waiter can tell if it died. */
	atomic_store(&hdr->lock.owner, owner);
	hdr->version = MYMAP_HEAP_VERSION;
	hdr->header_size = (uint32_t)HEADER_BYTES;
	hdr->region_size = h->region.size;
	hdr->salt = fresh_salt();
	hdr->first = (uint32_t)(HEADER_BYTES >> MM_UNIT_SHIFT);
	hdr->end = (uint32_t)(size >> MM_UNIT_SHIFT);
	hdr->generation = generation;
	load_geometry(h);

	struct mm_block *b = mm_block_at(h, h->first);
	uint32_t units = h->end - h->first;

	b->size = units;
	b->prev = 0;
	b->state = MM_FREE;
	b->check = mm_check_of(h->salt, h->first, units, MM_FREE);
	mm_list_insert(h, h->first, units);
	hdr->counters.free = mm_usable_of(units);
	hdr->counters.free_blocks = 1;
	atomic_store_explicit(&hdr->lock.owner, 0, memory_order_relaxed);
	atomic_store_explicit(&hdr->magic, MM_MAGIC, memory_order_release);
}

/* Checks the header of an existing heap against this mapping. */
static int attach(struct mymap_heap *h)
{
	const struct mm_header *hdr = h->hdr;

	if (hdr->version != MYMAP_HEAP_VERSION)
		return mm_fail(MYMAP_ERR_VERSION, EPROTO,
			       "heap format version %u, this library reads version %u",
			       hdr->version, MYMAP_HEAP_VERSION);
	if (hdr->region_size != h->region.size)
		return mm_fail(MYMAP_ERR_SIZE, ERANGE,
			       "heap was formatted for %llu bytes, the region has %zu",
			       (unsigned long long)hdr->region_size, h->region.size);
	if (hdr->header_size != HEADER_BYTES || hdr->first != HEADER_BYTES >> MM_UNIT_SHIFT ||
	    hdr->end != (h->region.size >> MM_UNIT_SHIFT))
		return mm_fail(MYMAP_ERR_CORRUPT, EUCLEAN,
			       "heap header damaged: header size %u, blocks %#x..%#x units",
			       hdr->header_size, hdr->first, hdr->end);
	load_geometry(h);
	return 0;
}

/*
 * Attaches to the heap in the region, or formats it when @flags allow and
 * it holds none, never both at once from two processes: a format first
 * swaps the magic to MM_FORMATTING and records itself as lock owner, so
 * a concurrent opener waits for it, or takes over if it died.
 */
static int attach_or_format(struct mymap_heap *h, unsigned int flags)
{
	struct mm_header *hdr = h->hdr;
	uint64_t me = mm_self_id();

	uint64_t dead = 0;
	int dead_since = 0;

	for (int waited = 0;; waited++) {
		uint64_t magic = atomic_load_explicit(&hdr->magic, memory_order_acquire);

		if (magic == MM_MAGIC && !(flags & MYMAP_FORMAT))
			return attach(h);
		if (magic == MM_FORMATTING) {
			uint64_t owner = atomic_load(&hdr->lock.owner);

			/*
			 * The formatter records itself just after it swaps the
			 * magic, so the word may still hold what was there before
			 * (garbage, a dead holder): only an owner seen dead for
			 * FORMAT_TAKEOVER_MS is a formatter that died.
			 */
			if (owner != dead) {
				dead = owner && !mymap_id_alive(owner) ? owner : 0;
				dead_since = waited;
			}
			if ((flags & (MYMAP_CREATE | MYMAP_FORMAT)) && dead &&
			    waited - dead_since >= FORMAT_TAKEOVER_MS &&
			    atomic_compare_exchange_strong(&hdr->lock.owner, &owner, me)) {
				mm_format(h);
				return 0;
			}
			if (waited >= FORMAT_WAIT_MS)
				return mm_fail(MYMAP_ERR_NOT_A_HEAP, ENODATA,
					       "another process has been formatting this region "
					       "for %d s",
					       FORMAT_WAIT_MS / 1000);
			usleep(1000);
			continue;
		}
		if (!(flags & (MYMAP_CREATE | MYMAP_FORMAT)))
			return mm_fail(
			    MYMAP_ERR_NOT_A_HEAP, ENODATA,
			    "region holds no mymap heap (first bytes %016llx); open with "
			    "MYMAP_CREATE to format it, destroying its contents",
			    (unsigned long long)__builtin_bswap64(magic));
		if (atomic_compare_exchange_strong(&hdr->magic, &magic, MM_FORMATTING)) {
			atomic_store(&hdr->lock.owner, me);
			mm_format(h);
			return 0;
		}
	}
}

/* Handles this process has opened: each gets the next number (mymap_heap.serial). */
static _Atomic uint64_t handles_opened;

/* Flags every open function takes. */
#define ANY_OPEN_FLAGS (MYMAP_NOCACHE | MYMAP_POPULATE)

static int flags_ok(unsigned int flags, unsigned int allowed, const char *what)
{
	allowed |= ANY_OPEN_FLAGS;
	if (flags & ~allowed)
		return mm_fail(MYMAP_ERR_ARGUMENT, EINVAL, "%s: unknown flags %#x", what,
			       flags & ~allowed);
	return 0;
}

/*
 * Wraps a mapped region in a handle: formats it if @fresh, else attaches
 * or formats as @flags say.  Releases the region on failure.
 */
static struct mymap_heap *open_region(struct mm_region *r, unsigned int flags, bool fresh)
{
	struct mymap_heap *h;
	int err;

	if ((flags & MYMAP_POPULATE) && mm_region_populate(r) < 0) {
		err = errno;
		mm_region_release(r);
		errno = err;
		return NULL;
	}
	h = calloc(1, sizeof(*h));
	if (!h) {
		err = errno;
		mm_region_release(r);
		mm_fail(MYMAP_ERR_SYSTEM, err, "cannot allocate a heap handle");
		return NULL;
	}
	h->region = *r;
	h->sleep = (struct mm_sleep){.base = r->base,
				     .fd = r->fd,
				     .device = r->backend == MYMAP_BACKEND_DEVICE,
				     .shared = r->shared};
	h->lock_wait = (struct mm_lock_wait){.sleep = &h->sleep, .limit_ns = MYMAP_LOCK_TIMEOUT_NS};
	h->base = r->base;
	h->hdr = r->base;
	h->nocache = flags & MYMAP_NOCACHE;
	h->private_tcache = !h->region.shared && !h->nocache;
	h->tcache_limit = h->region.size / MM_TCACHE_SHARE;
	h->grid_from = r->backend == MYMAP_BACKEND_DEVICE || (flags & MYMAP_POPULATE)
			   ? UINT32_MAX
			   : MM_GRID_UNITS;
	h->serial = atomic_fetch_add_explicit(&handles_opened, 1, memory_order_relaxed) + 1;
	if (fresh) {
		atomic_store(&h->hdr->magic, MM_FORMATTING);
		mm_format(h);
		mm_handles_add(h);
		return h;
	}
	if (attach_or_format(h, flags) == 0) {
		mm_handles_add(h);
		return h;
	}
	err = errno;
	mm_region_release(&h->region);
	free(h);
	errno = err;
	return NULL;
}

struct mymap_heap *mymap_open_device(unsigned int flags)
{
	struct mm_region r;

	if (flags_ok(flags, MYMAP_CREATE | MYMAP_FORMAT, "mymap_open_device") < 0 ||
	    mm_region_device(&r) < 0)
		return NULL;
	return open_region(&r, flags, false);
}

struct mymap_heap *mymap_open_anon(size_t size, unsigned int flags)
{
	struct mm_region r;

	if (flags_ok(flags, MYMAP_CREATE | MYMAP_FORMAT | MYMAP_SHARED, "mymap_open_anon") < 0 ||
	    mm_region_anon(&r, size, flags & MYMAP_SHARED) < 0)
		return NULL;
	return open_region(&r, flags, true);
}

struct mymap_heap *mymap_open_memfd(size_t size, unsigned int flags)
{
	struct mm_region r;

	if (flags_ok(flags, MYMAP_CREATE | MYMAP_FORMAT, "mymap_open_memfd") < 0 ||
	    mm_region_memfd(&r, size) < 0)
		return NULL;
	return open_region(&r, flags, true);
}

struct mymap_heap *mymap_open_fd(int fd, unsigned int flags)
{
	struct mm_region r;

	if (flags_ok(flags, MYMAP_CREATE | MYMAP_FORMAT, "mymap_open_fd") < 0 ||
	    mm_region_fd(&r, fd) < 0)
		return NULL;
	return open_region(&r, flags, false);
}

struct mymap_heap *mymap_open_brk(size_t size, unsigned int flags)
{
	struct mm_region r;

	if (flags_ok(flags, MYMAP_CREATE | MYMAP_FORMAT, "mymap_open_brk") < 0 ||
	    mm_region_brk(&r, size) < 0)
		return NULL;
	return open_region(&r, flags, true);
}

int mymap_close(struct mymap_heap *heap)
{
	int locked, ret;

	if (!heap)
		return 0;
	mm_handles_remove(heap);
	/* What this handle's threads cached goes back to the others, and so do their slots. */
	locked = mm_lock(heap);
	if (locked == 0) {
		mm_tcache_release_handle(heap);
		mm_unlock(heap);
	}
	ret = mm_region_release(&heap->region);
	free(heap);
	if (locked < 0 && ret == 0) {
		errno = ETIMEDOUT;
		ret = -1;
	}
	return ret;
}

enum mymap_backend mymap_heap_backend(const struct mymap_heap *heap)
{
	return heap->region.backend;
}

int mymap_heap_fd(const struct mymap_heap *heap)
{
	if (heap->region.fd < 0)
		return mm_fail(MYMAP_ERR_NO_FD, EBADF, "anon and brk heaps have no descriptor");
	return heap->region.fd;
}

void *mymap_heap_base(const struct mymap_heap *heap)
{
	return heap->base;
}

size_t mymap_heap_size(const struct mymap_heap *heap)
{
	return heap->region.size;
}
