// SPDX-License-Identifier: GPL-2.0
/*
 * brk-vs-mmap - demonstrates malloc's two sources of memory: a small request
 * is carved from the heap (growing it with brk), a 5,000,000-byte request
 * gets a mapping of its own from mmap; seen in /proc/self/maps and in an
 * strace of the same two mallocs.
 */
#include "experiment.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LARGE 5000000
#define PAGE  4096

struct sources {
	uintptr_t start, brk_before, small, brk_small, large, brk_large;
	struct mapping large_map; /* the mapping holding the large block */
	int large_unmapped;	  /* its address is unmapped after free() */
};

static void allocate(const void *arg, void *result)
{
	struct sources *s = result;
	struct mapping after_free;
	void *large;

	(void)arg;
	s->start = procfs_start_brk();
	s->brk_before = (uintptr_t)sbrk(0);
	s->small = (uintptr_t)malloc(64);
	s->brk_small = (uintptr_t)sbrk(0);
	large = malloc(LARGE);
	s->large = (uintptr_t)large;
	s->brk_large = (uintptr_t)sbrk(0);
	procfs_mapping_at(s->large, &s->large_map);
	free(large);
	s->large_unmapped = !procfs_mapping_at(s->large, &after_free);
}

/* The program as strace sees it: markers written between the two mallocs. */
static int traced(void)
{
	static const char small[] = "mark: malloc(64)\n", large[] = "mark: malloc(5000000)\n",
			  end[] = "mark: end\n";
	void *p, *q;

	(void)!write(STDOUT_FILENO, small, sizeof(small) - 1);
	p = malloc(64);
	(void)!write(STDOUT_FILENO, large, sizeof(large) - 1);
	q = malloc(LARGE);
	(void)!write(STDOUT_FILENO, end, sizeof(end) - 1);
	if (!p || !q)
		return 1;
	/* Use both blocks, or gcc may drop the malloc/free pairs. */
	*(volatile char *)p = 1;
	*(volatile char *)q = 1;
	free(q);
	free(p);
	return 0;
}

/* The trace file's text: strace of a program this small is a few KiB. */
static char trace[32 * 1024];

/* Runs this program under strace into @path; returns strace's exit status or -1 with errno. */
static int run_strace(char *path)
{
	char self[PATH_MAX];
	char *argv[] = {"strace", "-o",	      path, "-e", "trace=brk,mmap,munmap,write",
			self,	  "--traced", NULL};

	if (!spawn_self_path(self, sizeof(self)))
		return -1;
	/* quiet: the traced program's markers go only into the trace. */
	return spawn_and_wait(argv, true);
}

/* The lines of trace[] between the lines containing @from and @to, or NULL. */
static char *section(const char *from, const char *to, size_t *len)
{
	char *a = strstr(trace, from), *b;

	if (!a)
		return NULL;
	a += strcspn(a, "\n");
	b = strstr(a, to);
	if (!b)
		return NULL;
	while (b > a && b[-1] != '\n')
		b--;
	*len = (size_t)(b - a);
	return a;
}

/* Whether @needle occurs in the first @len bytes of @hay. */
static int contains(const char *hay, size_t len, const char *needle)
{
	size_t n = strlen(needle);

	for (size_t i = 0; i + n <= len; i++)
		if (memcmp(hay + i, needle, n) == 0)
			return 1;
	return 0;
}

/* Prints each line of a section as a TAP comment. */
static void show(const char *text, size_t len)
{
	while (len) {
		size_t n = strcspn(text, "\n");

		if (n > len)
			n = len;
		if (n)
			tap_diag("  strace: %.*s", (int)n, text);
		n += n < len;
		text += n;
		len -= n;
	}
}

static void check_strace(void)
{
	char path[] = "/tmp/exp-brk-vs-mmap-XXXXXX";
	size_t small_len = 0, large_len = 0;
	char *small, *large;
	ssize_t n;
	int fd = mkstemp(path), status;

	if (fd < 0) {
		tap_ok(0, "a file for strace's output: mkstemp: %s", strerror(errno));
		return;
	}
	status = run_strace(path);
	n = read(fd, trace, sizeof(trace) - 1);
	close(fd);
	unlink(path);
	if (status == 127) {
		tap_skip("strace shows brk for the small malloc", "strace is not installed");
		tap_skip("strace shows mmap for the large malloc", "strace is not installed");
		return;
	}
	trace[n > 0 ? n : 0] = '\0';
	small = section("malloc(64)", "malloc(5000000)", &small_len);
	large = section("malloc(5000000)", "mark: end", &large_len);
	if (!tap_ok(status == 0 && small && large,
		    "strace ran the program and recorded its markers: exit status %d, %zd bytes",
		    status, n))
		return;
	tap_diag("strace -e trace=brk,mmap,munmap,write, between the markers:");
	show(small, small_len);
	tap_ok(contains(small, small_len, "brk(0x") && !contains(small, small_len, "mmap("),
	       "strace: the first small malloc calls brk to grow the heap, not mmap");
	show(large, large_len);
	tap_ok(contains(large, large_len,
			"mmap(NULL, 5001216, PROT_READ|PROT_WRITE, "
			"MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)") &&
		   !contains(large, large_len, "brk("),
	       "strace: malloc(5000000) is one anonymous mmap of 5001216 bytes and no brk");
	tap_diag("5001216 = 5000000 + the 16-byte chunk header, rounded up to whole pages");
}

int main(int argc, char **argv)
{
	struct sources s;
	uintptr_t map_size;

	if (argc == 2 && strcmp(argv[1], "--traced") == 0)
		return traced();

	report_begin("experiment 3a: small mallocs use brk, large ones mmap");
	report_about(
	    "malloc has two sources of memory: small blocks are carved from the heap, which\n"
	    "grows with brk; a large block gets a mapping of its own from mmap, so that free()\n"
	    "can return it to the kernel at once.  This program makes one of each and finds\n"
	    "them in /proc/self/maps, then runs itself under strace to show the same two\n"
	    "system calls.");
	if (!fresh_child_run(allocate, NULL, &s, sizeof(s)))
		return tap_ok(0, "the measuring child ran"), tap_done();

	tap_ok(s.brk_small > s.brk_before && s.small >= s.start && s.small < s.brk_small,
	       "malloc(64) comes from the heap and moved the break: heap+%#lx, break +%#lx",
	       (unsigned long)(s.small - s.start), (unsigned long)(s.brk_small - s.brk_before));
	tap_ok(s.brk_large == s.brk_small && (s.large < s.start || s.large >= s.brk_large),
	       "malloc(5000000) leaves the break alone and lies outside the heap: %#lx",
	       (unsigned long)s.large);
	map_size = s.large_map.end - s.large_map.start;
	tap_diag("its mapping: %lx-%lx %s %s (%lu bytes)", (unsigned long)s.large_map.start,
		 (unsigned long)s.large_map.end, s.large_map.perms,
		 s.large_map.name[0] ? s.large_map.name : "(anonymous)", (unsigned long)map_size);
	tap_ok(s.large_map.start == s.large - 16 && s.large_map.name[0] == '\0' &&
		   strcmp(s.large_map.perms, "rw-p") == 0,
	       "the block is 16 bytes (its chunk header) into a private anonymous rw-p mapping: "
	       "mapping starts at %#lx, %s",
	       (unsigned long)s.large_map.start, s.large_map.perms);
	tap_ok(map_size >= LARGE + 16 && map_size < LARGE + 16 + PAGE,
	       "the mapping is the request plus header rounded up to pages: %lu bytes",
	       (unsigned long)map_size);
	tap_ok(s.large_unmapped, "free() of the large block unmaps it at once (munmap)");
	tap_diag("so the 5 MB go back to the kernel on free(), unlike heap memory (experiment 2)");
	tap_diag("note: the break moved by %#lx even though the program's first malloc could "
		 "have been the large one: glibc's first malloc allocates its thread cache "
		 "from the heap",
		 (unsigned long)(s.brk_small - s.brk_before));

	check_strace();
	return tap_done();
}
