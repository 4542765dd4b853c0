// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz-ipc.c - a fuzz target for the channel layer: attach to a channel
 * whose memory the input rewrites, and run the call sequence the input
 * spells, with guard pages (PROT_NONE) around the channel so that any
 * access outside it faults.  Built with afl-cc for `make fuzz-ipc`, and
 * with gcc and ASan+UBSan to replay the checked-in corpus (`--replay
 * DIR`, TAP, one line per input) in the ipc-fuzz suite.
 *
 * Input: byte 0 picks the kind; then operations, one byte each plus
 * their arguments:
 *   0 send N      1 recv          2 write N     3 read N
 *   (an operation byte with bit 7 set waits up to 100 us, else not at all)
 *   4 reserve, publish N          5 recv_view, release
 *   6 reopen the sender           7 reopen the receiver
 *   8 poke OFF16 N BYTES[N]: write N (<= 16) bytes at OFF16 modulo the
 *     channel's size
 *   9 reclaim and list the named twin channel, whose directory entry the
 *     next poke may damage instead (flag byte)
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mymap.h"
#include "mymap_channel.h"
#include "tap.h"

#define PAGE		4096u
#define HEAP_BYTES	(1u << 20)
#define INPUT_BYTES_MAX (1u << 16)

static const struct mymap_channel_config kinds[] = {
    {.kind = MYMAP_CHANNEL_MESSAGES, .msg_size = 96, .capacity = 8},
    {.kind = MYMAP_CHANNEL_MESSAGES, .msg_size = 4096, .capacity = 2},
    {.kind = MYMAP_CHANNEL_STREAM, .capacity = 256},
    {.kind = MYMAP_CHANNEL_MPMC, .msg_size = 96, .capacity = 8},
    {.kind = MYMAP_CHANNEL_PUBSUB, .msg_size = 96, .capacity = 8},
};
#define KINDS (sizeof(kinds) / sizeof(kinds[0]))

struct input {
	const unsigned char *p;
	size_t len, at;
};

static unsigned int next(struct input *in)
{
	return in->at < in->len ? in->p[in->at++] : 0;
}

struct target {
	struct mymap_heap *heap;
	char *chan;
	uint64_t off, bytes;
	char *dir; /* the directory of the named twin */
	struct mymap_channel *tx, *rx;
	unsigned char buf[8192];
};

static void reopen(struct target *t, enum mymap_channel_role role, struct mymap_channel **ch)
{
	mymap_channel_close(*ch);
	*ch = NULL;
	mymap_channel_attach_at(t->heap, t->off, role, ch);
}

static void poke(struct target *t, struct input *in, bool directory)
{
	unsigned int off = next(in) | next(in) << 8, n = next(in) % 17;
	char *base = directory ? t->dir : t->chan;
	uint64_t size = directory ? 256 : t->bytes;

	for (unsigned int i = 0; i < n; i++)
		base[(off + i) % size] = (char)next(in);
}

static void run(const unsigned char *data, size_t len)
{
	struct input in = {.p = data, .len = len};
	const struct mymap_channel_config *cfg = &kinds[next(&in) % KINDS];
	struct mymap_channel_info info[2];
	struct mymap_loan loan;
	struct target t = {0};
	bool poke_directory = false;
	char *block, *base;

	t.heap = mymap_open_memfd(HEAP_BYTES, 0);
	if (!t.heap)
		exit(1);
	base = mymap_heap_base(t.heap);
	if (mymap_channel_create(t.heap, "twin", cfg) || mymap_channel_list(t.heap, info, 2) != 1)
		exit(1);
	t.dir = base + mymap_root_get(t.heap, MYMAP_ROOT_CHANNELS);
	/* The channel ends where a guard page starts; another guards the block's start. */
	t.bytes = mymap_channel_bytes(cfg);
	block = mymap_aligned_alloc(t.heap, PAGE, t.bytes + 3 * PAGE);
	if (!block)
		exit(1);
	t.chan = (char *)(((uintptr_t)block + PAGE + t.bytes + PAGE - 1) & ~(uintptr_t)(PAGE - 1)) -
		 t.bytes;
	t.off = (uint64_t)(t.chan - base);
	if (mymap_channel_format_at(t.heap, t.off, cfg))
		exit(1);
	mprotect(block, PAGE, PROT_NONE);
	mprotect(t.chan + t.bytes, PAGE, PROT_NONE);
	reopen(&t, MYMAP_CHANNEL_SENDER, &t.tx);
	reopen(&t, MYMAP_CHANNEL_RECEIVER, &t.rx);

	while (in.at < in.len) {
		unsigned int raw = next(&in), op = raw % 10, n;
		int64_t timeout = raw & 0x80 ? 100000 : 0;
		struct mymap_channel *ch;

		switch (op) {
		case 0:
			n = next(&in);
			memset(t.buf, (int)n, n);
			mymap_channel_send(t.tx, t.buf, n, timeout);
			break;
		case 1:
			mymap_channel_recv(t.rx, t.buf, sizeof(t.buf), timeout);
			break;
		case 2:
			n = 1 + next(&in) * 2;
			mymap_channel_write(t.tx, t.buf, n, timeout);
			break;
		case 3:
			n = 1 + next(&in) * 2;
			mymap_channel_read(t.rx, t.buf, n, timeout);
			break;
		case 4:
			n = next(&in);
			if (mymap_channel_reserve(t.tx, &loan, 0) == 0) {
				memset(loan.data, 0x77, n < loan.size ? n : loan.size);
				mymap_channel_publish(t.tx, &loan, n);
			}
			break;
		case 5:
			if (mymap_channel_recv_view(t.rx, &loan, 0) == 0) {
				/* Reads every byte lent: a view must lie inside the channel. */
				for (size_t i = 0; i < loan.size; i++)
					t.buf[i % sizeof(t.buf)] ^= ((unsigned char *)loan.data)[i];
				mymap_channel_release(t.rx, &loan);
			}
			break;
		case 6:
			reopen(&t, MYMAP_CHANNEL_SENDER, &t.tx);
			break;
		case 7:
			reopen(&t, MYMAP_CHANNEL_RECEIVER, &t.rx);
			break;
		case 8:
			poke(&t, &in, poke_directory);
			poke_directory = false;
			break;
		case 9:
			poke_directory = next(&in) & 1;
			mymap_channel_reclaim(t.heap, "twin");
			mymap_channel_list(t.heap, info, 2);
			ch = NULL;
			if (mymap_channel_open(t.heap, "twin", MYMAP_CHANNEL_RECEIVER, &ch) == 0)
				mymap_channel_recv(ch, t.buf, sizeof(t.buf), 0);
			mymap_channel_close(ch);
			break;
		}
	}
	mymap_channel_close(t.tx);
	mymap_channel_close(t.rx);
	mymap_close(t.heap);
}

static size_t read_all(FILE *f, unsigned char *buf)
{
	size_t n = 0, got;

	while (n < INPUT_BYTES_MAX && (got = fread(buf + n, 1, INPUT_BYTES_MAX - n, f)) > 0)
		n += got;
	return n;
}

/* Runs every file of @dir in a child with an alarm: TAP, one line each. */
static int replay(const char *dir)
{
	static unsigned char buf[INPUT_BYTES_MAX];
	struct dirent *e;
	DIR *d = opendir(dir);
	unsigned int files = 0;

	if (!d) {
		tap_ok(false, "open the corpus %s: %s", dir, strerror(errno));
		return tap_done();
	}
	while ((e = readdir(d))) {
		char path[4096];
		FILE *f;
		size_t n;
		pid_t pid;
		int status;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		f = fopen(path, "rb");
		if (!f)
			continue;
		n = read_all(f, buf);
		fclose(f);
		fflush(stdout);
		pid = fork();
		if (pid == 0) {
			alarm(20);
			run(buf, n);
			_exit(0);
		}
		waitpid(pid, &status, 0);
		files++;
		tap_ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		       "%s (%zu bytes) runs to its end: %s %d", e->d_name, n,
		       WIFSIGNALED(status) ? "signal" : "exit status",
		       WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
	}
	closedir(d);
	tap_ok(files > 0, "the corpus holds inputs (%u)", files);
	return tap_done();
}

#ifdef __AFL_FUZZ_TESTCASE_LEN
/* afl++'s persistent mode: many inputs per process, each on a fresh heap. */
__AFL_FUZZ_INIT();
#endif

int main(int argc, char **argv)
{
	static unsigned char buf[INPUT_BYTES_MAX];
	FILE *f = stdin;
	size_t n;

#ifdef __AFL_FUZZ_TESTCASE_LEN
	if (argc == 1) {
		unsigned char *input;

		__AFL_INIT();
		input = __AFL_FUZZ_TESTCASE_BUF;
		while (__AFL_LOOP(10000))
			run(input, (size_t)__AFL_FUZZ_TESTCASE_LEN);
		return 0;
	}
#endif
	if (argc == 3 && strcmp(argv[1], "--replay") == 0)
		return replay(argv[2]);
	if (argc == 2) {
		f = fopen(argv[1], "rb");
		if (!f) {
			perror(argv[1]);
			return 2;
		}
	}
	n = read_all(f, buf);
	run(buf, n);
	return 0;
}
