// SPDX-License-Identifier: GPL-2.0
/*
 * overcommit - demonstrates when malloc() really returns NULL on Linux: not
 * when memory runs out (the kernel promises more than it has, and memory is
 * taken when touched), but when the kernel refuses the address space: one
 * request larger than RAM and swap under the default heuristic, or past
 * RLIMIT_AS.
 */
#include "experiment.h"

#include <sys/resource.h>

#define KIB	   1024ul
#define MIB	   (1024 * KIB)
#define GIB	   (1024 * MIB)
#define MAX_BLOCKS 64

/* A field of /proc/meminfo in bytes; 0 if unreadable. */
static size_t meminfo_bytes(const char *field)
{
	long kb = procfs_read("/proc/meminfo") ? procfs_field(procfs_text, field) : -1;

	return kb > 0 ? (size_t)kb * KIB : 0;
}

struct limited {
	int setrlimit_ok;
	int got_null; /* malloc(256 MiB) returned NULL */
	int err;      /* its errno */
	int small_ok; /* a malloc(64) still works afterwards */
};

/* In a child: RLIMIT_AS at what is mapped now + 64 MiB, then malloc(256 MiB). */
static void under_rlimit(const void *arg, void *result)
{
	struct limited *l = result;
	struct rlimit lim;
	long vm_kb = procfs_status_kb("VmSize");
	void *p;

	(void)arg;
	lim.rlim_cur = lim.rlim_max = (rlim_t)vm_kb * KIB + 64 * MIB;
	l->setrlimit_ok = vm_kb > 0 && setrlimit(RLIMIT_AS, &lim) == 0;
	errno = 0;
	p = malloc(256 * MIB);
	l->got_null = p == NULL;
	l->err = errno;
	l->small_ok = malloc(64) != NULL;
}

int main(void)
{
	size_t ram = meminfo_bytes("MemTotal"), swap = meminfo_bytes("SwapTotal");
	size_t each, total = 0;
	long mode = procfs_sysctl("/proc/sys/vm/overcommit_memory");
	long rss_before, rss_after;
	void *blocks[MAX_BLOCKS], *too_big;
	int count = 0;
	struct limited l;

	report_begin("experiment 6c: overcommit, and when malloc really returns NULL");
	report_about(
	    "malloc(n) asks the kernel for address space, not memory: a page gets memory when\n"
	    "it is first touched (experiment 6).  So the kernel can promise more than it has,\n"
	    "and by default it does (overcommit): vm.overcommit_memory 0 refuses only a single\n"
	    "request that could never fit, larger than RAM and swap together; 1 refuses\n"
	    "nothing; 2 keeps the total promised under a limit (CommitLimit).  Where a promise\n"
	    "cannot be kept, the process is not told by malloc: the OOM killer ends a process\n"
	    "when memory is touched.  These checks allocate without touching.");
	if (!tap_ok(mode >= 0 && ram > 0,
		    "vm.overcommit_memory and MemTotal can be read: mode %ld, %zu MiB RAM, %zu MiB "
		    "swap",
		    mode, ram / MIB, swap / MIB))
		return tap_done();

	/* First, while this process has not called malloc: the child must start fresh. */
	tap_diag("in a child, RLIMIT_AS set 64 MiB above what it has mapped:");
	if (!fresh_child_run(under_rlimit, NULL, &l, sizeof(l)))
		return tap_ok(false, "the child under RLIMIT_AS ran"), tap_done();
	tap_ok(l.setrlimit_ok && l.got_null && l.err == ENOMEM && l.small_ok,
	       "malloc(256 MiB) returns NULL with ENOMEM whatever the overcommit mode, while a "
	       "malloc(64) still works (%s)",
	       l.got_null ? strerror(l.err) : "it succeeded");
	if (mode == 2) {
		tap_skip("malloc succeeds for more than RAM and swap in all",
			 "this machine uses strict accounting (vm.overcommit_memory 2)");
	} else {
		/* Each three quarters of RAM and swap: together far more than there is. */
		each = (ram + swap) / 4 * 3;
		rss_before = procfs_status_kb("VmRSS");
		while (count < MAX_BLOCKS && total <= 2 * (ram + swap)) {
			blocks[count] = malloc(each);
			if (!blocks[count])
				break;
			total += each;
			count++;
		}
		rss_after = procfs_status_kb("VmRSS");
		tap_ok(total > 2 * (ram + swap),
		       "%d mallocs of %zu MiB each succeed: %zu MiB promised, more than twice RAM "
		       "and swap",
		       count, each / MIB, total / MIB);
		tap_ok(rss_after - rss_before < 1024,
		       "and none of it is memory yet: VmRSS %+ld kB (only malloc's headers)",
		       rss_after - rss_before);
		while (count > 0)
			free(blocks[--count]);
	}

	errno = 0;
	too_big = malloc(ram + swap + GIB);
	if (mode == 0)
		tap_ok(too_big == NULL && errno == ENOMEM,
		       "one malloc of RAM + swap + 1 GiB (%zu MiB) returns NULL with ENOMEM: the "
		       "heuristic refuses a single request that could never fit (%s)",
		       (ram + swap + GIB) / MIB, too_big ? "it succeeded" : strerror(errno));
	else if (mode == 1)
		tap_ok(
		    too_big != NULL,
		    "with vm.overcommit_memory 1 even one malloc of RAM + swap + 1 GiB succeeds");
	else
		tap_ok(too_big == NULL && errno == ENOMEM,
		       "with strict accounting a malloc above CommitLimit returns NULL: %s",
		       too_big ? "it succeeded" : strerror(errno));
	free(too_big);

	tap_diag("note: classic notes say malloc returns NULL when memory is exhausted; on Linux "
		 "it returns NULL when the address space is refused (RLIMIT_AS, a request no "
		 "heuristic can allow, or strict accounting), and running out of memory shows "
		 "up later, as the OOM killer, when pages are touched");
	return tap_done();
}
