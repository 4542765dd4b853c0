// SPDX-License-Identifier: GPL-2.0
/*
 * mymap-bench-wake - how long a sleeping thread takes to run again once
 * woken: blocked in epoll_wait(2) on a /dev/mymap watch, blocked in
 * MYMAP_IOC_WAIT, and, as the reference, blocked in epoll_wait(2) on an
 * eventfd, all in one run.  The waker and the sleeper are pinned to two
 * CPUs; a sample is the time from just before the wake to the sleeper's
 * first instruction after its blocking call returns.
 *
 * Runs inside the VM (the device needs the module).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "mymap_uapi.h"

#define ROUNDS	       2000
#define WORD	       4096   /* offset of the word woken */
#define SETTLE_NS      200000 /* the sleeper is surely asleep after this */
#define TARGET_EPOLL_X 1.3    /* epoll on the device vs epoll on an eventfd */

enum how { DEVICE_EPOLL, DEVICE_WAIT, EVENTFD_EPOLL };

static const char *const subject_names[] = {"device-epoll", "device-wait", "eventfd-epoll"};

struct run {
	enum how how;
	int dev;      /* the device, for waking and waiting */
	int watch_fd; /* the sleeper's own open file, with the watch */
	int efd;
	int ep;
	atomic_uint word_seq;	 /* what the word holds, as the waker last set it */
	atomic_int asleep_round; /* the round the sleeper is about to block in */
	atomic_uint_fast64_t woke_at;
	double samples[ROUNDS];
};

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static void set_watch(struct run *r, unsigned int seen)
{
	struct mymap_watch w = {.offset = WORD, .expected = seen};

	ioctl(r->watch_fd, MYMAP_IOC_WATCH, &w);
}

/* Blocks until the round's wake; returns -1 if the blocking call failed. */
static int block(struct run *r, unsigned int seen)
{
	struct epoll_event ev;
	uint64_t count;

	switch (r->how) {
	case DEVICE_EPOLL:
		return epoll_wait(r->ep, &ev, 1, -1) == 1 ? 0 : -1;
	case DEVICE_WAIT: {
		struct mymap_wait w = {.offset = WORD, .expected = seen};
		int ret = ioctl(r->dev, MYMAP_IOC_WAIT, &w);

		return ret == 0 || errno == EAGAIN ? 0 : -1;
	}
	case EVENTFD_EPOLL:
		if (epoll_wait(r->ep, &ev, 1, -1) != 1)
			return -1;
		return read(r->efd, &count, sizeof(count)) == sizeof(count) ? 0 : -1;
	}
	return -1;
}

static void *sleeper(void *arg)
{
	struct run *r = arg;

	pin(1);
	for (int round = 0; round < ROUNDS; round++) {
		unsigned int seen = atomic_load(&r->word_seq);

		if (r->how == DEVICE_EPOLL)
			set_watch(r, seen);
		atomic_store(&r->asleep_round, round);
		if (block(r, seen) < 0) {
			atomic_store(&r->woke_at, UINT64_MAX);
			return NULL;
		}
		atomic_store(&r->woke_at, bench_now_ns());
		/* Level-triggered: wait for the waker to move on. */
		while (atomic_load(&r->word_seq) == seen)
			;
	}
	return NULL;
}

static void wake(struct run *r)
{
	uint64_t one = 1;

	if (r->how == EVENTFD_EPOLL) {
		if (write(r->efd, &one, sizeof(one)) != sizeof(one))
			perror("mymap-bench-wake: eventfd write");
		return;
	}
	struct mymap_wake w = {.offset = WORD, .count = 1};

	ioctl(r->dev, MYMAP_IOC_WAKE, &w);
}

static void pause_ns(long ns)
{
	struct timespec ts = {0, ns};

	nanosleep(&ts, NULL);
}

/* Runs ROUNDS wakes of one subject; 0, or -1 if it could not be set up. */
static int measure(struct run *r, unsigned int *word)
{
	pthread_t t;
	struct epoll_event ev = {.events = EPOLLIN};

	r->ep = epoll_create1(EPOLL_CLOEXEC);
	if (r->how == DEVICE_EPOLL)
		epoll_ctl(r->ep, EPOLL_CTL_ADD, r->watch_fd, &ev);
	if (r->how == EVENTFD_EPOLL)
		epoll_ctl(r->ep, EPOLL_CTL_ADD, r->efd, &ev);
	atomic_store(&r->asleep_round, -1);
	atomic_store(&r->woke_at, 0);
	if (pthread_create(&t, NULL, sleeper, r))
		return -1;
	pin(0);
	for (int round = 0; round < ROUNDS; round++) {
		while (atomic_load(&r->asleep_round) != round)
			;
		pause_ns(SETTLE_NS);
		atomic_store(&r->woke_at, 0);
		uint64_t t0 = bench_now_ns();

		/* The word changes, then the wake: a stored value is never missed. */
		__atomic_store_n(word, atomic_load(&r->word_seq) + 1, __ATOMIC_RELEASE);
		wake(r);
		uint64_t t1;

		while ((t1 = atomic_load(&r->woke_at)) == 0)
			;
		if (t1 == UINT64_MAX) {
			pthread_join(t, NULL);
			return -1;
		}
		r->samples[round] = (double)(t1 - t0);
		atomic_fetch_add(&r->word_seq, 1);
	}
	pthread_join(t, NULL);
	close(r->ep);
	return 0;
}

int main(int argc, char **argv)
{
	const char *out;
	int help, failed = 0;
	double medians[3] = {0};

	if (bench_parse_common(argc, argv, "wake", NULL, &out, &help) < 0)
		return help ? 0 : 2;
	int dev = open("/dev/mymap", O_RDWR);
	unsigned int *word = NULL;

	if (dev >= 0) {
		char *map = mmap(NULL, 2 * WORD, PROT_READ | PROT_WRITE, MAP_SHARED, dev, 0);

		word = map == MAP_FAILED ? NULL : (unsigned int *)(map + WORD);
	}
	if (!word) {
		fprintf(stderr, "mymap-bench-wake: cannot map /dev/mymap: %s\n", strerror(errno));
		return 1;
	}
	struct bench_results *res = bench_open("wake", out);

	if (!res) {
		fprintf(stderr, "mymap-bench-wake: cannot write %s: %s\n", out, strerror(errno));
		return 1;
	}
	for (int how = DEVICE_EPOLL; how <= EVENTFD_EPOLL; how++) {
		static struct run r;

		memset(&r, 0, sizeof(r));
		r.how = (enum how)how;
		r.dev = dev;
		r.watch_fd = open("/dev/mymap", O_RDWR);
		r.efd = eventfd(0, EFD_CLOEXEC);
		atomic_store(&r.word_seq, *word);
		if (r.watch_fd < 0 || r.efd < 0 || measure(&r, word) < 0) {
			fprintf(stderr, "mymap-bench-wake: %s: %s (skipped)\n", subject_names[how],
				strerror(errno));
			failed = 1;
		} else {
			medians[how] = bench_median(r.samples, ROUNDS);
			bench_record(res, "wake-to-run", subject_names[how], "median", medians[how],
				     "ns");
			bench_record(res, "wake-to-run", subject_names[how], "p99",
				     bench_percentile(r.samples, ROUNDS, 99), "ns");
		}
		close(r.watch_fd);
		close(r.efd);
	}
	printf("\nwake: time from a wake to the sleeper running, %d wakes each, two CPUs\n",
	       ROUNDS);
	bench_print_table(res, stdout);
	if (medians[DEVICE_EPOLL] > 0 && medians[EVENTFD_EPOLL] > 0) {
		double x = medians[DEVICE_EPOLL] / medians[EVENTFD_EPOLL];

		printf("target: epoll on the device at most %.1f x epoll on an eventfd: %s "
		       "(%.2f x)\n",
		       TARGET_EPOLL_X, x <= TARGET_EPOLL_X ? "met" : "not met", x);
	}
	bench_close(res);
	return failed;
}
