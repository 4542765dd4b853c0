/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tcache.h - the thread cache: small freed blocks kept for the next
 * request of their size, in a per-thread slot that lives in the heap
 * header, on every backend and kind of heap.
 *
 * A shared heap would pay the lock and the journal on every call, and the
 * threads of one process would fight over the lock and the header; the
 * slot lets a thread skip both for churn of blocks up to 1 KiB, as
 * glibc's tcache does, while everything stays where the other threads and
 * processes can see it:
 *
 * - a thread claims a slot for a handle by swapping its identity
 *   (mm_thread_id()) into the slot's owner word; from then on only that
 *   thread changes the slot, with plain stores, without the heap lock.
 *   The thread finds its slot again through a small table in its own
 *   thread-local storage, keyed by the handle's number; a process that
 *   has never had a second thread, through the handle (mm_tcache_solo).
 *   A forked child's thread has another identity and claims a slot of its
 *   own.
 * - a private heap (anon without MYMAP_SHARED, brk) in a process with one
 *   thread has one user, and its header is private memory: nobody else
 *   can read the slot, so its one thread changes it without the sequence
 *   number, and caches past MM_TCACHE_DEPTH (up to MM_TCACHE_SHARE), as
 *   glibc's fastbins do: a program that frees a large structure of small
 *   blocks (a hash, a tree, at its exit) then pays no merge per block,
 *   whose free list neighbours lie anywhere in the heap.  Its lists are
 *   cut back to that depth once they hold too much, at a request the slot
 *   cannot serve that would otherwise take fresh memory
 *   (mm_tcache_consolidate), as glibc consolidates its fastbins, and
 *   emptied whenever a request finds no room.
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

#include "heap.h"
#include "identity.h"

/*
 * A thread keeps at most this share of the region in its cache, where
 * others could use the blocks (struct mymap_heap's tcache_limit).
 */
#define MM_TCACHE_SHARE 16

/*
 * The most lists of MM_TCACHE_DEPTH blocks of every cached size hold.  The
 * sole user of a private heap, whose lists go past that depth, keeps more
 * at a request its slot cannot serve only if the request finds room in
 * memory already used (mm_tcache_consolidate).
 */
#define MM_TCACHE_SOLE_KEEP                                                                        \
	((uint64_t)MM_TCACHE_DEPTH * MM_TCACHE_BINS * (MM_TCACHE_BINS + 1) / 2 * MM_UNIT)

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
 * Under the lock, before statistics or a check, or to serve a request
 * that found no room: returns to the heap what the calling thread's slot
 * holds, and the slots of dead threads (mm_tcache_reap).  Live threads'
 * slots stay.
 */
void mm_tcache_return(struct mymap_heap *h);

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
 * Whether the caller is the only user of @h's slots: a private heap that
 * caches, in a process with one thread.  Its slot (mm_tcache_solo) is then
 * changed without the sequence number, and its lists go past
 * MM_TCACHE_DEPTH.
 */
static mm_inline bool mm_tcache_sole(const struct mymap_heap *h)
{
	return h->private_tcache && __libc_single_threaded;
}

/*
 * The slot the process's one thread claimed through @h, or NULL.  The
 * handle forgets it when it is given up and in a forked child, so the
 * sole user of a private heap needs no owner check.
 */
static mm_inline struct mm_tcache *mm_tcache_solo(const struct mymap_heap *h)
{
	return __atomic_load_n(&h->solo_slot, __ATOMIC_RELAXED);
}

/*
 * The calling thread's slot for @h, else NULL, for a caller that is not
 * its sole user: found by the identity in its owner word.  A process that
 * has never had a second thread finds it in the handle, without
 * thread-local storage (its one thread has the process's identity); the
 * table serves the rest.
 */
static mm_inline struct mm_tcache *mm_tcache_owned(const struct mymap_heap *h)
{
	struct mm_tcache *s = mm_tcache_solo(h);

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

/* The calling thread's slot for @h, else NULL; *@sole: mm_tcache_sole(). */
static mm_inline struct mm_tcache *mm_tcache_mine(const struct mymap_heap *h, bool *sole)
{
	*sole = mm_tcache_sole(h);
	return *sole ? mm_tcache_solo(h) : mm_tcache_owned(h);
}

/* The bytes the calling thread's slot holds (0 without one): the heap counts them as in use. */
static mm_inline uint64_t mm_tcache_bytes(const struct mymap_heap *h)
{
	bool sole;
	const struct mm_tcache *s = mm_tcache_mine(h, &sole);

	return s ? s->bytes : 0;
}

/*
 * Whether a locked call should claim a slot for the calling thread: it
 * has none, and the handle caches (not MYMAP_NOCACHE).
 */
static mm_inline bool mm_tcache_wanted(const struct mymap_heap *h)
{
	bool sole;

	return !h->nocache && !mm_tcache_mine(h, &sole);
}

/*
 * Under the lock, by the owner of slot @s on a private heap: cuts every
 * list back to MM_TCACHE_DEPTH blocks, the rest going back to the heap; a
 * list found damaged on the way is dropped (mm_tcache_drop_list).  @sole:
 * mm_tcache_sole(), else the change is made under the sequence number.
 */
void mm_tcache_trim(struct mymap_heap *h, struct mm_tcache *s, bool sole);

/*
 * Under the lock, before a request of @units the caller's slot could not
 * serve, on a private heap, whose sole user caches past MM_TCACHE_DEPTH:
 * once its lists hold more than MM_TCACHE_SOLE_KEEP, they are cut back
 * (mm_tcache_trim) if the request would otherwise take fresh memory
 * (mm_fit_is_fresh), so that it may reuse the memory of the blocks cut
 * off, as glibc consolidates its fastbins before it takes from the top
 * chunk; once the process has had a second thread, whatever the request,
 * so that the blocks are the other threads' to use again.  A program
 * that frees a large structure and goes on with memory it has already
 * used pays no merges.
 */
static mm_inline void mm_tcache_consolidate(struct mymap_heap *h, uint32_t units)
{
	bool sole;
	struct mm_tcache *s;

	if (!h->private_tcache)
		return;
	s = mm_tcache_mine(h, &sole);
	if (s && s->bytes > MM_TCACHE_SOLE_KEEP && (!sole || mm_fit_is_fresh(h, units)))
		mm_tcache_trim(h, s, sole);
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

/*
 * Adds @delta to a slot field: as mm_tcache_set(), or for the slot's sole
 * user (mm_tcache_sole), which has no reader to order for, a plain add.
 */
#define mm_tcache_add(sole, field, delta)                                                          \
	do {                                                                                       \
		if (sole)                                                                          \
			(field) += (delta);                                                        \
		else                                                                               \
			mm_tcache_set(field, (field) + (delta));                                   \
	} while (0)

/* The head of slot @s's list of blocks of @units; 0 if it is empty or @units not a cached size. */
static mm_inline uint32_t mm_tcache_head(const struct mm_tcache *s, uint32_t units)
{
	uint32_t bin = units - MM_MIN_UNITS;

	return bin < MM_TCACHE_BINS ? s->list[bin].head : 0;
}

/*
 * Whether @at, the head of slot @s's list of blocks of @units, can be
 * popped: an intact cached block of that size, and where others can write
 * the header (not @sole, as for mm_tcache_take), the slot's counts
 * agreeing.  If not, the caller drops the list (mm_tcache_drop_list) and
 * never follows it.  Separate from the pop itself, so that a caller can
 * drop the list in a function of its own: a call on the fast path would
 * make it save registers on every request.
 */
static mm_inline bool mm_tcache_head_ok(const struct mymap_heap *h, const struct mm_tcache *s,
					uint32_t units, uint32_t at, bool sole)
{
	return mm_likely(mm_cached_block_ok(h, at, units)) &&
	       (sole || (s->bytes >= mm_usable_of(units) && s->list[units - MM_MIN_UNITS].count));
}

/*
 * Pops @at, the head mm_tcache_head_ok() accepted for @units, and makes it
 * live again; @sole: the caller is the slot's only user (mm_tcache_sole).
 */
static mm_inline void *mm_tcache_take(struct mymap_heap *h, struct mm_tcache *s, uint32_t units,
				      uint32_t at, bool sole)
{
	uint32_t bin = units - MM_MIN_UNITS;
	uint64_t usable = mm_usable_of(units);
	uint32_t next = mm_links_at(h, at)->next;
	uint32_t seq = sole ? 0 : mm_tcache_begin(s);

	mm_change_state(h, at, MM_CACHED, MM_USED);
	__atomic_store_n(&s->list[bin].head, next, __ATOMIC_RELEASE);
	mm_tcache_add(sole, s->list[bin].count, -1);
	mm_tcache_add(sole, s->bytes, -usable);
	/* In use now: the heap's figure, less what the cache holds. */
	uint64_t in_use = __atomic_load_n(&h->hdr->counters.in_use, __ATOMIC_RELAXED) - s->bytes;

	if (in_use > s->peak)
		mm_tcache_set(s->peak, in_use);
	/* Apart from @bytes: the sole user's two adds would otherwise be made one vector add. */
	mm_tcache_add(sole, s->allocs, 1);
	if (!sole)
		mm_tcache_end(s, seq);
	return mm_payload_at(h, at);
}

/*
 * A cached block of exactly @units from slot @s, made live again, or NULL;
 * a damaged list is dropped.  @sole as for mm_tcache_take().
 */
static mm_inline void *mm_tcache_pop(struct mymap_heap *h, struct mm_tcache *s, uint32_t units,
				     bool sole)
{
	uint32_t at = mm_tcache_head(s, units);

	if (!at)
		return NULL;
	if (mm_unlikely(!mm_tcache_head_ok(h, s, units, at, sole))) {
		mm_tcache_drop_list(h, s, units - MM_MIN_UNITS);
		return NULL;
	}
	return mm_tcache_take(h, s, units, at, sole);
}

/*
 * Caches the block at @at in slot @s if it is an intact live block, small,
 * and there is room; false otherwise, with the block untouched (the
 * caller's locked free then names what is wrong with it).  The block is
 * claimed first (mm_block_claim): a concurrent free of the same block, by
 * this path or the locked one, finds it cached and reports a double free.
 * Its neighbours are not looked at (each would be a likely cache miss on
 * every free): a damaged one is found when the block goes back to the
 * heap.  @sole as for mm_tcache_take(); @live: the caller has checked
 * that the block is live (is_live, alloc.c).
 */
static mm_inline bool mm_tcache_push(struct mymap_heap *h, struct mm_tcache *s, uint32_t at,
				     bool sole, bool live)
{
	/* Read once, atomically: a racing locked free of the block may rewrite it. */
	uint32_t size = __atomic_load_n(&mm_block_at(h, at)->size, __ATOMIC_RELAXED);
	uint32_t bin = size - MM_MIN_UNITS;
	uint64_t usable = mm_usable_of(size);

	if (bin >= MM_TCACHE_BINS)
		return false;
	/*
	 * Past the share, only the sole user's lists not yet MM_TCACHE_DEPTH
	 * deep take more.  The bytes are tested first: the sole user's lists
	 * hover around that depth, so a test of it first would be a branch
	 * no predictor learns, where the share is seldom reached.
	 */
	if (mm_unlikely(s->bytes + usable > h->tcache_limit) &&
	    (!sole || s->list[bin].count >= MM_TCACHE_DEPTH))
		return false;
	if (!sole && s->list[bin].count >= MM_TCACHE_DEPTH)
		return false;
	/* Nobody else can free it: checked live, and the caller is the sole user. */
	if (sole && live)
		mm_change_state(h, at, MM_USED, MM_CACHED);
	else if (!mm_block_claim(h, at, size, sole))
		return false;
	uint32_t seq = sole ? 0 : mm_tcache_begin(s);

	mm_links_at(h, at)->next = s->list[bin].head;
	__atomic_store_n(&s->list[bin].head, at, __ATOMIC_RELEASE);
	mm_tcache_add(sole, s->list[bin].count, 1);
	mm_tcache_add(sole, s->bytes, usable);
	mm_tcache_add(sole, s->frees, 1);
	if (!sole)
		mm_tcache_end(s, seq);
	return true;
}

#endif /* MYMAP_TCACHE_H */
