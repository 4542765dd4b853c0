// SPDX-License-Identifier: GPL-2.0
/*
 * fork_gate.c - fork() of a process whose heap is shared memory (memfd,
 * device).
 *
 * fork() gives a child a copy-on-write copy of private memory, so glibc's
 * arenas (and libmymap's anon and brk heaps) are the child's own.  A
 * memfd or device heap is mapped MAP_SHARED: left alone, parent and child
 * would go on sharing every block, and a free() in one would free the
 * other's data.  So the child gets a private copy of the heap, made the
 * way fork() would have made it: the forking thread closes a gate that
 * every call passes, waits until no thread is inside a call (no change
 * to the heap is half-made, no lock is held), copies the heap's pages
 * into private anonymous memory, and forks; the child moves that copy
 * over the heap's address (mremap), and the parent drops it and opens
 * the gate.  The copy costs what copying the heap's written pages costs,
 * once per fork(); vfork() and posix_spawn() run no handler and copy
 * nothing.
 *
 * In the child the heap is private memory that the handle still takes
 * for shared: its lock still works (a futex, or on the device the
 * driver's wait, which the lock wakes from at least every 2 ms), and a
 * later fork() of the child copies its written pages again (found with
 * /proc/self/pagemap instead of the memfd's extents).
 *
 * The gate costs a call two stores to a slot of the thread's own and a
 * load of the flag: the forking thread raises the flag and then has
 * every thread of the process pass a full barrier with membarrier(2)
 * before it reads the slots.  Threads beyond the slots share the last
 * ones with atomic counters; without membarrier() every call fences.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/membarrier.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "preload.h"

#define GATE_SLOTS 256
#define OWN_SLOTS  (GATE_SLOTS - 16) /* the rest are shared */

bool fork_gate_active;
bool fork_gate_needs_fence;
_Atomic bool fork_gate_closed;
PRELOAD_TLS struct fork_gate_slot *fork_gate_mine;
PRELOAD_TLS unsigned int fork_gate_depth;
struct fork_gate_slot fork_gate_nested;

static struct fork_gate_slot slots[GATE_SLOTS];
static _Atomic unsigned int slots_claimed;
static pthread_mutex_t gate_mutex = PTHREAD_MUTEX_INITIALIZER;

/* Where the heap's written pages are found. */
static enum { EXTENTS_OF_MEMFD, WHOLE_REGION, PAGEMAP } written_pages;
static void *snapshot;

struct fork_gate_slot *fork_gate_claim(void)
{
	unsigned int n = atomic_fetch_add(&slots_claimed, 1);

	if (n >= OWN_SLOTS)
		n = OWN_SLOTS + n % (GATE_SLOTS - OWN_SLOTS);
	fork_gate_mine = &slots[n];
	return fork_gate_mine;
}

/* A thread that met the gate closed waits for the fork to end. */
void fork_gate_wait(void)
{
	pthread_mutex_lock(&gate_mutex);
	pthread_mutex_unlock(&gate_mutex);
}

static void copy_range(size_t from, size_t to)
{
	memcpy((char *)snapshot + from, (char *)preload_heap_start + from, to - from);
}

/* Copies the memfd's data extents: the pages ever written. */
static bool copy_memfd_extents(size_t size)
{
	int fd = mymap_heap_fd(preload_heap);
	off_t at = 0;

	while ((size_t)at < size) {
		off_t data = lseek(fd, at, SEEK_DATA), hole;

		if (data < 0)
			return errno == ENXIO; /* no data after at */
		hole = lseek(fd, data, SEEK_HOLE);
		if (hole < 0)
			return false;
		if ((size_t)hole > size)
			hole = (off_t)size;
		copy_range((size_t)data, (size_t)hole);
		at = hole;
	}
	return true;
}

/* Copies the pages present or swapped out in this process's mapping. */
static bool copy_pagemap_pages(size_t size)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), pages = size / page, run = 0;
	uint64_t entries[512];
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return false;
	for (size_t i = 0; i < pages; i += 512) {
		size_t n = pages - i < 512 ? pages - i : 512;
		off_t at = (off_t)((preload_heap_start / page + i) * sizeof(uint64_t));

		if (pread(fd, entries, n * sizeof(uint64_t), at) !=
		    (ssize_t)(n * sizeof(uint64_t))) {
			close(fd);
			return false;
		}
		for (size_t k = 0; k < n; k++) {
			bool written = entries[k] >> 62 & 3; /* present or swapped */

			if (written && !run)
				run = (i + k) * page + 1;
			if (!written && run) {
				copy_range(run - 1, (i + k) * page);
				run = 0;
			}
		}
	}
	if (run)
		copy_range(run - 1, size);
	close(fd);
	return true;
}

static void take_snapshot(void)
{
	size_t size = preload_heap_end - preload_heap_start;
	bool copied;

	snapshot = mmap(NULL, size, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (snapshot == MAP_FAILED) {
		snapshot = NULL;
		return;
	}
	switch (written_pages) {
	case EXTENTS_OF_MEMFD:
		copied = copy_memfd_extents(size);
		break;
	case PAGEMAP:
		copied = copy_pagemap_pages(size);
		break;
	default:
		copy_range(0, size);
		copied = true;
	}
	if (!copied) {
		munmap(snapshot, size);
		snapshot = NULL;
	}
}

static void before_fork(void)
{
	pthread_mutex_lock(&gate_mutex);
	atomic_store(&fork_gate_closed, true);
	if (!fork_gate_needs_fence)
		syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0);
	for (unsigned int i = 0; i < GATE_SLOTS; i++)
		while (atomic_load_explicit(&slots[i].inside, memory_order_acquire))
			sched_yield();
	take_snapshot();
}

static void after_fork_parent(void)
{
	if (snapshot)
		munmap(snapshot, preload_heap_end - preload_heap_start);
	snapshot = NULL;
	atomic_store(&fork_gate_closed, false);
	pthread_mutex_unlock(&gate_mutex);
}

static void after_fork_child(void)
{
	size_t size = preload_heap_end - preload_heap_start;

	if (!snapshot || mremap(snapshot, size, size, MREMAP_MAYMOVE | MREMAP_FIXED,
				(void *)preload_heap_start) == MAP_FAILED)
		preload_die("fork: no private copy of the shared heap for the child "
			    "(out of memory, or /proc unreadable)");
	snapshot = NULL;
	written_pages = PAGEMAP;
	/* The only thread: the others' slots are empty, the gate opens. */
	atomic_store(&fork_gate_closed, false);
	pthread_mutex_init(&gate_mutex, NULL);
	if (!fork_gate_needs_fence &&
	    syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) != 0)
		fork_gate_needs_fence = true;
}

void fork_gate_setup(void)
{
	enum mymap_backend backend = mymap_heap_backend(preload_heap);

	if (backend != MYMAP_BACKEND_MEMFD && backend != MYMAP_BACKEND_DEVICE)
		return;
	written_pages = backend == MYMAP_BACKEND_MEMFD ? EXTENTS_OF_MEMFD : WHOLE_REGION;
	fork_gate_needs_fence =
	    syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) != 0;
	pthread_atfork(before_fork, after_fork_parent, after_fork_child);
	fork_gate_active = true;
}
