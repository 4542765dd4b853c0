/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fresh-child.h - runs one measurement in a child process whose malloc has
 * never been used.
 *
 * malloc keeps state for the life of a process (the heap's top, the
 * thresholds it adjusts as it goes), so every measurement that depends on
 * that state runs in its own fork()ed child.  The child inherits the
 * parent's memory, so the parent itself must not have called malloc: the
 * experiments print through a static stdout buffer (report.h) and read
 * /proc without allocating (procfs.h) to keep it that way.
 */
#ifndef MYMAP_EXPERIMENTS_FRESH_CHILD_H
#define MYMAP_EXPERIMENTS_FRESH_CHILD_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Forks; the child calls @measure(@arg, @result), sends the @size bytes at
 * @result back through a pipe and exits.  Returns true when all @size bytes
 * arrived and the child exited with status 0; otherwise prints a TAP comment
 * saying what happened (signal, status, errno) and returns false.
 *
 * Exits the program with status 1 if the caller's own heap is not empty
 * (its break has moved from the start of the heap): the child would then
 * not start fresh and every number it reported would mislead.
 */
bool fresh_child_run(void (*measure)(const void *arg, void *result), const void *arg, void *result,
		     size_t size);

#endif /* MYMAP_EXPERIMENTS_FRESH_CHILD_H */
