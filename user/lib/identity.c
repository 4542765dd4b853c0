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
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
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

/* What /proc/ID/stat says of a process or thread. */
struct proc_stat {
	char state;	  /* field 3: R, S, ..., Z (zombie), X (dead) */
	uint64_t threads; /* field 20: threads in its process */
	uint64_t start;	  /* field 22: start time, clock ticks after boot */
};

/*
 * Reads /proc/@pid/stat into @buf; its length, or -1.  Callers may hold a
 * heap lock, so the thread must not be cancelled inside: open, read and
 * close are cancellation points, and a thread cancelled there would leave
 * its process holding the lock.
 */
static ssize_t read_stat(uint64_t pid, char *buf, size_t size)
{
	char path[48];
	int fd, state;
	ssize_t n = -1;

	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &state);
	snprintf(path, sizeof(path), "/proc/%llu/stat", (unsigned long long)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, buf, size);
		close(fd);
	}
	pthread_setcancelstate(state, NULL);
	return n;
}

/* Reads /proc/@pid/stat; -1 if the process or thread does not exist (or /proc cannot say). */
static int proc_stat(uint64_t pid, struct proc_stat *st)
{
	char buf[1024];
	ssize_t n = read_stat(pid, buf, sizeof(buf) - 1);

	if (n <= 0)
		return -1;
	buf[n] = '\0';
	/* The command name may hold spaces and parentheses: skip past the last ')'. */
	char *p = strrchr(buf, ')');

	if (!p || p[1] != ' ')
		return -1;
	p += 2;
	st->state = *p;
	/* The state is field 3; the thread count 17 fields further, the start time 19. */
	for (int field = 4; field <= 22; field++) {
		p = strchr(p, ' ');
		if (!p)
			return -1;
		p++;
		if (field == 20)
			st->threads = strtoull(p, NULL, 10);
	}
	st->start = strtoull(p, NULL, 10);
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

/*
 * The identity of process or thread @pid.  Without /proc it is the id
 * alone.  Once handed out it is kept, even if /proc could not be read for
 * a passing reason (no descriptor left): the identity stands in owner
 * words, and a process whose identity changed would no longer know its
 * own lock and slots.
 */
static uint64_t identity_of(uint64_t pid)
{
	struct proc_stat st = {0};

	if (proc_stat(pid, &st) < 0)
		st.start = 0;
	return (st.start << PID_BITS) | pid;
}

uint64_t mm_self_id_slow(void)
{
	uint64_t id = identity_of((uint64_t)getpid() & PID_MASK);

	atomic_store_explicit(&mm_cached_id, id, memory_order_relaxed);
	return id;
}

/*
 * The main thread's identity is its process's, read once: were the two
 * read apart, a passing failure could give them different start times,
 * and the thread would not find the slot its process claimed.
 */
uint64_t mm_thread_id_slow(void)
{
	pid_t tid = gettid();

	if (tid == getpid())
		mm_cached_thread_id = mm_self_id();
	else
		mm_cached_thread_id = identity_of((uint64_t)tid & PID_MASK);
	return mm_cached_thread_id;
}

uint64_t mymap_self_id(void)
{
	return mm_self_id();
}

/*
 * Whether the process (@whole_process) or the thread that @id names is
 * alive.  A process's identity is its main thread's: when that thread
 * has ended but others run on, /proc shows it as a zombie, yet the
 * process lives and must not be taken for dead (its lock taken over);
 * the main thread itself, as the owner of a cache slot, is gone.
 */
static int id_alive(uint64_t id, bool whole_process)
{
	uint64_t pid = id & PID_MASK;
	struct proc_stat st = {0};

	if (pid == 0)
		return 0;
	if (id == mm_thread_id() || (whole_process && id == mm_self_id()))
		return 1;
	/*
	 * Only the id's absence means dead.  /proc has no entry for a live
	 * process it hides (hidepid=invisible, another user's) or when it is
	 * not mounted: kill(2) with no signal asks the kernel itself, for a
	 * thread id as for a process id.  Any other failure cannot tell: a
	 * passing one (no descriptor or memory left), or a refusal (a seccomp
	 * filter, a security module).  Taken for dead, a live owner would
	 * have its lock taken over; alive for now, a later look decides, and
	 * a wait on a dead owner that no look can tell of ends at its timeout
	 * (without /proc, one its parent has not reaped: kill(2) finds a
	 * zombie too).
	 */
	int saved = errno, alive = -1;

	errno = 0;
	if (proc_stat(pid, &st) < 0) {
		if (errno == ENOENT)
			alive = kill((pid_t)pid, 0) == 0 || errno != ESRCH;
		else
			alive = errno != 0 && errno != ESRCH;
	}
	errno = saved; /* a look that answers is no failure */
	if (alive >= 0)
		return alive;
	/* A zombie has died; only its exit status is left for its parent. */
	if ((st.state == 'Z' || st.state == 'X') && !(whole_process && st.threads > 1))
		return 0;
	return (id >> PID_BITS) == 0 || (st.start & (~0ULL >> PID_BITS)) == id >> PID_BITS;
}

int mymap_id_alive(uint64_t id)
{
	return id_alive(id, true);
}

int mm_thread_alive(uint64_t id)
{
	return id_alive(id, false);
}
