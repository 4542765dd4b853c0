// SPDX-License-Identifier: GPL-2.0
/*
 * test_heap.c - opening, formatting and attaching, the allocation calls'
 * edge cases, offsets and root slots, on the host backends.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mymap.h"
#include "tap.h"

#define SIZE (1u << 20)

static void test_open_fresh(void)
{
	struct mymap_heap *h;

	h = mymap_open_anon(SIZE, 0);
	tap_ok(h && mymap_heap_backend(h) == MYMAP_BACKEND_ANON && mymap_heap_size(h) == SIZE,
	       "anon: opens formatted, reports its backend and size");
	tap_ok(h && mymap_heap_fd(h) == -1 && errno == EBADF &&
		   mymap_last_error() == MYMAP_ERR_NO_FD,
	       "anon: has no descriptor (EBADF, MYMAP_ERR_NO_FD)");
	tap_ok(h && mymap_heap_check(h) == 0, "anon: a fresh heap passes mymap_heap_check");
	mymap_close(h);

	h = mymap_open_anon(100, 0);
	tap_ok(!h && errno == EINVAL && mymap_last_error() == MYMAP_ERR_SIZE,
	       "anon: a 100-byte heap is refused with EINVAL (saw errno %d)", errno);
	h = mymap_open_anon(SIZE, 0x80);
	tap_ok(!h && errno == EINVAL && mymap_last_error() == MYMAP_ERR_ARGUMENT,
	       "anon: unknown flags are refused with EINVAL");

	h = mymap_open_brk(SIZE, 0);
	tap_ok(h && mymap_heap_backend(h) == MYMAP_BACKEND_BRK, "brk: opens");
	struct mymap_heap *h2 = mymap_open_brk(SIZE, 0);

	tap_ok(!h2 && errno == EBUSY && mymap_last_error() == MYMAP_ERR_BUSY,
	       "brk: a second brk heap in one process is refused with EBUSY (saw errno %d)", errno);
	void *p = h ? mymap_malloc(h, 1000) : NULL;

	tap_ok(p && ((uintptr_t)mymap_heap_base(h) & 4095) == 0,
	       "brk: allocates, and the heap starts on a page boundary");
	tap_ok(mymap_close(h) == 0, "brk: closes");
	h2 = mymap_open_brk(SIZE, 0);
	tap_ok(h2 != NULL, "brk: can be opened again after close");
	mymap_close(h2);
}

static void test_attach(void)
{
	struct mymap_heap *h = mymap_open_memfd(SIZE, 0);
	int fd = h ? mymap_heap_fd(h) : -1;

	if (!tap_ok(h && fd >= 0, "memfd: opens with a descriptor"))
		return;
	void *p = mymap_malloc(h, 100);
	mymap_off_t off = mymap_offset(h, p);

	memcpy(p, "shared", 7);
	mymap_off_t expected = 0;

	tap_ok(mymap_root_cas(h, 1, &expected, off) == 0, "root slot 1 set by compare-and-swap");
	expected = 0;
	tap_ok(mymap_root_cas(h, 1, &expected, 16) == -1 && errno == EAGAIN && expected == off,
	       "root CAS with a stale expected value fails with EAGAIN and returns the value");
	tap_ok(mymap_root_cas(h, MYMAP_ROOT_SLOTS, &expected, 1) == -1 && errno == EINVAL,
	       "root slot %d does not exist (EINVAL)", MYMAP_ROOT_SLOTS);

	struct mymap_heap *h2 = mymap_open_fd(fd, 0);

	tap_ok(h2 && mymap_heap_base(h2) != mymap_heap_base(h),
	       "memfd: a second handle from the descriptor maps elsewhere");
	if (h2) {
		mymap_off_t root = mymap_root_get(h2, 1);
		const char *q = mymap_ptr(h2, root, 7);

		tap_ok(root == off && q && !strcmp(q, "shared"),
		       "the second mapping finds the block through the root slot and its offset");
		tap_ok(mymap_free(h2, (void *)q) == 0 && mymap_heap_check(h) == 0,
		       "a block allocated through one mapping is freed through the other");
		mymap_close(h2);
	}
	h2 = mymap_open_fd(fd, MYMAP_CREATE);
	tap_ok(h2 && mymap_root_get(h2, 1) == off,
	       "MYMAP_CREATE attaches to an existing heap without formatting it");
	mymap_close(h2);
	h2 = mymap_open_fd(fd, MYMAP_FORMAT);
	tap_ok(h2 && mymap_root_get(h2, 1) == 0, "MYMAP_FORMAT formats an existing heap anew");
	mymap_close(h2);

	/* Something that is not a heap: the device's fresh pattern. */
	unsigned char *base = mymap_heap_base(h);

	for (int i = 0; i < 10; i++)
		base[i] = (unsigned char)i;
	h2 = mymap_open_fd(fd, 0);
	tap_ok(!h2 && errno == ENODATA && mymap_last_error() == MYMAP_ERR_NOT_A_HEAP,
	       "a region holding 0..9 is refused without MYMAP_CREATE: ENODATA (saw errno %d)",
	       errno);
	tap_ok(base[0] == 0 && base[9] == 9, "and its bytes are left as they were");
	h2 = mymap_open_fd(fd, MYMAP_CREATE);
	tap_ok(h2 && mymap_heap_check(h2) == 0, "with MYMAP_CREATE it is formatted");
	mymap_close(h2);

	/* A heap of another version. */
	uint32_t *version = (uint32_t *)(base + 8);
	uint32_t saved = *version;

	*version = 99;
	h2 = mymap_open_fd(fd, 0);
	tap_ok(!h2 && errno == EPROTO && mymap_last_error() == MYMAP_ERR_VERSION,
	       "a heap of format version 99 is refused with EPROTO (saw errno %d)", errno);
	*version = saved;
	/* A heap copied into a region of another size no longer matches the header. */
	int big = memfd_create("big", MFD_CLOEXEC | MFD_ALLOW_SEALING);

	tap_ok(big >= 0 && ftruncate(big, 2 * SIZE) == 0 &&
		   pwrite(big, base, SIZE, 0) == (ssize_t)SIZE,
	       "a memfd of twice the size holds a copy of the heap");
	h2 = mymap_open_fd(big, 0);
	tap_ok(!h2 && errno == ERANGE && mymap_last_error() == MYMAP_ERR_SIZE,
	       "a heap in a region of another size is refused with ERANGE (saw errno %d)", errno);
	close(big);
	tap_ok(mymap_open_fd(-1, 0) == NULL && errno == EBADF, "a bad descriptor fails with EBADF");
	mymap_close(h);
}

/* Whether @fd carries both size seals. */
static bool size_sealed(int fd)
{
	int seals = fcntl(fd, F_GET_SEALS);

	return seals >= 0 &&
	       (seals & (F_SEAL_SHRINK | F_SEAL_GROW)) == (F_SEAL_SHRINK | F_SEAL_GROW);
}

/*
 * No process holding a memfd heap's descriptor can change its size (a
 * shrink would kill every process mapping it with SIGBUS); a memfd handed
 * over unsealed is sealed on attach if it allows sealing, refused if not.
 */
static void test_sealed(void)
{
	struct mymap_heap *h = mymap_open_memfd(SIZE, 0);
	int fd = h ? mymap_heap_fd(h) : -1;

	if (!tap_ok(h != NULL, "memfd heap for the seal tests"))
		return;
	tap_ok(size_sealed(fd), "memfd: the descriptor is sealed against shrinking and growing");
	tap_ok(ftruncate(fd, SIZE / 2) == -1 && errno == EPERM,
	       "memfd: another holder cannot shrink it (saw %s)", strerror(errno));
	tap_ok(ftruncate(fd, 2 * SIZE) == -1 && errno == EPERM, "memfd: nor grow it (saw %s)",
	       strerror(errno));
	tap_ok(mymap_heap_check(h) == 0, "memfd: the heap is whole");
	mymap_close(h);

	int open_fd = memfd_create("unsealed", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	struct mymap_heap *h2 = NULL;

	if (open_fd >= 0 && ftruncate(open_fd, SIZE) == 0)
		h2 = mymap_open_fd(open_fd, MYMAP_CREATE);
	tap_ok(h2 && size_sealed(open_fd) && ftruncate(open_fd, SIZE / 2) == -1,
	       "a memfd handed over unsealed but allowing seals is sealed by mymap_open_fd");
	mymap_close(h2);
	close(open_fd);

	int fixed_fd = memfd_create("unsealable", MFD_CLOEXEC);

	h2 = NULL;
	if (fixed_fd >= 0 && ftruncate(fixed_fd, SIZE) == 0)
		h2 = mymap_open_fd(fixed_fd, MYMAP_CREATE);
	tap_ok(!h2 && errno == EPERM && mymap_last_error() == MYMAP_ERR_UNSEALED,
	       "a memfd that cannot be sealed is refused: EPERM, MYMAP_ERR_UNSEALED (%s)",
	       mymap_last_message());
	close(fixed_fd);
}

static void test_calls(void)
{
	struct mymap_heap *h = mymap_open_anon(SIZE, 0);
	struct mymap_stats st, st0;

	if (!tap_ok(h != NULL, "anon heap for the call tests"))
		return;
	mymap_heap_stats(h, &st0);
	void *z = mymap_malloc(h, 0);
	void *z2 = mymap_malloc(h, 0);

	tap_ok(z && z2 && z != z2 && mymap_usable_size(h, z) == 16,
	       "malloc(0) gives distinct minimum blocks of 16 usable bytes");
	tap_ok(((uintptr_t)z & 15) == 0, "blocks are 16-byte aligned");
	mymap_free(h, z);
	mymap_free(h, z2);

	tap_ok(mymap_malloc(h, 2 * SIZE) == NULL && errno == ENOMEM &&
		   mymap_last_error() == MYMAP_ERR_NOMEM,
	       "a request larger than the heap fails with ENOMEM");
	tap_ok(mymap_malloc(h, SIZE_MAX) == NULL && errno == ENOMEM,
	       "a request of SIZE_MAX fails with ENOMEM");
	tap_ok(mymap_calloc(h, SIZE_MAX / 2, 3) == NULL && errno == EINVAL,
	       "calloc whose product overflows fails with EINVAL");
	mymap_heap_stats(h, &st);
	tap_ok(st.failed_count == 2, "failed_count counts the two refused requests (saw %llu)",
	       (unsigned long long)st.failed_count);

	unsigned char *c = mymap_malloc(h, 256);

	memset(c, 0xaa, 256);
	mymap_free(h, c);
	c = mymap_calloc(h, 16, 16);
	int zero = 1;

	for (int i = 0; i < 256; i++)
		zero &= c[i] == 0;
	tap_ok(c && zero, "calloc zeroes a recycled block");
	mymap_free(h, c);

	tap_ok(mymap_aligned_alloc(h, 24, 10) == NULL && errno == EINVAL,
	       "aligned_alloc with alignment 24 fails with EINVAL");
	tap_ok(mymap_aligned_alloc(h, 8192, 10) == NULL && errno == EINVAL,
	       "aligned_alloc above the page size fails with EINVAL");
	void *a = mymap_aligned_alloc(h, 4096, 100);

	tap_ok(a && ((uintptr_t)a & 4095) == 0, "aligned_alloc(4096) is page aligned");
	tap_ok(mymap_heap_check(h) == 0, "the gap before an aligned block is a valid free block");
	mymap_free(h, a);

	/*
	 * realloc: in place when shrinking and when the next block is free.  A
	 * fresh heap, so that the block after r is the free rest of the heap.
	 */
	mymap_close(h);
	h = mymap_open_anon(SIZE, 0);
	unsigned char *r = mymap_malloc(h, 1000);

	for (int i = 0; i < 1000; i++)
		r[i] = (unsigned char)i;
	unsigned char *r2 = mymap_realloc(h, r, 2000);

	tap_ok(r2 == r, "realloc grows in place into a free neighbour");
	r2 = mymap_realloc(h, r2, 100);
	tap_ok(r2 == r && mymap_usable_size(h, r2) >= 100 && mymap_usable_size(h, r2) < 1000,
	       "realloc shrinks in place (usable %zu)", mymap_usable_size(h, r2));
	void *blocker = mymap_malloc(h, 16);
	void *blocker2 = mymap_malloc(h, 16);

	(void)blocker2;
	int same = 1;
	unsigned char *r3 = mymap_realloc(h, r2, 50000);

	for (int i = 0; i < 100; i++)
		same &= r3 && r3[i] == (unsigned char)i;
	tap_ok(r3 && same, "realloc that must move keeps the contents");
	tap_ok(mymap_realloc(h, r3, 0) == r3 && mymap_usable_size(h, r3) == 16,
	       "realloc to 0 keeps a minimum block");
	tap_ok(mymap_realloc(h, r3, 4 * SIZE) == NULL && errno == ENOMEM &&
		   mymap_usable_size(h, r3) == 16,
	       "a failed realloc leaves the old block as it was");
	mymap_free(h, r3);
	mymap_free(h, blocker);
	mymap_free(h, blocker2);
	void *n = mymap_realloc(h, NULL, 10);

	tap_ok(n != NULL, "realloc(NULL) allocates");
	mymap_free(h, n);
	tap_ok(mymap_free(h, NULL) == 0, "free(NULL) is accepted");

	mymap_heap_stats(h, &st);
	tap_ok(st.in_use == 0 && st.used_blocks == 0 && st.free_blocks == 1 &&
		   st.free == st0.free && st.fragmentation == 0.0,
	       "after freeing everything the heap is one free block again (%llu blocks)",
	       (unsigned long long)st.free_blocks);
	tap_ok(st.peak_in_use >= 50000, "peak_in_use remembers the largest use (%llu)",
	       (unsigned long long)st.peak_in_use);
	mymap_close(h);
}

static void test_exhaustion(void)
{
	struct mymap_heap *h = mymap_open_anon(SIZE, 0);
	struct mymap_stats st;
	size_t got = 0;
	void **blocks = calloc(SIZE / 32, sizeof(void *));
	unsigned int n = 0;

	for (;;) {
		size_t size = 16 + (n * 37) % 1025;
		void *p = mymap_malloc(h, size);

		if (!p)
			break;
		blocks[n++] = p;
		got += size;
	}
	mymap_heap_stats(h, &st);
	tap_ok(got > SIZE * 85 / 100,
	       "random sizes 16..1040 fill the heap to %.1f %% before the first failure",
	       100.0 * (double)got / SIZE);
	tap_ok(st.largest_free < 1041, "at the failure the largest free block is small (%llu)",
	       (unsigned long long)st.largest_free);
	for (unsigned int i = 0; i < n; i += 2)
		mymap_free(h, blocks[i]);
	for (unsigned int i = 1; i < n; i += 2)
		mymap_free(h, blocks[i]);
	mymap_heap_stats(h, &st);
	tap_ok(st.free_blocks == 1 && mymap_heap_check(h) == 0,
	       "freeing every other block, then the rest, coalesces back into one block");
	free(blocks);
	mymap_close(h);
}

/*
 * On a heap of 62 GiB or more a request rounds up into the last class,
 * whose blocks may all be smaller than it: no room, not damage.  The
 * region is mapped without reserving swap (MAP_NORESERVE), and only the
 * pages of a few headers are ever written.  Where the system will not map
 * 63 GiB at all (strict overcommit, an address-space limit), it says so.
 */
static void test_huge_request(void)
{
	struct mymap_heap *h = mymap_open_anon((size_t)63 << 30, 0);
	struct mymap_stats st;

	if (!h && errno == ENOMEM) {
		tap_skip("a 63 GiB heap refuses a request that rounds past its last class",
			 "the system maps no 63 GiB region here (%s)", mymap_last_message());
		return;
	}
	if (!tap_ok(h != NULL, "a 63 GiB anon heap opens")) {
		tap_diag("%s", mymap_last_message());
		return;
	}
	void *p = mymap_malloc(h, mymap_heap_size(h));

	tap_ok(!p && errno == ENOMEM && mymap_last_error() == MYMAP_ERR_NOMEM &&
		   mymap_heap_stats(h, &st) == 0 && st.integrity_errors == 0,
	       "63 GiB: a request larger than any block is ENOMEM, with no damage counted (%s)",
	       mymap_last_message());
	p = mymap_malloc(h, mymap_heap_size(h) - (1u << 20));
	tap_ok(p && mymap_free(h, p) == 0 && mymap_heap_check(h) == 0,
	       "63 GiB: a request of all but 1 MiB of it is served from the last class");
	mymap_close(h);
}

static void test_offsets(void)
{
	struct mymap_heap *h = mymap_open_anon(SIZE, MYMAP_SHARED);
	int local;
	char *base = h ? mymap_heap_base(h) : NULL;

	if (!tap_ok(h != NULL, "anon shared heap opens"))
		return;
	tap_ok(mymap_offset(h, NULL) == 0 && mymap_ptr(h, 0, 8) == NULL,
	       "NULL and offset 0 convert to each other");
	tap_ok(mymap_offset(h, &local) == 0 && errno == EINVAL &&
		   mymap_last_error() == MYMAP_ERR_FOREIGN,
	       "a pointer outside the region has no offset (EINVAL)");
	tap_ok(mymap_ptr(h, SIZE - 8, 8) == base + SIZE - 8, "the last 8 bytes are in range");
	tap_ok(mymap_ptr(h, SIZE - 8, 9) == NULL && errno == EINVAL,
	       "9 bytes at the last 8 are out of range (EINVAL)");
	tap_ok(mymap_ptr(h, UINT64_MAX - 4, 8) == NULL, "an offset that wraps is out of range");
	mymap_close(h);
}

static void *spin_thread(void *arg)
{
	return arg;
}

/* Private heaps keep small freed blocks for reuse; nobody can tell, except by speed. */
static void test_cache(void)
{
	struct mymap_heap *h = mymap_open_anon(64 << 10, 0);
	struct mymap_stats st;
	void *p[64];
	unsigned int n = 0;

	if (!tap_ok(h != NULL, "private anon heap for the cache tests"))
		return;
	void *a = mymap_malloc(h, 100);

	mymap_free(h, a);
	tap_ok(mymap_malloc(h, 100) == a,
	       "a freed small block serves the next request of its size");
	tap_ok(mymap_free(h, a) == 0 && mymap_free(h, a) == -1 &&
		   mymap_last_error() == MYMAP_ERR_DOUBLE_FREE,
	       "a second free of a cached block is a double free");
	tap_ok(mymap_usable_size(h, a) == 0 && mymap_last_error() == MYMAP_ERR_DOUBLE_FREE,
	       "usable_size of a cached block says it is free");
	mymap_heap_stats(h, &st);
	tap_ok(st.in_use == 0 && st.used_blocks == 0 && st.free_blocks == 1 && st.free_count == 2,
	       "statistics count a cached block as freed and merged back (%llu free blocks)",
	       (unsigned long long)st.free_blocks);

	/* Fill the heap with small blocks, free them all: most wait in the cache. */
	while (n < 64 && (p[n] = mymap_malloc(h, 1000)) != NULL)
		n++;
	for (unsigned int i = 0; i < n; i++)
		mymap_free(h, p[i]);
	/*
	 * Three quarters of the region: more than the blocks that went back
	 * to the heap (all but the 16 cached), less than all of them merged.
	 */
	size_t most = mymap_heap_size(h) / 4 * 3;
	void *big = mymap_malloc(h, most);

	tap_ok(big != NULL,
	       "after %u blocks of 1000 bytes are freed, %zu bytes fit: cached blocks go back "
	       "to the heap when a request finds no room",
	       n, most);
	mymap_free(h, big);

	/* A second thread ends the cache: its blocks return to the heap. */
	for (unsigned int i = 0; i < 8; i++)
		p[i] = mymap_malloc(h, 200);
	for (unsigned int i = 0; i < 8; i++)
		mymap_free(h, p[i]);
	pthread_t t;

	pthread_create(&t, NULL, spin_thread, NULL);
	pthread_join(t, NULL);
	void *q = mymap_malloc(h, 200);

	tap_ok(q != NULL && mymap_free(h, q) == 0 && mymap_free(h, p[0]) == -1 &&
		   mymap_last_error() == MYMAP_ERR_DOUBLE_FREE && mymap_heap_check(h) == 0,
	       "once the process has two threads the heap works through the lock, cached blocks "
	       "are free blocks again, and the heap checks clean");
	mymap_close(h);
}

/*
 * Allocates and frees blocks too large for any cache, so every call takes
 * the lock, until told to stop.
 */
static struct mymap_heap *busy_heap;
static atomic_bool busy_stop;

static void *busy_in_heap(void *arg)
{
	(void)arg;
	for (unsigned int i = 0; !atomic_load(&busy_stop); i++)
		mymap_free(busy_heap, mymap_malloc(busy_heap, 2000 + (i % 64) * 16));
	return NULL;
}

/*
 * A fork handler a program registers, which uses the heap itself: it runs
 * before the library's own, which takes the heap's lock for the fork.
 */
static void use_heap_before_fork(void)
{
	if (busy_heap)
		mymap_free(busy_heap, mymap_malloc(busy_heap, 2000));
}

/*
 * fork() while another thread works in a private heap: the child's copy
 * is never caught with its lock held or a change half made.
 */
static void test_fork_while_busy(void)
{
	int forks = 50, hung = 0, damaged = 0;
	pthread_t t;

	pthread_atfork(use_heap_before_fork, NULL, NULL);
	busy_heap = mymap_open_anon(SIZE, 0);
	if (!tap_ok(busy_heap != NULL, "private anon heap for the fork test"))
		return;
	atomic_store(&busy_stop, false);
	pthread_create(&t, NULL, busy_in_heap, NULL);
	for (int i = 0; i < forks; i++) {
		pid_t pid = fork();
		int status;

		if (pid == 0) {
			int rc;

			/*
			 * A child of a process with threads counts as one with
			 * threads (glibc keeps __libc_single_threaded clear): it
			 * takes the lock of its copy.
			 */
			alarm(5);
			rc = mymap_heap_check(busy_heap) == 0 ? 0 : 2;
			mymap_free(busy_heap, mymap_malloc(busy_heap, 3000));
			_exit(rc);
		}
		waitpid(pid, &status, 0);
		if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM)
			hung++;
		else if (!WIFEXITED(status) || WEXITSTATUS(status))
			damaged++;
	}
	atomic_store(&busy_stop, true);
	pthread_join(t, NULL);
	tap_ok(hung == 0 && damaged == 0,
	       "%d forks while a thread works in a private heap, and a fork handler of the "
	       "program's uses it: every child can use its copy (%d hung on the lock, %d found it "
	       "damaged)",
	       forks, hung, damaged);
	mymap_close(busy_heap);
	busy_heap = NULL;
}

/* The backends a host has, each opened with a size and flags. */
static const struct {
	const char *name;
	struct mymap_heap *(*open)(size_t, unsigned int);
} host_backends[] = {
    {"anon", mymap_open_anon}, {"memfd", mymap_open_memfd}, {"brk", mymap_open_brk}};

/* mincore() of the whole heap: one byte a page, bit 0 set if resident; NULL on failure. */
static unsigned char *residency(struct mymap_heap *h)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	unsigned char *vec = malloc(mymap_heap_size(h) / page);

	if (vec && mincore(mymap_heap_base(h), mymap_heap_size(h), vec) != 0) {
		free(vec);
		vec = NULL;
	}
	return vec;
}

/* Pages of @h's region that are resident. */
static size_t resident_pages(struct mymap_heap *h)
{
	size_t n = mymap_heap_size(h) / (size_t)sysconf(_SC_PAGESIZE), count = 0;
	unsigned char *vec = residency(h);

	for (size_t i = 0; vec && i < n; i++)
		count += vec[i] & 1;
	free(vec);
	return count;
}

/* MYMAP_POPULATE makes the whole region resident at open; without it, only what was touched. */
static void test_populate(void)
{
	size_t pages = SIZE / (size_t)sysconf(_SC_PAGESIZE);

	for (size_t i = 0; i < sizeof(host_backends) / sizeof(host_backends[0]); i++) {
		struct mymap_heap *h = host_backends[i].open(SIZE, 0);
		size_t plain = h ? resident_pages(h) : 0;

		mymap_close(h);
		h = host_backends[i].open(SIZE, MYMAP_POPULATE);
		size_t populated = h ? resident_pages(h) : 0;

		tap_ok(h && populated == pages && plain < pages,
		       "%s: MYMAP_POPULATE makes all %zu pages resident at open (%zu; %zu without)",
		       host_backends[i].name, pages, populated, plain);
		void *p = h ? mymap_malloc(h, 1000) : NULL;

		tap_ok(p && mymap_free(h, p) == 0 && mymap_heap_check(h) == 0,
		       "%s: the populated heap allocates, frees and checks clean",
		       host_backends[i].name);
		mymap_close(h);
	}
	struct mymap_heap *h = mymap_open_anon(SIZE, MYMAP_SHARED | MYMAP_POPULATE | MYMAP_NOCACHE);

	tap_ok(h != NULL && resident_pages(h) == pages,
	       "MYMAP_SHARED, MYMAP_POPULATE and MYMAP_NOCACHE combine");
	mymap_close(h);
}

#define LINE (64u << 10)

/*
 * Pages made resident since @before (residency()) that do not start a
 * 64 KiB line of the arena, and (in *@on_lines) those that do.
 */
static size_t resident_off_lines(struct mymap_heap *h, const unsigned char *before,
				 size_t *on_lines)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), n = mymap_heap_size(h) / page, off = 0;
	unsigned char *now = residency(h);

	*on_lines = 0;
	for (size_t i = 0; now && before && i < n; i++)
		if ((now[i] & 1) && !(before[i] & 1)) {
			if (i * page % LINE)
				off++;
			else
				(*on_lines)++;
		}
	free(now);
	return now && before ? off : SIZE_MAX;
}

static uint64_t block_start(struct mymap_heap *h, const void *p)
{
	return mymap_offset(h, p) - 16;
}

static uint64_t block_end(struct mymap_heap *h, const void *p)
{
	return mymap_offset(h, p) + mymap_usable_size(h, p);
}

/*
 * The large-block grid (alloc.c): on a demand-paged heap a block of 64 KiB
 * or more starts and ends on a 64 KiB line, so a heap of large blocks of
 * every size writes only the pages at those lines; the device and a
 * populated heap place them tightly; and the grid never refuses a request
 * that fits.
 */
static void test_large_grid(void)
{
	const size_t arena = 256u << 20; /* four live blocks leave three quarters free */

	for (size_t b = 0; b < sizeof(host_backends) / sizeof(host_backends[0]); b++) {
		const char *name = host_backends[b].name;
		struct mymap_heap *h = host_backends[b].open(arena, 0);

		/* One page a touch: a transparent huge page would make 2 MiB resident. */
		if (h)
			madvise(mymap_heap_base(h), mymap_heap_size(h), MADV_NOHUGEPAGE);
		unsigned char *before = h ? residency(h) : NULL;
		void *live[4] = {NULL};
		uint64_t rng = 42, misplaced = 0;

		for (int op = 0; h && op < 20000; op++) {
			rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
			void **slot = &live[(rng >> 33) % 4];

			if (*slot) {
				mymap_free(h, *slot);
				*slot = NULL;
				continue;
			}
			size_t lo = (size_t)LINE << ((rng >> 40) % 6);

			*slot = mymap_malloc(h, lo + (rng >> 20) % lo);
			if (!*slot)
				break;
			memset(*slot, 0xa5, 16);
			misplaced += block_start(h, *slot) % LINE || block_end(h, *slot) % LINE;
		}
		size_t on_lines = 0,
		       off_lines = h ? resident_off_lines(h, before, &on_lines) : SIZE_MAX;

		tap_ok(
		    h && misplaced == 0 && mymap_heap_check(h) == 0,
		    "%s: 20000 requests of 64 KiB-4 MiB: every block starts and ends on a 64 KiB "
		    "line (%llu not)",
		    name, (unsigned long long)misplaced);
		tap_ok(off_lines == 0 && on_lines > 0,
		       "%s: of the pages they made resident, %zu start a line and %zu do not", name,
		       on_lines, off_lines);
		for (int i = 0; i < 4; i++)
			mymap_free(h, live[i]);
		free(before);

		/* Resizing keeps the block's end on a line. */
		void *p = h ? mymap_malloc(h, 100000) : NULL;
		void *q = p ? mymap_realloc(h, p, 300000) : NULL;
		void *r = q ? mymap_realloc(h, q, 70000) : NULL;

		tap_ok(p && q == p && r == p && block_end(h, r) % LINE == 0 &&
			   mymap_usable_size(h, r) >= 70000 &&
			   mymap_usable_size(h, r) < 70000 + LINE,
		       "%s: realloc grows and shrinks a large block in place, its end on a line "
		       "(%zu usable for 70000)",
		       name, r ? mymap_usable_size(h, r) : 0);
		mymap_free(h, r ? r : q ? q : p);
		mymap_close(h);
	}

	/* 256 KiB holds 200 KiB only off the grid: placed tightly, not refused. */
	struct mymap_heap *h = mymap_open_anon(256u << 10, 0);
	void *p = h ? mymap_malloc(h, 200000) : NULL;

	tap_ok(p && mymap_usable_size(h, p) < 200000 + 64 && mymap_heap_check(h) == 0,
	       "a large request that fits only off the grid is placed tightly (%zu usable)",
	       p ? mymap_usable_size(h, p) : 0);
	mymap_close(h);

	/* Near full, room counts more than pages: the last large blocks go in tightly. */
	unsigned int fit[2] = {0, 0};

	for (int populated = 0; populated < 2; populated++) {
		h = mymap_open_anon(1u << 20, populated ? MYMAP_POPULATE : 0);
		while (h && mymap_malloc(h, 65536))
			fit[populated]++;
		mymap_close(h);
	}
	/* An eighth of the arena at most goes in rounding, and one block's room before the first
	 * line. */
	tap_ok(fit[0] > 0 && fit[0] + (fit[1] + 7) / 8 + 1 >= fit[1],
	       "a 1 MiB heap holds %u blocks of 64 KiB, against %u placed tightly: at most an "
	       "eighth and one fewer",
	       fit[0], fit[1]);

	/* Resident from the start, a heap has no pages to save: tight. */
	h = mymap_open_anon(1u << 20, MYMAP_POPULATE);
	p = h ? mymap_malloc(h, 100000) : NULL;
	tap_ok(p && mymap_usable_size(h, p) < 100000 + 64,
	       "a populated heap places large blocks tightly (%zu usable for 100000)",
	       p ? mymap_usable_size(h, p) : 0);
	mymap_close(h);
}

/* On the host there is no module: each way of not finding it is explained. */
static void test_no_device(void)
{
	struct mymap_heap *h;
	char path[] = "/tmp/mymap-not-a-device-XXXXXX";
	int fd;

	if (access("/dev/mymap", F_OK) == 0) {
		tap_skip("device: without the module, each way of not finding it is explained",
			 "/dev/mymap exists here");
		return;
	}
	unsetenv("MYMAP_DEVICE");
	h = mymap_open_device(0);
	tap_ok(!h && errno == ENODEV && mymap_last_error() == MYMAP_ERR_NO_DEVICE &&
		   strstr(mymap_last_message(), "insmod"),
	       "device: without the module, ENODEV and a message saying how to load it (%s)",
	       mymap_last_message());
	setenv("MYMAP_DEVICE", "/nonexistent/mymap", 1);
	h = mymap_open_device(0);
	tap_ok(!h && errno == ENODEV && strstr(mymap_last_message(), "/nonexistent/mymap"),
	       "device: MYMAP_DEVICE naming a missing node: ENODEV naming it (%s)",
	       mymap_last_message());
	fd = mkstemp(path);
	setenv("MYMAP_DEVICE", path, 1);
	h = mymap_open_device(0);
	tap_ok(!h && errno == ENOTTY && mymap_last_error() == MYMAP_ERR_SYSTEM,
	       "device: MYMAP_DEVICE naming a plain file is refused: it answers no "
	       "MYMAP_IOC_INFO (%s)",
	       mymap_last_message());
	unsetenv("MYMAP_DEVICE");
	close(fd);
	unlink(path);
}

int main(void)
{
	test_open_fresh();
	test_attach();
	test_sealed();
	test_calls();
	test_exhaustion();
	test_huge_request();
	test_offsets();
	test_cache();
	test_populate();
	test_large_grid();
	test_fork_while_busy();
	test_no_device();
	tap_ok(mymap_strerror(MYMAP_ERR_DOUBLE_FREE)[0] && mymap_strerror((enum mymap_error)999)[0],
	       "every error code has a text");
	return tap_done();
}
