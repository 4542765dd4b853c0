// SPDX-License-Identifier: GPL-2.0
/*
 * tcache.c - the thread cache's slots in the heap header (tcache.h):
 * claiming a slot, returning a slot's blocks to the heap, reaping the
 * slots of dead threads and processes, and reading every slot's counters
 * for the statistics.
 */
#include <pthread.h>
#include <string.h>

#include "clock.h"
#include "handles.h"
#include "lock.h"
#include "tcache.h"

_Thread_local struct mm_tls_slot mm_tls_slots[MM_TLS_SLOTS]
    __attribute__((tls_model("initial-exec")));

/* Slow calls to let pass before trying again to claim, once every slot was taken. */
#define CLAIM_BACKOFF 1024

/*
 * The steps through one list of blocks of @units: a list holds at most
 * MM_TCACHE_DEPTH blocks, one more allowing a death mid-push; a private
 * heap's, whose sole user caches past that depth, at most every block of
 * that size the arena could hold.  From the handle's own constants.
 */
static uint32_t list_steps(const struct mymap_heap *h, uint32_t units)
{
	return h->private_tcache ? (uint32_t)((h->end - h->first) / units + 1)
				 : MM_TCACHE_DEPTH + 1;
}

/*
 * Whether @at can be in a list of blocks of @units: cached, or, as a
 * list's head (@head), used (see give_back); damage is counted.
 */
static bool list_block_ok(struct mymap_heap *h, uint32_t at, uint32_t units, bool head)
{
	const struct mm_block *b = mm_block_at(h, at);

	if (mm_in_arena(h, at) && mm_block_ok(h, at) && b->size == units &&
	    (mm_state(b) == MM_CACHED || (head && mm_state(b) == MM_USED)))
		return true;
	atomic_fetch_add_explicit(&h->hdr->counters.integrity_errors, 1, memory_order_relaxed);
	return false;
}

/* Blocks given back between two signs of progress to the lock's waiters (mm_robust_lock_busy). */
#define BUSY_EVERY 65536

/*
 * Returns to the heap the blocks of slot @s's list @bin from the one
 * *@link names on (@link: the list head, or a block's link), at most
 * @steps; the caller holds the lock and @s is this process's or, @dead, a
 * dead owner's.  A block in a list is cached, or, at the head of a dead
 * owner's list, used but never handed out (the owner died between the two
 * stores of a pop); anything else is damage, counted, and ends the walk.
 * Returns whether the walk reached the list's end.
 */
static bool give_back(struct mymap_heap *h, struct mm_tcache *s, uint32_t bin, uint32_t *link,
		      uint32_t steps, bool dead)
{
	uint32_t units = bin + MM_MIN_UNITS;
	uint32_t at = __atomic_load_n(link, __ATOMIC_ACQUIRE);
	bool used_ok = dead && link == &s->list[bin].head;

	for (uint32_t step = 0; at; step++) {
		if (step == steps) {
			/* Longer than a list can be. */
			atomic_fetch_add_explicit(&h->hdr->counters.integrity_errors, 1,
						  memory_order_relaxed);
			return false;
		}
		if (!list_block_ok(h, at, units, used_ok && step == 0))
			return false;
		if (step && step % BUSY_EVERY == 0)
			mm_robust_lock_busy(&h->hdr->lock);
		uint32_t next = mm_links_at(h, at)->next;

		/*
		 * Taken off the list before it is freed, in a pop's order: a
		 * holder that dies here leaves the rest of the list whole.
		 */
		mm_change_state(h, at, mm_state(mm_block_at(h, at)), MM_USED);
		__atomic_store_n(link, next, __ATOMIC_RELEASE);
		if (s->list[bin].count)
			mm_tcache_set(s->list[bin].count, s->list[bin].count - 1);
		if (s->bytes >= mm_usable_of(units))
			mm_tcache_set(s->bytes, s->bytes - mm_usable_of(units));
		/* The slot counted this free already. */
		if (mm_free_locked(h, at) == 0)
			h->hdr->counters.free_count--;
		at = next;
	}
	return true;
}

/* Returns every block in slot @s's lists to the heap (see give_back). */
static void empty_slot(struct mymap_heap *h, struct mm_tcache *s, bool dead)
{
	uint32_t seq = mm_tcache_begin(s);

	for (uint32_t bin = 0; bin < MM_TCACHE_BINS; bin++) {
		bool whole = give_back(h, s, bin, &s->list[bin].head,
				       list_steps(h, bin + MM_MIN_UNITS), dead);

		/*
		 * Blocks counted but not reached: a link overwritten (a store
		 * after free).  One more than a dead owner's list holds is a pop
		 * it died in, between unlinking the block and counting it.
		 */
		if (whole && s->list[bin].count > (dead ? 1u : 0u))
			atomic_fetch_add_explicit(&h->hdr->counters.integrity_errors, 1,
						  memory_order_relaxed);
		__atomic_store_n(&s->list[bin].head, 0, __ATOMIC_RELEASE);
		mm_tcache_set(s->list[bin].count, 0);
	}
	/* Every block is back (or, damaged, lost to the cache): nothing is cached. */
	mm_tcache_set(s->bytes, 0);
	mm_tcache_end(s, seq);
}

void mm_tcache_trim(struct mymap_heap *h, struct mm_tcache *s, bool sole)
{
	for (uint32_t bin = 0; bin < MM_TCACHE_BINS; bin++) {
		uint32_t units = bin + MM_MIN_UNITS;
		uint32_t at = s->list[bin].head;
		uint32_t kept = 1;

		if (s->list[bin].count <= MM_TCACHE_DEPTH)
			continue;
		/* To the last block kept. */
		while (at && list_block_ok(h, at, units, false) && kept < MM_TCACHE_DEPTH) {
			at = mm_links_at(h, at)->next;
			kept++;
		}
		if (kept < MM_TCACHE_DEPTH || !at || !list_block_ok(h, at, units, false)) {
			mm_tcache_drop_list(h, s, bin);
			continue;
		}
		uint32_t seq = sole ? 0 : mm_tcache_begin(s);
		bool whole =
		    give_back(h, s, bin, &mm_links_at(h, at)->next, list_steps(h, units), false);

		if (!sole)
			mm_tcache_end(s, seq);
		/* Damage behind the blocks kept, or a link back into them: the list goes. */
		if (!whole || s->list[bin].count != MM_TCACHE_DEPTH)
			mm_tcache_drop_list(h, s, bin);
	}
}

void mm_tcache_drop_list(struct mymap_heap *h, struct mm_tcache *s, uint32_t bin)
{
	uint64_t lost = s->list[bin].count * mm_usable_of(bin + MM_MIN_UNITS);
	uint32_t seq;

	atomic_fetch_add_explicit(&h->hdr->counters.integrity_errors, 1, memory_order_relaxed);
	seq = mm_tcache_begin(s);
	__atomic_store_n(&s->list[bin].head, 0, __ATOMIC_RELEASE);
	mm_tcache_set(s->list[bin].count, 0);
	mm_tcache_set(s->bytes, s->bytes > lost ? s->bytes - lost : 0);
	mm_tcache_end(s, seq);
}

/*
 * Empties slot @s (@dead: its owner died, see give_back), moves its
 * counters to the heap's and frees it.
 */
static void release_slot(struct mymap_heap *h, struct mm_tcache *s, bool dead)
{
	struct mm_counters *c = &h->hdr->counters;

	uint64_t allocs, frees, peak;
	uint32_t seq;

	empty_slot(h, s, dead);
	/* Zeroed before they are added: a holder that dies between loses them, never adds twice. */
	allocs = s->allocs;
	frees = s->frees;
	peak = s->peak;
	seq = mm_tcache_begin(s);
	mm_tcache_set(s->allocs, 0);
	mm_tcache_set(s->frees, 0);
	mm_tcache_set(s->peak, 0);
	mm_tcache_end(s, seq);
	c->alloc_count += allocs;
	c->free_count += frees;
	if (peak > c->peak_in_use)
		c->peak_in_use = peak;
	if (mm_tcache_solo(h) == s)
		__atomic_store_n(&h->solo_slot, NULL, __ATOMIC_RELAXED);
	atomic_store_explicit(&s->owner, 0, memory_order_release);
}

void mm_tcache_flush(struct mymap_heap *h)
{
	bool sole;
	struct mm_tcache *s = mm_tcache_mine(h, &sole);

	if (s && s->bytes)
		empty_slot(h, s, false);
}

void mm_tcache_return(struct mymap_heap *h)
{
	mm_tcache_flush(h);
	mm_tcache_reap(h);
}

/*
 * Whether slot @s is claimed, by this process, through handle @h; the
 * caller holds the lock (@process and @handle are read only under it).
 */
static bool claimed_through(const struct mymap_heap *h, const struct mm_tcache *s)
{
	return atomic_load_explicit(&s->owner, memory_order_acquire) &&
	       s->process == mm_self_id() && s->handle == h->serial;
}

void mm_tcache_release_handle(struct mymap_heap *h)
{
	for (unsigned int i = 0; i < MM_TCACHE_SLOTS; i++)
		if (claimed_through(h, &h->hdr->tcache[i]))
			release_slot(h, &h->hdr->tcache[i], false);
}

/*
 * Whether slot @s (claimed by @owner) is nobody's now: a probe found its
 * owner dead, or, on a private heap, it was claimed before a fork by a
 * thread of the parent, whose copy of the heap this no longer is.
 */
static bool orphaned(const struct mymap_heap *h, unsigned int i, uint64_t owner)
{
	const struct mm_tcache *s = &h->hdr->tcache[i];

	return owner == atomic_load_explicit(&h->dead[i], memory_order_relaxed) ||
	       (!h->region.shared && s->process != mm_self_id());
}

void mm_tcache_reap(struct mymap_heap *h)
{
	/* Not computed here, under the lock (/proc): a thread without one owns no slot. */
	uint64_t me = mm_thread_id_known();

	for (unsigned int i = 0; i < MM_TCACHE_SLOTS; i++) {
		struct mm_tcache *s = &h->hdr->tcache[i];
		uint64_t owner = atomic_load_explicit(&s->owner, memory_order_acquire);

		if (owner && owner != me && orphaned(h, i, owner))
			release_slot(h, s, true);
	}
}

void mm_tcache_reap_process(struct mymap_heap *h, uint64_t dead)
{
	for (unsigned int i = 0; i < MM_TCACHE_SLOTS; i++) {
		struct mm_tcache *s = &h->hdr->tcache[i];

		if (atomic_load_explicit(&s->owner, memory_order_acquire) && s->process == dead)
			release_slot(h, s, true);
	}
}

/*
 * An identity, once dead, never lives again (its start time is part of
 * it), so what a probe notes stays true until the slot changes owner: the
 * reaper compares the owner it finds with the one noted.
 */
unsigned int mm_tcache_probe(struct mymap_heap *h)
{
	uint64_t me = mm_thread_id();
	unsigned int found = 0;

	atomic_store_explicit(&h->probe_asap, false, memory_order_relaxed);
	atomic_store_explicit(&h->probed_ns, mm_now_ns(), memory_order_relaxed);
	for (unsigned int i = 0; i < MM_TCACHE_SLOTS; i++) {
		uint64_t owner =
		    atomic_load_explicit(&h->hdr->tcache[i].owner, memory_order_relaxed);

		if (!owner || owner == me ||
		    owner == atomic_load_explicit(&h->dead[i], memory_order_relaxed))
			continue;
		if (!mm_thread_alive(owner)) {
			atomic_store_explicit(&h->dead[i], owner, memory_order_relaxed);
			found++;
		}
	}
	return found;
}

bool mm_tcache_probe_due(struct mymap_heap *h)
{
	uint64_t me = mm_thread_id_known();
	bool unknown = false;

	for (unsigned int i = 0; i < MM_TCACHE_SLOTS && !unknown; i++) {
		uint64_t owner =
		    atomic_load_explicit(&h->hdr->tcache[i].owner, memory_order_relaxed);

		unknown = owner && owner != me &&
			  owner != atomic_load_explicit(&h->dead[i], memory_order_relaxed);
	}
	return unknown && mm_now_ns() - atomic_load_explicit(&h->probed_ns, memory_order_relaxed) >=
			      MM_PROBE_INTERVAL_NS;
}

/* How long a thread's exit handler waits for a heap's lock before leaving its slots to a reaper. */
#define EXIT_LOCK_NS 2000000ULL

/*
 * A thread that ends gives its slots back at once, blocks and counters
 * (as glibc's tcache does at thread exit), rather than leaving them to
 * whoever next finds the slot's owner dead.  Holding the list of open
 * handles keeps each one open meanwhile; its slots say which are this
 * thread's.  It waits for a heap's lock a bounded time only, since every
 * open, close, fork and thread exit of the process waits on the list
 * meanwhile: a holder stopped for good, or this very thread cancelled
 * while it held the lock, leaves that heap's slots to a reaper.
 */
static void give_back_at_exit(void *unused)
{
	uint64_t me = mm_thread_id_known();

	(void)unused;
	if (!me)
		return; /* an identity never computed owns no slot */
	mm_handles_lock();
	for (struct mymap_heap *h = mm_handles_first(); h; h = h->open_next) {
		bool locked = false;

		for (unsigned int i = 0; i < MM_TCACHE_SLOTS; i++) {
			struct mm_tcache *s = &h->hdr->tcache[i];

			if (atomic_load_explicit(&s->owner, memory_order_acquire) != me)
				continue;
			if (!locked && !(locked = mm_lock_within(h, EXIT_LOCK_NS)))
				break;
			/* Checked again under the lock: a reaper may have taken it. */
			if (atomic_load_explicit(&s->owner, memory_order_relaxed) == me &&
			    claimed_through(h, s))
				release_slot(h, s, false);
		}
		if (locked)
			mm_unlock(h);
	}
	mm_handles_unlock();
}

/*
 * The key whose destructor is give_back_at_exit().  Made at load, among
 * the process's first keys: glibc keeps the first 32 keys' values in the
 * thread itself, so setting it never allocates (remember() runs under a
 * heap lock, and malloc may be a heap's).  Deleted at unload, so a thread
 * ending after a dlclose() calls nothing that is gone.
 */
static pthread_key_t exit_key;
static bool exit_key_made;

__attribute__((constructor)) static void make_exit_key(void)
{
	exit_key_made = pthread_key_create(&exit_key, give_back_at_exit) == 0;
}

__attribute__((destructor)) static void delete_exit_key(void)
{
	if (exit_key_made)
		pthread_key_delete(exit_key);
	exit_key_made = false;
}

/*
 * Points the calling thread's table at slot @s for @h, and the handle too
 * while it can, and has the thread give its slots back when it ends.
 */
static void remember(struct mymap_heap *h, struct mm_tcache *s)
{
	struct mm_tls_slot *t = &mm_tls_slots[h->serial % MM_TLS_SLOTS];

	t->handle = h->serial;
	t->slot = s;
	if (__libc_single_threaded)
		__atomic_store_n(&h->solo_slot, s, __ATOMIC_RELAXED);
	if (exit_key_made)
		pthread_setspecific(exit_key, t);
}

/* Takes a free slot for the calling thread and @h; false if every slot is taken. */
static bool take_free_slot(struct mymap_heap *h, uint64_t me)
{
	for (unsigned int i = 0; i < MM_TCACHE_SLOTS; i++) {
		struct mm_tcache *s = &h->hdr->tcache[i];
		uint64_t owner = 0;

		if (atomic_compare_exchange_strong(&s->owner, &owner, me)) {
			/* Read only under the lock, which the caller holds. */
			s->process = mm_self_id();
			s->handle = h->serial;
			remember(h, s);
			return true;
		}
	}
	return false;
}

void mm_tcache_before_claim(struct mymap_heap *h)
{
	mm_thread_id();
	if (atomic_load_explicit(&h->probe_asap, memory_order_relaxed))
		mm_tcache_probe(h);
}

void mm_tcache_claim(struct mymap_heap *h)
{
	uint64_t me = mm_thread_id();

	bool sole;

	if (mm_tcache_mine(h, &sole))
		return;
	if (h->tcache_wait) {
		h->tcache_wait--;
		return;
	}
	/* This thread may hold a slot for the handle already, out of its table. */
	for (unsigned int i = 0; i < MM_TCACHE_SLOTS; i++) {
		struct mm_tcache *s = &h->hdr->tcache[i];

		if (atomic_load_explicit(&s->owner, memory_order_relaxed) == me &&
		    claimed_through(h, s)) {
			remember(h, s);
			return;
		}
	}
	if (take_free_slot(h, me))
		return;
	mm_tcache_reap(h);
	if (take_free_slot(h, me))
		return;
	/* The next locked call looks for dead owners first, without the lock. */
	h->tcache_wait = CLAIM_BACKOFF;
	atomic_store_explicit(&h->probe_asap, true, memory_order_relaxed);
}

/*
 * Reads the counters of slot @s as one snapshot: the owner may be changing
 * them.  An owner stopped mid-change (or a damaged sequence number) must
 * not hold the reader forever: after enough tries the last reading counts.
 */
static void read_slot(const struct mm_tcache *s, struct mm_tcache_totals *t)
{
	for (int tries = 0; tries < 1000; tries++) {
		uint32_t seq = atomic_load_explicit(&s->seq, memory_order_acquire);

		/* Acquire loads: the second look at the number cannot move before them. */
		t->blocks = 0;
		for (unsigned int bin = 0; bin < MM_TCACHE_BINS; bin++)
			t->blocks += __atomic_load_n(&s->list[bin].count, __ATOMIC_ACQUIRE);
		t->bytes = __atomic_load_n(&s->bytes, __ATOMIC_ACQUIRE);
		t->allocs = __atomic_load_n(&s->allocs, __ATOMIC_ACQUIRE);
		t->frees = __atomic_load_n(&s->frees, __ATOMIC_ACQUIRE);
		t->peak = __atomic_load_n(&s->peak, __ATOMIC_ACQUIRE);
		if (!(seq & 1) && atomic_load_explicit(&s->seq, memory_order_relaxed) == seq)
			return;
	}
}

void mm_tcache_totals(struct mymap_heap *h, struct mm_tcache_totals *t)
{
	memset(t, 0, sizeof(*t));
	for (unsigned int i = 0; i < MM_TCACHE_SLOTS; i++) {
		const struct mm_tcache *s = &h->hdr->tcache[i];
		struct mm_tcache_totals one;

		if (!atomic_load_explicit(&s->owner, memory_order_acquire))
			continue;
		read_slot(s, &one);
		t->blocks += one.blocks;
		t->bytes += one.bytes;
		t->allocs += one.allocs;
		t->frees += one.frees;
		if (one.peak > t->peak)
			t->peak = one.peak;
	}
}
