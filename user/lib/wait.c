// SPDX-License-Identifier: GPL-2.0
/*
 * wait.c - wait/wake on a word of the region.
 *
 * Futexes work on anonymous, memfd and brk memory (shared ones for shared
 * mappings).  On /dev/mymap they cannot: the pages are PFN-mapped, without
 * the struct page a shared futex keys on, and FUTEX_WAIT fails with EFAULT;
 * the driver offers MYMAP_IOC_WAIT/WAKE instead.  Where neither works (an
 * older driver), waiting degrades to a short sleep, which callers that
 * re-check their condition tolerate.
 */
#include <errno.h>
#include <linux/futex.h>
#include <stdatomic.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "heap.h"
#include "mymap_uapi.h"
#include "wait.h"

/* How long a wait without kernel support sleeps before looking again. */
#define POLL_SLEEP_NS 50000ULL

static int poll_wait(const uint32_t *word, uint32_t expected, uint64_t timeout_ns)
{
	struct timespec ts = {0, POLL_SLEEP_NS};

	if (__atomic_load_n(word, __ATOMIC_ACQUIRE) != expected)
		return EAGAIN;
	if (timeout_ns && timeout_ns < POLL_SLEEP_NS)
		ts.tv_nsec = (long)timeout_ns;
	return nanosleep(&ts, NULL) ? EINTR : 0;
}

static int device_wait(const struct mm_sleep *s, const uint32_t *word, uint32_t expected,
		       uint64_t timeout_ns)
{
	struct mymap_wait w = {
	    .offset = (uint64_t)((const char *)word - s->base),
	    .expected = expected,
	    .timeout_ns = timeout_ns,
	};

	if (ioctl(s->fd, MYMAP_IOC_WAIT, &w) == 0)
		return 0;
	if (errno == ENOTTY)
		return poll_wait(word, expected, timeout_ns);
	return errno;
}

static int futex_wait(const struct mm_sleep *s, const uint32_t *word, uint32_t expected,
		      uint64_t timeout_ns)
{
	struct timespec ts = {(time_t)(timeout_ns / 1000000000ULL),
			      (long)(timeout_ns % 1000000000ULL)};
	int op = s->shared ? FUTEX_WAIT : FUTEX_WAIT_PRIVATE;

	if (syscall(SYS_futex, word, op, expected, timeout_ns ? &ts : NULL, NULL, 0) == 0)
		return 0;
	if (errno == EFAULT || errno == ENOSYS)
		return poll_wait(word, expected, timeout_ns);
	return errno;
}

int mm_sleep_wait(const struct mm_sleep *s, const uint32_t *word, uint32_t expected,
		  uint64_t timeout_ns)
{
	if (s->device)
		return device_wait(s, word, expected, timeout_ns);
	return futex_wait(s, word, expected, timeout_ns);
}

int mm_sleep_wake(const struct mm_sleep *s, const uint32_t *word, unsigned int count)
{
	long n;

	if (count > INT32_MAX)
		count = INT32_MAX;
	if (s->device) {
		struct mymap_wake w = {
		    .offset = (uint64_t)((const char *)word - s->base),
		    .count = count,
		};

		n = ioctl(s->fd, MYMAP_IOC_WAKE, &w);
	} else {
		int op = s->shared ? FUTEX_WAKE : FUTEX_WAKE_PRIVATE;

		n = syscall(SYS_futex, word, op, count, NULL, NULL, 0);
	}
	return n < 0 ? 0 : (int)n;
}

/* Whether @word is an aligned 32-bit word inside @h's region. */
static int word_ok(const struct mymap_heap *h, const uint32_t *word, const char *what)
{
	const char *p = (const char *)word;

	if (!h || p < h->base || p + sizeof(*word) > h->base + h->region.size ||
	    ((uintptr_t)p & (sizeof(*word) - 1)))
		return mm_fail(MYMAP_ERR_ARGUMENT, EINVAL,
			       "%s: word %p is not an aligned 32-bit word of the region", what,
			       (const void *)word);
	return 0;
}

int mymap_wait(struct mymap_heap *heap, const uint32_t *word, uint32_t expected,
	       uint64_t timeout_ns)
{
	int err;

	if (word_ok(heap, word, "mymap_wait") < 0)
		return -1;
	err = mm_sleep_wait(&heap->sleep, word, expected, timeout_ns);
	if (!err)
		return 0;
	errno = err;
	return -1;
}

int mymap_wake(struct mymap_heap *heap, const uint32_t *word, unsigned int count)
{
	if (word_ok(heap, word, "mymap_wake") < 0)
		return -1;
	return mm_sleep_wake(&heap->sleep, word, count);
}
