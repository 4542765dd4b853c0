// SPDX-License-Identifier: GPL-2.0
/*
 * mymap-ipc - send and receive through named channels in a libmymap heap,
 * and measure them: the command-line face of mymap_channel.h.
 *
 *   mymap-ipc create NAME [--kind K] [--size B] [--capacity N]
 *   mymap-ipc send NAME [--generate BYTES] [--create]
 *   mymap-ipc recv NAME [--checksum]
 *   mymap-ipc list | remove NAME
 *   mymap-ipc pingpong [--size B] [--iterations N] [--busy]
 *   mymap-ipc bench [--size B] [--count N]
 *
 * send and recv work on the device heap, where two unrelated processes
 * find the same channel by name; pingpong and bench fork their peer, so
 * they also run on a memfd heap (--backend memfd) without the module.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "ipc-measure.h"
#include "mymap.h"
#include "mymap_channel.h"

#define CHUNK (64 * 1024)

struct options {
	const char *backend;
	enum mymap_channel_kind kind;
	uint32_t size;
	uint32_t capacity;
	uint64_t generate;
	uint64_t count;
	uint32_t iterations;
	bool create;
	bool checksum;
	bool busy;
};

static void usage(FILE *f)
{
	fprintf(f, "usage: mymap-ipc COMMAND [OPTIONS]\n"
		   "Channels in a libmymap heap (see mymap_channel.h).\n\n"
		   "commands:\n"
		   "  create NAME      make a channel (--kind, --size, --capacity)\n"
		   "  send NAME        send standard input, or --generate BYTES of a test\n"
		   "                   pattern; prints bytes, messages and a checksum\n"
		   "  recv NAME        receive until the sender closes; writes the data to\n"
		   "                   standard output, or with --checksum only the totals\n"
		   "  list             the channels of the heap\n"
		   "  remove NAME      remove a channel\n"
		   "  pingpong         round trips through two channels to a forked echo\n"
		   "  bench            stream through a channel to a forked receiver\n\n"
		   "options:\n"
		   "  --backend B      device (default) or memfd (pingpong, bench only)\n"
		   "  --kind K         stream (default), messages or mpmc\n"
		   "  --size B         message size (default 4096; stream: chunk size)\n"
		   "  --capacity N     messages in flight, or stream bytes (default 64 / 1 MiB)\n"
		   "  --generate BYTES send a pattern instead of standard input\n"
		   "  --create         send: create the channel if it does not exist\n"
		   "  --checksum       recv: print totals and checksum instead of the data\n"
		   "  --iterations N   pingpong round trips (default 10000)\n"
		   "  --busy           pingpong: busy-poll instead of sleeping\n"
		   "  --count N        bench: messages to stream, the first untimed and not\n"
		   "                   counted (default 100000, at least 2)\n"
		   "  -h, --help       this text\n");
}

/* One line: what failed, why, and what to do. */
static int fail(const char *what, int err, const char *hint)
{
	fprintf(stderr, "mymap-ipc: %s: %s%s%s\n", what, strerror(err), hint ? "; " : "",
		hint ? hint : "");
	return 1;
}

static struct mymap_heap *open_heap(const char *backend)
{
	struct mymap_heap *heap;

	if (strcmp(backend, "memfd") == 0)
		heap = mymap_open_memfd(64u << 20, 0);
	else
		heap = mymap_open_device(MYMAP_CREATE);
	if (!heap)
		fprintf(stderr, "mymap-ipc: open the %s heap: %s\n", backend,
			mymap_last_message()[0] ? mymap_last_message() : strerror(errno));
	return heap;
}

/* FNV-1a, 64 bits: both ends compute it over the bytes in order. */
static uint64_t fnv1a(uint64_t h, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

#define FNV_START 0xcbf29ce484222325ull

static int create_channel(struct mymap_heap *heap, const char *name, const struct options *o)
{
	struct mymap_channel_config cfg = {
	    .kind = o->kind,
	    .msg_size = o->size,
	    .capacity = o->capacity			  ? o->capacity
			: o->kind == MYMAP_CHANNEL_STREAM ? 1u << 20
							  : 64,
	};

	return mymap_channel_create(heap, name, &cfg);
}

/* Sends @n bytes as a message, or writes them to a stream. */
static int put(struct mymap_channel *ch, const unsigned char *buf, size_t n)
{
	ssize_t done;

	if (mymap_channel_config(ch)->kind != MYMAP_CHANNEL_STREAM)
		return mymap_channel_send(ch, buf, n, MYMAP_CHANNEL_FOREVER);
	done = mymap_channel_write(ch, buf, n, MYMAP_CHANNEL_FOREVER);
	return done < 0 ? (int)done : (size_t)done == n ? 0 : -EIO;
}

static int cmd_send(struct mymap_heap *heap, const char *name, const struct options *o)
{
	uint64_t sum = FNV_START, bytes = 0, messages = 0;
	struct mymap_channel *ch = NULL;
	unsigned char *buf;
	size_t chunk;
	int err;

	if (o->create) {
		err = create_channel(heap, name, o);
		if (err && err != -EEXIST)
			return fail("create", -err, "see --kind, --size, --capacity");
	}
	err = mymap_channel_open(heap, name, MYMAP_CHANNEL_SENDER, &ch);
	if (err)
		return fail(name, -err,
			    err == -ENOENT  ? "create it first (mymap-ipc create, or send --create)"
			    : err == -EBUSY ? "another live sender holds it"
					    : NULL);
	chunk = mymap_channel_config(ch)->kind == MYMAP_CHANNEL_STREAM
		    ? o->size
		    : mymap_channel_config(ch)->msg_size;
	buf = malloc(chunk);
	if (!buf) {
		mymap_channel_close(ch);
		return fail("allocate a buffer", ENOMEM, NULL);
	}
	for (;;) {
		size_t n;

		if (o->generate) {
			n = o->generate - bytes < chunk ? (size_t)(o->generate - bytes) : chunk;
			for (size_t i = 0; i < n; i++)
				buf[i] = (unsigned char)((bytes + i) * 7 + ((bytes + i) >> 12));
		} else {
			n = fread(buf, 1, chunk, stdin);
		}
		if (!n)
			break;
		err = put(ch, buf, n);
		if (err) {
			fail("send", -err,
			     err == -ECONNRESET ? "the receiver died" : "the receiver closed");
			break;
		}
		sum = fnv1a(sum, buf, n);
		bytes += n;
		messages++;
	}
	fprintf(stderr, "sent %llu bytes in %llu writes, checksum %016llx\n",
		(unsigned long long)bytes, (unsigned long long)messages, (unsigned long long)sum);
	free(buf);
	mymap_channel_close(ch);
	return err ? 1 : 0;
}

static int cmd_recv(struct mymap_heap *heap, const char *name, const struct options *o)
{
	uint64_t sum = FNV_START, bytes = 0, messages = 0;
	struct mymap_channel_stats st;
	struct mymap_channel *ch = NULL;
	unsigned char *buf;
	size_t size;
	ssize_t n;
	int err;

	err = mymap_channel_open(heap, name, MYMAP_CHANNEL_RECEIVER, &ch);
	if (err)
		return fail(name, -err,
			    err == -ENOENT  ? "create it first (mymap-ipc create)"
			    : err == -EBUSY ? "another live receiver holds it"
					    : NULL);
	size = mymap_channel_config(ch)->kind == MYMAP_CHANNEL_STREAM
		   ? CHUNK
		   : mymap_channel_config(ch)->msg_size;
	buf = malloc(size);
	if (!buf) {
		mymap_channel_close(ch);
		return fail("allocate a buffer", ENOMEM, NULL);
	}
	for (;;) {
		if (mymap_channel_config(ch)->kind == MYMAP_CHANNEL_STREAM)
			n = mymap_channel_read(ch, buf, size, MYMAP_CHANNEL_FOREVER);
		else
			n = mymap_channel_recv(ch, buf, size, MYMAP_CHANNEL_FOREVER);
		if (n < 0)
			break;
		if (!o->checksum && fwrite(buf, 1, (size_t)n, stdout) != (size_t)n) {
			n = -errno;
			break;
		}
		sum = fnv1a(sum, buf, (size_t)n);
		bytes += (uint64_t)n;
		messages++;
	}
	mymap_channel_stats(ch, &st);
	fprintf(o->checksum ? stdout : stderr,
		"received %llu bytes in %llu reads, checksum %016llx (%s; slept %llu times)\n",
		(unsigned long long)bytes, (unsigned long long)messages, (unsigned long long)sum,
		n == -EPIPE	   ? "the sender closed"
		: n == -ECONNRESET ? "the sender died"
				   : "error",
		(unsigned long long)st.sleeps);
	free(buf);
	mymap_channel_close(ch);
	return n == -EPIPE ? 0 : fail("recv", (int)-n, NULL);
}

static const char *kind_name(enum mymap_channel_kind k)
{
	return k == MYMAP_CHANNEL_STREAM ? "stream" : k == MYMAP_CHANNEL_MPMC ? "mpmc" : "messages";
}

static int cmd_list(struct mymap_heap *heap)
{
	struct mymap_channel_info info[MYMAP_CHANNEL_DIR_ENTRIES];
	int n = mymap_channel_list(heap, info, MYMAP_CHANNEL_DIR_ENTRIES);

	if (n < 0)
		return fail("list", -n, NULL);
	printf("%-24s %-8s %9s %9s %8s %8s %8s\n", "name", "kind", "msg_size", "capacity",
	       "senders", "receivers", "queued");
	for (int i = 0; i < n; i++)
		printf("%-24s %-8s %9u %9u %8u %8u %8u\n", info[i].name,
		       kind_name(info[i].config.kind), info[i].config.msg_size,
		       info[i].config.capacity, info[i].senders, info[i].receivers, info[i].queued);
	return 0;
}

static int cmd_pingpong(struct mymap_heap *heap, const struct options *o)
{
	double *rtt = malloc(sizeof(double) * o->iterations);
	char median[32], p99[32], max[32];
	int err;

	if (!rtt)
		return fail("allocate", ENOMEM, NULL);
	err = ipc_measure_pingpong(heap, o->size, o->iterations,
				   o->busy ? MYMAP_CHANNEL_SPIN_FOREVER : 0, rtt);
	if (err)
		return fail("pingpong", -err, NULL);
	bench_format_ns(median, sizeof(median), bench_median(rtt, o->iterations));
	bench_format_ns(p99, sizeof(p99), bench_percentile(rtt, o->iterations, 99));
	bench_format_ns(max, sizeof(max), bench_percentile(rtt, o->iterations, 100));
	printf("%u round trips of %u bytes (%s, %s): median %s, p99 %s, max %s\n", o->iterations,
	       o->size, o->backend, o->busy ? "busy-poll" : "sleeping", median, p99, max);
	free(rtt);
	return 0;
}

static int cmd_bench(struct mymap_heap *heap, const struct options *o)
{
	struct ipc_rate r;
	int err = ipc_measure_rate(heap, o->size, o->count, MYMAP_CHANNEL_SPIN_DEFAULT,
				   IPC_CONSUME_COPY, &r);

	if (err)
		return fail("bench", -err, NULL);
	printf("%llu messages of %u bytes (%s): %.0f msgs/s, %.1f MB/s, receiver slept %llu "
	       "times\n",
	       (unsigned long long)r.messages, o->size, o->backend, r.messages / r.seconds,
	       (double)r.bytes / r.seconds / 1e6, (unsigned long long)r.sleeps);
	return 0;
}

/* A usage error: one line naming what is wrong; returns -1. */
static __attribute__((format(printf, 1, 2))) int bad_usage(const char *fmt, ...)
{
	va_list ap;

	fputs("mymap-ipc: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("; see mymap-ipc --help\n", stderr);
	return -1;
}

/* The whole of @arg as a number from @min to @max, for option @opt; -1 (reported) if not. */
static int number(const char *opt, const char *arg, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(arg, &end, 0);
	if (errno || end == arg || *end || arg[0] == '-' || v < min || v > max)
		return bad_usage("--%s '%s' is not a number from %llu to %llu", opt, arg,
				 (unsigned long long)min, (unsigned long long)max);
	*out = v;
	return 0;
}

static int parse(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
	    {"backend", required_argument, NULL, 'b'},
	    {"kind", required_argument, NULL, 'k'},
	    {"size", required_argument, NULL, 's'},
	    {"capacity", required_argument, NULL, 'c'},
	    {"generate", required_argument, NULL, 'g'},
	    {"count", required_argument, NULL, 'n'},
	    {"iterations", required_argument, NULL, 'i'},
	    {"create", no_argument, NULL, 'C'},
	    {"checksum", no_argument, NULL, 'S'},
	    {"busy", no_argument, NULL, 'B'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	uint64_t v;
	int opt;

	opterr = 0; /* our messages, not getopt's */
	while ((opt = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'b':
			if (strcmp(optarg, "device") && strcmp(optarg, "memfd"))
				return bad_usage("--backend '%s' is not device or memfd", optarg);
			o->backend = optarg;
			break;
		case 'k':
			o->kind = strcmp(optarg, "messages") == 0 ? MYMAP_CHANNEL_MESSAGES
				  : strcmp(optarg, "mpmc") == 0	  ? MYMAP_CHANNEL_MPMC
				  : strcmp(optarg, "stream") == 0 ? MYMAP_CHANNEL_STREAM
								  : 0;
			if (!o->kind)
				return bad_usage("--kind '%s' is not stream, messages or mpmc",
						 optarg);
			break;
		case 's':
			if (number("size", optarg, 1, UINT32_MAX, &v))
				return -1;
			o->size = (uint32_t)v;
			break;
		case 'c':
			if (number("capacity", optarg, 0, UINT32_MAX, &v))
				return -1;
			o->capacity = (uint32_t)v;
			break;
		case 'g':
			if (number("generate", optarg, 0, UINT64_MAX, &o->generate))
				return -1;
			break;
		case 'n':
			if (number("count", optarg, 2, UINT64_MAX, &o->count))
				return -1;
			break;
		case 'i':
			if (number("iterations", optarg, 1, UINT32_MAX, &v))
				return -1;
			o->iterations = (uint32_t)v;
			break;
		case 'C':
			o->create = true;
			break;
		case 'S':
			o->checksum = true;
			break;
		case 'B':
			o->busy = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case ':':
			return bad_usage("%s needs a value", argv[optind - 1]);
		default:
			return bad_usage("unknown option '%s'", argv[optind - 1]);
		}
	}
	return optind;
}

int main(int argc, char **argv)
{
	struct options o = {
	    .backend = "device",
	    .kind = MYMAP_CHANNEL_STREAM,
	    .size = 4096,
	    .count = 100000,
	    .iterations = 10000,
	};
	const char *cmd = argc > 1 ? argv[1] : "";
	struct mymap_heap *heap;
	const char *name;
	int first, ret;

	if (argc < 2 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	first = parse(argc - 1, argv + 1, &o);
	if (first < 0)
		return 2;
	bool needs_name = !strcmp(cmd, "create") || !strcmp(cmd, "send") || !strcmp(cmd, "recv") ||
			  !strcmp(cmd, "remove");
	bool forks = !strcmp(cmd, "pingpong") || !strcmp(cmd, "bench");
	int args = argc - 1 - first;

	name = args > 0 ? argv[1 + first] : NULL;
	if (!needs_name && !forks && strcmp(cmd, "list")) {
		bad_usage("unknown command '%s'", cmd);
		return 2;
	}
	if (needs_name && !name) {
		bad_usage("%s needs a channel NAME", cmd);
		return 2;
	}
	if (args > needs_name) {
		bad_usage("unexpected argument '%s'", argv[1 + first + needs_name]);
		return 2;
	}
	/* A memfd heap lives only in this process and its children. */
	if (!forks && strcmp(o.backend, "device")) {
		bad_usage("--backend %s works with pingpong and bench only", o.backend);
		return 2;
	}
	heap = open_heap(o.backend);
	if (!heap)
		return 1;
	if (!strcmp(cmd, "create")) {
		ret = create_channel(heap, name, &o);
		ret = ret ? fail("create", -ret, ret == -EEXIST ? "remove it first" : NULL) : 0;
	} else if (!strcmp(cmd, "send")) {
		ret = cmd_send(heap, name, &o);
	} else if (!strcmp(cmd, "recv")) {
		ret = cmd_recv(heap, name, &o);
	} else if (!strcmp(cmd, "remove")) {
		ret = mymap_channel_remove(heap, name);
		ret = ret ? fail("remove", -ret, NULL) : 0;
	} else if (!strcmp(cmd, "list")) {
		ret = cmd_list(heap);
	} else if (!strcmp(cmd, "pingpong")) {
		ret = cmd_pingpong(heap, &o);
	} else {
		ret = cmd_bench(heap, &o);
	}
	mymap_close(heap);
	return ret;
}
