/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cli.h - mymapctl's command line, parsed into a struct and nothing else.
 *
 * Parsing has no side effects (no I/O, no globals), so every accepted and
 * refused command line can be tested on its own.  Running the command is
 * the business of the cmd_*.c files.
 */
#ifndef MYMAPCTL_CLI_H
#define MYMAPCTL_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum ctl_command {
	CTL_NONE, /* no command given: usage error */
	CTL_HELP, /* `mymapctl --help` or `mymapctl help [COMMAND]` */
	CTL_VERSION,
	CTL_LOAD,
	CTL_UNLOAD,
	CTL_STATUS,
	CTL_WATCH,
	CTL_DUMP,
};

/* Seconds `load` waits for the device node unless --timeout says otherwise. */
#define CTL_DEFAULT_TIMEOUT_S 10

struct ctl_args {
	enum ctl_command cmd;
	/* --help after a command, or `help COMMAND`: print that command's help. */
	bool help;
	/* For CTL_HELP: the command whose help is wanted (CTL_NONE: the tool's). */
	enum ctl_command help_topic;
	bool json; /* status, watch: --json */
	/* load */
	const char *module_path; /* --module PATH; NULL: look the module up */
	bool have_size;		 /* size=BYTES was given */
	uint64_t size;		 /* its value, bytes (not checked: the kernel decides) */
	unsigned int timeout_s;	 /* --timeout SECONDS, 1..3600 */
	/* dump */
	uint64_t offset, length;
};

/*
 * Parses a byte count or offset: decimal, or hexadecimal with "0x", with an
 * optional binary suffix K, M or G (x1024, x1024^2, x1024^3).  Refuses an
 * empty string, a sign, junk after the number, and anything that does not
 * fit in 64 bits.  Returns 0 and stores the value, or -1.
 */
int ctl_parse_u64(const char *s, uint64_t *out);

/*
 * Parses argv (argv[0] is the program) into @a.  Returns 0, or -1 with a
 * one-line reason (no trailing newline) in @err for a usage error; @a->cmd
 * then names the command the reason is about (CTL_NONE: none was found).
 */
int ctl_parse_args(int argc, char *const *argv, struct ctl_args *a, char *err, size_t errlen);

/* "load", "status", ... for a command; NULL for CTL_NONE/CTL_HELP/CTL_VERSION. */
const char *ctl_command_name(enum ctl_command cmd);

#endif /* MYMAPCTL_CLI_H */
