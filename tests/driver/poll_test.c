// SPDX-License-Identifier: GPL-2.0
/*
 * poll_test - the device in an event loop: MYMAP_IOC_WATCH makes an open
 * file readable for poll(2), select(2) and epoll when a word changes or a
 * wake names it, and hung up when the watched peer is gone; level- and
 * edge-triggered as mymap_uapi.h documents, with 1, 100 and 1,000
 * descriptors, no wake lost and none delivered that was not sent.
 */
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/wait.h>

#include "devtest.h"

#define WORDS_AT 4096 /* the words the watches use: 4096, 4100, ... */

static uint64_t word_at(unsigned int i)
{
	return WORDS_AT + 4ULL * i;
}

static void set_word(int fd, uint64_t offset, uint32_t value)
{
	if (pwrite(fd, &value, sizeof(value), (off_t)offset) != sizeof(value))
		tap_diag("pwrite of word %llu: %s", (unsigned long long)offset, strerror(errno));
}

static int watch(int fd, uint64_t offset, uint32_t expected, uint64_t peer)
{
	struct mymap_watch w = {.offset = offset, .expected = expected, .peer = peer};

	return ioctl_err(fd, MYMAP_IOC_WATCH, &w);
}

static long wake(int fd, uint64_t offset, uint32_t count)
{
	struct mymap_wake w = {.offset = offset, .count = count};

	return ioctl(fd, MYMAP_IOC_WAKE, &w);
}

/* poll(2) of one descriptor, not waiting: its revents. */
static short polled(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN | POLLRDNORM};

	return poll(&p, 1, 0) == 1 ? p.revents : 0;
}

static void check_watch_arguments(int fd)
{
	struct mymap_watch bad_flags = {.offset = WORDS_AT, .flags = 1};

	tap_ok(watch(fd, 4097, 0, 0) == EINVAL, "WATCH of a misaligned word: EINVAL");
	tap_ok(watch(fd, 1ULL << 40, 0, 0) == EINVAL, "WATCH outside the region: EINVAL");
	tap_ok(ioctl_err(fd, MYMAP_IOC_WATCH, &bad_flags) == EINVAL,
	       "WATCH with unknown flags: EINVAL");
	tap_ok(polled(fd) == 0, "a file without a watch polls as nothing (revents %#x)",
	       polled(fd));
}

static void check_level(int fd, int waker)
{
	set_word(fd, word_at(0), 7);
	watch(fd, word_at(0), 7, 0);
	tap_ok(polled(fd) == 0, "a watch on a word holding its value: not readable (%#x)",
	       polled(fd));
	long n = wake(waker, word_at(1), 1);
	tap_ok(n == 0 && polled(fd) == 0, "a wake of another word leaves it so (%ld, %#x)", n,
	       polled(fd));
	n = wake(waker, word_at(0), 1);
	tap_ok(n == 1 && polled(fd) == (POLLIN | POLLRDNORM),
	       "a wake of the word makes it readable, and counts the watch (%ld, %#x)", n,
	       polled(fd));
	tap_ok(wake(waker, word_at(0), 1) == 0 && polled(fd) == (POLLIN | POLLRDNORM),
	       "level: it stays readable; a second wake counts no new watch");
	watch(fd, word_at(0), 7, 0);
	tap_ok(polled(fd) == 0, "setting the watch again clears it (%#x)", polled(fd));
	set_word(fd, word_at(0), 8);
	tap_ok(polled(fd) == (POLLIN | POLLRDNORM),
	       "the word no longer holding the value is readable without a wake (%#x)", polled(fd));
	ioctl(fd, MYMAP_IOC_UNWATCH);
	tap_ok(polled(fd) == 0, "UNWATCH: nothing to report any more (%#x)", polled(fd));

	fd_set rd;
	struct timeval none = {0, 0};

	watch(fd, word_at(0), 8, 0);
	wake(waker, word_at(0), 1);
	FD_ZERO(&rd);
	FD_SET(fd, &rd);
	tap_ok(select(fd + 1, &rd, NULL, NULL, &none) == 1 && FD_ISSET(fd, &rd),
	       "select(2) sees the same");
}

static void check_edge(int fd, int waker)
{
	int ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev = {.events = EPOLLIN | EPOLLET}, out[4];

	set_word(fd, word_at(2), 0);
	watch(fd, word_at(2), 0, 0);
	epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
	int first = epoll_wait(ep, out, 4, 0);
	wake(waker, word_at(2), 1);
	int second = epoll_wait(ep, out, 4, 0);
	int third = epoll_wait(ep, out, 4, 0);
	wake(waker, word_at(2), 1);
	int fourth = epoll_wait(ep, out, 4, 0);
	tap_ok(first == 0 && second == 1 && third == 0 && fourth == 1,
	       "edge-triggered: one event per wake of the word (events: %d %d %d %d)", first,
	       second, third, fourth);
	close(ep);
}

/*
 * @n descriptors in one epoll set, each watching its own word; rounds of
 * waking a changing subset must report exactly that subset.
 */
static void check_many(unsigned int n, int waker)
{
	int ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event *out = calloc(n, sizeof(*out));
	int *fds = calloc(n, sizeof(*fds));
	unsigned int lost = 0, spurious = 0, rounds = 8, woken_total = 0, i;
	unsigned char *want = calloc(n, 1);

	for (i = 0; i < n; i++) {
		struct epoll_event ev = {.events = EPOLLIN, .data.u32 = i};

		fds[i] = dev_open(O_RDWR);
		set_word(waker, word_at(i), 0);
		watch(fds[i], word_at(i), 0, 0);
		epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &ev);
	}
	for (unsigned int r = 0; r < rounds; r++) {
		unsigned int wanted = 0, seen = 0;

		for (i = 0; i < n; i++) {
			want[i] = (i * 7 + r * 13) % (r + 2) == 0;
			if (want[i]) {
				wake(waker, word_at(i), 1);
				wanted++;
			}
		}
		int got = epoll_wait(ep, out, (int)n, 1000);
		for (int k = 0; k < got; k++) {
			unsigned int idx = out[k].data.u32;

			if (idx < n && want[idx] == 1) {
				want[idx] = 2;
				seen++;
			} else {
				spurious++;
			}
		}
		lost += wanted - seen;
		woken_total += wanted;
		for (i = 0; i < n; i++) /* re-arm every one that fired */
			if (want[i] == 2)
				watch(fds[i], word_at(i), 0, 0);
	}
	tap_ok(lost == 0 && spurious == 0,
	       "%u watched descriptors in one epoll set: %u wakes over %u rounds, %u lost, %u "
	       "spurious",
	       n, woken_total, rounds, lost, spurious);
	for (i = 0; i < n; i++)
		close(fds[i]);
	free(fds);
	free(out);
	free(want);
	close(ep);
}

/* The peer: a child holding its own open file until it is killed. */
static void check_peer_death(int fd)
{
	int pipefd[2];
	uint64_t session = 0;
	pid_t pid;

	if (pipe(pipefd))
		return;
	pid = fork();
	if (pid == 0) {
		int own = dev_open(O_RDWR);
		uint64_t id = dev_info(own).session;

		if (write(pipefd[1], &id, sizeof(id)) != sizeof(id))
			_exit(1);
		pause();
		_exit(0);
	}
	close(pipefd[1]);
	if (read(pipefd[0], &session, sizeof(session)) != sizeof(session))
		session = 0;
	close(pipefd[0]);

	int ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev = {.events = EPOLLIN}, out[2];

	set_word(fd, word_at(3), 0);
	watch(fd, word_at(3), 0, session);
	epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
	int before = epoll_wait(ep, out, 2, 0);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	int after = epoll_wait(ep, out, 2, 5000);
	tap_ok(session && before == 0 && after == 1 && (out[0].events & EPOLLHUP),
	       "a watched peer's death reaches epoll as EPOLLHUP (before %d, after %d, events "
	       "%#x)",
	       before, after, after == 1 ? out[0].events : 0);
	watch(fd, word_at(3), 0, session);
	tap_ok(polled(fd) & POLLHUP, "a watch naming a peer already gone is hung up at once");
	close(ep);
}

/* A wake with count 1 still signals every watch: they are not waiters. */
static void check_count_and_watches(int waker)
{
	int a = dev_open(O_RDWR), b = dev_open(O_RDWR);

	set_word(waker, word_at(4), 0);
	watch(a, word_at(4), 0, 0);
	watch(b, word_at(4), 0, 0);
	long n = wake(waker, word_at(4), 1);
	tap_ok(n == 2 && polled(a) && polled(b),
	       "a wake of count 1 signals both watches of the word (returned %ld)", n);
	close(a);
	close(b);
}

int main(void)
{
	struct rlimit files;
	int fd = dev_open(O_RDWR), waker = dev_open(O_RDWR);

	/* 1,000 watched descriptors and a few more. */
	getrlimit(RLIMIT_NOFILE, &files);
	if (files.rlim_cur < 1100) {
		files.rlim_cur = files.rlim_max < 1100 ? files.rlim_max : 1100;
		setrlimit(RLIMIT_NOFILE, &files);
	}
	check_watch_arguments(fd);
	check_level(fd, waker);
	check_edge(fd, waker);
	check_count_and_watches(waker);
	check_peer_death(fd);
	check_many(1, waker);
	check_many(100, waker);
	check_many(1000, waker);
	close(fd);
	close(waker);
	return tap_done();
}
