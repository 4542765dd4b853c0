/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ctl.h - what mymapctl's commands share: exit codes, the error line, and
 * the names of the module and its device.
 */
#ifndef MYMAPCTL_CTL_H
#define MYMAPCTL_CTL_H

#include <stdio.h>

#include "cli.h"

/* Exit codes, as documented in mymapctl(8) and `mymapctl --help`. */
enum ctl_exit {
	CTL_EXIT_OK = 0,
	CTL_EXIT_FAILED = 1,	     /* the operation failed; the message says why */
	CTL_EXIT_USAGE = 2,	     /* bad command line */
	CTL_EXIT_NOT_LOADED = 3,     /* the module is not loaded (status, unload, dump) */
	CTL_EXIT_ALREADY_LOADED = 4, /* load: the module is loaded already */
	CTL_EXIT_BUSY = 5,	     /* unload: a process holds the device open or mapped */
	CTL_EXIT_PERMISSION = 6,     /* not root / not allowed to open the device */
};

#define MYMAP_MODULE	"mymap"
#define MYMAP_SUBSYSTEM "misc"
#define MYMAP_SYSNAME	"mymap"

/*
 * Prints "mymapctl COMMAND: MESSAGE" as one line on stderr: the cause and
 * what to do about it.
 */
__attribute__((format(printf, 2, 3))) void ctl_error(const char *command, const char *fmt, ...);

/* Whether this process may load/unload modules (euid 0); errors otherwise. */
int ctl_require_root(const char *command);

/* The commands; each returns an enum ctl_exit. */
int cmd_load(const struct ctl_args *a);
int cmd_unload(const struct ctl_args *a);
int cmd_status(const struct ctl_args *a);
int cmd_watch(const struct ctl_args *a);
int cmd_dump(const struct ctl_args *a);

/* Help texts: the tool's (CTL_NONE) or one command's, written to @out. */
void ctl_print_help(enum ctl_command topic, FILE *out);

#endif /* MYMAPCTL_CTL_H */
