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

const struct alloc_subject alloc_jemalloc = {"jemalloc", 0, jemalloc_open, NULL};

int main(int argc, char **argv)
{
	const struct alloc_subject *const subjects[] = {&alloc_jemalloc};

	return alloc_worker_main(argc, argv, subjects, 1);
}
