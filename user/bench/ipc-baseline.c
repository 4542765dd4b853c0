// SPDX-License-Identifier: GPL-2.0
/* ipc-baseline.c - pipe, unix socket, memcpy and cache-line baselines. */
#include "ipc-baseline.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "ipc-affinity.h"

#define WARMUP	    20
#define PIPE_BUFFER (1 << 20)

/* Writes (@out) or reads all @len bytes, whatever the kernel splits them into. */
static int transfer_all(int fd, unsigned char *buf, size_t len, bool out)
{
	while (len) {
		ssize_t n = out ? write(fd, buf, len) : read(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static int write_all(int fd, unsigned char *buf, size_t len)
{
	return transfer_all(fd, buf, len, true);
}

static int read_all(int fd, unsigned char *buf, size_t len)
{
	return transfer_all(fd, buf, len, false);
}

/*
 * Two connected descriptors for @path: [0] the caller's end, [1] the
 * child's; for a pipe, the caller reads and the child writes, and a
 * second pipe in @back goes the other way (NULL: not needed).
 */
static int open_path(enum ipc_kernel_path path, int fds[2], int back[2])
{
	if (path == IPC_UNIX_STREAM) {
		int bytes = PIPE_BUFFER;

		if (socketpair(AF_UNIX, SOCK_STREAM, 0, fds))
			return -errno;
		/*
		 * Buffered like the pipe, so that neither kernel path stalls on a
		 * smaller window (net.core.wmem_max / rmem_max may lower it).
		 */
		for (int i = 0; i < 2; i++) {
			setsockopt(fds[i], SOL_SOCKET, SO_SNDBUF, &bytes, sizeof(bytes));
			setsockopt(fds[i], SOL_SOCKET, SO_RCVBUF, &bytes, sizeof(bytes));
		}
		if (back)
			back[0] = back[1] = -1;
		return 0;
	}
	int p[2];

	if (pipe(p))
		return -errno;
	/* Default 64 KiB; 1 MiB, the unprivileged limit, is a fairer match. */
	fcntl(p[0], F_SETPIPE_SZ, PIPE_BUFFER);
	fds[0] = p[0];
	fds[1] = p[1];
	if (back) {
		if (pipe(p))
			return -errno;
		fcntl(p[0], F_SETPIPE_SZ, PIPE_BUFFER);
		/* back[0]: the caller writes; back[1]: the child reads. */
		back[0] = p[1];
		back[1] = p[0];
	}
	return 0;
}

static void close_all(int fds[2], int back[2])
{
	for (int i = 0; i < 2; i++) {
		if (fds[i] >= 0)
			close(fds[i]);
		if (back && back[i] >= 0)
			close(back[i]);
	}
}

static int reap(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
		return -ECHILD;
	return 0;
}

int ipc_baseline_rate(enum ipc_kernel_path path, size_t size, uint64_t count, struct ipc_rate *out)
{
	unsigned char *buf = malloc(size);
	int fds[2], err = buf ? open_path(path, fds, NULL) : -ENOMEM;
	uint64_t t0 = 0;
	pid_t pid;

	if (err) {
		free(buf);
		return err;
	}
	memset(buf, 0x5a, size);
	pid = ipc_fork_pinned();
	if (pid == 0) {
		close(fds[0]);
		for (uint64_t i = 0; i < count; i++)
			if (write_all(fds[1], buf, size))
				_exit(1);
		_exit(0);
	}
	close(fds[1]);
	fds[1] = -1;
	for (uint64_t i = 0; i < count && !err; i++) {
		if (read_all(fds[0], buf, size))
			err = -EIO;
		if (i == 0)
			t0 = bench_now_ns();
	}
	ipc_rate_since(out, t0, count, size);
	out->sleeps = 0;
	close_all(fds, NULL);
	free(buf);
	if (reap(pid) && !err)
		err = -ECHILD;
	return err;
}

int ipc_baseline_pingpong(enum ipc_kernel_path path, size_t size, uint32_t iters, double *rtt_ns)
{
	unsigned char *buf = calloc(1, size);
	int fds[2], back[2], err = buf ? open_path(path, fds, back) : -ENOMEM;
	/* Socket: one descriptor each way; pipes: read one, write the other. */
	int my_in, my_out, child_in, child_out;
	pid_t pid;

	if (err) {
		free(buf);
		return err;
	}
	my_in = fds[0];
	child_out = fds[1];
	my_out = path == IPC_UNIX_STREAM ? fds[0] : back[0];
	child_in = path == IPC_UNIX_STREAM ? fds[1] : back[1];
	pid = ipc_fork_pinned();
	if (pid == 0) {
		for (uint32_t i = 0; i < iters + WARMUP; i++)
			if (read_all(child_in, buf, size) || write_all(child_out, buf, size))
				_exit(1);
		_exit(0);
	}
	for (uint32_t i = 0; i < iters + WARMUP && !err; i++) {
		uint64_t t = bench_now_ns();

		if (write_all(my_out, buf, size) || read_all(my_in, buf, size))
			err = -EIO;
		else if (i >= WARMUP)
			rtt_ns[i - WARMUP] = (double)(bench_now_ns() - t);
	}
	close_all(fds, back);
	free(buf);
	if (reap(pid) && !err)
		err = -ECHILD;
	return err;
}

int ipc_baseline_memcpy(size_t size, uint64_t count, size_t window, struct ipc_rate *out)
{
	size_t slots = window > size ? window / size : 1;
	unsigned char *src = malloc(slots * size), *dst = malloc(size);
	uint64_t t0;

	if (!src || !dst) {
		free(src);
		free(dst);
		return -ENOMEM;
	}
	memset(src, 0x5a, slots * size);
	memset(dst, 0, size);
	t0 = bench_now_ns();
	for (uint64_t i = 0; i < count; i++) {
		memcpy(dst, src + (i % slots) * size, size);
		/* Each copy must happen: make the destination observable. */
		__asm__ volatile("" : : "r"(dst) : "memory");
	}
	out->seconds = (double)(bench_now_ns() - t0) / 1e9;
	out->messages = count;
	out->bytes = count * size;
	out->sleeps = 0;
	free(src);
	free(dst);
	return 0;
}

/*
 * The reference ring polls this many times, as a channel spins by
 * default, before it yields the core at each further poll: on a loaded
 * machine a side that only spins burns the time slice its peer needs.
 */
#define REF_SPIN 2000u

/* Gives the core away once a wait has spun REF_SPIN times. */
static void ref_wait(uint32_t *polls)
{
	if (++*polls > REF_SPIN)
		sched_yield();
	else
		__builtin_ia32_pause();
}

/* The reference ring's indices, each on a line (and its neighbour) of its own. */
struct ref_ring {
	_Alignas(128) _Atomic uint64_t head;
	_Alignas(128) _Atomic uint64_t tail;
	_Alignas(128) unsigned char slots[];
};

int ipc_baseline_ring(size_t size, uint64_t count, uint32_t capacity, struct ipc_rate *out)
{
	size_t stride = (size + 63) & ~(size_t)63;
	size_t bytes = sizeof(struct ref_ring) + stride * capacity;
	struct ref_ring *q =
	    mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	unsigned char *buf = malloc(size);
	uint64_t t0 = 0, sink = 0;
	pid_t pid;

	if (q == MAP_FAILED || !buf) {
		if (q != MAP_FAILED)
			munmap(q, bytes);
		free(buf);
		return -ENOMEM;
	}
	memset(buf, 0x5a, size);
	pid = ipc_fork_pinned();
	if (pid == 0) {
		uint64_t tail = 0;

		for (uint64_t i = 0; i < count; i++) {
			uint32_t polls = 0;

			while (i - tail >= capacity) {
				tail = atomic_load_explicit(&q->tail, memory_order_acquire);
				if (i - tail >= capacity)
					ref_wait(&polls);
			}
			memcpy(q->slots + (i % capacity) * stride, buf, size);
			atomic_store_explicit(&q->head, i + 1, memory_order_release);
		}
		_exit(0);
	}
	for (uint64_t i = 0, head = 0; i < count; i++) {
		const unsigned char *slot = q->slots + (i % capacity) * stride;
		uint32_t polls = 0;

		while (head == i) {
			head = atomic_load_explicit(&q->head, memory_order_acquire);
			if (head == i)
				ref_wait(&polls);
		}
		for (size_t off = 0; off < size; off += 64)
			sink += slot[off];
		atomic_store_explicit(&q->tail, i + 1, memory_order_release);
		if (i == 0)
			t0 = bench_now_ns();
	}
	ipc_rate_since(out, t0, count, size);
	out->sleeps = 0;
	/* The reads must happen: make their sum observable. */
	__asm__ volatile("" : : "r"(sink) : "memory");
	munmap(q, bytes);
	free(buf);
	return reap(pid);
}

int ipc_baseline_cacheline(uint32_t iters, double *rtt_ns)
{
	_Atomic uint32_t *line =
	    mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	uint32_t rounds = iters + WARMUP;
	pid_t pid;
	int err = 0;

	if (line == MAP_FAILED)
		return -errno;
	atomic_store(line, 0);
	pid = ipc_fork_pinned();
	if (pid == 0) {
		/* Odd values are pings, even ones pongs. */
		for (uint32_t i = 0; i < rounds; i++) {
			while (atomic_load_explicit(line, memory_order_acquire) != 2 * i + 1)
				;
			atomic_store_explicit(line, 2 * i + 2, memory_order_release);
		}
		_exit(0);
	}
	for (uint32_t i = 0; i < rounds; i++) {
		uint64_t t = bench_now_ns();

		atomic_store_explicit(line, 2 * i + 1, memory_order_release);
		while (atomic_load_explicit(line, memory_order_acquire) != 2 * i + 2)
			;
		if (i >= WARMUP)
			rtt_ns[i - WARMUP] = (double)(bench_now_ns() - t);
	}
	err = reap(pid);
	munmap((void *)line, 4096);
	return err;
}
