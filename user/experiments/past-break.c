// SPDX-License-Identifier: GPL-2.0
/*
 * past-break - demonstrates that the heap ends at a page boundary the kernel
 * enforces: a child that writes just past the heap's last page dies of
 * SIGSEGV, while bytes past the break inside the last page are still
 * (wrongly, but silently) writable.
 */
#include "experiment.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGE 4096u

/* What the child tells its parent as it goes. */
struct step {
	int survived;	/* 1: wrote the byte and lived; 0: the fault address follows */
	uintptr_t addr; /* the address written, or the faulting address */
};

static int report_fd = -1;

static void send_step(int survived, uintptr_t addr)
{
	struct step s = {survived, addr};

	(void)!write(report_fd, &s, sizeof(s));
}

/*
 * Reports where the fault happened; SA_RESETHAND has restored the default
 * action, so returning retries the write and the child dies of SIGSEGV.
 */
static void on_segv(int sig, siginfo_t *info, void *context)
{
	(void)sig;
	(void)context;
	send_step(0, (uintptr_t)info->si_addr); /* write(2) is async-signal-safe */
}

/* The child: writes @first (expected to work), then @second (expected to fault). */
static void child(char *first, char *second)
{
	struct sigaction sa = {.sa_sigaction = on_segv, .sa_flags = SA_SIGINFO | SA_RESETHAND};
	struct rlimit no_core = {0, 0};

	setrlimit(RLIMIT_CORE, &no_core); /* the crash is the point, a core file is not */
	sigaction(SIGSEGV, &sa, NULL);
	*(volatile char *)first = 1;
	send_step(1, (uintptr_t)first);
	*(volatile char *)second = 1;
	send_step(1, (uintptr_t)second);
	_exit(0);
}

/* Runs child(@first, @second) and checks what happened. */
static void write_and_crash(char *first, char *second, const char *first_what,
			    const char *second_what)
{
	struct step steps[2] = {{0}};
	int fds[2], status = 0;
	ssize_t got = 0, n;
	pid_t pid;

	if (pipe(fds) < 0 || (fflush(stdout), pid = fork()) < 0) {
		tap_ok(0, "start a child: %s", strerror(errno));
		return;
	}
	if (pid == 0) {
		close(fds[0]);
		report_fd = fds[1];
		child(first, second);
	}
	close(fds[1]);
	while ((n = read(fds[0], (char *)steps + got, sizeof(steps) - (size_t)got)) > 0)
		got += n;
	close(fds[0]);
	waitpid(pid, &status, 0);

	tap_ok(got >= (ssize_t)sizeof(steps[0]) && steps[0].survived,
	       "the child writes %s (%#lx) and lives", first_what, (unsigned long)first);
	tap_ok(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV,
	       "writing %s kills it with SIGSEGV: %s %d", second_what,
	       WIFSIGNALED(status) ? "signal" : "exit status",
	       WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
	tap_ok(got == (ssize_t)sizeof(steps) && !steps[1].survived &&
		   steps[1].addr == (uintptr_t)second,
	       "its SIGSEGV handler saw the fault at exactly that address: si_addr %#lx",
	       (unsigned long)steps[1].addr);
}

int main(void)
{
	struct mapping heap, at;
	char *brk_now, *heap_end;
	void *block;

	report_begin("experiment 5: writing past the end of the heap");
	report_about(
	    "The kernel protects memory in pages.  Writing past the heap's last page is a\n"
	    "segmentation fault; writing past the break but inside the last page is not, and\n"
	    "goes unnoticed.  This program lets a child do both and reports how it died.");

	block = malloc(64);	     /* let malloc create the heap */
	*(volatile char *)block = 1; /* a block never used would be optimised away */
	brk_now = sbrk(0);
	tap_ok(procfs_heap(&heap) && heap.end == (uintptr_t)brk_now,
	       "after malloc the [heap] line ends at the break, %p: malloc keeps it page-aligned",
	       (void *)brk_now);
	tap_ok(!procfs_mapping_at((uintptr_t)brk_now, &at),
	       "nothing is mapped at the break: the address space just past the heap is empty");
	write_and_crash(brk_now - 1, brk_now, "the heap's last byte", "the first byte past it");
	tap_diag("the parent saw the child die: no mapping covers the address past the heap, so "
		 "the kernel delivers SIGSEGV");

	/* Move the break off a page boundary: the rest of that page is still mapped. */
	sbrk(100);
	heap_end = (char *)(((uintptr_t)sbrk(0) + PAGE - 1) & ~(uintptr_t)(PAGE - 1));
	write_and_crash((char *)sbrk(0) + 10, heap_end,
			"10 bytes past a break that is not page-aligned",
			"the first byte of the next page");
	tap_diag("the kernel protects whole pages: past the break but inside its page a write "
		 "goes unnoticed, which is why such bugs need tools like ASan or valgrind");
	sbrk(-100);
	free(block);
	return tap_done();
}
