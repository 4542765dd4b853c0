// SPDX-License-Identifier: GPL-2.0
/*
 * setup.c - opens the heap of libmymap-malloc.so on the first call of the
 * malloc family, as the environment says:
 *
 *   MYMAP_MALLOC_BACKEND  anon (default), memfd, brk or device
 *   MYMAP_MALLOC_SIZE     bytes of the heap, with an optional suffix
 *                         k, m or g (KiB, MiB, GiB); default 1g; ignored
 *                         by the device, whose region has its own size
 *   MYMAP_MALLOC_STATS    1: print the heap's statistics to stderr at exit
 *                         (0 or unset: not)
 *
 * A bad setting, or a heap that cannot be opened, ends the process with
 * one line on stderr and exit status 127, before main() runs whenever the
 * program allocates during its start-up (glibc's does).  Calls the open
 * itself makes (libudev, /proc, thread-local storage) are served from the
 * bootstrap arena; other threads wait for the open to finish.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "preload.h"

#define DEFAULT_SIZE (1ull << 30)

struct mymap_heap *preload_heap;
uintptr_t preload_heap_start, preload_heap_end;

enum { UNOPENED, OPENING, OPEN = PRELOAD_OPEN };
_Atomic int preload_state = UNOPENED;
static PRELOAD_TLS bool opening_here;

void preload_die(const char *message)
{
	char line[512];
	int n = snprintf(line, sizeof(line), "libmymap-malloc: %s\n", message);

	if (n > 0 &&
	    write(STDERR_FILENO, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1) < 0)
		n = 0; /* nothing more can be said */
	_exit(127);
}

static __attribute__((noreturn, format(printf, 1, 2))) void die(const char *fmt, ...)
{
	char message[448];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	preload_die(message);
}

/* "123", "64k", "512m", "2g": bytes; 0 for anything else. */
static unsigned long long parse_size(const char *text)
{
	unsigned long long value = 0, unit = 1;
	const char *c = text;

	if (*c < '0' || *c > '9')
		return 0;
	for (; *c >= '0' && *c <= '9'; c++)
		if (__builtin_mul_overflow(value, 10, &value) ||
		    __builtin_add_overflow(value, (unsigned)(*c - '0'), &value))
			return 0;
	switch (*c) {
	case '\0':
		break;
	case 'k':
	case 'K':
		unit = 1ull << 10;
		c++;
		break;
	case 'm':
	case 'M':
		unit = 1ull << 20;
		c++;
		break;
	case 'g':
	case 'G':
		unit = 1ull << 30;
		c++;
		break;
	default:
		return 0;
	}
	if (*c || __builtin_mul_overflow(value, unit, &value))
		return 0;
	return value;
}

/*
 * Where the statistics go: a copy of stderr taken at start-up, since
 * programs close their standard streams at exit (coreutils'
 * close_stdout()) before this library's handler runs.
 */
static int stats_fd = -1;

static void print_stats(void)
{
	struct mymap_stats st;
	char line[512];
	int n;

	if (!preload_heap || mymap_heap_stats(preload_heap, &st) < 0)
		return;
	n = snprintf(line, sizeof(line),
		     "libmymap-malloc: region %llu, in use %llu (peak %llu), free %llu "
		     "(largest %llu), %llu used and %llu free blocks, %llu allocs, %llu frees, "
		     "%llu refused, %llu integrity errors\n",
		     (unsigned long long)st.region_size, (unsigned long long)st.in_use,
		     (unsigned long long)st.peak_in_use, (unsigned long long)st.free,
		     (unsigned long long)st.largest_free, (unsigned long long)st.used_blocks,
		     (unsigned long long)st.free_blocks, (unsigned long long)st.alloc_count,
		     (unsigned long long)st.free_count, (unsigned long long)st.failed_count,
		     (unsigned long long)st.integrity_errors);
	if (n > 0 &&
	    write(stats_fd, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1) < 0)
		return;
}

static struct mymap_heap *open_heap(void)
{
	const char *backend = getenv("MYMAP_MALLOC_BACKEND");
	const char *size_text = getenv("MYMAP_MALLOC_SIZE");
	unsigned long long size = DEFAULT_SIZE;
	struct mymap_heap *heap;

	if (size_text) {
		size = parse_size(size_text);
		if (!size || size > SIZE_MAX)
			die("MYMAP_MALLOC_SIZE='%.64s' is not a size (bytes, or with k, m or g)",
			    size_text);
	}
	if (!backend || !strcmp(backend, "anon"))
		heap = mymap_open_anon(size, 0);
	else if (!strcmp(backend, "memfd"))
		heap = mymap_open_memfd(size, 0);
	else if (!strcmp(backend, "brk"))
		heap = mymap_open_brk(size, 0);
	else if (!strcmp(backend, "device"))
		heap = mymap_open_device(MYMAP_FORMAT);
	else
		die("MYMAP_MALLOC_BACKEND='%.64s' is not anon, memfd, brk or device", backend);
	if (!heap && backend && !strcmp(backend, "device"))
		die("cannot open the device heap: %s (%s)", mymap_last_message(), strerror(errno));
	if (!heap)
		die("cannot open the %s heap of %llu bytes: %s (%s)", backend ? backend : "anon",
		    size, mymap_last_message(), strerror(errno));
	return heap;
}

bool preload_open_heap(void)
{
	int expected = UNOPENED;

	if (atomic_load_explicit(&preload_state, memory_order_acquire) == OPEN)
		return true;
	if (opening_here)
		return false;
	if (atomic_compare_exchange_strong(&preload_state, &expected, OPENING)) {
		struct mymap_heap *heap;
		const char *stats;

		opening_here = true;
		heap = open_heap();
		preload_heap_start = (uintptr_t)mymap_heap_base(heap);
		preload_heap_end = preload_heap_start + mymap_heap_size(heap);
		preload_heap = heap;
		overaligned_setup();
		fork_gate_setup();
		stats = getenv("MYMAP_MALLOC_STATS");
		if (stats && strcmp(stats, "0") && strcmp(stats, "1"))
			die("MYMAP_MALLOC_STATS='%.64s' is not 0 or 1", stats);
		if (stats && !strcmp(stats, "1")) {
			stats_fd = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 100);
			if (stats_fd >= 0)
				atexit(print_stats);
		}
		opening_here = false;
		atomic_store_explicit(&preload_state, OPEN, memory_order_release);
		return true;
	}
	while (atomic_load_explicit(&preload_state, memory_order_acquire) != OPEN)
		sched_yield();
	return true;
}

/* Opens the heap before main() even in a program that never allocates. */
__attribute__((constructor)) static void open_early(void)
{
	preload_ready();
}
