// SPDX-License-Identifier: GPL-2.0
/*
 * mmap-shared-anon - demonstrates an anonymous MAP_SHARED mapping as memory
 * shared with a fork()ed child, next to a MAP_PRIVATE one that the fork
 * copies instead.
 */
#include "experiment.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGE 4096

int main(void)
{
	char *shared, *private;
	int status = 0;
	pid_t pid;

	report_begin("experiment 7c: an anonymous shared mapping across fork");
	report_about(
	    "Memory mapped MAP_SHARED | MAP_ANONYMOUS has no file behind it, yet stays\n"
	    "shared with the children a process forks: the simplest memory two related\n"
	    "processes can both write.  This program forks and compares such a page with a\n"
	    "MAP_PRIVATE one, which fork copies instead.");
	shared = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	private = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!tap_ok(shared != MAP_FAILED && private != MAP_FAILED,
		    "one MAP_SHARED and one MAP_PRIVATE anonymous page: %s",
		    shared == MAP_FAILED || private == MAP_FAILED ? strerror(errno) : "mapped"))
		return tap_done();
	tap_ok(shared[0] == 0 && private[0] == 0, "both start zero-filled");
	strcpy(shared, "from the parent");
	strcpy(private, "from the parent");

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		/* The child sees what the parent wrote before the fork, in both. */
		int saw = strcmp(shared, "from the parent") == 0 &&
			  strcmp(private, "from the parent") == 0;

		strcpy(shared, "from the child");
		strcpy(private, "from the child");
		_exit(saw ? 0 : 1);
	}
	if (!tap_ok(pid > 0 && waitpid(pid, &status, 0) == pid, "fork a child and wait for it"))
		return tap_done();
	tap_ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	       "the child inherits both mappings with the parent's contents");
	tap_ok(strcmp(shared, "from the child") == 0,
	       "the child's store to the MAP_SHARED page is seen by the parent: \"%s\"", shared);
	tap_ok(strcmp(private, "from the parent") == 0,
	       "its store to the MAP_PRIVATE page is not (fork copied it on write): \"%s\"",
	       private);
	tap_diag("a shared anonymous mapping is the simplest memory shared between related "
		 "processes; unrelated ones need a name (experiment 7d) or a device (/dev/mymap)");
	munmap(shared, PAGE);
	munmap(private, PAGE);
	return tap_done();
}
