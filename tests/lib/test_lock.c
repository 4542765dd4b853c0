// SPDX-License-Identifier: GPL-2.0
/*
 * test_lock.c - process identity, the heap lock under contention, taking
 * the lock over from a holder killed inside its critical section, and
 * mymap_wait/mymap_wake.
 *
 * A killed holder is made deterministic with the library's test hook: the
 * child stops itself (SIGSTOP) at a named point inside the critical
 * section, the parent sees it stopped and sends SIGKILL.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "handle.h"
#include "heap.h"
#include "layout.h"
#include "live-peer.h"
#include "robust_lock.h"
#include "mymap.h"
#include "tap.h"

/* The library's test hook (internal, see user/lib/heap.h). */
extern void (*mm_test_hook)(const char *where);

#define SIZE (4u << 20)

/* A take_own rule that always finds the word stale, and claims it. */
static bool take_own_always(struct mm_lock *l, uint64_t me)
{
	uint64_t seen = me;

	return atomic_compare_exchange_strong(&l->owner, &seen, me);
}

static void test_identity(void)
{
	uint64_t me = mymap_self_id();
	int fds[2];
	uint64_t child_id = 0;
	pid_t pid;

	tap_ok(me != 0 && (me & ((1u << 22) - 1)) == (uint64_t)getpid(),
	       "the identity holds the pid in its low 22 bits");
	tap_ok(mymap_id_alive(me) == 1, "this process is alive");
	tap_ok(mymap_id_alive(me + (1ULL << 22)) == 0,
	       "the same pid with another start time is not (pid reuse)");
	tap_ok(mymap_id_alive(0) == 0, "identity 0 is nobody");
	if (pipe(fds) < 0)
		return;
	pid = fork();
	if (pid == 0) {
		uint64_t id = mymap_self_id();

		if (write(fds[1], &id, sizeof(id)) != sizeof(id))
			_exit(1);
		pause();
		_exit(0);
	}
	if (read(fds[0], &child_id, sizeof(child_id)) != sizeof(child_id))
		child_id = 0;
	tap_ok(child_id && child_id != me, "a forked child has its own identity");
	tap_ok(mymap_id_alive(child_id) == 1, "the running child is alive");
	kill(pid, SIGKILL);
	/* Until reaped it is a zombie: dead for the lock's purposes. */
	for (int i = 0; i < 1000 && mymap_id_alive(child_id); i++)
		usleep(1000);
	tap_ok(mymap_id_alive(child_id) == 0, "the killed child, a zombie not yet reaped, is dead");
	waitpid(pid, NULL, 0);
	tap_ok(mymap_id_alive(child_id) == 0, "and stays dead once reaped");
	close(fds[0]);
	close(fds[1]);
}

struct contention {
	struct mymap_heap *heap;
	unsigned int seed;
	int failures;
};

static void *churn(void *arg)
{
	struct contention *c = arg;
	void *slot[64] = {0};

	for (int i = 0; i < 100000; i++) {
		unsigned int k = (c->seed = c->seed * 1103515245u + 12345u) >> 8;
		void **s = &slot[k % 64];

		if (*s) {
			c->failures += mymap_free(c->heap, *s) != 0;
			*s = NULL;
		} else {
			*s = mymap_malloc(c->heap, 16 + (k >> 8) % 2000);
			c->failures += *s == NULL;
		}
	}
	for (int i = 0; i < 64; i++)
		c->failures += mymap_free(c->heap, slot[i]) != 0;
	return NULL;
}

static void test_threads(void)
{
	struct mymap_heap *h = mymap_open_memfd(SIZE, 0);
	struct contention c[4];
	pthread_t t[4];
	struct mymap_stats st;
	int failures = 0;

	for (int i = 0; i < 4; i++) {
		c[i] = (struct contention){h, (unsigned int)i + 1, 0};
		pthread_create(&t[i], NULL, churn, &c[i]);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		failures += c[i].failures;
	}
	mymap_heap_stats(h, &st);
	tap_ok(failures == 0 && st.in_use == 0 && st.alloc_count == st.free_count &&
		   mymap_heap_check(h) == 0,
	       "4 threads x 100000 operations on one heap: no failure, all freed, heap checks "
	       "clean (failures %d, in use %llu)",
	       failures, (unsigned long long)st.in_use);
	mymap_close(h);
}

static const char *stop_at;
static int stop_countdown;

static void stop_here(const char *where)
{
	if (!strcmp(where, stop_at) && --stop_countdown == 0)
		raise(SIGSTOP);
}

/*
 * A child allocates blocks a, b, c, frees a and c, then frees b (merging
 * with both neighbours: the longest header update) and is stopped and
 * killed at @point of that last free.  The parent then takes the lock
 * over, and the heap must be whole, with b either freed (the journal was
 * committed) or still allocated (it was not).
 */
static void test_recovery(const char *point)
{
	struct mymap_heap *h = mymap_open_memfd(SIZE, 0);
	struct mymap_stats before, after;
	int status;
	pid_t pid;

	mymap_heap_stats(h, &before);
	pid = fork();
	if (pid == 0) {
		void *a = mymap_malloc(h, 1000), *b = mymap_malloc(h, 2000),
		     *c = mymap_malloc(h, 3000);
		mymap_off_t off = mymap_offset(h, b), zero = 0;

		mymap_malloc(h, 100); /* keeps c from merging with the rest */
		mymap_root_cas(h, 2, &zero, off);
		mymap_free(h, a);
		mymap_free(h, c);
		stop_at = point;
		stop_countdown = 1;
		mm_test_hook = stop_here;
		mymap_free(h, b);
		_exit(3); /* not reached: stopped and killed inside the free */
	}
	waitpid(pid, &status, WUNTRACED);
	tap_ok(WIFSTOPPED(status), "%s: the child stopped inside the critical section", point);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	tap_ok(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "%s: the child was killed",
	       point);

	/* The lock is still held by the dead child: this call must take it over. */
	void *p = mymap_malloc(h, 64);

	mymap_heap_stats(h, &after);
	tap_ok(p != NULL, "%s: the next allocation succeeds after the holder died", point);
	tap_ok(after.recoveries == before.recoveries + 1 && after.generation > before.generation,
	       "%s: one recovery counted, the generation moved (%llu -> %llu)", point,
	       (unsigned long long)before.generation, (unsigned long long)after.generation);
	int rc = mymap_heap_check(h);

	tap_ok(rc == 0, "%s: the heap checks clean after recovery%s%s", point, rc ? ": " : "",
	       rc ? mymap_last_message() : "");
	/* What is left allocated: the guard block, maybe b, and p. */
	void *b = mymap_ptr(h, mymap_root_get(h, 2), 1);
	size_t b_size = 0;

	if (mymap_usable_size(h, b) != 0)
		b_size = mymap_usable_size(h, b);
	tap_ok(after.in_use == 112 + b_size + 64 && after.used_blocks == 2 + (b_size != 0),
	       "%s: only the child's own blocks stay allocated (%llu bytes in %llu blocks, b %s)",
	       point, (unsigned long long)after.in_use, (unsigned long long)after.used_blocks,
	       b_size ? "still allocated" : "freed");
	if (b_size)
		tap_ok(mymap_free(h, b) == 0 && mymap_heap_check(h) == 0,
		       "%s: b, never freed, can be freed now", point);
	mymap_close(h);
}

static void test_wait_wake(void)
{
	struct mymap_heap *h = mymap_open_memfd(SIZE, 0);
	_Atomic uint32_t *word = mymap_malloc(h, sizeof(*word));
	int status, rc;

	atomic_store(word, 5);
	tap_ok(mymap_wait(h, (uint32_t *)word, 4, 0) == -1 && errno == EAGAIN,
	       "wait on a word that differs: EAGAIN");
	rc = mymap_wait(h, (uint32_t *)word, 5, 1000000);
	tap_ok(rc == -1 && errno == ETIMEDOUT,
	       "wait with a 1 ms timeout: ETIMEDOUT (saw %d, errno %d)", rc, errno);
	tap_ok(mymap_wait(h, (uint32_t *)((char *)word + 1), 5, 0) == -1 && errno == EINVAL,
	       "wait on a misaligned word: EINVAL");
	int local = 0;

	tap_ok(mymap_wake(h, (uint32_t *)&local, 1) == -1 && errno == EINVAL,
	       "wake on a word outside the region: EINVAL");
	pid_t pid = fork();

	if (pid == 0) {
		while (atomic_load(word) == 5)
			mymap_wait(h, (uint32_t *)word, 5, 0);
		_exit(atomic_load(word) == 6 ? 0 : 1);
	}
	int woken = 0;

	usleep(20000);
	atomic_store(word, 6);
	for (int i = 0; i < 100 && !woken; i++) {
		woken = mymap_wake(h, (uint32_t *)word, 1);
		if (!woken)
			usleep(1000);
	}
	waitpid(pid, &status, 0);
	tap_ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	       "another process sleeping on the word is woken after it changes (woke %d)", woken);
	mymap_close(h);
}

/*
 * Four processes open one unformatted region with MYMAP_CREATE at the same
 * moment: exactly one formats it, the others attach, and every block each
 * of them allocated is still there afterwards.
 */
static void test_format_race(void)
{
	struct mymap_heap *h = mymap_open_memfd(SIZE, 0);
	int fd = mymap_heap_fd(h), clean = 0, status;
	unsigned char *base = mymap_heap_base(h);
	pid_t pid[4];
	struct mymap_stats st;

	/* A start line outside the heap, so the four opens really overlap. */
	_Atomic int *go =
	    mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	memset(base, 0xee, 4096); /* something that is not a heap */
	for (int i = 0; i < 4; i++) {
		pid[i] = fork();
		if (pid[i] == 0) {
			atomic_fetch_add(go, 1);
			while (atomic_load(go) < 4)
				;
			struct mymap_heap *mine = mymap_open_fd(fd, MYMAP_CREATE);

			_exit(mine && mymap_malloc(mine, 100) ? 0 : 1);
		}
	}
	for (int i = 0; i < 4; i++)
		if (waitpid(pid[i], &status, 0) == pid[i] && WIFEXITED(status) &&
		    WEXITSTATUS(status) == 0)
			clean++;
	struct mymap_heap *after = mymap_open_fd(fd, 0);
	bool whole = after && mymap_heap_stats(after, &st) == 0 && mymap_heap_check(after) == 0;

	tap_ok(clean == 4 && whole && st.used_blocks == 4,
	       "4 processes racing to open a fresh region with MYMAP_CREATE format it once: "
	       "all 4 of their blocks survive (%d ok, %llu blocks)",
	       clean, whole ? (unsigned long long)st.used_blocks : 0ULL);
	mymap_close(after);
	mymap_close(h);
	munmap((void *)go, 4096);
}

/*
 * A formatter records itself in the lock word just after it claims the
 * region, so for a moment the word holds what was there before: a dead
 * identity there must not be taken for a formatter that died.  An opener
 * that finds the claim with a dead owner which a live formatter replaces
 * within a few milliseconds waits for that format instead of formatting.
 */
static void test_format_claim_window(void)
{
	struct mymap_heap *h = mymap_open_memfd(SIZE, 0);
	struct mm_header *hdr = mymap_heap_base(h);
	int fd = mymap_heap_fd(h), status = -1;
	bool waited;

	/* The same pid with another start time: an identity of nobody alive. */
	atomic_store(&hdr->magic, MM_FORMATTING);
	atomic_store(&hdr->lock.owner, mymap_self_id() + (1ULL << 22));
	fflush(stdout);
	pid_t pid = fork();

	if (pid == 0) {
		struct mymap_heap *mine = mymap_open_fd(fd, MYMAP_CREATE);

		_exit(mine && mymap_malloc(mine, 100) ? 0 : 1);
	}
	usleep(20000);
	atomic_store(&hdr->lock.owner, mymap_self_id());
	usleep(200000);
	waited = atomic_load(&hdr->magic) == MM_FORMATTING;
	mm_format(h);
	waitpid(pid, &status, 0);
	struct mymap_stats st = {0};

	mymap_heap_stats(h, &st);
	tap_ok(waited && WIFEXITED(status) && WEXITSTATUS(status) == 0 && st.used_blocks == 1,
	       "an opener that finds a claimed region with a dead owner word waits while the "
	       "formatter records itself, then uses its heap (%s, %llu blocks)",
	       waited ? "waited" : "formatted it itself", (unsigned long long)st.used_blocks);
	mymap_close(h);
}

/* A format whose process died half way is taken over by the next MYMAP_CREATE. */
static void test_format_takeover(void)
{
	struct mymap_heap *h = mymap_open_memfd(SIZE, 0);
	struct mm_header *hdr = mymap_heap_base(h);
	int fd = mymap_heap_fd(h), status;
	uint64_t dead_id = 0;
	int fds[2];

	if (pipe(fds) < 0)
		return;
	pid_t pid = fork();

	if (pid == 0) {
		uint64_t id = mymap_self_id();

		_exit(write(fds[1], &id, sizeof(id)) == sizeof(id) ? 0 : 1);
	}
	if (read(fds[0], &dead_id, sizeof(dead_id)) != sizeof(dead_id))
		dead_id = 0;
	waitpid(pid, &status, 0);
	close(fds[0]);
	close(fds[1]);
	/* What a formatter leaves when it dies after claiming the region. */
	atomic_store(&hdr->magic, MM_FORMATTING);
	atomic_store(&hdr->lock.owner, dead_id);
	struct mymap_heap *again = mymap_open_fd(fd, MYMAP_CREATE);

	tap_ok(again && mymap_heap_check(again) == 0,
	       "a region left half formatted by a dead process is formatted by the next "
	       "MYMAP_CREATE");
	mymap_close(again);
	mymap_close(h);
}

/* The leader test: the heap, the pipe the holder reports on, and what it saw. */
static struct mymap_heap *leader_heap;
static int leader_pipe[2];
static atomic_bool holding;

/* Whether this process's main thread shows as a zombie in /proc (it has ended). */
static bool leader_ended(void)
{
	char buf[512];
	FILE *f = fopen("/proc/self/stat", "r");
	bool zombie = false;

	if (f && fgets(buf, sizeof(buf), f)) {
		const char *p = strrchr(buf, ')');

		zombie = p && p[1] == ' ' && p[2] == 'Z';
	}
	if (f)
		fclose(f);
	return zombie;
}

/* Inside the lock: tells the parent, holds the lock 100 ms, then says whether it is still ours. */
static void hold_a_while(const char *where)
{
	const struct mm_header *hdr = mymap_heap_base(leader_heap);

	if (strcmp(where, "journal-done") || !atomic_exchange(&holding, false))
		return;
	if (write(leader_pipe[1], "x", 1) != 1)
		_exit(3);
	usleep(100000);
	if (atomic_load(&hdr->lock.owner) != mymap_self_id())
		_exit(1);
}

static void *hold_after_leader(void *arg)
{
	(void)arg;
	for (int i = 0; i < 10000 && !leader_ended(); i++)
		usleep(1000);
	if (!leader_ended())
		exit(4);
	mm_test_hook = hold_a_while;
	atomic_store(&holding, true);
	exit(mymap_malloc(leader_heap, 3000) ? 0 : 2);
}

/*
 * A process whose main thread has ended lives on in its other threads:
 * /proc shows it as a zombie, yet a waiter must not take its lock over.
 */
static void test_leader_ended(void)
{
	struct mymap_stats st;
	int status;
	char c;

	leader_heap = mymap_open_memfd(SIZE, 0);
	if (!tap_ok(leader_heap && pipe(leader_pipe) == 0, "heap and pipe for the leader test"))
		return;
	pid_t pid = fork();

	if (pid == 0) {
		pthread_t t;

		pthread_create(&t, NULL, hold_after_leader, NULL);
		pthread_exit(NULL);
	}
	bool held = read(leader_pipe[0], &c, 1) == 1;
	int check = mymap_heap_check(leader_heap); /* waits for the lock */

	waitpid(pid, &status, 0);
	mymap_heap_stats(leader_heap, &st);
	tap_ok(held && check == 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
		   st.recoveries == 0,
	       "a holder whose main thread has ended keeps the lock: the waiter waits "
	       "(child status %d, %llu recoveries)",
	       WIFEXITED(status) ? WEXITSTATUS(status) : -1, (unsigned long long)st.recoveries);
	close(leader_pipe[0]);
	close(leader_pipe[1]);
	mymap_close(leader_heap);
}

/*
 * The robust lock alone, on a word in memory shared with a child and no
 * heap anywhere: taken uncontended it reports no takeover; a child that
 * dies holding it hands it to the next taker, who is told the child's
 * identity; a holder that releases it wakes a sleeping waiter.
 */
static void test_robust_lock_alone(void)
{
	struct mm_lock *l =
	    mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	struct mm_sleep sleep = {.base = (const char *)l, .fd = -1, .shared = true};
	struct mm_lock_wait wait = {.sleep = &sleep, .limit_ns = MYMAP_LOCK_TIMEOUT_NS};
	uint64_t me = mymap_self_id(), child = 0, holder = 0;
	int fds[2], status;

	if (!tap_ok(l != MAP_FAILED && pipe(fds) == 0, "a lock word in shared memory"))
		return;
	tap_ok(mm_robust_lock(l, me, &wait, &holder) == MM_LOCK_TAKEN &&
		   atomic_load(&l->owner) == me,
	       "robust lock: taken uncontended, no takeover reported, the owner is this process");
	mm_robust_unlock(l, &sleep);
	tap_ok(atomic_load(&l->owner) == 0, "robust lock: released, the owner word is 0");

	pid_t pid = fork();

	if (pid == 0) {
		uint64_t id = mymap_self_id(), unused;

		mm_robust_lock(l, id, &wait, &unused);
		_exit(write(fds[1], &id, sizeof(id)) == sizeof(id) ? 0 : 1);
	}
	if (read(fds[0], &child, sizeof(child)) != sizeof(child))
		child = 0;
	waitpid(pid, &status, 0);
	int got = mm_robust_lock(l, me, &wait, &holder);

	tap_ok(child && got == MM_LOCK_TAKEN_OVER && holder == child &&
		   atomic_load(&l->owner) == me,
	       "robust lock: a holder that died is taken over, and the taker is told its identity "
	       "(%#llx, the child was %#llx)",
	       (unsigned long long)holder, (unsigned long long)child);

	/* Held here; a child waits, sleeps, and gets it once it is released. */
	pid = fork();
	if (pid == 0) {
		uint64_t unused;
		int taken = mm_robust_lock(l, mymap_self_id(), &wait, &unused);

		mm_robust_unlock(l, &sleep);
		_exit(taken == MM_LOCK_TAKEN ? 0 : 1);
	}
	for (int i = 0; i < 1000 && !atomic_load(&l->sleepers); i++)
		usleep(1000);
	bool slept = atomic_load(&l->sleepers) != 0;

	mm_robust_unlock(l, &sleep);
	waitpid(pid, &status, 0);
	tap_ok(
	    slept && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "robust lock: a waiter sleeps while the holder lives and takes it, with no takeover, "
	    "once released (%s)",
	    slept ? "it slept" : "it never slept");
	close(fds[0]);
	close(fds[1]);
	munmap(l, 4096);
}

/*
 * Every wait for the robust lock is bounded, whatever the owner word says:
 * a live holder that keeps it, an owner word that changes among live
 * identities without the lock ever coming free, this process's own
 * identity with no thread of it holding the lock.  The word is shared
 * memory, and each of these is what a stopped or hostile peer can make.
 */
static void test_robust_lock_bounded(void)
{
	struct mm_lock *l =
	    mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	struct mm_sleep sleep = {.base = (const char *)l, .fd = -1, .shared = true};
	const uint64_t limit = 100000000; /* 100 ms */
	struct mm_lock_wait wait = {.sleep = &sleep, .limit_ns = limit};
	uint64_t me = mymap_self_id(), a, b, holder = 0;
	pid_t pa = live_peer(&a), pb = live_peer(&b);

	if (!tap_ok(l != MAP_FAILED && a && b, "two live children to name as holders")) {
		end_peer(pa);
		end_peer(pb);
		return;
	}
	atomic_store(&l->owner, a);
	uint64_t t0 = mm_now_ns();
	int got = mm_robust_lock(l, me, &wait, &holder);
	uint64_t waited = mm_now_ns() - t0;

	tap_ok(got == -ETIMEDOUT && holder == a && atomic_load(&l->owner) == a && waited >= limit,
	       "robust lock: a live holder that keeps it ends the wait with -ETIMEDOUT after the "
	       "limit, naming it, the lock untouched (%d after %llu ms)",
	       got, (unsigned long long)(waited / 1000000));

	/*
	 * A peer alternates two live identities in the word, each held for
	 * well under the limit and well over a waiter's sleep (so that the
	 * waiter sees every change): only the total bound ends the wait.
	 */
	pid_t churn = fork();

	if (churn == 0) {
		for (unsigned int i = 0;; i++) {
			atomic_store(&l->owner, i & 1 ? a : b);
			usleep(10000);
		}
	}
	wait.limit_ns = 2 * limit;
	t0 = mm_now_ns();
	got = mm_robust_lock(l, me, &wait, &holder);
	waited = mm_now_ns() - t0;
	wait.limit_ns = limit;
	end_peer(churn);
	tap_ok(got == -ETIMEDOUT && (holder == a || holder == b) &&
		   waited >= MM_LOCK_LIMIT_ROUNDS * 2 * limit,
	       "robust lock: an owner word changing among live identities, the lock never free, "
	       "ends the wait with -ETIMEDOUT after %u times the limit (%d after %llu ms)",
	       MM_LOCK_LIMIT_ROUNDS, got, (unsigned long long)(waited / 1000000));

	/* A holder at work past the limit, saying so, then releasing: the wait goes on. */
	pid_t busy = fork();

	if (busy == 0) {
		atomic_store(&l->owner, a);
		for (int i = 0; i < 30; i++) {
			usleep(10000);
			mm_robust_lock_busy(l);
		}
		mm_robust_unlock(l, &sleep);
		_exit(0);
	}
	while (atomic_load(&l->owner) != a)
		sched_yield();
	t0 = mm_now_ns();
	got = mm_robust_lock(l, me, &wait, &holder);
	waited = mm_now_ns() - t0;
	waitpid(busy, NULL, 0);
	tap_ok(got == MM_LOCK_TAKEN && atomic_load(&l->owner) == me && waited >= 2 * limit,
	       "robust lock: a holder that signals it is at work is waited for past the limit "
	       "for one holder, and the lock taken once released (%d after %llu ms)",
	       got, (unsigned long long)(waited / 1000000));
	mm_robust_unlock(l, &sleep);

	/* This process's own identity, no thread of it holding the lock. */
	atomic_store(&l->owner, me);
	got = mm_robust_lock(l, me, &wait, &holder);
	tap_ok(got == -ETIMEDOUT && holder == me,
	       "robust lock: its own identity, where another thread of the process may hold it, "
	       "is waited for, within the limit (%d)",
	       got);
	wait.take_own = take_own_always;
	got = mm_robust_lock(l, me, &wait, &holder);
	tap_ok(got == MM_LOCK_TAKEN_OVER && holder == me && atomic_load(&l->owner) == me,
	       "robust lock: its own identity that the caller knows no thread holds is taken "
	       "over (%d)",
	       got);
	end_peer(pa);
	end_peer(pb);
	munmap(l, 4096);
}

/*
 * A heap whose lock word names a live process that never lets go (a peer
 * stopped for good, or one that wrote the word on purpose): every call
 * that needs the lock fails with ETIMEDOUT after MYMAP_LOCK_TIMEOUT_NS and
 * changes nothing; the heap works again once the word is free.
 */
static void test_heap_lock_bounded(void)
{
	struct mymap_heap *h = mymap_open_memfd(SIZE, 0);
	struct mm_header *hdr = h ? (struct mm_header *)mymap_heap_base(h) : NULL;
	struct mymap_stats before = {0}, after = {0};
	uint64_t peer;
	pid_t pid = live_peer(&peer);

	if (!tap_ok(h && peer && mymap_heap_stats(h, &before) == 0, "a memfd heap and a live peer"))
		goto out;
	void *kept = mymap_malloc(h, 100000); /* too large for any cache: freed under the lock */

	atomic_store(&hdr->lock.owner, peer);
	uint64_t t0 = mm_now_ns();
	void *p = mymap_malloc(h, 100000);
	int err = errno;
	uint64_t waited = mm_now_ns() - t0;

	tap_ok(kept && !p && err == ETIMEDOUT && mymap_last_error() == MYMAP_ERR_LOCK_TIMEOUT &&
		   waited >= MYMAP_LOCK_TIMEOUT_NS,
	       "heap: with a live peer named in the lock word, mymap_malloc fails with ETIMEDOUT "
	       "(MYMAP_ERR_LOCK_TIMEOUT) after MYMAP_LOCK_TIMEOUT_NS (%s, %llu ms: %s)",
	       strerror(err), (unsigned long long)(waited / 1000000), mymap_last_message());
	/* The rest with a shorter limit: each is the same wait. */
	h->lock_wait.limit_ns = 50000000;
	int freed = mymap_free(h, kept);

	err = errno;
	tap_ok(freed == -1 && err == ETIMEDOUT, "heap: mymap_free fails with ETIMEDOUT (%s)",
	       strerror(err));
	tap_ok(mymap_heap_stats(h, &after) == -1 && errno == ETIMEDOUT &&
		   mymap_heap_check(h) == -1 && errno == ETIMEDOUT &&
		   mymap_usable_size(h, kept) == 0 && errno == ETIMEDOUT,
	       "heap: statistics, check and usable size fail with ETIMEDOUT too");
	tap_ok(atomic_load(&hdr->lock.owner) == peer,
	       "heap: the lock word still names the peer: nobody took over a live holder");
	atomic_store(&hdr->lock.owner, 0);
	tap_ok(mymap_free(h, kept) == 0 && mymap_heap_stats(h, &after) == 0 &&
		   after.in_use == before.in_use && after.recoveries == before.recoveries &&
		   mymap_heap_check(h) == 0,
	       "heap: once the word is free, the kept block frees, the figures are as before and "
	       "the heap checks clean");

	/*
	 * A realloc served by a cached block whose old block cannot be freed:
	 * it fails and leaves the old block the caller's, nothing leaked.
	 */
	char *big = mymap_malloc(h, 100000), *small = mymap_malloc(h, 200), *moved;
	if (big)
		memset(big, 0x5a, 100000);
	mymap_free(h, small); /* cached: the realloc takes it without the lock */
	atomic_store(&hdr->lock.owner, peer);
	moved = mymap_realloc(h, big, 200);
	err = errno;
	atomic_store(&hdr->lock.owner, 0);
	tap_ok(big && !moved && err == ETIMEDOUT && (unsigned char)big[99999] == 0x5a,
	       "heap: a realloc whose old block cannot be freed fails with ETIMEDOUT and keeps "
	       "it (%s)",
	       strerror(err));
	mymap_free(h, big);
	mymap_heap_stats(h, &after);
	tap_ok(after.in_use == before.in_use && after.used_blocks == before.used_blocks,
	       "heap: once both are freed the heap holds what it held before: nothing leaked "
	       "(%llu bytes in use, %llu before)",
	       (unsigned long long)after.in_use, (unsigned long long)before.in_use);

	/* This process's own identity, forged while no thread of it holds the lock. */
	atomic_store(&hdr->lock.owner, mymap_self_id());
	p = mymap_malloc(h, 100000);
	err = errno;
	tap_ok(!p && err == ETIMEDOUT,
	       "heap: its own identity forged in the lock word gives ETIMEDOUT, not a hang (%s)",
	       strerror(err));
	atomic_store(&hdr->lock.owner, 0);
	atomic_store(&hdr->lock.owner, peer);
	err = mymap_close(h) == -1 ? errno : 0;
	h = NULL;
	tap_ok(err == ETIMEDOUT,
	       "heap: mymap_close without the lock closes the handle and says ETIMEDOUT (%s)",
	       strerror(err));
out:
	end_peer(pid);
	mymap_close(h);
}

int main(void)
{
	test_identity();
	test_robust_lock_alone();
	test_robust_lock_bounded();
	test_heap_lock_bounded();
	test_threads();
	test_recovery("journal-committed");
	test_recovery("journal-half-applied");
	test_recovery("journal-done");
	test_wait_wake();
	test_format_race();
	test_format_takeover();
	test_format_claim_window();
	test_leader_ended();
	return tap_done();
}
