// SPDX-License-Identifier: GPL-2.0
/*
 * mymapctl - manages the mymap module and its device: load, unload,
 * status, watch, dump.  This file parses the command line and dispatches;
 * each command lives in its own cmd_*.c.
 */
#include "ctl.h"

#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#ifndef MYMAP_VERSION
#define MYMAP_VERSION "unknown"
#endif

void ctl_error(const char *command, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "mymapctl %s: ", command);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int ctl_require_root(const char *command)
{
	if (geteuid() == 0)
		return 0;
	ctl_error(command, "must be run as root (Operation not permitted); try 'sudo mymapctl %s'",
		  command);
	return -1;
}

int main(int argc, char **argv)
{
	struct ctl_args a;
	char err[256];

	if (ctl_parse_args(argc, argv, &a, err, sizeof(err)) < 0) {
		/* Named after the command it is about, as the commands' own errors are. */
		const char *command = a.cmd == CTL_HELP ? "help" : ctl_command_name(a.cmd);

		if (command)
			ctl_error(command, "%s", err);
		else
			fprintf(stderr, "mymapctl: %s\n", err);
		return CTL_EXIT_USAGE;
	}
	if (a.help || a.cmd == CTL_HELP) {
		ctl_print_help(a.cmd == CTL_HELP ? a.help_topic : a.cmd, stdout);
		return CTL_EXIT_OK;
	}
	switch (a.cmd) {
	case CTL_VERSION:
		printf("mymapctl %s\n", MYMAP_VERSION);
		return CTL_EXIT_OK;
	case CTL_LOAD:
		return cmd_load(&a);
	case CTL_UNLOAD:
		return cmd_unload(&a);
	case CTL_STATUS:
		return cmd_status(&a);
	case CTL_WATCH:
		return cmd_watch(&a);
	case CTL_DUMP:
		return cmd_dump(&a);
	default:
		ctl_print_help(CTL_NONE, stderr);
		return CTL_EXIT_USAGE;
	}
}
