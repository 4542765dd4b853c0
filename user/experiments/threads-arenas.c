// SPDX-License-Identifier: GPL-2.0
/*
 * threads-arenas - demonstrates glibc's arenas: a thread's malloc is not
 * served from the [heap] but from an arena of its own, a 64 MiB heap made
 * with mmap; how many arenas there may be (8 per core, M_ARENA_MAX), and
 * that with M_ARENA_MAX 1 every thread shares the main arena.
 */
#include "experiment.h"

#include <malloc.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <sys/sysinfo.h>
#include <time.h>

#define MIB (1024ul * 1024)
/* A non-main arena's heap: 2 * DEFAULT_MMAP_THRESHOLD_MAX (32 MiB) on 64-bit. */
#define ARENA_HEAP  (64 * MIB)
#define MAX_THREADS 200

struct scenario {
	int threads;   /* started together, each makes one malloc(64) */
	int arena_max; /* mallopt(M_ARENA_MAX) first; 0: glibc's default */
};

/* Where one thread's block landed. */
struct placement {
	bool in_heap;	    /* inside the [heap] line: the main arena */
	uintptr_t base;	    /* the block's address rounded down to 64 MiB */
	size_t rw_size;	    /* the usable part at base: an rw-p mapping starting there */
	bool reserved_rest; /* a ---p mapping from there to base + 64 MiB */
};

struct outcome {
	int mallopt_ok;
	bool main_in_heap;	/* the main thread's malloc(64) lies in [heap] */
	int started;		/* threads that ran */
	int arenas;		/* <heap nr=...> entries of malloc_info() */
	int distinct_bases;	/* different 64 MiB heaps among the threads' blocks */
	struct placement first; /* the first thread's block */
	int in_heap_count;	/* threads whose block lies in [heap] */
};

/* How long any wait for the threads may last, in milliseconds. */
#define WAIT_MS 10000

static uintptr_t blocks[MAX_THREADS];
static atomic_int allocated; /* threads that have made their malloc */
static atomic_bool released; /* the main thread has seen them all */

/* Sleeps a millisecond; returns false once @waited (in ms) reaches WAIT_MS. */
static bool wait_a_little(int *waited)
{
	struct timespec ms = {0, 1000 * 1000};

	nanosleep(&ms, NULL);
	return ++*waited < WAIT_MS;
}

/* A thread: one malloc, then stays alive until the main thread has seen all of them. */
static void *allocate(void *arg)
{
	uintptr_t *slot = arg;
	int waited = 0;

	*slot = (uintptr_t)malloc(64);
	atomic_fetch_add(&allocated, 1);
	/* Alive together: a thread that ended would hand its arena to the next. */
	while (!atomic_load(&released) && wait_a_little(&waited))
		;
	return NULL;
}

/* The cores this process may run on (sched_getaffinity), or get_nprocs() if unknown. */
static int usable_cores(void)
{
	cpu_set_t set;

	return sched_getaffinity(0, sizeof(set), &set) == 0 ? CPU_COUNT(&set) : get_nprocs();
}

static bool in_heap(uintptr_t addr)
{
	struct mapping heap;

	return procfs_heap(&heap) && heap.start <= addr && addr < heap.end;
}

/* How the 64 MiB heap around @block is mapped (glibc finds it the same way). */
static struct placement place(uintptr_t block)
{
	struct placement p = {in_heap(block), block & ~(ARENA_HEAP - 1), 0, false};
	struct mapping rw, rest;

	if (p.in_heap || !procfs_mapping_at(p.base, &rw) || rw.start != p.base ||
	    strcmp(rw.perms, "rw-p") != 0 || rw.name[0])
		return p;
	p.rw_size = rw.end - rw.start;
	p.reserved_rest = procfs_mapping_at(rw.end, &rest) && rest.start == rw.end &&
			  strcmp(rest.perms, "---p") == 0 && rest.end >= p.base + ARENA_HEAP;
	return p;
}

/* The arenas malloc_info() lists (its output goes to a buffer of ours). */
static int count_arenas(void)
{
	static char xml[64 * 1024];
	FILE *f = fmemopen(xml, sizeof(xml) - 1, "w");
	int count = 0;

	if (!f)
		return -1;
	malloc_info(0, f);
	fclose(f);
	for (const char *p = xml; (p = strstr(p, "<heap nr=")); p++)
		count++;
	return count;
}

static void run(const void *arg, void *result)
{
	const struct scenario *s = arg;
	struct outcome *o = result;
	pthread_t threads[MAX_THREADS];
	uintptr_t bases[MAX_THREADS];

	memset(o, 0, sizeof(*o));
	o->mallopt_ok = !s->arena_max || mallopt(M_ARENA_MAX, s->arena_max) == 1;
	o->main_in_heap = in_heap((uintptr_t)malloc(64));
	for (int i = 0; i < s->threads; i++)
		if (pthread_create(&threads[o->started], NULL, allocate, &blocks[o->started]) == 0)
			o->started++;
	for (int waited = 0; atomic_load(&allocated) < o->started && wait_a_little(&waited);)
		;
	atomic_store(&released, true);
	for (int i = 0; i < o->started; i++)
		pthread_join(threads[i], NULL);
	o->arenas = count_arenas();
	for (int i = 0; i < o->started; i++) {
		struct placement p = place(blocks[i]);
		bool seen = false;

		if (i == 0)
			o->first = p;
		if (p.in_heap) {
			o->in_heap_count++;
			continue;
		}
		for (int j = 0; j < o->distinct_bases; j++)
			seen |= bases[j] == p.base;
		if (!seen)
			bases[o->distinct_bases++] = p.base;
	}
}

static bool measure(const struct scenario *s, struct outcome *o)
{
	return fresh_child_run(run, s, o, sizeof(*o)) ||
	       tap_ok(false, "a child with %d thread(s) ran", s->threads);
}

int main(void)
{
	struct outcome o;
	struct scenario s = {1, 0};
	int cores = usable_cores(), many = 8 * (cores > get_nprocs() ? cores : get_nprocs()) + 4;

	report_begin("experiment 4f: threads and arenas");
	report_about(
	    "malloc has one lock per arena.  If every thread took memory from the one heap\n"
	    "behind the program break, all threads would queue on one lock; so glibc gives\n"
	    "threads arenas of their own.  The main arena is the [heap]; every other arena is\n"
	    "a heap glibc makes with mmap: 64 MiB of address space, aligned to 64 MiB (so free()\n"
	    "finds the arena of any block by rounding its address down), of which only the\n"
	    "part in use is readable and writable.  The rest stays PROT_NONE, and costs no "
	    "memory.");

	tap_diag("one thread, glibc's defaults:");
	if (!measure(&s, &o))
		return tap_done();
	tap_ok(o.main_in_heap,
	       "the main thread's malloc(64) comes from the [heap]: the main arena");
	tap_ok(o.started == 1 && !o.first.in_heap && o.first.rw_size > 0,
	       "the thread's malloc(64) does not: it lies in an anonymous rw-p mapping of %zu "
	       "KiB starting at %#lx",
	       o.first.rw_size / 1024, (unsigned long)o.first.base);
	tap_ok(o.first.base % ARENA_HEAP == 0 && o.first.reserved_rest,
	       "that mapping starts on a 64 MiB boundary, and a PROT_NONE (---p) reservation "
	       "follows it up to the next one: a 64 MiB heap, %zu KiB of it usable so far",
	       o.first.rw_size / 1024);
	tap_ok(o.arenas == 2, "malloc_info() lists two arenas, the main one and the thread's: %d",
	       o.arenas);
	tap_diag("note: notes written for 32-bit systems give these heaps 1 MiB (HEAP_MAX_SIZE is "
		 "twice DEFAULT_MMAP_THRESHOLD_MAX: 2 x 512 KiB there, 2 x 32 MiB here)");

	s = (struct scenario){4, 0};
	tap_diag("four threads alive at once:");
	if (!measure(&s, &o))
		return tap_done();
	tap_ok(o.started == 4 && o.distinct_bases == 4 && o.arenas == 5,
	       "each gets an arena of its own: %d different 64 MiB heaps for %d threads, %d "
	       "arenas in all",
	       o.distinct_bases, o.started, o.arenas);

	if (many > MAX_THREADS) {
		tap_skip("threads share arenas beyond 8 per core",
			 "%d cores would need more than %d threads", cores, MAX_THREADS);
	} else {
		s = (struct scenario){many, 0};
		if (!measure(&s, &o))
			return tap_done();
		/* Some glibc versions count the online cores, others those this process may use. */
		bool per_core = o.arenas == 8 * cores || o.arenas == 8 * get_nprocs();

		tap_ok(o.started == many && per_core && o.distinct_bases == o.arenas - 1,
		       "%d threads alive at once make no more than 8 arenas per core (%d cores "
		       "online, %d this process may use): %d arenas, %d of them mmapped heaps; the "
		       "other threads share them",
		       o.started, get_nprocs(), cores, o.arenas, o.distinct_bases);
		tap_diag("note: notes that give every thread an arena of its own leave out this "
			 "limit (M_ARENA_MAX, default 8 x cores on 64-bit, 2 x cores on 32-bit)");
	}

	s = (struct scenario){4, 2};
	tap_diag("four threads with mallopt(M_ARENA_MAX, 2):");
	if (!measure(&s, &o))
		return tap_done();
	tap_ok(o.mallopt_ok && o.arenas == 2 && o.distinct_bases + (o.in_heap_count > 0) <= 2,
	       "two arenas in all: the four threads share the main one (%d of them) and %d "
	       "mmapped heap",
	       o.in_heap_count, o.distinct_bases);

	s = (struct scenario){1, 1};
	tap_diag("one thread with mallopt(M_ARENA_MAX, 1):");
	if (!measure(&s, &o))
		return tap_done();
	tap_ok(o.mallopt_ok && o.started == 1 && o.first.in_heap && o.arenas == 1,
	       "the thread's malloc(64) comes from the [heap]: one arena, one lock, for every "
	       "thread (%d arena)",
	       o.arenas);
	tap_diag("MALLOC_ARENA_MAX=1 in the environment does the same: fewer arenas use less "
		 "memory, at the cost of threads waiting for each other's malloc");
	return tap_done();
}
