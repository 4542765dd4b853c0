// SPDX-License-Identifier: GPL-2.0
/*
 * overaligned.c - blocks aligned to more than the page size, which
 * mymap_aligned_alloc() does not give: a heap block large enough for the
 * alignment, the aligned address inside it handed out, and the pair kept
 * in a table so that free() gives back the whole block.  Such requests
 * are rare (memalign(65536, ...)); the table is a small open-addressed
 * hash under a mutex, and free() looks in it only while it holds anything.
 */
#include <errno.h>
#include <pthread.h>

#include "preload.h"

#define TABLE_SIZE 4096 /* a power of two; at most 3/4 full */

struct entry {
	uintptr_t aligned; /* 0: empty; 1: deleted */
	void *block;
};

static struct entry table[TABLE_SIZE];
static unsigned long occupied; /* live and deleted entries */
static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;
_Atomic unsigned long overaligned_live;

#define DELETED 1

/* No thread holds the table's lock across fork(): the child's copy is free. */
static void lock_table(void)
{
	pthread_mutex_lock(&table_lock);
}

static void unlock_table(void)
{
	pthread_mutex_unlock(&table_lock);
}

void overaligned_setup(void)
{
	pthread_atfork(lock_table, unlock_table, unlock_table);
}

static size_t slot_of(uintptr_t aligned)
{
	return (size_t)((aligned >> 12) * 0x9e3779b97f4a7c15ull >> 52) & (TABLE_SIZE - 1);
}

static struct entry *find(uintptr_t aligned)
{
	for (size_t i = slot_of(aligned), n = 0; n < TABLE_SIZE;
	     i = (i + 1) & (TABLE_SIZE - 1), n++) {
		if (table[i].aligned == aligned)
			return &table[i];
		if (!table[i].aligned)
			return NULL;
	}
	return NULL;
}

/* Drops the deleted entries when they crowd the table. */
static void rebuild(void)
{
	static struct entry live[TABLE_SIZE]; /* under table_lock */
	size_t n = 0;

	for (size_t i = 0; i < TABLE_SIZE; i++)
		if (table[i].aligned > DELETED)
			live[n++] = table[i];
	for (size_t i = 0; i < TABLE_SIZE; i++)
		table[i].aligned = 0;
	for (size_t k = 0; k < n; k++) {
		size_t i = slot_of(live[k].aligned);

		while (table[i].aligned)
			i = (i + 1) & (TABLE_SIZE - 1);
		table[i] = live[k];
	}
	occupied = n;
}

/* The heap's calls and the table's lock are never held together: fork()
 * takes them one after the other (fork_gate.c, lock_table()). */
static void *heap_malloc(size_t size)
{
	struct fork_gate_slot *gate = fork_gate_enter();
	void *p = mymap_malloc(preload_heap, size);

	fork_gate_leave(gate);
	return p;
}

static void heap_free(void *p)
{
	struct fork_gate_slot *gate = fork_gate_enter();

	mymap_free(preload_heap, p);
	fork_gate_leave(gate);
}

void *overaligned_alloc(size_t alignment, size_t size)
{
	size_t total;
	uintptr_t aligned;
	void *block;
	bool stored = false;

	if (__builtin_add_overflow(size, alignment, &total) || !(block = heap_malloc(total))) {
		errno = ENOMEM;
		return NULL;
	}
	aligned = ((uintptr_t)block + alignment - 1) & ~(uintptr_t)(alignment - 1);
	pthread_mutex_lock(&table_lock);
	if (occupied >= TABLE_SIZE / 4 * 3)
		rebuild();
	if (occupied < TABLE_SIZE / 4 * 3) {
		size_t i = slot_of(aligned);

		while (table[i].aligned > DELETED)
			i = (i + 1) & (TABLE_SIZE - 1);
		occupied += !table[i].aligned;
		table[i] = (struct entry){aligned, block};
		atomic_fetch_add(&overaligned_live, 1);
		stored = true;
	}
	pthread_mutex_unlock(&table_lock);
	if (!stored) {
		heap_free(block);
		errno = ENOMEM;
		return NULL;
	}
	return (void *)aligned;
}

bool overaligned_free(void *p)
{
	struct entry *e;
	void *block = NULL;

	pthread_mutex_lock(&table_lock);
	e = find((uintptr_t)p);
	if (e) {
		block = e->block;
		e->aligned = DELETED;
		atomic_fetch_sub(&overaligned_live, 1);
	}
	pthread_mutex_unlock(&table_lock);
	if (!block)
		return false;
	heap_free(block);
	return true;
}

bool overaligned_usable_size(const void *p, size_t *usable)
{
	struct fork_gate_slot *gate;
	struct entry *e;
	void *block = NULL;

	pthread_mutex_lock(&table_lock);
	e = find((uintptr_t)p);
	if (e)
		block = e->block;
	pthread_mutex_unlock(&table_lock);
	if (!block)
		return false;
	gate = fork_gate_enter();
	*usable = mymap_usable_size(preload_heap, block) - ((uintptr_t)p - (uintptr_t)block);
	fork_gate_leave(gate);
	return true;
}
