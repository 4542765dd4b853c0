/* SPDX-License-Identifier: GPL-2.0 */
/*
 * identity.h - who a process, or one of its threads, is, in one word
 * another process can check: its pid (or thread id) and its start time,
 * so a reused id never passes for the dead process or thread that had it.
 * A process's main thread has the process's identity.
 */
#ifndef MYMAP_IDENTITY_H
#define MYMAP_IDENTITY_H

#include <stdatomic.h>
#include <stdint.h>

/* This process's identity once computed; reset in a forked child. */
extern _Atomic uint64_t mm_cached_id;

/* Computes and caches this process's identity. */
uint64_t mm_self_id_slow(void);

/* This process's identity: a load on every call but the first. */
static inline uint64_t mm_self_id(void)
{
	uint64_t id = atomic_load_explicit(&mm_cached_id, memory_order_relaxed);

	return __builtin_expect(id != 0, 1) ? id : mm_self_id_slow();
}

/*
 * This process's identity if it has been computed, else 0, which no owner
 * word holds while claimed: for a fast path that compares an owner with
 * it and leaves the computing to its slow path.
 */
static inline uint64_t mm_self_id_known(void)
{
	return atomic_load_explicit(&mm_cached_id, memory_order_relaxed);
}

/*
 * 1 if the thread @id names is alive, else 0.  Unlike mymap_id_alive(),
 * a process whose main thread has ended is alive, but that thread, under
 * the same identity, is not.
 */
int mm_thread_alive(uint64_t id);

/* The calling thread's identity once computed; reset in a forked child. */
extern _Thread_local uint64_t mm_cached_thread_id __attribute__((tls_model("initial-exec")));

/* Computes and caches the calling thread's identity. */
uint64_t mm_thread_id_slow(void);

/* The calling thread's identity: a load on every call but the first. */
static inline uint64_t mm_thread_id(void)
{
	uint64_t id = mm_cached_thread_id;

	return __builtin_expect(id != 0, 1) ? id : mm_thread_id_slow();
}

/* The calling thread's identity if it has been computed, else 0 (as mm_self_id_known()). */
static inline uint64_t mm_thread_id_known(void)
{
	return mm_cached_thread_id;
}

#endif /* MYMAP_IDENTITY_H */
