// SPDX-License-Identifier: GPL-2.0
/*
 * identity.c - process identity as (start time << 22 | pid), thread
 * identity as (start time << 22 | thread id), and whether the process or
 * thread an identity names is still alive.
 *
 * Linux pids and thread ids are below 2^22 (PID_MAX_LIMIT); the start
 * time, in clock ticks since boot, fills the other 42 bits.  Both come
 * from /proc/ID/stat, which answers for thread ids too, so every process
 * sharing a heap must see the same /proc (one PID namespace).
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "identity.h"
#include "mymap.h"

#define PID_BITS 22
#define PID_MASK ((1ULL << PID_BITS) - 1)

_Atomic uint64_t mm_cached_id;
_Thread_local uint64_t mm_cached_thread_id __attribute__((tls_model("initial-exec")));

/*
 * Reads the state letter and start time (field 22) of @pid; -1 if the
 * process does not exist (or /proc cannot say).
 */
static int proc_stat(uint64_t pid, char *state, uint64_t *start)
{
	char path[48], buf[1024];
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%llu/stat", (unsigned long long)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	/* The command name may hold spaces and parentheses: skip past the last ')'. */
	char *p = strrchr(buf, ')');

	if (!p || p[1] != ' ')
		return -1;
	p += 2;
	*state = *p;
	/* The state is field 3; the start time is 19 fields further. */
	for (int i = 0; i < 19; i++) {
		p = strchr(p, ' ');
		if (!p)
			return -1;
		p++;
	}
	*start = strtoull(p, NULL, 10);
	return 0;
}

/* The child's one thread is the one that forked: both identities change. */
static void forget_id_in_child(void)
{
	atomic_store_explicit(&mm_cached_id, 0, memory_order_relaxed);
	mm_cached_thread_id = 0;
}

__attribute__((constructor)) static void register_fork_handler(void)
{
	pthread_atfork(NULL, NULL, forget_id_in_child);
}

/* The identity of process or thread @pid. */
static uint64_t identity_of(uint64_t pid)
{
	uint64_t start = 0;
	char state;

	/* Without /proc the identity is the id alone; liveness still works. */
	if (proc_stat(pid, &state, &start) < 0)
		start = 0;
	return (start << PID_BITS) | pid;
}

uint64_t mm_self_id_slow(void)
{
	uint64_t id = identity_of((uint64_t)getpid() & PID_MASK);

	atomic_store_explicit(&mm_cached_id, id, memory_order_relaxed);
	return id;
}

uint64_t mm_thread_id_slow(void)
{
	mm_cached_thread_id = identity_of((uint64_t)gettid() & PID_MASK);
	return mm_cached_thread_id;
}

uint64_t mymap_self_id(void)
{
	return mm_self_id();
}

int mymap_id_alive(uint64_t id)
{
	uint64_t pid = id & PID_MASK;
	uint64_t start;
	char state;

	if (pid == 0)
		return 0;
	if (id == mm_self_id() || id == mm_thread_id())
		return 1;
	if (proc_stat(pid, &state, &start) < 0)
		return 0;
	/* A zombie has died; only its exit status is left for its parent. */
	if (state == 'Z' || state == 'X')
		return 0;
	return (id >> PID_BITS) == 0 || (start & (~0ULL >> PID_BITS)) == id >> PID_BITS;
}
