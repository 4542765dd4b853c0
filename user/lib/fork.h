/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fork.h - private heaps across fork(): the child gets a copy of every
 * private heap, lock word included, so no thread may be inside one when
 * the process forks (fork.c).
 */
#ifndef MYMAP_FORK_H
#define MYMAP_FORK_H

#include "heap.h"

/* Starts watching private heap @h across forks; call once it is open. */
void mm_fork_track(struct mymap_heap *h);

/* Stops watching @h; call before it is unmapped. */
void mm_fork_untrack(struct mymap_heap *h);

#endif /* MYMAP_FORK_H */
