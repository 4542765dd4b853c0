/* SPDX-License-Identifier: GPL-2.0 */
/*
 * handles.h - the process's open heap handles, for what must reach every
 * one of them: a fork (fork.c) and a thread's exit (tcache.c).
 */
#ifndef MYMAP_HANDLES_H
#define MYMAP_HANDLES_H

#include "heap.h"

/* Adds @h, once it is open. */
void mm_handles_add(struct mymap_heap *h);

/* Removes @h, before it is unmapped: once this returns, no walk reaches it. */
void mm_handles_remove(struct mymap_heap *h);

/*
 * A walk: mm_handles_first() gives the first open handle (NULL if none),
 * h->open_next the next.  Between mm_handles_lock() and mm_handles_unlock()
 * no handle is added or removed.  The walker may take heap locks inside:
 * nobody takes this lock while holding one.
 */
void mm_handles_lock(void);
void mm_handles_unlock(void);
struct mymap_heap *mm_handles_first(void);

#endif /* MYMAP_HANDLES_H */
