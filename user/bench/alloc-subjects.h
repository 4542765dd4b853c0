/* SPDX-License-Identifier: GPL-2.0 */
/*
 * alloc-subjects.h - the subjects each worker program carries.
 *   mymap-bench-alloc           glibc, and libmymap on anon (also populated),
 *                               memfd, brk, device
 *   mymap-bench-alloc-jemalloc  jemalloc (it replaces malloc in its process)
 *   mymap-bench-alloc-mimalloc  mimalloc (likewise)
 */
#ifndef MYMAP_BENCH_ALLOC_SUBJECTS_H
#define MYMAP_BENCH_ALLOC_SUBJECTS_H

#include "alloc-subject.h"

extern const struct alloc_subject alloc_glibc;
extern const struct alloc_subject alloc_mymap_anon, alloc_mymap_anon_populated, alloc_mymap_memfd,
    alloc_mymap_brk, alloc_mymap_device;
extern const struct alloc_subject alloc_jemalloc;
extern const struct alloc_subject alloc_mimalloc;

/* Fills @h with calls to this process's malloc, free and realloc. */
void alloc_use_malloc(struct alloc_heap *h);

/*
 * 1 if this process's malloc is defined in a file whose name contains
 * @library; otherwise 0 after printing where it comes from.
 */
int alloc_malloc_is_from(const char *library);

#endif /* MYMAP_BENCH_ALLOC_SUBJECTS_H */
