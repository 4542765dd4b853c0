// SPDX-License-Identifier: GPL-2.0
/*
 * wait_test - how a MYMAP_IOC_WAIT ends, and what does not end it: a dead
 * peer ends it (also one that died before the wait began); closing copies
 * of the descriptor (close of a dup, dup2 over one, close_range, a forked
 * child's copy), closing the descriptor waited through, and unrelated opens
 * and closes do not; stop/continue restarts it with its deadline kept; a
 * handled signal ends it with EINTR.
 */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#include "devtest.h"

#define WORD 4096 /* offset of the word the waits use */
#define MS   1000000ULL

static int wait_word(int fd, uint32_t expected, uint64_t timeout_ns, uint64_t peer)
{
	struct mymap_wait w = {
	    .offset = WORD, .expected = expected, .timeout_ns = timeout_ns, .peer = peer};

	return ioctl_err(fd, MYMAP_IOC_WAIT, &w);
}

static void set_word(int fd, uint32_t value)
{
	if (pwrite(fd, &value, sizeof(value), WORD) != sizeof(value))
		tap_diag("pwrite of the word: %s", strerror(errno));
}

static long wake_word(int fd, uint32_t count)
{
	struct mymap_wake w = {.offset = WORD, .count = count};

	return ioctl(fd, MYMAP_IOC_WAKE, &w);
}

/* Field 3 of /proc/PATH/stat: 'S' once the task sleeps (in the WAIT). */
static bool sleeps(const char *stat_path)
{
	for (int tries = 0; tries < 500; tries++) {
		char buf[256], state = 0;
		FILE *f = fopen(stat_path, "r");

		if (f && fgets(buf, sizeof(buf), f)) {
			char *close_paren = strrchr(buf, ')');

			if (close_paren)
				state = close_paren[2];
		}
		if (f)
			fclose(f);
		if (state == 'S')
			return true;
		nanosleep(&(struct timespec){0, 10 * MS}, NULL);
	}
	return false;
}

static bool child_sleeps(pid_t pid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	return sleeps(path);
}

static void check_peer(int fd)
{
	int peer_fd = dev_open(O_RDWR);
	uint64_t peer = dev_info(peer_fd).session;
	int err;

	set_word(fd, 0);
	err = wait_word(fd, 0, 50 * MS, peer);
	tap_ok(err == ETIMEDOUT, "a wait with a live peer sleeps until its timeout (%s)",
	       errname(err));
	close(peer_fd);
	err = wait_word(fd, 0, 5000 * MS, peer);
	tap_ok(err == EPIPE,
	       "a wait whose peer closed before it began fails at once with EPIPE (%s)",
	       errname(err));
	err = wait_word(fd, 1, 50 * MS, peer);
	tap_ok(err == EAGAIN, "the word is compared first: EAGAIN even with a dead peer (%s)",
	       errname(err));
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

enum copy_close { CLOSE_DUP, DUP2_OVER, CLOSE_RANGE, CLOSE_CLOEXEC_DUP, CLOSE_WAITED };

struct closer {
	int fd;
	pid_t waiter_tid;
	enum copy_close how;
};

/* Once the waiting thread sleeps, closes a copy of its descriptor, or it. */
static void *close_after_sleep(void *arg)
{
	const struct closer *c = arg;
	char path[64];
	int a, b, other;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", c->waiter_tid);
	if (!sleeps(path))
		return NULL;
	switch (c->how) {
	case CLOSE_DUP:
		close(dup(c->fd));
		break;
	case DUP2_OVER:
		a = dup(c->fd);
		other = open("/dev/null", O_RDONLY);
		dup2(other, a); /* closes the copy a first */
		close(other);
		close(a);
		break;
	case CLOSE_RANGE:
		a = dup(c->fd);
		b = dup(c->fd);
		syscall(SYS_close_range, (unsigned int)(a < b ? a : b),
			(unsigned int)(a < b ? b : a), 0U);
		break;
	case CLOSE_CLOEXEC_DUP:
		close(fcntl(c->fd, F_DUPFD_CLOEXEC, 0));
		break;
	case CLOSE_WAITED:
		close(c->fd);
		break;
	}
	return NULL;
}

/*
 * Another thread closes a copy of the descriptor, or the descriptor itself,
 * while this one waits: the wait goes on, and a wake through another open
 * file ends it.
 */
static void check_close_leaves_wait(enum copy_close how, const char *what)
{
	struct closer c = {
	    .fd = dev_open(O_RDWR), .waiter_tid = (pid_t)syscall(SYS_gettid), .how = how};
	int waker = dev_open(O_RDWR);
	pthread_t closer;
	int err;

	set_word(waker, 0);
	pthread_create(&closer, NULL, close_after_sleep, &c);
	err = wait_word(c.fd, 0, 300 * MS, 0);
	pthread_join(closer, NULL);
	tap_ok(err == ETIMEDOUT, "%s does not end the wait: it sleeps to its timeout (%s)", what,
	       errname(err));
	if (how != CLOSE_WAITED)
		close(c.fd);
	close(waker);
}

/* The waited-through descriptor closed: the wait still ends on a wake. */
static void *wake_after_close(void *arg)
{
	struct closer *c = arg;
	char path[64];
	int waker = dev_open(O_RDWR);

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", c->waiter_tid);
	if (sleeps(path)) {
		close(c->fd);
		usleep(50 * 1000);
		set_word(waker, 1);
		wake_word(waker, 1);
	}
	close(waker);
	return NULL;
}

static void check_close_waited_then_wake(void)
{
	struct closer c = {.fd = dev_open(O_RDWR), .waiter_tid = (pid_t)syscall(SYS_gettid)};
	pthread_t closer;
	int err;

	set_word(c.fd, 0);
	pthread_create(&closer, NULL, wake_after_close, &c);
	err = wait_word(c.fd, 0, 5000 * MS, 0);
	pthread_join(closer, NULL);
	tap_ok(err == 0, "a wait whose own descriptor was closed is still ended by a wake (%s)",
	       errname(err));
}

#define MANY 1000

struct many_waiters {
	int fd;
	atomic_int results[MANY];
	pid_t tids[MANY];
	atomic_int started;
};

static struct many_waiters many;

static void *many_waiter(void *arg)
{
	int i = (int)(intptr_t)arg;

	many.tids[i] = (pid_t)syscall(SYS_gettid);
	atomic_fetch_add(&many.started, 1);
	atomic_store(&many.results[i], wait_word(many.fd, 0, 60000 * MS, 0));
	return NULL;
}

/*
 * 1,000 waiters, 1,000 unrelated open/close cycles of the device: no wait
 * ends, and one wake of count 1,000 then ends each exactly once.
 */
static void check_unrelated_closes(void)
{
	static pthread_t threads[MANY];
	pthread_attr_t attr;
	int created = 0, asleep = 0, ended_early = 0, woken_ok = 0;

	many.fd = dev_open(O_RDWR);
	set_word(many.fd, 0);
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	for (int i = 0; i < MANY; i++) {
		atomic_store(&many.results[i], -1);
		if (pthread_create(&threads[i], &attr, many_waiter, (void *)(intptr_t)i) == 0)
			created++;
	}
	while (atomic_load(&many.started) < created)
		usleep(1000);
	for (int i = 0; i < created; i++) {
		char path[64];

		snprintf(path, sizeof(path), "/proc/self/task/%d/stat", many.tids[i]);
		asleep += sleeps(path);
	}
	for (int i = 0; i < MANY; i++)
		close(dev_open(O_RDWR));
	for (int i = 0; i < created; i++)
		ended_early += atomic_load(&many.results[i]) != -1;
	long woken = wake_word(many.fd, MANY);
	for (int i = 0; i < created; i++) {
		pthread_join(threads[i], NULL);
		woken_ok += atomic_load(&many.results[i]) == 0;
	}
	tap_ok(created == MANY && asleep == MANY && ended_early == 0,
	       "%d waiters sleep through %d unrelated open/close cycles (%d asleep, %d ended "
	       "early)",
	       created, MANY, asleep, ended_early);
	tap_ok(woken == MANY && woken_ok == MANY,
	       "then one wake of count %d ends each of them once (woke %ld, %d returned 0)", MANY,
	       woken, woken_ok);
	pthread_attr_destroy(&attr);
	close(many.fd);
}

static void check_child_close_leaves_wait(int fd)
{
	int status, err;
	pid_t pid;

	set_word(fd, 0);
	pid = fork();
	if (pid == 0) {
		/* The child's descriptor is a copy: closing it must not matter. */
		usleep(100 * 1000);
		close(fd);
		_exit(0);
	}
	err = wait_word(fd, 0, 400 * MS, 0);
	waitpid(pid, &status, 0);
	tap_ok(err == ETIMEDOUT, "a forked child closing its copy leaves the wait alone (%s)",
	       errname(err));
}

static void on_signal(int sig)
{
	(void)sig;
}

/* A child that waits and exits with the errno its WAIT returned. */
static pid_t spawn_waiter(int fd, int handler_flags)
{
	pid_t pid = fork();

	if (pid == 0) {
		if (handler_flags >= 0) {
			struct sigaction sa = {.sa_handler = on_signal, .sa_flags = handler_flags};

			sigaction(SIGUSR1, &sa, NULL);
		}
		_exit(wait_word(fd, 0, 10000 * MS, 0));
	}
	return pid;
}

static int reap(pid_t pid)
{
	int status;

	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void check_stop_continue(int fd)
{
	pid_t pid;

	set_word(fd, 0);
	pid = spawn_waiter(fd, -1);
	bool asleep = child_sleeps(pid);

	kill(pid, SIGSTOP);
	usleep(50 * 1000);
	kill(pid, SIGCONT);
	/* Back in the (restarted) wait before the value changes. */
	asleep &= child_sleeps(pid);
	set_word(fd, 1);
	wake_word(fd, 1);
	int err = reap(pid);

	tap_ok(asleep && err == 0,
	       "a stop and continue restart the wait, which a wake then ends (%s)",
	       err < 0 ? "killed" : errname(err));
}

/*
 * A wait of 1 s, stopped after it began and continued 3 s later, ends at
 * its deadline, not a full timeout after the continue.
 */
static void check_stop_keeps_deadline(int fd)
{
	int pipefd[2];
	uint64_t took = 0;
	pid_t pid;

	set_word(fd, 0);
	if (pipe(pipefd))
		return;
	pid = fork();
	if (pid == 0) {
		uint64_t start = now_ns();
		int err = wait_word(fd, 0, 1000 * MS, 0);
		uint64_t spent = now_ns() - start;

		if (write(pipefd[1], &spent, sizeof(spent)) != sizeof(spent))
			_exit(255);
		_exit(err);
	}
	close(pipefd[1]);
	bool asleep = child_sleeps(pid);

	kill(pid, SIGSTOP);
	usleep(3000 * 1000);
	kill(pid, SIGCONT);
	if (read(pipefd[0], &took, sizeof(took)) != sizeof(took))
		took = 0;
	close(pipefd[0]);
	int err = reap(pid);

	tap_ok(asleep && err == ETIMEDOUT && took >= 3000 * MS && took < 3900 * MS,
	       "a 1 s wait stopped for 3 s ends at its deadline once continued (%s after %llu ms; "
	       "a full timeout after the continue would be 4000)",
	       err < 0 ? "killed" : errname(err), (unsigned long long)(took / MS));
}

/* EINTR leaves the argument holding the absolute deadline. */
static void check_interrupted_argument(int fd)
{
	struct sigaction sa = {.sa_handler = on_signal};
	struct mymap_wait w = {.offset = WORD, .expected = 0, .timeout_ns = 2000 * MS};
	uint64_t before, after;
	int err;

	set_word(fd, 0);
	sigaction(SIGALRM, &sa, NULL);
	before = now_ns();
	alarm(1);
	err = ioctl_err(fd, MYMAP_IOC_WAIT, &w);
	after = now_ns();
	tap_ok(err == EINTR && (w.flags & MYMAP_WAIT_ABSTIME) &&
		   w.timeout_ns >= before + 2000 * MS && w.timeout_ns <= after + 2000 * MS,
	       "an interrupted wait leaves its absolute deadline in the argument (%s, flags %#x)",
	       errname(err), w.flags);
	err = ioctl_err(fd, MYMAP_IOC_WAIT, &w);
	tap_ok(err == ETIMEDOUT && now_ns() < before + 2900 * MS,
	       "re-issued as it is, it ends at that deadline (%s)", errname(err));
	struct mymap_wait past = {
	    .offset = WORD, .flags = MYMAP_WAIT_ABSTIME, .timeout_ns = now_ns() - MS};
	tap_ok(ioctl_err(fd, MYMAP_IOC_WAIT, &past) == ETIMEDOUT,
	       "MYMAP_WAIT_ABSTIME with a deadline passed: ETIMEDOUT at once");
	struct mymap_wait bad = {.offset = WORD, .flags = 2};
	tap_ok(ioctl_err(fd, MYMAP_IOC_WAIT, &bad) == EINVAL, "unknown wait flags: EINVAL");
}

static void check_handled_signal(int fd, int flags, const char *how)
{
	pid_t pid;

	set_word(fd, 0);
	pid = spawn_waiter(fd, flags);
	bool asleep = child_sleeps(pid);

	kill(pid, SIGUSR1);
	int err = reap(pid);

	tap_ok(asleep && err == EINTR,
	       "a signal whose handler runs (%s) ends the wait with EINTR (%s)", how,
	       err < 0 ? "killed" : errname(err));
}

static void check_wake_counts(int fd)
{
	pid_t pids[3];
	bool asleep = true;

	set_word(fd, 0);
	for (int i = 0; i < 3; i++) {
		pids[i] = spawn_waiter(fd, -1);
		asleep &= child_sleeps(pids[i]);
	}
	long woke0 = wake_word(fd, 0);
	long woke2 = wake_word(fd, 2);
	long woke_rest = wake_word(fd, 100);
	int ok = 0;

	for (int i = 0; i < 3; i++)
		ok += reap(pids[i]) == 0;
	tap_ok(asleep && woke0 == 0 && woke2 == 2 && woke_rest == 1 && ok == 3,
	       "WAKE counts: 0 wakes none, 2 wakes two, 100 wakes the last one (%ld %ld %ld, %d "
	       "woken)",
	       woke0, woke2, woke_rest, ok);
}

int main(void)
{
	int fd = dev_open(O_RDWR);

	check_peer(fd);
	check_close_leaves_wait(CLOSE_DUP, "another thread's close(dup(fd))");
	check_close_leaves_wait(DUP2_OVER, "dup2 over a copy");
	check_close_leaves_wait(CLOSE_RANGE, "close_range of two copies");
	check_close_leaves_wait(CLOSE_CLOEXEC_DUP, "closing an F_DUPFD_CLOEXEC copy");
	check_close_leaves_wait(CLOSE_WAITED, "closing the descriptor waited through");
	check_close_waited_then_wake();
	check_child_close_leaves_wait(fd);
	check_unrelated_closes();
	check_stop_continue(fd);
	check_stop_keeps_deadline(fd);
	check_interrupted_argument(fd);
	check_handled_signal(fd, 0, "no SA_RESTART");
	check_handled_signal(fd, SA_RESTART, "SA_RESTART");
	check_wake_counts(fd);
	close(fd);
	return tap_done();
}
