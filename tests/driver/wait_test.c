// SPDX-License-Identifier: GPL-2.0
/*
 * wait_test - how a MYMAP_IOC_WAIT ends, beyond the plain wake: a dead
 * peer (also one that died before the wait began), another thread closing
 * the descriptor, a forked child closing its copy (which must not end it),
 * stop/continue (restarts), and a handled signal (EINTR).
 */
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
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

struct closer {
	int fd;
	pid_t waiter_tid;
};

/* Closes the descriptor once the waiting thread sleeps. */
static void *close_after_sleep(void *arg)
{
	const struct closer *c = arg;
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", c->waiter_tid);
	if (sleeps(path))
		close(c->fd);
	return NULL;
}

static void check_close_by_other_thread(void)
{
	struct closer c = {.fd = dev_open(O_RDWR), .waiter_tid = (pid_t)syscall(SYS_gettid)};
	pthread_t closer;
	int err;

	set_word(c.fd, 0);
	pthread_create(&closer, NULL, close_after_sleep, &c);
	err = wait_word(c.fd, 0, 5000 * MS, 0);
	pthread_join(closer, NULL);
	tap_ok(err == EBADF, "another thread closing the descriptor ends the wait with EBADF (%s)",
	       errname(err));
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
	check_close_by_other_thread();
	check_child_close_leaves_wait(fd);
	check_stop_continue(fd);
	check_handled_signal(fd, 0, "no SA_RESTART");
	check_handled_signal(fd, SA_RESTART, "SA_RESTART");
	check_wake_counts(fd);
	close(fd);
	return tap_done();
}
