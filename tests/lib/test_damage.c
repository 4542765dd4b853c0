// SPDX-License-Identifier: GPL-2.0
/*
 * test_damage.c - targeted damage to every field of a heap a peer can
 * write (block headers, free-list links, list heads, bitmaps, counters,
 * journal entries, cache slots, the lock word) never makes a heap call
 * crash, hang or touch memory outside the region.
 *
 * Each damage runs in a forked victim under an alarm.  The victim maps
 * its heap between two PROT_NONE guard pages, lays out a fixed pattern of
 * used, free and cached blocks, applies one damage, then runs every call
 * on the heap: statistics, check, frees of every block, new requests
 * (whose blocks must lie inside the region), a realloc and a close.  A
 * signal (SIGSEGV on a guard page, SIGALRM for a hang) or a block handed
 * out beyond the region fails the damage's class.  Headers are also
 * forged with valid canaries, as a peer that read the salt could.
 */
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guarded.h"
#include "heap.h"
#include "layout.h"
#include "mymap.h"
#include "tap.h"

#define SIZE	    (1u << 20)
#define VICTIM_SECS 10
#define NBLOCKS	    24

/* Exit codes of a victim besides 0. */
#define BLOCK_OUTSIDE 3 /* a request returned memory beyond the region */
#define NOT_REFUSED   4 /* a named regression was not refused as it should be */
#define SETUP_FAILED  5

enum kind { SHARED, SHARED_NOCACHE, PRIVATE, KINDS };
static const char *const kind_name[KINDS] = {"memfd", "memfd, MYMAP_NOCACHE", "private anon"};

/* The victim's heap and its pattern of blocks. */
struct victim {
	struct mymap_heap *h;
	char *base;
	struct mm_header *hdr;
	char *block[NBLOCKS]; /* live blocks (NULL where freed) */
	uint32_t freed_small; /* unit offset of a block freed into a cache (or the lists) */
	uint32_t freed_large; /* unit offset of a free block in the lists */
	uint32_t tail;	      /* unit offset of the live block ending the arena */
};

static uint32_t at_of(const struct victim *v, const void *p)
{
	return (uint32_t)(((const char *)p - v->base) >> MM_UNIT_SHIFT) - 1;
}

static struct mm_block *hdr_at(const struct victim *v, uint32_t at)
{
	return (struct mm_block *)(v->base + ((uint64_t)at << MM_UNIT_SHIFT));
}

/* Rewrites the canary of the header at @at as a valid one for what it now holds. */
static void forge_canary(const struct victim *v, uint32_t at)
{
	struct mm_block *b = hdr_at(v, at);

	b->check = mm_check_of(v->h->salt, at, b->size, b->state);
}

static struct mymap_heap *open_guarded(enum kind kind)
{
	static const enum guarded_kind kinds[KINDS] = {GUARDED_SHARED, GUARDED_SHARED_NOCACHE,
						       GUARDED_PRIVATE};

	return guarded_open(kinds[kind], SIZE);
}

/*
 * The pattern: blocks of cached and uncached sizes, every third one freed
 * (into the cache where there is one, into the lists otherwise), and the
 * rest of the arena as one live block at its end.
 */
static int set_up(struct victim *v, enum kind kind)
{
	static const size_t sizes[] = {24, 40, 100, 500, 1000, 3000, 5000, 70000};
	struct mymap_stats st;

	memset(v, 0, sizeof(*v));
	v->h = open_guarded(kind);
	if (!v->h)
		return -1;
	v->base = mymap_heap_base(v->h);
	v->hdr = (struct mm_header *)v->base;
	for (unsigned int i = 0; i < NBLOCKS; i++) {
		v->block[i] = mymap_malloc(v->h, sizes[i % 8]);
		if (!v->block[i])
			return -2;
		memset(v->block[i], 0x11 * (int)(i % 8), sizes[i % 8]);
	}
	for (unsigned int i = 0; i < NBLOCKS; i += 3) {
		if (i % 8 == 1)
			v->freed_small = at_of(v, v->block[i]);
		if (i % 8 == 6)
			v->freed_large = at_of(v, v->block[i]);
		mymap_free(v->h, v->block[i]);
		v->block[i] = NULL;
	}
	if (mymap_heap_stats(v->h, &st) < 0)
		return -3;
	/* The statistics returned the cache: cache a small block again. */
	void *again = mymap_malloc(v->h, 40);

	if (!again)
		return -4;
	v->freed_small = at_of(v, again);
	mymap_free(v->h, again);
	/* Allocate until the arena's last block is live, each request one a free block fits. */
	for (int round = 0; round < 64; round++) {
		uint32_t last = (uint32_t)v->h->first, units;

		while (last + hdr_at(v, last)->size < v->h->end)
			last += hdr_at(v, last)->size;
		if (hdr_at(v, last)->state != MM_FREE) {
			v->tail = last;
			v->block[0] = v->base + ((uint64_t)last << MM_UNIT_SHIFT) + MM_UNIT;
			return v->freed_small && v->freed_large ? 0 : -6;
		}
		units = hdr_at(v, last)->size;
		if (units >= MM_SMALL_UNITS)
			units &= ~((1u << (mm_fls(units) - MM_SL_SHIFT)) - 1);
		if (!mymap_malloc(v->h, mm_usable_of(units)))
			return -5;
	}
	return -7;
}

/* Whether [p, p + n) lies inside the region. */
static bool inside(const struct victim *v, const void *p, size_t n)
{
	const char *c = p;

	return c >= v->base && c + n <= v->base + SIZE;
}

/* Runs every call on the damaged heap; a block outside the region ends the victim. */
static void exercise(struct victim *v)
{
	static const size_t sizes[] = {16, 40, 100, 1000, 2000, 5000, 70000, 300000};
	struct mymap_stats st;

	mymap_heap_stats(v->h, &st);
	mymap_heap_check(v->h);
	for (unsigned int i = 0; i < 8; i++) {
		char *p = mymap_malloc(v->h, sizes[i]);

		if (p && !inside(v, p - MM_UNIT, sizes[i] + MM_UNIT))
			_exit(BLOCK_OUTSIDE);
		if (p)
			memset(p, 0x77, sizes[i]);
		mymap_usable_size(v->h, p);
		char *q = mymap_realloc(v->h, p, sizes[(i + 3) % 8]);

		if (q && !inside(v, q, sizes[(i + 3) % 8]))
			_exit(BLOCK_OUTSIDE);
		mymap_free(v->h, q ? q : p);
	}
	for (unsigned int i = 0; i < NBLOCKS; i++) {
		if (!v->block[i])
			continue;
		mymap_usable_size(v->h, v->block[i]);
		mymap_free(v->h, v->block[i]);
		mymap_free(v->h, v->block[i]);
	}
	for (unsigned int i = 0; i < 8; i++) {
		char *p = mymap_aligned_alloc(v->h, 256, sizes[i]);

		if (p && !inside(v, p, sizes[i]))
			_exit(BLOCK_OUTSIDE);
		mymap_free(v->h, p);
	}
	mymap_heap_stats(v->h, &st);
	mymap_heap_check(v->h);
	mymap_close(v->h);
}

/* An identity no live process has: a reaped child's pid with a start time it never had. */
static uint64_t dead_id(void)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(0);
	waitpid(pid, NULL, 0);
	return (1ULL << 22) | (uint64_t)pid;
}

/* One damage: @apply changes the heap of @v, given @arg. */
struct damage {
	void (*apply)(struct victim *v, uint64_t arg);
	uint64_t arg;
	const char *what;
};

/*
 * Runs @d on a fresh heap of @kind in a forked victim, then @check (or
 * exercise()).  Returns 0, or a line describing how the victim ended.
 */
static const char *run_victim(enum kind kind, const struct damage *d,
			      int (*check)(struct victim *v))
{
	static char why[160];
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		struct victim v;

		alarm(VICTIM_SECS);
		int step = set_up(&v, kind);

		if (step < 0) {
			fprintf(stderr, "set-up failed at step %d\n", -step);
			_exit(SETUP_FAILED);
		}
		d->apply(&v, d->arg);
		if (check)
			_exit(check(&v));
		exercise(&v);
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return "fork or wait failed";
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return NULL;
	if (WIFSIGNALED(status))
		snprintf(why, sizeof(why), "%s on %s: %s", d->what, kind_name[kind],
			 WTERMSIG(status) == SIGALRM ? "hung" : strsignal(WTERMSIG(status)));
	else
		snprintf(why, sizeof(why), "%s on %s: exit %d (%s)", d->what, kind_name[kind],
			 WEXITSTATUS(status),
			 WEXITSTATUS(status) == BLOCK_OUTSIDE  ? "block outside the region"
			 : WEXITSTATUS(status) == SETUP_FAILED ? "set-up failed"
							       : "not refused");
	return why;
}

/* Values that name the places a bound can miss: edges, just past them, wraps. */
static uint64_t edge_value(const struct victim *v, uint32_t self, unsigned int i)
{
	uint64_t end = v->h->end, first = v->h->first;
	const uint64_t values[] = {0,	     1,		 2,	      end - 1,	  end,
				   end + 1,  end - 2,	 first - 1,   first,	  self,
				   self + 1, UINT32_MAX, 0x80000000u, end - self, end - self + 1};

	return i < sizeof(values) / sizeof(values[0]) ? values[i] : UINT64_MAX;
}

#define EDGE_VALUES 15

/* Block headers: the argument packs which block, which field, which value, and a forge bit. */
enum { B_USED, B_CACHED, B_FREE, B_TAIL };

static uint32_t block_pick(const struct victim *v, unsigned int which)
{
	switch (which) {
	case B_USED:
		return at_of(v, v->block[1]);
	case B_CACHED:
		return v->freed_small;
	case B_FREE:
		return v->freed_large;
	default:
		return v->tail;
	}
}

static void damage_header(struct victim *v, uint64_t arg)
{
	uint32_t at = block_pick(v, arg & 3);
	unsigned int field = arg >> 2 & 3, vi = arg >> 4 & 15;
	bool forge = arg >> 8 & 1;
	uint32_t *words = (uint32_t *)hdr_at(v, at);
	uint64_t value = edge_value(v, at, vi);

	if (field == 2) /* the state: each state, and no state */
		value = (const uint32_t[]){MM_USED, MM_FREE, MM_CACHED, MM_GONE, 0}[vi % 5];
	words[field] = (uint32_t)value;
	if (forge)
		forge_canary(v, at);
}

/* Free-list links of a free block, and a cached block's link. */
static void damage_link(struct victim *v, uint64_t arg)
{
	uint32_t at = arg & 1 ? v->freed_small : v->freed_large;
	uint32_t *links = (uint32_t *)(hdr_at(v, at) + 1);

	links[arg >> 1 & 1] = (uint32_t)edge_value(v, at, (unsigned int)(arg >> 2));
}

/* A list head: the one of the free large block's class, or an empty class's. */
static void damage_head(struct victim *v, uint64_t arg)
{
	unsigned int fl, sl;

	mm_class_of(hdr_at(v, v->freed_large)->size, &fl, &sl);
	if (arg & 1)
		sl = (sl + 1) % MM_SL_COUNT;
	v->hdr->heads[fl][sl] = (uint32_t)edge_value(v, v->freed_large, (unsigned int)(arg >> 1));
}

static void damage_bitmap(struct victim *v, uint64_t arg)
{
	static const uint64_t values[] = {0, ~0ULL, 1ULL << 63, 1ULL << MM_FL_COUNT, 1};

	if (arg < 5)
		v->hdr->fl_bitmap = values[arg];
	else
		v->hdr->sl_bitmap[(arg - 5) % MM_FL_COUNT] =
		    (uint32_t)values[(arg - 5) / MM_FL_COUNT % 5];
}

static void damage_counter(struct victim *v, uint64_t arg)
{
	static const uint64_t values[] = {0, 1, UINT64_MAX, 1ULL << 40, 0x8000000000000000ULL};
	uint64_t *c = (uint64_t *)&v->hdr->counters;

	c[arg / 5] = values[arg % 5];
}

/*
 * The journal, then a dead lock owner, so the next call takes the lock
 * over and replays it.  Entries aim at the arena's edges and beyond, with
 * canaries forged or not.
 */
static void damage_journal(struct victim *v, uint64_t arg)
{
	struct mm_journal *j = &v->hdr->journal;
	unsigned int count = (const unsigned int[]){1, 2, 4, 5, UINT32_MAX}[arg % 5];
	unsigned int vi = (unsigned int)(arg / 5 % EDGE_VALUES);
	bool forge = arg / (5 * EDGE_VALUES) & 1;

	for (unsigned int i = 0; i < MM_JOURNAL_SLOTS; i++) {
		struct mm_journal_entry *e = &j->entry[i];

		e->at = (uint32_t)edge_value(v, v->tail, (vi + i) % EDGE_VALUES);
		e->prev_only = i & 1 && !forge;
		e->block.size = (uint32_t)edge_value(v, e->at, (vi + 2 * i) % EDGE_VALUES);
		e->block.prev = (uint32_t)edge_value(v, e->at, (vi + 3 * i) % EDGE_VALUES);
		e->block.state = i & 2 ? MM_FREE : MM_USED;
		e->block.check =
		    forge ? mm_check_of(v->h->salt, e->at, e->block.size, e->block.state) : 0;
	}
	atomic_store(&j->count, count);
	atomic_store(&v->hdr->lock.owner, dead_id());
}

/* The victim's own cache slot (memfd only), or a dead owner's with its fields damaged. */
static void damage_slot(struct victim *v, uint64_t arg)
{
	struct mm_tcache *s = &v->hdr->tcache[0];
	unsigned int field = (unsigned int)(arg % 10), vi = (unsigned int)(arg / 10 % EDGE_VALUES);
	uint64_t value = edge_value(v, v->freed_small, vi);
	uint32_t bin = hdr_at(v, v->freed_small)->size - MM_MIN_UNITS;

	if (arg / (10 * EDGE_VALUES) & 1)
		atomic_store(&s->owner, dead_id());
	switch (field) {
	case 0:
		atomic_store(&s->owner, value);
		break;
	case 1:
		s->process = value;
		break;
	case 2:
		s->handle = value;
		break;
	case 3:
		atomic_store(&s->seq, (uint32_t)value);
		break;
	case 4:
		s->bytes = value ? value : UINT64_MAX;
		break;
	case 5:
		s->allocs = value;
		s->frees = ~value;
		break;
	case 6:
		s->peak = ~value;
		break;
	case 7:
		s->list[bin].head = (uint32_t)value;
		break;
	case 8:
		s->list[bin].count = (uint32_t)(value ? value : UINT32_MAX);
		break;
	default:
		s->list[vi % MM_TCACHE_BINS].head = (uint32_t)value;
		s->list[vi % MM_TCACHE_BINS].count = 16;
		break;
	}
}

/* The lock word: owners that are dead or never were (a live one is a holder, and is waited for). */
static void damage_lock(struct victim *v, uint64_t arg)
{
	struct mm_lock *l = &v->hdr->lock;

	switch (arg) {
	case 0:
		atomic_store(&l->owner, dead_id());
		break;
	case 1:
		atomic_store(&l->owner, ~0ULL);
		break;
	case 2:
		atomic_store(&l->sleepers, ~0u);
		atomic_store(&l->wakes, ~0u);
		break;
	default:
		atomic_store(&l->owner, dead_id());
		atomic_store(&l->sleepers, 1);
		break;
	}
}

/* Runs @count damages of @apply on every kind; one TAP line for the class. */
static void sweep(const char *cls, void (*apply)(struct victim *, uint64_t), uint64_t count,
		  bool shared_only)
{
	unsigned int runs = 0, failed = 0;
	const char *first = NULL;
	static char first_copy[160];

	for (enum kind k = 0; k < KINDS; k++) {
		if (shared_only && k != SHARED)
			continue;
		for (uint64_t arg = 0; arg < count; arg++) {
			struct damage d = {apply, arg, cls};
			const char *why = run_victim(k, &d, NULL);

			runs++;
			if (why && !failed++) {
				snprintf(first_copy, sizeof(first_copy), "%s (damage %llu)", why,
					 (unsigned long long)arg);
				first = first_copy;
			}
		}
	}
	tap_ok(failed == 0,
	       "%s: %u damages, every call returned, none left the region%s%s (%u failed)", cls,
	       runs, first ? "; first failure: " : "", first ? first : "", failed);
}

/*
 * The arena's last block shrunk by one unit and a FREE header forged in
 * the last unit, canaries valid: freeing the block must refuse the
 * neighbour (it cannot hold a minimal block), not read its links past the
 * region.
 */
static void forge_last_unit(struct victim *v, uint64_t arg)
{
	struct mm_block *t = hdr_at(v, v->tail);
	uint32_t last = (uint32_t)v->h->end - 1;
	struct mm_block *b = hdr_at(v, last);

	(void)arg;
	t->size--;
	forge_canary(v, v->tail);
	b->size = 2;
	b->prev = t->size;
	b->state = MM_FREE;
	forge_canary(v, last);
}

/* A free into a cache meets the neighbour when the cache goes back to the heap (the check). */
static int free_tail_refused(struct victim *v)
{
	errno = 0;
	if (mymap_free(v->h, v->block[0]) == -1)
		return errno == EUCLEAN ? 0 : NOT_REFUSED;
	return mymap_heap_check(v->h) == -1 && errno == EUCLEAN ? 0 : NOT_REFUSED;
}

/*
 * The largest free block linked to itself and the free-block counter at
 * its maximum: statistics must report the damage, not walk the list for
 * as long as the counter says.
 */
static void self_linked_top(struct victim *v, uint64_t arg)
{
	struct mm_header *hdr = v->hdr;

	(void)arg;
	mymap_free(v->h, v->block[0]);
	v->block[0] = NULL;
	unsigned int fl = 63u - (unsigned int)__builtin_clzll(hdr->fl_bitmap);
	uint32_t top = hdr->heads[fl][mm_fls(hdr->sl_bitmap[fl])];
	uint32_t *links = (uint32_t *)(hdr_at(v, top) + 1);

	links[0] = top;
	hdr->counters.free_blocks = UINT64_MAX;
}

static int stats_report_damage(struct victim *v)
{
	struct mymap_stats st;

	errno = 0;
	return mymap_heap_stats(v->h, &st) == -1 && errno == EUCLEAN &&
		       mymap_last_error() == MYMAP_ERR_CORRUPT
		   ? 0
		   : NOT_REFUSED;
}

static void regression(const char *what, void (*apply)(struct victim *, uint64_t),
		       int (*check)(struct victim *))
{
	for (enum kind k = 0; k < KINDS; k++) {
		struct damage d = {apply, 0, what};
		const char *why = run_victim(k, &d, check);

		tap_ok(!why, "%s on %s%s%s", what, kind_name[k], why ? ": " : "", why ? why : "");
	}
}

static void guard_in_place(void)
{
	for (enum kind k = 0; k < KINDS; k++) {
		struct mymap_heap *h = open_guarded(k);

		if (tap_ok(h != NULL, "%s: the region lies between two PROT_NONE guard pages",
			   kind_name[k]))
			guarded_close(h);
	}
}

int main(void)
{
	guard_in_place();
	regression("a forged free header in the arena's last unit: freeing its neighbour is "
		   "refused with EUCLEAN",
		   forge_last_unit, free_tail_refused);
	regression("a self-linked largest free block and a huge free-block count: statistics "
		   "report EUCLEAN",
		   self_linked_top, stats_report_damage);
	sweep("block headers (each field of a used, cached, free and the last block; forged "
	      "canaries)",
	      damage_header, 512, false);
	sweep("free-list and cache links", damage_link, 4 * EDGE_VALUES, false);
	sweep("list heads", damage_head, 2 * EDGE_VALUES, false);
	sweep("bitmaps", damage_bitmap, 5 + 5 * MM_FL_COUNT, false);
	sweep("counters", damage_counter, 5 * (sizeof(struct mm_counters) / 8), false);
	sweep("journal entries, replayed by a takeover", damage_journal, 2 * 5 * EDGE_VALUES,
	      false);
	sweep("cache slots (own, and a dead owner's)", damage_slot, 2 * 10 * EDGE_VALUES, true);
	sweep("lock word (dead or impossible owners)", damage_lock, 4, false);
	return tap_done();
}
