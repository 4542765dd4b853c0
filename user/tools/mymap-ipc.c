// SPDX-License-Identifier: GPL-2.0
/*
 * mymap-ipc - send and receive through named channels in a libmymap heap,
 * and measure them: the command-line face of mymap_channel.h.
 *
 *   mymap-ipc create NAME [--kind K] [--size B] [--capacity N]
 *   mymap-ipc send NAME [--generate BYTES] [--create]
 *   mymap-ipc recv NAME [--checksum]
 *   mymap-ipc list | stat NAME | remove NAME
 *   mymap-ipc pingpong [--size B] [--iterations N] [--busy]
 *   mymap-ipc bench [--size B] [--count N]
 *   mymap-ipc --help | --version | help [COMMAND] | COMMAND --help
 *
 * send and recv work on the device heap, where two unrelated processes
 * find the same channel by name; pingpong and bench fork their peer, so
 * they also run on a memfd heap (--backend memfd) without the module.
 * list and stat only read: they open the heap without creating it and
 * take no lock.  The conventions are mymapctl's (docs/man/mymap-ipc.1):
 * --opt VALUE or --opt=VALUE, byte counts with K/M/G, exit status 0 done,
 * 1 failed, 2 usage, 3 no device, 6 permission denied.
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
#include "cli.h"
#include "ipc-measure.h"
#include "mymap.h"
#include "mymap_channel.h"

#define CHUNK (64 * 1024)

#ifndef MYMAP_VERSION
#define MYMAP_VERSION "unknown"
#endif

/* Exit statuses, as mymapctl's. */
enum {
	EXIT_FAILED = 1,
	EXIT_USAGE = 2,
	EXIT_NO_DEVICE = 3,
	EXIT_PERMISSION = 6,
};

/* What a command takes: a NAME operand, and which options (bits of enum opt_bit). */
enum opt_bit {
	OPT_BACKEND = 1 << 0,
	OPT_KIND = 1 << 1,
	OPT_SIZE = 1 << 2,
	OPT_CAPACITY = 1 << 3,
	OPT_GENERATE = 1 << 4,
	OPT_COUNT = 1 << 5,
	OPT_ITERATIONS = 1 << 6,
	OPT_CREATE = 1 << 7,
	OPT_CHECKSUM = 1 << 8,
	OPT_BUSY = 1 << 9,
};

struct command {
	const char *name;
	bool needs_name;
	bool forks;	/* forks its peer: runs on a memfd heap too */
	bool read_only; /* never writes to the region */
	unsigned int options;
	const char *help;
};

static const struct command commands[] = {
    {"create", true, false, false, OPT_KIND | OPT_SIZE | OPT_CAPACITY,
     "usage: mymap-ipc create NAME [--kind K] [--size B] [--capacity N]\n\n"
     "Creates the channel NAME in the device's heap (formatting the heap if the\n"
     "region holds none).\n\n"
     "  --kind K       stream (default), messages, mpmc or pubsub\n"
     "  --size B       largest message, bytes (default 4096; K, M suffixes)\n"
     "  --capacity N   messages in flight, or stream bytes (default 64 / 1M)\n\n"
     "Exit 1 if it exists already (remove it first).\n"},
    {"send", true, false, false, OPT_KIND | OPT_SIZE | OPT_CAPACITY | OPT_GENERATE | OPT_CREATE,
     "usage: mymap-ipc send NAME [--generate BYTES] [--create] [--size B]\n\n"
     "Sends standard input through NAME (messages of the channel's size, or\n"
     "--size chunks on a stream), or BYTES of a test pattern; prints bytes,\n"
     "writes and a checksum on standard error.\n\n"
     "  --generate BYTES  send a pattern instead of standard input\n"
     "  --create          create the channel first if it does not exist\n"
     "                    (with --kind, --size, --capacity as for create)\n"},
    {"recv", true, false, false, OPT_CHECKSUM,
     "usage: mymap-ipc recv NAME [--checksum]\n\n"
     "Receives from NAME until the sender closes, writing the data to standard\n"
     "output.\n\n"
     "  --checksum   print the totals and the checksum instead of the data\n\n"
     "Exit 0 when the sender closed, 1 when it died or on an error.\n"},
    {"list", false, false, true, 0,
     "usage: mymap-ipc list\n\n"
     "Lists the channels of the device's heap: name, kind, message size,\n"
     "capacity, endpoints attached, messages (stream: bytes) queued.  Only\n"
     "reads: a region without a heap is reported, not formatted.\n"},
    {"stat", true, false, true, 0,
     "usage: mymap-ipc stat NAME\n\n"
     "Shows one channel: its kind, shape, offset and size in the region,\n"
     "endpoints attached and what is queued.  Only reads.\n"},
    {"remove", true, false, false, 0,
     "usage: mymap-ipc remove NAME\n\n"
     "Removes NAME from the directory; its memory returns to the heap when the\n"
     "last attached endpoint closes.\n"},
    {"pingpong", false, true, false, OPT_BACKEND | OPT_SIZE | OPT_ITERATIONS | OPT_BUSY,
     "usage: mymap-ipc pingpong [--backend B] [--size B] [--iterations N] [--busy]\n\n"
     "Round trips through two channels to a forked echo; prints the median, p99\n"
     "and maximum.\n\n"
     "  --backend B      device (default) or memfd\n"
     "  --size B         message size (default 4096)\n"
     "  --iterations N   round trips (default 10000)\n"
     "  --busy           busy-poll instead of sleeping\n"},
    {"bench", false, true, false, OPT_BACKEND | OPT_SIZE | OPT_COUNT,
     "usage: mymap-ipc bench [--backend B] [--size B] [--count N]\n\n"
     "Streams messages through a channel to a forked receiver; prints messages\n"
     "and bytes per second.\n\n"
     "  --backend B   device (default) or memfd\n"
     "  --size B      message size (default 4096)\n"
     "  --count N     messages, the first untimed and not counted (default\n"
     "                100000, at least 2)\n"},
};

static const struct command *command_named(const char *name)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

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
		   "       mymap-ipc --help | --version | help [COMMAND]\n\n"
		   "Channels in a libmymap heap (see mymap_channel.h).\n\n"
		   "commands:\n"
		   "  create NAME      make a channel (--kind, --size, --capacity)\n"
		   "  send NAME        send standard input, or --generate BYTES of a test\n"
		   "                   pattern; prints bytes, messages and a checksum\n"
		   "  recv NAME        receive until the sender closes; writes the data to\n"
		   "                   standard output, or with --checksum only the totals\n"
		   "  list             the channels of the heap (only reads)\n"
		   "  stat NAME        one channel in detail (only reads)\n"
		   "  remove NAME      remove a channel\n"
		   "  pingpong         round trips through two channels to a forked echo\n"
		   "  bench            stream through a channel to a forked receiver\n\n"
		   "'mymap-ipc COMMAND --help' describes one command and its options.\n\n"
		   "exit status:\n"
		   "  0  success\n"
		   "  1  the operation failed (the message says why)\n"
		   "  2  usage error\n"
		   "  3  no mymap device (the module is not loaded)\n"
		   "  6  permission denied on the device node\n");
}

/* The command being run, named in every message as mymapctl does. */
static const char *running = "";

/* One line: what failed, why, and what to do.  Returns EXIT_FAILED. */
static int fail(const char *what, int err, const char *hint)
{
	fprintf(stderr, "mymap-ipc %s: %s: %s%s%s\n", running, what, strerror(err),
		hint ? "; " : "", hint ? hint : "");
	return EXIT_FAILED;
}

/*
 * Opens the heap: memfd, or the device (formatting it only with
 * MYMAP_CREATE in @flags).  NULL with *@status the exit status, the reason
 * printed.
 */
static struct mymap_heap *open_heap(const char *backend, unsigned int flags, int *status)
{
	struct mymap_heap *heap;

	if (strcmp(backend, "memfd") == 0)
		heap = mymap_open_memfd(64u << 20, 0);
	else
		heap = mymap_open_device(flags);
	if (heap)
		return heap;
	*status = EXIT_FAILED;
	if (mymap_last_error() == MYMAP_ERR_NOT_A_HEAP) {
		/* Only create (and send --create) ever format the region. */
		fprintf(stderr,
			"mymap-ipc %s: the %s region holds no libmymap heap, so no channel; "
			"'mymap-ipc create NAME' makes one\n",
			running, backend);
		return NULL;
	}
	if (mymap_last_error() == MYMAP_ERR_NO_DEVICE)
		*status = EXIT_NO_DEVICE;
	else if (mymap_last_error() == MYMAP_ERR_PERMISSION)
		*status = EXIT_PERMISSION;
	fprintf(stderr, "mymap-ipc %s: open the %s heap: %s\n", running, backend,
		mymap_last_message()[0] ? mymap_last_message() : strerror(errno));
	return NULL;
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
			fail(name, -err,
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
	return n == -EPIPE ? 0 : fail(name, (int)-n, n == -EBADMSG ? mymap_last_message() : NULL);
}

static const char *kind_name(enum mymap_channel_kind k)
{
	switch (k) {
	case MYMAP_CHANNEL_STREAM:
		return "stream";
	case MYMAP_CHANNEL_MPMC:
		return "mpmc";
	case MYMAP_CHANNEL_PUBSUB:
		return "pubsub";
	case MYMAP_CHANNEL_MESSAGES:
		break;
	}
	return "messages";
}

static int cmd_list(struct mymap_heap *heap)
{
	struct mymap_channel_info info[MYMAP_CHANNEL_DIR_ENTRIES];
	int n = mymap_channel_list(heap, info, MYMAP_CHANNEL_DIR_ENTRIES);

	if (n < 0)
		return fail("the directory", -n, n == -EBADMSG ? mymap_last_message() : NULL);
	printf("%-24s %-8s %9s %9s %8s %8s %8s\n", "name", "kind", "msg_size", "capacity",
	       "senders", "receivers", "queued");
	for (int i = 0; i < n && i < MYMAP_CHANNEL_DIR_ENTRIES; i++)
		printf("%-24s %-8s %9u %9u %8u %8u %8u\n", info[i].name,
		       info[i].config.kind ? kind_name(info[i].config.kind) : "damaged",
		       info[i].config.msg_size, info[i].config.capacity, info[i].senders,
		       info[i].receivers, info[i].queued);
	return 0;
}

static int cmd_stat(struct mymap_heap *heap, const char *name)
{
	struct mymap_channel_info info[MYMAP_CHANNEL_DIR_ENTRIES];
	int n = mymap_channel_list(heap, info, MYMAP_CHANNEL_DIR_ENTRIES);

	if (n < 0)
		return fail("the directory", -n, n == -EBADMSG ? mymap_last_message() : NULL);
	for (int i = 0; i < n && i < MYMAP_CHANNEL_DIR_ENTRIES; i++) {
		const struct mymap_channel_info *c = &info[i];

		if (strcmp(c->name, name))
			continue;
		if (!c->config.kind)
			return fail(name, EBADMSG, "its header is damaged");
		printf("name:       %s\n"
		       "kind:       %s\n"
		       "msg_size:   %u\n"
		       "capacity:   %u %s\n"
		       "offset:     %#llx\n"
		       "bytes:      %llu\n"
		       "senders:    %u\n"
		       "receivers:  %u\n"
		       "queued:     %u %s\n",
		       c->name, kind_name(c->config.kind), c->config.msg_size, c->config.capacity,
		       c->config.kind == MYMAP_CHANNEL_STREAM ? "bytes" : "messages",
		       (unsigned long long)c->offset, (unsigned long long)c->bytes, c->senders,
		       c->receivers, c->queued,
		       c->config.kind == MYMAP_CHANNEL_STREAM ? "bytes" : "messages");
		return 0;
	}
	return fail(name, ENOENT, "'mymap-ipc list' shows the channels there are");
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
		return fail("the round trips", -err, NULL);
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
		return fail("the stream", -err, NULL);
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

	if (running[0])
		fprintf(stderr, "mymap-ipc %s: ", running);
	else
		fputs("mymap-ipc: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	/* Where to read more: the command's own help, or the tool's. */
	if (running[0] && strcmp(running, "help"))
		fprintf(stderr, "; see 'mymap-ipc %s --help'\n", running);
	else
		fputs("; see 'mymap-ipc --help'\n", stderr);
	return -1;
}

/*
 * The whole of @arg as a number from @min to @max for option @opt
 * (decimal, 0x hex, a K, M or G suffix as in mymapctl); -1 (reported) if not.
 */
static int number(const char *opt, const char *arg, uint64_t min, uint64_t max, uint64_t *out)
{
	uint64_t v;

	if (ctl_parse_u64(arg, &v) || v < min || v > max)
		return bad_usage("--%s '%s' is not a number from %llu to %llu", opt, arg,
				 (unsigned long long)min, (unsigned long long)max);
	*out = v;
	return 0;
}

/* The option bit of getopt's code @opt. */
static unsigned int option_bit(int opt)
{
	switch (opt) {
	case 'b':
		return OPT_BACKEND;
	case 'k':
		return OPT_KIND;
	case 's':
		return OPT_SIZE;
	case 'c':
		return OPT_CAPACITY;
	case 'g':
		return OPT_GENERATE;
	case 'n':
		return OPT_COUNT;
	case 'i':
		return OPT_ITERATIONS;
	case 'C':
		return OPT_CREATE;
	case 'S':
		return OPT_CHECKSUM;
	case 'B':
		return OPT_BUSY;
	}
	return 0;
}

/*
 * Parses the options of @cmd (argv[0] is the command).  Returns the index
 * of the first operand, 0 when --help was asked for, or -1 (reported).
 */
static int parse(int argc, char **argv, const struct command *cmd, struct options *o)
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
	int opt, index = 0;

	opterr = 0; /* our messages, not getopt's */
	while ((opt = getopt_long(argc, argv, ":h", longopts, &index)) != -1) {
		if (option_bit(opt) && !(cmd->options & option_bit(opt)))
			return bad_usage("--%s does not apply to %s", longopts[index].name,
					 cmd->name);
		switch (opt) {
		case 'b':
			if (strcmp(optarg, "device") && strcmp(optarg, "memfd"))
				return bad_usage("--backend '%s' is not device or memfd", optarg);
			o->backend = optarg;
			break;
		case 'k':
			o->kind = strcmp(optarg, "messages") == 0 ? MYMAP_CHANNEL_MESSAGES
				  : strcmp(optarg, "mpmc") == 0	  ? MYMAP_CHANNEL_MPMC
				  : strcmp(optarg, "pubsub") == 0 ? MYMAP_CHANNEL_PUBSUB
				  : strcmp(optarg, "stream") == 0 ? MYMAP_CHANNEL_STREAM
								  : 0;
			if (!o->kind)
				return bad_usage(
				    "--kind '%s' is not stream, messages, mpmc or pubsub", optarg);
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
			return 0;
		case ':':
			return bad_usage("%s needs a value", argv[optind - 1]);
		default:
			return bad_usage("unknown option '%s'", argv[optind - 1]);
		}
	}
	return optind;
}

/* `mymap-ipc help [COMMAND]`. */
static int cmd_help(int argc, char **argv)
{
	const struct command *cmd;

	if (argc < 3) {
		usage(stdout);
		return 0;
	}
	running = "help";
	if (argc > 3) {
		bad_usage("takes at most one command name");
		return EXIT_USAGE;
	}
	cmd = command_named(argv[2]);
	if (!cmd) {
		bad_usage("no command '%s'", argv[2]);
		return EXIT_USAGE;
	}
	fputs(cmd->help, stdout);
	return 0;
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
	const char *first = argc > 1 ? argv[1] : "";
	const struct command *cmd;
	struct mymap_heap *heap;
	const char *name;
	int operand, args, ret;
	unsigned int flags;

	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(first, "--help") == 0 || strcmp(first, "-h") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(first, "--version") == 0) {
		printf("mymap-ipc %s\n", MYMAP_VERSION);
		return 0;
	}
	if (strcmp(first, "help") == 0)
		return cmd_help(argc, argv);
	cmd = command_named(first);
	if (!cmd) {
		bad_usage(first[0] == '-' ? "unknown option '%s'" : "unknown command '%s'", first);
		return EXIT_USAGE;
	}
	running = cmd->name;
	operand = parse(argc - 1, argv + 1, cmd, &o);
	if (operand < 0)
		return EXIT_USAGE;
	if (operand == 0) {
		fputs(cmd->help, stdout);
		return 0;
	}
	args = argc - 1 - operand;
	name = args > 0 ? argv[1 + operand] : NULL;
	if (cmd->needs_name && !name) {
		bad_usage("needs a channel NAME");
		return EXIT_USAGE;
	}
	if (args > cmd->needs_name) {
		bad_usage("unexpected argument '%s'", argv[1 + operand + cmd->needs_name]);
		return EXIT_USAGE;
	}
	/* Only create, and send --create, may format a region that holds no heap. */
	flags = !strcmp(cmd->name, "create") || o.create ? MYMAP_CREATE : 0;
	if (cmd->read_only)
		flags |= MYMAP_NOCACHE;
	heap = open_heap(o.backend, flags, &ret);
	if (!heap)
		return ret;
	if (!strcmp(cmd->name, "create")) {
		ret = create_channel(heap, name, &o);
		ret = ret ? fail(name, -ret, ret == -EEXIST ? "remove it first" : NULL) : 0;
	} else if (!strcmp(cmd->name, "send")) {
		ret = cmd_send(heap, name, &o);
	} else if (!strcmp(cmd->name, "recv")) {
		ret = cmd_recv(heap, name, &o);
	} else if (!strcmp(cmd->name, "remove")) {
		ret = mymap_channel_remove(heap, name);
		ret = ret ? fail(name, -ret, NULL) : 0;
	} else if (!strcmp(cmd->name, "list")) {
		ret = cmd_list(heap);
	} else if (!strcmp(cmd->name, "stat")) {
		ret = cmd_stat(heap, name);
	} else if (!strcmp(cmd->name, "pingpong")) {
		ret = cmd_pingpong(heap, &o);
	} else {
		ret = cmd_bench(heap, &o);
	}
	mymap_close(heap);
	return ret;
}
