/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tcache.h - the thread cache: small freed blocks kept for the next
 * request of their size, in a per-thread slot that lives in the heap
 * header: on shared heaps, and on private heaps in a process with more
 * than one thread.
 *
 * A shared heap would pay the lock and the journal on every call, and the
 * threads of one process would fight over the lock and the header; the
 * slot lets a thread skip both for churn of blocks up to 1 KiB, as the
 * private cache (cache.h) does for a process with one thread, while
 * everything stays where the other threads and processes can see it:
 *
 * - a thread claims a slot for a handle by swapping its identity
 *   (mm_thread_id()) into the slot's owner word; from then on only that
 *   thread changes the slot, with plain stores, without the heap lock.
 *   The thread finds its slot again through a small table in its own
 *   thread-local storage, keyed by the handle's number.  A forked child's
 *   thread has another identity and claims a slot of its own.
 * - a cached block stays in the block chain with the state MM_CACHED
 *   (state and canary change in one store, mm_change_state), so a second
 *   free is named by anyone and neighbours never merge with it; the lock
 *   holder writes only `prev` of such a block (mm_tx_put_prev).
 * - the heap counters go on counting a cached block as in use; the slot
 *   counts it (bytes, blocks, requests, frees) under a sequence number,
 *   and statistics read every slot and move its blocks to free.
 * - the slot's owner returns its blocks to the heap (mm_tcache_flush) for
 *   its own statistics and checks and when a request finds no room, and
 *   gives the slot up when it closes the handle or ends (a thread-exit
 *   handler, tcache.c).  A slot whose owner is found dead without having
 *   given it up (a killed process, a thread ended without its exit
 *   handlers) - by lock recovery, statistics, checks, a request that
 *   finds no room, or a claim that finds every slot taken - is emptied by
 *   the lock holder (mm_tcache_reap).
 *
 * The lists are ordered for a death at any instant: a push marks the
 * block cached (the compare-and-swap that makes the free this thread's
 * alone, mm_block_claim), links it, then publishes it as the list head; a
 * pop marks it used, then unpublishes it.  Every block in a list therefore
 * belongs to the cache (cached, or used but not yet handed out), and the
 * reaper frees each one.  A block whose free was cut short before it
 * reached a list stays allocated (marked cached), like any block of a dead
 * process.
 */
#ifndef MYMAP_TCACHE_H
#define MYMAP_TCACHE_H

#include <sys/single_threaded.h>

#include "cache.h"
#include "heap.h"
#include "identity.h"

/* A thread keeps at most this share of the region in its cache. */
#define MM_TCACHE_SHARE 16

/*
 * A thread's table of its slots, one entry per handle number modulo
 * MM_TLS_SLOTS: a thread that works on two handles whose numbers collide
 * finds its slot again under the lock, on the slow path.
 */
#define MM_TLS_SLOTS 8

struct mm_tls_slot {
	uint64_t handle; /* the handle's number (mymap_heap.serial); 0: none */
	struct mm_tcache *slot;
};

extern _Thread_local struct mm_tls_slot mm_tls_slots[MM_TLS_SLOTS]
    __attribute__((tls_model("initial-exec")));

/*
 * Under the lock: makes sure the calling thread has a slot for @h
 * (claiming one, or after every slot was taken, reaping dead owners').
 */
void mm_tcache_claim(struct mymap_heap *h);

/* Under the lock: returns every block of the calling thread's slot to the heap. */
void mm_tcache_flush(struct mymap_heap *h);

/*
 * Without the lock: reads in /proc whether the owner of each slot claimed
 * by another thread is alive, and notes the dead in h->dead for
 * mm_tcache_reap().  Up to MM_TCACHE_SLOTS reads of /proc/TID/stat.
 * Returns how many owners it found dead that were not noted before.
 */
unsigned int mm_tcache_probe(struct mymap_heap *h);

/*
 * Whether a request that found no room should probe before it is refused:
 * a slot is claimed by another thread not known dead, and this handle has
 * not probed for MM_PROBE_INTERVAL_NS.  Reads the owner words and the
 * clock, no /proc.
 */
bool mm_tcache_probe_due(struct mymap_heap *h);

/* How often at most a handle's refused requests probe (mm_tcache_probe_due). */
#define MM_PROBE_INTERVAL_NS 10000000ULL

/*
 * Under the lock: empties and frees the slots whose owner a probe found
 * dead, and, on a private heap, those its parent's threads held before a
 * fork.  Reads no /proc.
 */
void mm_tcache_reap(struct mymap_heap *h);

/* Under the lock: empties and frees the slots of process @dead's threads (lock recovery). */
void mm_tcache_reap_process(struct mymap_heap *h, uint64_t dead);

/* Under the lock: returns the blocks of every slot claimed through @h and gives them up. */
void mm_tcache_release_handle(struct mymap_heap *h);

/*
 * Drops list @bin of the calling thread's slot @s, found damaged: counted
 * as an integrity error, its blocks lost to the cache, its bytes with
 * them.  Out of line: inlined, it slowed the request path it sits on.
 */
void mm_tcache_drop_list(struct mymap_heap *h, struct mm_tcache *s, uint32_t bin);

/* Sums of every slot's counters (see struct mm_tcache). */
struct mm_tcache_totals {
	uint64_t blocks, bytes, allocs, frees, peak;
};

/* Under the lock: reads every claimed slot's counters. */
void mm_tcache_totals(struct mymap_heap *h, struct mm_tcache_totals *t);

/*
 * The calling thread's slot for @h, else NULL.  A process that has never
 * had a second thread finds it in the handle, without thread-local
 * storage (its one thread has the process's identity); the table serves
 * the rest.
 */
static mm_inline struct mm_tcache *mm_tcache_mine(const struct mymap_heap *h)
{
	struct mm_tcache *s = h->solo_slot;

	/*
	 * An identity not computed yet owns no slot: a thread that has never
	 * taken the lock, or a forked child's, before its first locked call.
	 * Not computing it here keeps the fast paths free of calls.
	 */
	if (mm_likely(__libc_single_threaded)) {
		uint64_t me = mm_self_id_known();

		if (s && me && atomic_load_explicit(&s->owner, memory_order_relaxed) == me)
			return s;
		return NULL;
	}
	const struct mm_tls_slot *t = &mm_tls_slots[h->serial % MM_TLS_SLOTS];
	uint64_t me = mm_thread_id_known();

	if (t->handle == h->serial && me &&
	    atomic_load_explicit(&t->slot->owner, memory_order_relaxed) == me)
		return t->slot;
	return NULL;
}

/* The bytes the calling thread's slot holds (0 without one): the heap counts them as in use. */
static mm_inline uint64_t mm_tcache_bytes(const struct mymap_heap *h)
{
	const struct mm_tcache *s = mm_tcache_mine(h);

	return s ? s->bytes : 0;
}

/*
 * Whether a locked call should claim a slot for the calling thread: it
 * has none, and neither is the handle without slots (MYMAP_NOCACHE) nor
 * does the handle's own cache serve (a private heap in a process with one
 * thread, cache.h).
 */
static mm_inline bool mm_tcache_wanted(const struct mymap_heap *h)
{
	return !h->nocache && !mm_cache_usable(h) && !mm_tcache_mine(h);
}

/*
 * Before the lock, for a call that will claim (mm_tcache_wanted): what a
 * claim needs from /proc, read without the lock - the thread's identity,
 * and, after a claim found every slot taken, a look for dead owners.
 */
void mm_tcache_before_claim(struct mymap_heap *h);

/*
 * Opens and closes a change of @s's counters (a sequence lock; one
 * writer): begin returns the number it made odd, for end to pass back.
 * An owner that died inside a change left it odd already: kept so, and
 * the reaper's end makes it even again, or every reader would wait out
 * its tries on the slot for good.
 */
static mm_inline uint32_t mm_tcache_begin(struct mm_tcache *s)
{
	uint32_t seq = atomic_load_explicit(&s->seq, memory_order_relaxed) | 1;

	atomic_store_explicit(&s->seq, seq, memory_order_relaxed);
	return seq;
}

static mm_inline void mm_tcache_end(struct mm_tcache *s, uint32_t seq)
{
	atomic_store_explicit(&s->seq, seq + 1, memory_order_release);
}

/*
 * Stores @v to a slot field other processes read under the sequence
 * number: a release store, so a reader that sees it sees the odd number
 * before it (a plain store on x86).
 */
#define mm_tcache_set(field, v) __atomic_store_n(&(field), (v), __ATOMIC_RELEASE)

/* mm_tcache_head() of a damaged list: never a block's offset (blocks end below 2^32 units). */
#define MM_TCACHE_DAMAGED UINT32_MAX

/*
 * The head of slot @s's list of blocks of @units, if it can be popped: an
 * intact cached block of that size, with the slot's counts agreeing.  0 if
 * the list is empty or @units not a cached size; MM_TCACHE_DAMAGED if the
 * list is damaged in the region, for the caller to drop
 * (mm_tcache_drop_list) and never follow.  Separate from the pop itself,
 * so that a caller can drop the list in a function of its own: a call on
 * the fast path would make it save registers on every request.
 */
static mm_inline uint32_t mm_tcache_head(struct mymap_heap *h, struct mm_tcache *s, uint32_t units)
{
	uint32_t bin = units - MM_MIN_UNITS;

	if (bin >= MM_TCACHE_BINS)
		return 0;
	uint32_t at = s->head[bin];

	if (!at)
		return 0;
	if (mm_unlikely(!mm_cached_block_ok(h, at, units) || s->bytes < mm_usable_of(units) ||
			!s->count[bin]))
		return MM_TCACHE_DAMAGED;
	return at;
}

/* Pops @at, the head mm_tcache_head() gave for @units, and makes it live again. */
static mm_inline void *mm_tcache_take(struct mymap_heap *h, struct mm_tcache *s, uint32_t units,
				      uint32_t at)
{
	uint32_t bin = units - MM_MIN_UNITS;
	uint64_t usable = mm_usable_of(units);
	uint32_t next = mm_links_at(h, at)->next;
	uint32_t seq = mm_tcache_begin(s);

	mm_change_state(h, at, MM_CACHED, MM_USED);
	__atomic_store_n(&s->head[bin], next, __ATOMIC_RELEASE);
	mm_tcache_set(s->count[bin], s->count[bin] - 1);
	mm_tcache_set(s->bytes, s->bytes - usable);
	mm_tcache_set(s->allocs, s->allocs + 1);
	/* In use now: the heap's figure, less what the cache holds. */
	uint64_t in_use = __atomic_load_n(&h->hdr->counters.in_use, __ATOMIC_RELAXED) - s->bytes;

	if (in_use > s->peak)
		mm_tcache_set(s->peak, in_use);
	mm_tcache_end(s, seq);
	return mm_payload_at(h, at);
}

/* A cached block of exactly @units from slot @s, made live again, or NULL; a damaged list is
 * dropped. */
static mm_inline void *mm_tcache_pop(struct mymap_heap *h, struct mm_tcache *s, uint32_t units)
{
	uint32_t at = mm_tcache_head(h, s, units);

	if (mm_unlikely(at == MM_TCACHE_DAMAGED)) {
		mm_tcache_drop_list(h, s, units - MM_MIN_UNITS);
		return NULL;
	}
	return at ? mm_tcache_take(h, s, units, at) : NULL;
}

/*
 * Caches the block at @at in slot @s if it is an intact live block, small,
 * and there is room; false otherwise, with the block untouched (the
 * caller's locked free then names what is wrong with it).  The block is
 * claimed first (mm_block_claim): a concurrent free of the same block, by
 * this path or the locked one, finds it cached and reports a double free.
 * Its neighbours are not looked at (each would be a likely cache miss on
 * every free): a damaged one is found when the block goes back to the
 * heap, as with the private cache (cache.h).
 */
static mm_inline bool mm_tcache_push(struct mymap_heap *h, struct mm_tcache *s, uint32_t at)
{
	/* Read once, atomically: a racing locked free of the block may rewrite it. */
	uint32_t size = __atomic_load_n(&mm_block_at(h, at)->size, __ATOMIC_RELAXED);
	uint32_t bin = size - MM_MIN_UNITS;
	uint64_t usable = mm_usable_of(size);

	if (bin >= MM_TCACHE_BINS || s->count[bin] >= MM_TCACHE_DEPTH ||
	    s->bytes + usable > h->region.size / MM_TCACHE_SHARE || !mm_block_claim(h, at, size))
		return false;
	uint32_t seq = mm_tcache_begin(s);

	mm_links_at(h, at)->next = s->head[bin];
	__atomic_store_n(&s->head[bin], at, __ATOMIC_RELEASE);
	mm_tcache_set(s->count[bin], s->count[bin] + 1);
	mm_tcache_set(s->bytes, s->bytes + usable);
	mm_tcache_set(s->frees, s->frees + 1);
	mm_tcache_end(s, seq);
	return true;
}

#endif /* MYMAP_TCACHE_H */
