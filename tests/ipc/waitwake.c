// SPDX-License-Identifier: GPL-2.0
/*
 * waitwake.c - the driver's MYMAP_IOC_WAIT, MYMAP_IOC_WAKE and
 * MYMAP_IOC_ALIVE at every edge, on /dev/mymap (run in the VM).
 *
 * WAIT: a word that differs (EAGAIN), a timeout (ETIMEDOUT, not early), a
 * signal (EINTR), a wake (0), bad offsets, misalignment and flags (EINVAL),
 * another file's open and close (which must not end it).
 * WAKE: how many it woke, oldest first, only on its own word, with a
 * count.  ALIVE: own session, a closed one (ESRCH), one never issued;
 * INFO's session ids differ per open file.
 */
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/wait.h>
#include <time.h>

#include "driver/devtest.h"

#define WAITERS 6
#define WORD_A	4096 /* offsets of the words used, in the region */
#define WORD_B	4160
#define COUNTER 8192 /* children announce themselves here */
#define LONG_NS 20000000000ull

static int dev_fd;
static char *region;

static int do_wait(int fd, uint64_t offset, uint32_t expected, uint32_t flags, uint64_t timeout_ns)
{
	struct mymap_wait w = {
	    .offset = offset, .expected = expected, .flags = flags, .timeout_ns = timeout_ns};

	return ioctl(fd, MYMAP_IOC_WAIT, &w) == 0 ? 0 : errno;
}

/* The woken count, or -errno. */
static long do_wake(int fd, uint64_t offset, uint32_t count, uint32_t flags)
{
	struct mymap_wake w = {.offset = offset, .count = count, .flags = flags};
	long n = ioctl(fd, MYMAP_IOC_WAKE, &w);

	return n < 0 ? -errno : n;
}

static _Atomic uint32_t *word(uint64_t offset)
{
	return (_Atomic uint32_t *)(region + offset);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The state letter of /proc/@pid/stat ('S' while asleep in the ioctl). */
static char task_state(pid_t pid)
{
	char path[64], buf[256], *p;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return '?';
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return p && p[1] ? p[2] : '?';
}

/*
 * Waits until each child has announced itself (bumped COUNTER) and is
 * asleep: after the announcement the only place it can sleep is the
 * ioctl.  Returns false after 20 s.
 */
static bool all_asleep(const pid_t *pids, int n, uint32_t announced)
{
	for (int tries = 0; tries < 2000; tries++) {
		int asleep = 0;

		if (atomic_load(word(COUNTER)) >= announced)
			for (int i = 0; i < n; i++)
				asleep += task_state(pids[i]) == 'S';
		if (asleep == n)
			return true;
		usleep(10000);
	}
	return false;
}

/*
 * A child: announce, wait on @offset for the value 0, exit with the errno.
 * It shares the parent's open file, so its exit closes nothing.
 */
static pid_t spawn_waiter(uint64_t offset)
{
	pid_t pid = fork();

	if (pid == 0) {
		atomic_fetch_add(word(COUNTER), 1);
		_exit(do_wait(dev_fd, offset, 0, 0, LONG_NS));
	}
	return pid;
}

static int reap(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static void test_arguments(size_t size)
{
	int err;

	err = do_wait(dev_fd, WORD_A, 1, 0, 0);
	tap_ok(err == EAGAIN, "WAIT on a word that differs from expected fails with EAGAIN (%s)",
	       errname(err));
	err = do_wait(dev_fd, size, 0, 0, 1000000);
	tap_ok(err == EINVAL, "WAIT at the region's size (outside) is EINVAL (%s)", errname(err));
	err = do_wait(dev_fd, size - 2, 0, 0, 1000000);
	tap_ok(err == EINVAL, "WAIT on a word straddling the end is EINVAL (%s)", errname(err));
	err = do_wait(dev_fd, UINT64_MAX - 3, 0, 0, 1000000);
	tap_ok(err == EINVAL, "WAIT at offset 2^64-4 (wraps) is EINVAL (%s)", errname(err));
	err = do_wait(dev_fd, WORD_A + 2, 0, 0, 1000000);
	tap_ok(err == EINVAL, "WAIT on a misaligned word is EINVAL (%s)", errname(err));
	err = do_wait(dev_fd, WORD_A, 0, 2, 1000000);
	tap_ok(err == EINVAL, "WAIT with unknown flags is EINVAL (%s)", errname(err));
	err = (int)-do_wake(dev_fd, size, 1, 0);
	tap_ok(err == EINVAL, "WAKE outside the region is EINVAL (%s)", errname(err));
	err = (int)-do_wake(dev_fd, WORD_A + 1, 1, 0);
	tap_ok(err == EINVAL, "WAKE on a misaligned word is EINVAL (%s)", errname(err));
	err = (int)-do_wake(dev_fd, WORD_A, 1, 4);
	tap_ok(err == EINVAL, "WAKE with nonzero flags is EINVAL (%s)", errname(err));
	tap_ok(do_wake(dev_fd, WORD_A, 10, 0) == 0, "WAKE with nobody waiting wakes 0");
	err = do_wait(dev_fd, size - 4, 0, 0, 1000000);
	tap_ok(err == ETIMEDOUT, "WAIT on the last word of the region is accepted (%s)",
	       errname(err));
}

static void test_timeout(void)
{
	uint64_t start = now_ns(), took;
	int err = do_wait(dev_fd, WORD_A, 0, 0, 30000000);

	took = now_ns() - start;
	tap_ok(err == ETIMEDOUT, "WAIT with a 30 ms timeout and no wake is ETIMEDOUT (%s)",
	       errname(err));
	tap_ok(took >= 30000000, "WAIT's timeout does not expire early (%llu ns)",
	       (unsigned long long)took);
}

static void on_signal(int sig)
{
	(void)sig;
}

static void test_signal(void)
{
	struct sigaction sa = {.sa_handler = on_signal}; /* no SA_RESTART */
	pid_t pid;
	int status = -1;

	sigaction(SIGUSR1, &sa, NULL);
	atomic_store(word(COUNTER), 0);
	pid = spawn_waiter(WORD_A);
	if (!all_asleep(&pid, 1, 1)) {
		tap_ok(false, "WAIT interrupted by a signal: the waiter never fell asleep");
		kill(pid, SIGKILL);
		reap(pid);
		return;
	}
	kill(pid, SIGUSR1);
	status = reap(pid);
	tap_ok(status == EINTR, "WAIT interrupted by a signal fails with EINTR (%s)",
	       status < 0 ? "child died" : errname(status));
}

static void test_wake_counts(void)
{
	pid_t pids[WAITERS], other;
	int woken_ok = 0, other_status;
	long n;

	atomic_store(word(COUNTER), 0);
	atomic_store(word(WORD_A), 0);
	atomic_store(word(WORD_B), 0);
	for (int i = 0; i < WAITERS; i++)
		pids[i] = spawn_waiter(WORD_A);
	other = spawn_waiter(WORD_B);
	{
		pid_t all[WAITERS + 1];

		memcpy(all, pids, sizeof(pids));
		all[WAITERS] = other;
		if (!tap_ok(all_asleep(all, WAITERS + 1, WAITERS + 1),
			    "%d waiters on one word and 1 on another are asleep", WAITERS)) {
			for (int i = 0; i <= WAITERS; i++)
				kill(all[i], SIGKILL);
		}
	}
	n = do_wake(dev_fd, WORD_A, 2, 0);
	tap_ok(n == 2, "WAKE with count 2 of %d waiters returns 2 (%ld)", WAITERS, n);
	n = do_wake(dev_fd, WORD_A, 100, 0);
	tap_ok(n == WAITERS - 2, "WAKE with count 100 wakes the remaining %d (%ld)", WAITERS - 2,
	       n);
	n = do_wake(dev_fd, WORD_A, 100, 0);
	tap_ok(n == 0, "a further WAKE finds nobody on that word (%ld)", n);
	for (int i = 0; i < WAITERS; i++)
		woken_ok += reap(pids[i]) == 0;
	tap_ok(woken_ok == WAITERS, "every woken WAIT returned 0 (%d of %d)", woken_ok, WAITERS);
	tap_ok(task_state(other) == 'S', "the waiter on the other word still sleeps (state %c)",
	       task_state(other));
	n = do_wake(dev_fd, WORD_B, 1, 0);
	other_status = reap(other);
	tap_ok(n == 1 && other_status == 0, "a WAKE on its own word wakes it (%ld, status %d)", n,
	       other_status);
}

static void test_close_wakes(void)
{
	pid_t pid;
	int status, fd;

	atomic_store(word(COUNTER), 0);
	pid = spawn_waiter(WORD_A);
	if (!all_asleep(&pid, 1, 1)) {
		tap_ok(false, "WAIT ended by a close: the waiter never fell asleep");
		kill(pid, SIGKILL);
		reap(pid);
		return;
	}
	fd = open(DEV_PATH, O_RDWR);
	close(fd);
	bool still = all_asleep(&pid, 1, 1);
	long n = do_wake(dev_fd, WORD_A, 1, 0);
	status = reap(pid);
	tap_ok(still && n == 1 && status == 0,
	       "opening and closing another file of the device leaves WAITs asleep; a wake ends "
	       "them (%s)",
	       status < 0 ? "child died" : errname(status));
}

static int alive(int fd, uint64_t session)
{
	return ioctl(fd, MYMAP_IOC_ALIVE, &session) == 0 ? 0 : errno;
}

static void test_alive(void)
{
	int fds[3];
	uint64_t ids[3];
	bool distinct;
	int err;

	for (int i = 0; i < 3; i++) {
		fds[i] = dev_open(O_RDWR);
		ids[i] = dev_info(fds[i]).session;
	}
	distinct = ids[0] && ids[0] != ids[1] && ids[1] != ids[2] && ids[0] != ids[2];
	tap_ok(distinct, "INFO gives each open file its own nonzero session id (%llu %llu %llu)",
	       (unsigned long long)ids[0], (unsigned long long)ids[1], (unsigned long long)ids[2]);
	err = alive(fds[0], ids[1]);
	tap_ok(err == 0, "ALIVE of another open file's session is 0 (%s)", errname(err));
	err = alive(fds[0], ids[0]);
	tap_ok(err == 0, "ALIVE of the caller's own session is 0 (%s)", errname(err));
	close(fds[1]);
	err = alive(fds[0], ids[1]);
	tap_ok(err == ESRCH, "ALIVE of a closed file's session is ESRCH (%s)", errname(err));
	err = alive(fds[0], ids[2] + 1000);
	tap_ok(err == ESRCH, "ALIVE of a session never issued is ESRCH (%s)", errname(err));
	err = alive(fds[0], 0);
	tap_ok(err == ESRCH, "ALIVE of session 0 is ESRCH (%s)", errname(err));
	fds[1] = dev_open(O_RDWR);
	ids[1] = dev_info(fds[1]).session;
	tap_ok(ids[1] > ids[2], "a new open never reuses an old id (%llu after %llu)",
	       (unsigned long long)ids[1], (unsigned long long)ids[2]);
	{
		pid_t pid = fork();
		int status;

		if (pid == 0)
			_exit(0); /* inherits fds, closes them by dying */
		waitpid(pid, &status, 0);
		err = alive(fds[0], ids[2]);
		tap_ok(err == 0, "a session survives a child's exit while the parent holds it (%s)",
		       errname(err));
	}
	for (int i = 0; i < 3; i++)
		close(fds[i]);
}

int main(void)
{
	struct mymap_info info;

	dev_fd = dev_open(O_RDWR);
	info = dev_info(dev_fd);
	if (try_map(dev_fd, info.size, PROT_READ | PROT_WRITE, MAP_SHARED, 0, (void **)&region)) {
		tap_ok(false, "map the region: %s", strerror(errno));
		return tap_done();
	}
	test_arguments(info.size);
	test_timeout();
	test_signal();
	test_wake_counts();
	test_close_wakes();
	test_alive();
	munmap(region, info.size);
	close(dev_fd);
	return tap_done();
}
