// SPDX-License-Identifier: GPL-2.0
/*
 * channel-epoll.c - one epoll loop serving two channels and a timer: the
 * descriptors of mymap_channel_fd() beside a timerfd.
 *
 * Two sender processes each send MESSAGES numbered messages on their own
 * channel of /dev/mymap; the loop receives from both as they become
 * readable and counts timer ticks meanwhile, until both senders have
 * closed.  It prints one line and exits 0 when every message came once
 * and in order.
 *
 * usage: channel-epoll [MESSAGES]   (default 10000)
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mymap.h"
#include "mymap_channel.h"

#define CHANNELS 2
#define TICK_NS	 10000000 /* the timer's period: 10 ms */

static const char *const names[CHANNELS] = {"epoll-a", "epoll-b"};

/* A sender process: its own heap handle, its own endpoint. */
static void sender(const char *name, uint64_t messages)
{
	struct mymap_heap *heap = mymap_open_device(0);
	struct mymap_channel *tx;

	if (!heap || mymap_channel_open(heap, name, MYMAP_CHANNEL_SENDER, &tx))
		_exit(1);
	mymap_channel_wait_peer(tx, MYMAP_CHANNEL_FOREVER);
	for (uint64_t i = 0; i < messages; i++)
		if (mymap_channel_send(tx, &i, sizeof(i), MYMAP_CHANNEL_FOREVER))
			_exit(1);
	mymap_channel_close(tx);
	_exit(0);
}

struct source {
	struct mymap_channel *rx;
	uint64_t next; /* the number the next message must carry */
	int done;      /* 0 open, else the error that ended it */
};

/*
 * Takes every message there is, then re-arms the descriptor; again if
 * arming finds one already (it came between the last try and the arm).
 * Returns 0, or -1 on a message out of order.
 */
static int drain(struct source *s)
{
	for (;;) {
		uint64_t seq;
		ssize_t n = mymap_channel_recv(s->rx, &seq, sizeof(seq), 0);

		if (n == (ssize_t)sizeof(seq)) {
			if (seq != s->next++)
				return -1;
			continue;
		}
		if (n != -EAGAIN) {
			s->done = (int)n; /* -EPIPE when the sender closed */
			return 0;
		}
		if (mymap_channel_fd_arm(s->rx) != 1)
			return 0;
	}
}

int main(int argc, char **argv)
{
	struct mymap_channel_config cfg = {
	    .kind = MYMAP_CHANNEL_MESSAGES, .msg_size = 64, .capacity = 256};
	struct itimerspec tick = {.it_interval = {.tv_nsec = TICK_NS},
				  .it_value = {.tv_nsec = TICK_NS}};
	uint64_t messages = argc > 1 ? strtoull(argv[1], NULL, 10) : 10000, ticks = 0;
	struct source src[CHANNELS] = {0};
	struct mymap_heap *heap = mymap_open_device(MYMAP_CREATE);
	int ep, tfd, open_sources = CHANNELS, status = 0;

	if (!heap) {
		fprintf(stderr, "channel-epoll: %s\n", mymap_last_message());
		return 1;
	}
	ep = epoll_create1(EPOLL_CLOEXEC);
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	for (int i = 0; i < CHANNELS; i++) {
		struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)i};
		int err, fd;

		mymap_channel_remove(heap, names[i]);
		err = mymap_channel_create(heap, names[i], &cfg);
		if (!err)
			err =
			    mymap_channel_open(heap, names[i], MYMAP_CHANNEL_RECEIVER, &src[i].rx);
		fd = err ? err : mymap_channel_fd(src[i].rx);
		if (fd < 0) {
			fprintf(stderr, "channel-epoll: %s: %s\n", names[i], strerror(-fd));
			return 1;
		}
		epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
		if (fork() == 0)
			sender(names[i], messages);
	}
	{
		struct epoll_event ev = {.events = EPOLLIN, .data.u32 = CHANNELS};

		epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &ev);
		timerfd_settime(tfd, 0, &tick, NULL);
	}

	while (open_sources > 0) {
		struct epoll_event ev[CHANNELS + 1];
		int n =
		    epoll_wait(ep, ev, CHANNELS + 1, (int)(MYMAP_CHANNEL_LIVENESS_NS / 1000000));

		if (n < 0 && errno != EINTR)
			break;
		for (int i = 0; i < n; i++) {
			uint32_t who = ev[i].data.u32;
			uint64_t t;

			if (who == CHANNELS) {
				if (read(tfd, &t, sizeof(t)) == sizeof(t))
					ticks += t;
				continue;
			}
			if (src[who].done)
				continue;
			if (drain(&src[who])) {
				fprintf(stderr, "channel-epoll: %s: message out of order\n",
					names[who]);
				return 1;
			}
			if (src[who].done) {
				epoll_ctl(ep, EPOLL_CTL_DEL, mymap_channel_fd(src[who].rx), NULL);
				open_sources--;
			}
		}
	}
	for (int i = 0; i < CHANNELS; i++) {
		int st;

		if (wait(&st) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
			status = 1;
		if (src[i].done != -EPIPE || src[i].next != messages)
			status = 1;
		printf("%s: %llu messages, ended with %s\n", names[i],
		       (unsigned long long)src[i].next, strerror(-src[i].done));
		mymap_channel_close(src[i].rx);
		mymap_channel_remove(heap, names[i]);
	}
	printf("timer ticks meanwhile: %llu\n", (unsigned long long)ticks);
	close(tfd);
	close(ep);
	mymap_close(heap);
	return status;
}
