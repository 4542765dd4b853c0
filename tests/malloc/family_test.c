// SPDX-License-Identifier: GPL-2.0
/*
 * family_test - the malloc family's edge cases, run under LD_PRELOAD of
 * libmymap-malloc.so on one backend: overflow, alignment rules and their
 * errnos, realloc's special cases, usable sizes, and fork() while other
 * threads allocate, whose child must get a heap of its own.
 * usage: family_test BACKEND   (checks that malloc is the preloaded one)
 */
#include <dlfcn.h>
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tap.h"

/* Keeps the compiler from folding calls whose result it thinks it knows. */
static void *volatile sink;
static size_t volatile huge = SIZE_MAX / 2;

static void *(*volatile realloc_fn)(void *, size_t) = realloc;
static void *(*volatile reallocarray_fn)(void *, size_t, size_t) = reallocarray;

static bool aligned_to(const void *p, size_t alignment)
{
	return p && (uintptr_t)p % alignment == 0;
}

static void check_provider(void)
{
	Dl_info info = {0};
	void *(*volatile fn)(size_t) = malloc;
	/* before tap_ok(): its arguments are evaluated in no set order */
	bool found = dladdr((void *)fn, &info) && info.dli_fname;

	tap_ok(found && strstr(info.dli_fname, "libmymap-malloc"),
	       "malloc comes from libmymap-malloc.so (%s)", found ? info.dli_fname : "?");
}

static void check_malloc_free(void)
{
	void *a = malloc(0), *b = malloc(0);
	int e;

	tap_ok(a && b && a != b, "malloc(0) gives distinct non-NULL pointers (%p %p)", a, b);
	free(a);
	free(b);
	errno = 1234;
	free(NULL);
	tap_ok(errno == 1234, "free(NULL) does nothing and leaves errno (%d)", errno);
	errno = 0;
	sink = malloc(huge * 2 + 1);
	e = errno;
	tap_ok(!sink && e == ENOMEM, "malloc(SIZE_MAX) is NULL with ENOMEM (%p, errno %d)", sink,
	       e);
}

static void check_calloc(void)
{
	unsigned char *p;
	bool zero = true;
	int e;

	errno = 0;
	sink = calloc(huge, 4);
	e = errno;
	tap_ok(!sink && e == ENOMEM,
	       "calloc whose product overflows is NULL with ENOMEM (errno %d)", e);
	p = malloc(4000);
	if (p)
		memset(p, 0xa5, 4000);
	free(p);
	p = calloc(1000, 4);
	for (size_t i = 0; p && i < 4000; i++)
		zero &= p[i] == 0;
	tap_ok(p && zero, "calloc(1000, 4) gives zeroed memory after a dirty block was freed");
	free(p);
}

static void check_aligned(void)
{
	void *p = NULL;
	int r, e;

	errno = 0;
	sink = aligned_alloc(24, 48);
	e = errno;
	tap_ok(!sink && e == EINVAL, "aligned_alloc(24, 48): NULL with EINVAL (errno %d)", e);
	for (size_t a = 1; a <= (size_t)1 << 20; a <<= 1) {
		void *q = aligned_alloc(a, 100);
		bool ok = aligned_to(q, a) && malloc_usable_size(q) >= 100;

		if (q)
			memset(q, 1, 100);
		free(q);
		if (!ok || a == 64 || a == 4096 || a == (size_t)1 << 20)
			tap_ok(ok, "aligned_alloc(%zu, 100) is aligned with 100 usable bytes (%p)",
			       a, q);
	}
	sink = aligned_alloc(64, 1);
	tap_ok(aligned_to(sink, 64),
	       "aligned_alloc accepts a size that is not a multiple of the alignment");
	free(sink);

	errno = 77;
	r = posix_memalign(&p, 4, 8);
	tap_ok(r == EINVAL && errno == 77, "posix_memalign(4): EINVAL, errno untouched (%d, %d)", r,
	       errno);
	r = posix_memalign(&p, 24, 8);
	tap_ok(r == EINVAL, "posix_memalign(24): not a power of two, EINVAL (%d)", r);
	r = posix_memalign(&p, 0, 8);
	tap_ok(r == EINVAL, "posix_memalign(0): EINVAL (%d)", r);
	r = posix_memalign(&p, 256, 1000);
	tap_ok(r == 0 && aligned_to(p, 256), "posix_memalign(256, 1000) = 0, aligned (%p)", p);
	free(p);
	r = posix_memalign(&p, (size_t)1 << 16, 10);
	tap_ok(r == 0 && aligned_to(p, (size_t)1 << 16),
	       "posix_memalign(64 KiB, 10) = 0, aligned (%p)", p);
	free(p);
	r = posix_memalign(&p, 64, huge * 2);
	tap_ok(r == ENOMEM, "posix_memalign of SIZE_MAX: ENOMEM (%d)", r);

	p = memalign(48, 10);
	tap_ok(aligned_to(p, 64), "memalign(48) rounds the alignment up to 64 (%p)", p);
	free(p);
	p = valloc(10);
	tap_ok(aligned_to(p, (size_t)sysconf(_SC_PAGESIZE)), "valloc is page-aligned (%p)", p);
	free(p);
	p = pvalloc(1);
	tap_ok(aligned_to(p, (size_t)sysconf(_SC_PAGESIZE)) &&
		   malloc_usable_size(p) >= (size_t)sysconf(_SC_PAGESIZE),
	       "pvalloc(1) is page-aligned with a whole page usable (%zu)", malloc_usable_size(p));
	free(p);
	p = pvalloc(0);
	tap_ok(p != NULL, "pvalloc(0) gives a page");
	free(p);
}

static void check_realloc(void)
{
	char *p = realloc(NULL, 100), *q;
	bool kept = true;
	int e;

	tap_ok(p != NULL, "realloc(NULL, 100) acts as malloc");
	for (int i = 0; p && i < 100; i++)
		p[i] = (char)i;
	q = realloc(p, 100000);
	for (int i = 0; q && i < 100; i++)
		kept &= q[i] == (char)i;
	tap_ok(q && kept, "realloc to 100000 bytes keeps the contents");
	p = realloc(q, 50);
	kept = true;
	for (int i = 0; p && i < 50; i++)
		kept &= p[i] == (char)i;
	tap_ok(p && kept, "realloc down to 50 bytes keeps the first 50");
	q = realloc(p, 0);
	tap_ok(q == NULL, "realloc(p, 0) frees p and returns NULL, as glibc");
	p = malloc(10);
	errno = 0;
	/* through a volatile pointer: a failed realloc leaves p live, which
	 * the compiler's use-after-free warning cannot know */
	q = realloc_fn(p, huge * 2);
	e = errno;
	tap_ok(!q && e == ENOMEM && malloc_usable_size(p) >= 10,
	       "a failed realloc is NULL with ENOMEM and leaves the block (errno %d)", e);
	errno = 0;
	q = reallocarray_fn(p, huge, 4);
	e = errno;
	tap_ok(!q && e == ENOMEM, "reallocarray whose product overflows: ENOMEM (errno %d)", e);
	q = reallocarray(p, 10, 10);
	tap_ok(q && malloc_usable_size(q) >= 100, "reallocarray(p, 10, 10) gives 100 bytes");
	free(q);
}

static void check_usable_size(void)
{
	bool ok = true;
	size_t bad = 0;

	for (size_t n = 1; n < 70000 && ok; n = n * 3 / 2 + 1) {
		char *p = malloc(n);

		ok = p && malloc_usable_size(p) >= n;
		if (ok)
			memset(p, 0x5a, malloc_usable_size(p));
		else
			bad = n;
		free(p);
	}
	tap_ok(ok,
	       "malloc_usable_size(p) >= n, and all of it writable, for n from 1 to 70000 (first "
	       "bad %zu)",
	       bad);
	tap_ok(malloc_usable_size(NULL) == 0, "malloc_usable_size(NULL) is 0");
}

/*
 * fork() while two threads keep allocating, over-aligned blocks too: the
 * child's heap is its own, and no lock is held in it.
 */
static atomic_bool stop;

static void *churn(void *arg)
{
	void *slots[64] = {0};
	unsigned int x = (unsigned int)(uintptr_t)arg;

	while (!atomic_load(&stop)) {
		x = x * 1103515245 + 12345;
		free(slots[x % 64]);
		/* now and then a block aligned beyond the page (its own table) */
		slots[x % 64] = x % 61 ? malloc(16 + (x >> 8) % 2000) : aligned_alloc(16384, 100);
		if (slots[x % 64])
			memset(slots[x % 64], 1, 16);
	}
	for (int i = 0; i < 64; i++)
		free(slots[i]);
	return NULL;
}

static int child_work(char *parents)
{
	char *mine[200];

	alarm(20);
	if (strcmp(parents, "before fork") != 0)
		return 2;
	for (int i = 0; i < 200; i++) {
		mine[i] = malloc(32 + (size_t)i * 50);
		if (!mine[i])
			return 3;
		memset(mine[i], i, 32);
	}
	for (int i = 0; i < 200; i++)
		free(mine[i]);
	strcpy(parents, "child wrote");
	free(parents);
	return 0;
}

static void check_fork(void)
{
	pthread_t t[2];
	int children_ok = 0, isolated = 0, rounds = 20;

	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, churn, (void *)(uintptr_t)(i + 7));
	for (int r = 0; r < rounds; r++) {
		char *mine = strdup("before fork");
		int status;
		pid_t pid = fork();

		if (pid == 0)
			_exit(child_work(mine));
		if (pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
		    WEXITSTATUS(status) == 0)
			children_ok++;
		else if (pid > 0)
			tap_diag("child %d: status %#x", r, status);
		isolated += mine && strcmp(mine, "before fork") == 0;
		free(mine);
	}
	atomic_store(&stop, true);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	tap_ok(
	    children_ok == rounds,
	    "%d children forked while two threads allocate each allocate, free and exit (%d did)",
	    rounds, children_ok);
	tap_ok(isolated == rounds,
	       "a child's writes to, and free of, a block it inherited leave the parent's as it "
	       "was (%d of %d)",
	       isolated, rounds);
}

int main(int argc, char **argv)
{
	tap_diag("backend %s", argc > 1 ? argv[1] : "(default)");
	check_provider();
	check_malloc_free();
	check_calloc();
	check_aligned();
	check_realloc();
	check_usable_size();
	check_fork();
	return tap_done();
}
