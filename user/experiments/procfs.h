/* SPDX-License-Identifier: GPL-2.0 */
/*
 * procfs.h - reads the process's own memory layout from /proc/self without
 * calling malloc.
 *
 * The experiments watch where malloc puts memory, so the act of watching
 * must not allocate: fopen() and getline() would malloc a FILE and a buffer,
 * move the program break and spoil the measurement.  These functions use
 * open(2)/read(2) into one static buffer and parse it by hand.  They are not
 * thread-safe (the experiments are single-threaded) and every call rereads
 * the file, so each answer is a fresh snapshot.
 */
#ifndef MYMAP_EXPERIMENTS_PROCFS_H
#define MYMAP_EXPERIMENTS_PROCFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One line of /proc/self/maps: [start, end), permissions, and name. */
struct mapping {
	uintptr_t start, end;
	char perms[5];	/* "rw-p" */
	char name[128]; /* "[heap]", a path, or "" for anonymous memory */
};

/*
 * Finds the mapping that contains @addr.  Returns true and fills @m, or
 * false if no mapping contains it (or /proc/self/maps cannot be read),
 * leaving @m unspecified.
 */
bool procfs_mapping_at(uintptr_t addr, struct mapping *m);

/*
 * Finds the line named "[heap]": the kernel's name for the mapping between
 * the start of the heap and the program break.  Returns false when there is
 * none, which is the case while the break still equals the heap's start.
 */
bool procfs_heap(struct mapping *m);

/* How many mappings the process has now; -1 if /proc/self/maps is unreadable. */
int procfs_count_mappings(void);

/*
 * Where the heap starts (the kernel's start_brk, field 47 of
 * /proc/self/stat); 0 if it cannot be read.
 */
uintptr_t procfs_start_brk(void);

/*
 * The value of a "Name:   N kB" line of /proc/self/status, such as
 * "VmRSS", in kB; -1 if the field is absent or the file unreadable.
 */
long procfs_status_kb(const char *field);

#endif /* MYMAP_EXPERIMENTS_PROCFS_H */
