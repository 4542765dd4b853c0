/* SPDX-License-Identifier: GPL-2.0 */
/*
 * report.h - the start of every experiment's output: stdout set up so that
 * printing never allocates, and a header naming the C library measured.
 */
#ifndef MYMAP_EXPERIMENTS_REPORT_H
#define MYMAP_EXPERIMENTS_REPORT_H

/*
 * Gives stdout a static buffer, then prints "# <title>" and the C library's
 * name and version as TAP comments.  Call it first in main(), before any
 * output: stdio mallocs its buffer on the first write to a stream that has
 * none, which would move the program break the experiment is watching.
 */
void report_begin(const char *title);

/* The C library's version, e.g. "2.36" (gnu_get_libc_version()). */
const char *report_libc_version(void);

/*
 * True if the C library is glibc at least @major.@minor: the experiments
 * say so when a number they print is specific to a glibc version.
 */
int report_glibc_at_least(int major, int minor);

#endif /* MYMAP_EXPERIMENTS_REPORT_H */
