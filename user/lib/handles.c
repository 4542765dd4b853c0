// SPDX-License-Identifier: GPL-2.0
/*
 * handles.c - the process's open heap handles (handles.h): a list linked
 * through mymap_heap.open_next/open_prev under one mutex.
 */
#include <pthread.h>

#include "fork.h"
#include "handles.h"

static struct mymap_heap *open_handles;
static pthread_mutex_t handles_mutex = PTHREAD_MUTEX_INITIALIZER;

void mm_handles_lock(void)
{
	pthread_mutex_lock(&handles_mutex);
}

void mm_handles_unlock(void)
{
	pthread_mutex_unlock(&handles_mutex);
}

struct mymap_heap *mm_handles_first(void)
{
	return open_handles;
}

void mm_handles_add(struct mymap_heap *h)
{
	mm_handles_lock();
	h->open_prev = NULL;
	h->open_next = open_handles;
	if (open_handles)
		open_handles->open_prev = h;
	open_handles = h;
	mm_handles_unlock();
}

void mm_handles_remove(struct mymap_heap *h)
{
	mm_handles_lock();
	if (h->open_prev)
		h->open_prev->open_next = h->open_next;
	else if (open_handles == h)
		open_handles = h->open_next;
	if (h->open_next)
		h->open_next->open_prev = h->open_prev;
	mm_handles_unlock();
}

/*
 * Registered at load, before any handler a program adds later: prepare
 * handlers run in reverse order of registration, so ours runs last, after
 * any other that may still call into a heap, and parent and child
 * handlers first.  Here, not in fork.c: every program that opens a heap
 * links this file, and with it fork.c's handlers.
 */
__attribute__((constructor)) static void register_fork_handlers(void)
{
	pthread_atfork(mm_fork_prepare, mm_fork_parent, mm_fork_child);
}
