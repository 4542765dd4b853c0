// SPDX-License-Identifier: GPL-2.0
/*
 * cli.c - parses mymapctl's command line: the command, its options and
 * operands, each refused with a reason a user can act on.
 */
#include "cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const struct {
	const char *name;
	enum ctl_command cmd;
} commands[] = {
    {"load", CTL_LOAD},	  {"unload", CTL_UNLOAD}, {"status", CTL_STATUS},
    {"watch", CTL_WATCH}, {"dump", CTL_DUMP},
};

const char *ctl_command_name(enum ctl_command cmd)
{
	size_t i;

	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (commands[i].cmd == cmd)
			return commands[i].name;
	return NULL;
}

static enum ctl_command command_by_name(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].name, name) == 0)
			return commands[i].cmd;
	return CTL_NONE;
}

int ctl_parse_u64(const char *s, uint64_t *out)
{
	unsigned int base = 10, shift = 0;
	uint64_t v = 0;
	const char *p = s;
	bool any = false;

	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	}
	for (; *p; p++) {
		unsigned int digit;

		if (*p >= '0' && *p <= '9')
			digit = (unsigned int)(*p - '0');
		else if (base == 16 && *p >= 'a' && *p <= 'f')
			digit = (unsigned int)(*p - 'a' + 10);
		else if (base == 16 && *p >= 'A' && *p <= 'F')
			digit = (unsigned int)(*p - 'A' + 10);
		else
			break;
		if (v > (UINT64_MAX - digit) / base)
			return -1;
		v = v * base + digit;
		any = true;
	}
	if (!any)
		return -1;
	switch (*p) {
	case '\0':
		break;
	case 'k':
	case 'K':
		shift = 10;
		break;
	case 'M':
		shift = 20;
		break;
	case 'G':
		shift = 30;
		break;
	default:
		return -1;
	}
	if (shift) {
		if (p[1] != '\0' || v > (UINT64_MAX >> shift))
			return -1;
		v <<= shift;
	}
	*out = v;
	return 0;
}

__attribute__((format(printf, 3, 4))) static int fail(char *err, size_t errlen, const char *fmt,
						      ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static bool is_help(const char *arg)
{
	return strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0;
}

/*
 * The value of option @name at argv[*i]: "--name=VALUE" or "--name VALUE"
 * (then *i moves past VALUE).  NULL if argv[*i] is not this option; sets
 * *missing when it is but has no value.
 */
static const char *option_value(int argc, char *const *argv, int *i, const char *name,
				bool *missing)
{
	size_t len = strlen(name);
	const char *arg = argv[*i];

	*missing = false;
	if (strncmp(arg, name, len) != 0)
		return NULL;
	if (arg[len] == '=')
		return arg + len + 1;
	if (arg[len] != '\0')
		return NULL;
	if (*i + 1 >= argc) {
		*missing = true;
		return NULL;
	}
	return argv[++*i];
}

static int parse_load(int argc, char *const *argv, int i, struct ctl_args *a, char *err,
		      size_t errlen)
{
	for (; i < argc; i++) {
		const char *arg = argv[i], *v;
		bool missing;
		uint64_t n;

		if (is_help(arg)) {
			a->help = true;
			return 0;
		}
		v = option_value(argc, argv, &i, "--module", &missing);
		if (missing || (v && !*v))
			return fail(err, errlen, "--module needs a path to a .ko file");
		if (v) {
			a->module_path = v;
			continue;
		}
		v = option_value(argc, argv, &i, "--timeout", &missing);
		if (missing)
			return fail(err, errlen, "--timeout needs a number of seconds");
		if (v) {
			if (ctl_parse_u64(v, &n) < 0 || n < 1 || n > 3600)
				return fail(err, errlen,
					    "--timeout '%s' is not a number of seconds in 1..3600",
					    v);
			a->timeout_s = (unsigned int)n;
			continue;
		}
		if (strncmp(arg, "size=", 5) == 0) {
			if (a->have_size)
				return fail(err, errlen, "size= given twice");
			if (ctl_parse_u64(arg + 5, &a->size) < 0)
				return fail(err, errlen,
					    "'%s' is not a byte count (like size=4194304, "
					    "size=0x400000 or size=4M)",
					    arg);
			a->have_size = true;
			continue;
		}
		if (arg[0] == '-')
			return fail(err, errlen, "unknown option '%s'", arg);
		return fail(err, errlen, "unknown parameter '%s'; the module takes size=BYTES",
			    arg);
	}
	return 0;
}

/* unload, status and watch: only flags, no operands. */
static int parse_flags(int argc, char *const *argv, int i, struct ctl_args *a, bool json_ok,
		       char *err, size_t errlen)
{
	for (; i < argc; i++) {
		if (is_help(argv[i])) {
			a->help = true;
			return 0;
		}
		if (json_ok && strcmp(argv[i], "--json") == 0) {
			a->json = true;
			continue;
		}
		if (argv[i][0] == '-')
			return fail(err, errlen, "unknown option '%s'", argv[i]);
		return fail(err, errlen, "unexpected argument '%s'", argv[i]);
	}
	return 0;
}

static int parse_dump(int argc, char *const *argv, int i, struct ctl_args *a, char *err,
		      size_t errlen)
{
	const char *operands[2];
	int n = 0;
	bool options_done = false;

	for (; i < argc; i++) {
		const char *arg = argv[i];

		if (!options_done && is_help(arg)) {
			a->help = true;
			return 0;
		}
		if (!options_done && strcmp(arg, "--") == 0) {
			options_done = true;
			continue;
		}
		if (!options_done && arg[0] == '-')
			return fail(err, errlen, "unknown option '%s'", arg);
		if (n == 2)
			return fail(err, errlen, "unexpected argument '%s'", arg);
		operands[n++] = arg;
	}
	if (n < 2)
		return fail(err, errlen, "needs OFFSET and LEN (like: dump 0 64)");
	if (ctl_parse_u64(operands[0], &a->offset) < 0)
		return fail(err, errlen, "OFFSET '%s' is not a byte offset", operands[0]);
	if (ctl_parse_u64(operands[1], &a->length) < 0)
		return fail(err, errlen, "LEN '%s' is not a byte count", operands[1]);
	return 0;
}

int ctl_parse_args(int argc, char *const *argv, struct ctl_args *a, char *err, size_t errlen)
{
	const char *first;

	memset(a, 0, sizeof(*a));
	a->timeout_s = CTL_DEFAULT_TIMEOUT_S;
	if (argc < 2)
		return fail(err, errlen, "no command given; try 'mymapctl --help'");
	first = argv[1];
	if (is_help(first)) {
		a->cmd = CTL_HELP;
		return 0;
	}
	if (strcmp(first, "--version") == 0) {
		a->cmd = CTL_VERSION;
		return 0;
	}
	if (strcmp(first, "help") == 0) {
		a->cmd = CTL_HELP;
		if (argc > 3)
			return fail(err, errlen, "takes at most one command name");
		if (argc == 3) {
			a->help_topic = command_by_name(argv[2]);
			if (a->help_topic == CTL_NONE)
				return fail(err, errlen, "no command '%s'; try 'mymapctl --help'",
					    argv[2]);
		}
		return 0;
	}
	a->cmd = command_by_name(first);
	switch (a->cmd) {
	case CTL_LOAD:
		return parse_load(argc, argv, 2, a, err, errlen);
	case CTL_UNLOAD:
		return parse_flags(argc, argv, 2, a, false, err, errlen);
	case CTL_STATUS:
	case CTL_WATCH:
		return parse_flags(argc, argv, 2, a, true, err, errlen);
	case CTL_DUMP:
		return parse_dump(argc, argv, 2, a, err, errlen);
	default:
		break;
	}
	if (first[0] == '-')
		return fail(err, errlen, "unknown option '%s'; try 'mymapctl --help'", first);
	return fail(err, errlen, "unknown command '%s'; try 'mymapctl --help'", first);
}
