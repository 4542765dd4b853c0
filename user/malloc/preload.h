/* SPDX-License-Identifier: GPL-2.0 */
/*
 * preload.h - the parts of libmymap-malloc.so behind the malloc family
 * (family.c): the heap chosen at start-up (setup.c), the static arena that
 * serves calls made while it opens (bootstrap.c), blocks aligned beyond
 * the page size (overaligned.c) and fork() of a process whose heap is
 * shared memory (fork_gate.c).
 */
#ifndef MYMAP_MALLOC_PRELOAD_H
#define MYMAP_MALLOC_PRELOAD_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mymap.h>

#define PRELOAD_TLS _Thread_local __attribute__((tls_model("initial-exec")))

/* The heap every call is served from; NULL until setup has opened it. */
extern struct mymap_heap *preload_heap;
/* Its mapping, for telling its pointers from the others. */
extern uintptr_t preload_heap_start, preload_heap_end;

/* Whether the heap is open: PRELOAD_OPEN once it is (setup.c). */
#define PRELOAD_OPEN 2
extern _Atomic int preload_state;
bool preload_open_heap(void);

/*
 * Opens the heap on the first call.  Returns false when the calling
 * thread is the one opening it (a call from inside the open): the caller
 * serves itself from the bootstrap arena.  A bad setting or a failed open
 * ends the process (setup.c).
 */
static inline bool preload_ready(void)
{
	if (__builtin_expect(
		atomic_load_explicit(&preload_state, memory_order_acquire) == PRELOAD_OPEN, 1))
		return true;
	return preload_open_heap();
}

/* Whether @p is in the heap; false for every pointer until it is open. */
static inline bool preload_in_heap(const void *p)
{
	return atomic_load_explicit(&preload_state, memory_order_acquire) == PRELOAD_OPEN &&
	       (uintptr_t)p - preload_heap_start < preload_heap_end - preload_heap_start;
}

/* Prints "libmymap-malloc: MESSAGE" on stderr and exits with status 127. */
__attribute__((noreturn)) void preload_die(const char *message);

/* bootstrap.c: a bump allocator in a static array; free is a no-op. */
void *bootstrap_alloc(size_t alignment, size_t size);
bool bootstrap_owns(const void *p);
size_t bootstrap_usable_size(const void *p);

/*
 * overaligned.c: blocks aligned to more than the page size, carved out of
 * a larger heap block and remembered in a table.  overaligned_live says
 * whether the table has anything, so the common free skips it.
 */
extern _Atomic unsigned long overaligned_live;
void overaligned_setup(void);
void *overaligned_alloc(size_t alignment, size_t size);
/* If @p is such a block: frees it (or gives its usable size) and returns true. */
bool overaligned_free(void *p);
bool overaligned_usable_size(const void *p, size_t *usable);

/*
 * fork_gate.c: on a shared heap (memfd, device), fork() gives the child a
 * private copy of the heap, taken while no thread is inside a call: every
 * call passes a gate that the forking thread closes.  On anon and brk
 * heaps, which fork() copies by itself, the gate is inactive (one load).
 */
struct fork_gate_slot {
	_Alignas(64) _Atomic unsigned int inside; /* calls in progress */
	bool shared;				  /* by several threads */
};
extern bool fork_gate_active;
extern bool fork_gate_needs_fence;
extern _Atomic bool fork_gate_closed;
extern PRELOAD_TLS struct fork_gate_slot *fork_gate_mine;
extern PRELOAD_TLS unsigned int fork_gate_depth; /* calls this thread is inside */
extern struct fork_gate_slot fork_gate_nested;	 /* what a nested call holds */
void fork_gate_setup(void);
struct fork_gate_slot *fork_gate_claim(void);
void fork_gate_wait(void);

static inline void fork_gate_raise(struct fork_gate_slot *s)
{
	if (s->shared) {
		/* a locked instruction: a full barrier on its own */
		atomic_fetch_add_explicit(&s->inside, 1, memory_order_seq_cst);
		return;
	}
	atomic_store_explicit(&s->inside,
			      atomic_load_explicit(&s->inside, memory_order_relaxed) + 1,
			      memory_order_relaxed);
	/*
	 * The forking thread sets fork_gate_closed, then has every thread
	 * pass a full barrier (membarrier()) before it reads the slots: so
	 * either it sees this slot raised or the load after this sees the
	 * gate closed.  Without membarrier() each thread fences itself.
	 */
	if (fork_gate_needs_fence)
		atomic_thread_fence(memory_order_seq_cst);
	else
		atomic_signal_fence(memory_order_seq_cst);
}

static inline void fork_gate_lower(struct fork_gate_slot *s)
{
	if (s->shared)
		atomic_fetch_sub_explicit(&s->inside, 1, memory_order_release);
	else
		atomic_store_explicit(&s->inside,
				      atomic_load_explicit(&s->inside, memory_order_relaxed) - 1,
				      memory_order_release);
}

/*
 * Marks the calling thread inside a call; NULL when the gate is inactive.
 * A call made from inside another (the library allocating for itself)
 * passes without waiting: the forking thread waits for the outer one.
 */
static inline struct fork_gate_slot *fork_gate_enter(void)
{
	struct fork_gate_slot *s;

	if (!fork_gate_active)
		return NULL;
	if (fork_gate_depth++)
		return &fork_gate_nested;
	s = fork_gate_mine ? fork_gate_mine : fork_gate_claim();
	for (;;) {
		fork_gate_raise(s);
		if (!atomic_load_explicit(&fork_gate_closed, memory_order_relaxed))
			return s;
		fork_gate_lower(s);
		fork_gate_wait();
	}
}

static inline void fork_gate_leave(struct fork_gate_slot *s)
{
	if (!s)
		return;
	fork_gate_depth--;
	if (s != &fork_gate_nested)
		fork_gate_lower(s);
}

#endif /* MYMAP_MALLOC_PRELOAD_H */
