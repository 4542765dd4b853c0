// SPDX-License-Identifier: GPL-2.0
/*
 * mymap-bench-alloc-jemalloc - the alloc benchmark's worker for jemalloc.
 *
 * Debian's libjemalloc exports the unprefixed malloc family, so linking it
 * replaces malloc for the whole process, as it does for any program that
 * uses it; hence a program of its own, started by mymap-bench-alloc.  The
 * workloads call malloc/free/realloc, which resolve to jemalloc here.
 */
#include <jemalloc/jemalloc.h>
#include <stdio.h>
#include <string.h>

#include "alloc-subjects.h"
#include "alloc-worker.h"

static int jemalloc_open(struct alloc_heap *h, size_t arena_bytes)
{
	const char *version = NULL;
	size_t len = sizeof(version);

	(void)arena_bytes;
	if (!alloc_malloc_is_from("jemalloc"))
		return -1;
	if (mallctl("version", &version, &len, NULL, 0) != 0 || !version) {
		fprintf(stderr,
			"mymap-bench-alloc: jemalloc does not answer mallctl(\"version\")\n");
		return -1;
	}
	alloc_use_malloc(h);
	return 0;
}

static void jemalloc_close(struct alloc_heap *h)
{
	(void)h;
}

const struct alloc_subject alloc_jemalloc = {"jemalloc", 0, jemalloc_open, jemalloc_close};

int main(int argc, char **argv)
{
	const struct alloc_subject *const subjects[] = {&alloc_jemalloc};

	if (argc < 2 || strcmp(argv[1], "--worker") != 0) {
		fprintf(stderr, "%s: a worker of mymap-bench-alloc; run that instead\n", argv[0]);
		return 2;
	}
	return alloc_worker_main(argc, argv, subjects, 1);
}
