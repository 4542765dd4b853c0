/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fork.h - private heaps across fork(): the child gets a copy of every
 * private heap, lock word included, so no thread may be inside one when
 * the process forks.  The three handlers of pthread_atfork(), which
 * handles.c registers at load.
 */
#ifndef MYMAP_FORK_H
#define MYMAP_FORK_H

/* Holds the list of open handles and takes the lock of every private heap. */
void mm_fork_prepare(void);
/* Releases them in the parent. */
void mm_fork_parent(void);
/* Clears them in the child's copies, which no change is half-way through. */
void mm_fork_child(void);

#endif /* MYMAP_FORK_H */
