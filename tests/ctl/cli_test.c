// SPDX-License-Identifier: GPL-2.0
/*
 * cli_test - mymapctl's command line: every command and option accepted,
 * every malformed one refused with a reason, numbers parsed overflow-safely.
 */
#include <inttypes.h>
#include <stdint.h>
#include <string.h>

#include "tap.h"
#include "../../user/ctl/cli.h"

#define ARGV(...) ((char *[]){"mymapctl", __VA_ARGS__, NULL})

static int parse(char *const *argv, struct ctl_args *a, char *err)
{
	int argc = 0;

	while (argv[argc])
		argc++;
	err[0] = '\0';
	return ctl_parse_args(argc, argv, a, err, 256);
}

/* A command line that must be refused, with @needle in the reason. */
static void refused(const char *rule, char *const *argv, const char *needle)
{
	struct ctl_args a;
	char err[256];
	int ret = parse(argv, &a, err);

	tap_ok(ret == -1 && strstr(err, needle), "%s: refused naming '%s' (ret %d, \"%s\")", rule,
	       needle, ret, err);
}

static void numbers(void)
{
	static const struct {
		const char *text;
		int ret;
		uint64_t value;
	} cases[] = {
	    {"0", 0, 0},
	    {"4194304", 0, 4194304},
	    {"0x400000", 0, 0x400000},
	    {"0X1F", 0, 31},
	    {"4K", 0, 4096},
	    {"4k", 0, 4096},
	    {"4M", 0, 4 << 20},
	    {"1G", 0, 1 << 30},
	    {"18446744073709551615", 0, UINT64_MAX},
	    {"0xffffffffffffffff", 0, UINT64_MAX},
	    {"18446744073709551616", -1, 0},
	    {"0x10000000000000000", -1, 0},
	    {"17179869184G", -1, 0},
	    {"", -1, 0},
	    {"-1", -1, 0},
	    {"+1", -1, 0},
	    {"0x", -1, 0},
	    {"12abc", -1, 0},
	    {"4MB", -1, 0},
	    {"4 ", -1, 0},
	    {" 4", -1, 0},
	    {"K", -1, 0},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t v = 12345;
		int ret = ctl_parse_u64(cases[i].text, &v);

		tap_ok(ret == cases[i].ret && (ret < 0 || v == cases[i].value),
		       "number '%s' %s %" PRIu64 " (ret %d, value %" PRIu64 ")", cases[i].text,
		       cases[i].ret ? "is refused" : "parses to", cases[i].value, ret, v);
	}
}

/* A command line that must parse, after which @cond must hold. */
#define ACCEPTED(argv, cond, ...)                                                                  \
	do {                                                                                       \
		int ret_ = parse(argv, &a, err);                                                   \
		tap_ok(ret_ == 0 && (cond), __VA_ARGS__);                                          \
	} while (0)

static void commands(void)
{
	struct ctl_args a;
	char err[256];

	ACCEPTED(ARGV("--help"), a.cmd == CTL_HELP && a.help_topic == CTL_NONE,
		 "--help asks for the tool's help (cmd %d)", a.cmd);
	ACCEPTED(ARGV("help", "dump"), a.cmd == CTL_HELP && a.help_topic == CTL_DUMP,
		 "'help dump' asks for dump's help (topic %d)", a.help_topic);
	ACCEPTED(ARGV("--version"), a.cmd == CTL_VERSION, "--version is recognised (cmd %d)",
		 a.cmd);
	ACCEPTED(ARGV("load"),
		 a.cmd == CTL_LOAD && !a.have_size && !a.module_path &&
		     a.timeout_s == CTL_DEFAULT_TIMEOUT_S,
		 "plain load: installed module, no size, default timeout (%u)", a.timeout_s);
	ACCEPTED(ARGV("load", "size=8M", "--module", "m.ko", "--timeout=30"),
		 a.have_size && a.size == 8 << 20 && a.module_path &&
		     strcmp(a.module_path, "m.ko") == 0 && a.timeout_s == 30,
		 "load size=8M --module m.ko --timeout=30 (size %" PRIu64
		 ", timeout %u, err \"%s\")",
		 a.size, a.timeout_s, err);
	ACCEPTED(ARGV("load", "--module=/x/mymap.ko", "size=0"),
		 a.have_size && a.size == 0 && strcmp(a.module_path, "/x/mymap.ko") == 0,
		 "load --module=PATH size=0: size 0 is passed on for the kernel to judge");
	ACCEPTED(ARGV("load", "--help"), a.cmd == CTL_LOAD && a.help,
		 "load --help asks for load's help");
	ACCEPTED(ARGV("unload"), a.cmd == CTL_UNLOAD, "unload takes no arguments");
	ACCEPTED(ARGV("status"), a.cmd == CTL_STATUS && !a.json, "status is text by default");
	ACCEPTED(ARGV("status", "--json"), a.json, "status --json");
	ACCEPTED(ARGV("watch", "--json"), a.cmd == CTL_WATCH && a.json, "watch --json");
	ACCEPTED(ARGV("dump", "0x10", "1K"),
		 a.cmd == CTL_DUMP && a.offset == 16 && a.length == 1024,
		 "dump 0x10 1K (offset %" PRIu64 ", length %" PRIu64 ")", a.offset, a.length);
	ACCEPTED(ARGV("dump", "--", "0", "16"), a.length == 16,
		 "dump -- OFFSET LEN: '--' ends the options");
	ACCEPTED(ARGV("dump", "--help"), a.help, "dump --help");
}

/* Command lines that must be refused, and a word the reason must contain. */
static const struct {
	const char *rule;
	char *argv[6];
	const char *needle;
} refusal_cases[] = {
    {"no command", {"mymapctl"}, "no command"},
    {"unknown command", {"mymapctl", "frobnicate"}, "unknown command 'frobnicate'"},
    {"unknown top-level option", {"mymapctl", "--frob"}, "unknown option '--frob'"},
    {"help for an unknown command", {"mymapctl", "help", "frob"}, "no command 'frob'"},
    {"help with two topics", {"mymapctl", "help", "load", "dump"}, "at most one"},
    {"load size= without a value", {"mymapctl", "load", "size="}, "not a byte count"},
    {"load negative size", {"mymapctl", "load", "size=-4096"}, "not a byte count"},
    {"load size twice", {"mymapctl", "load", "size=1", "size=2"}, "given twice"},
    {"load unknown parameter", {"mymapctl", "load", "foo=1"}, "unknown parameter 'foo=1'"},
    {"load --module without a path", {"mymapctl", "load", "--module"}, "--module needs a path"},
    {"load --module= empty", {"mymapctl", "load", "--module="}, "--module needs a path"},
    {"load --timeout 0", {"mymapctl", "load", "--timeout", "0"}, "1..3600"},
    {"load --timeout too long", {"mymapctl", "load", "--timeout", "3601"}, "1..3600"},
    {"load --timeout without a value", {"mymapctl", "load", "--timeout"}, "needs a number"},
    {"load unknown option", {"mymapctl", "load", "--force"}, "unknown option '--force'"},
    {"unload with an argument", {"mymapctl", "unload", "now"}, "unexpected argument 'now'"},
    {"unload has no --json", {"mymapctl", "unload", "--json"}, "unknown option '--json'"},
    {"status unknown option", {"mymapctl", "status", "--yaml"}, "unknown option '--yaml'"},
    {"watch with an argument", {"mymapctl", "watch", "x"}, "unexpected argument 'x'"},
    {"dump without operands", {"mymapctl", "dump"}, "needs OFFSET and LEN"},
    {"dump without LEN", {"mymapctl", "dump", "0"}, "needs OFFSET and LEN"},
    {"dump with three operands", {"mymapctl", "dump", "0", "1", "2"}, "unexpected argument '2'"},
    {"dump bad OFFSET", {"mymapctl", "dump", "x", "1"}, "OFFSET 'x'"},
    {"dump negative LEN", {"mymapctl", "dump", "0", "-1"}, "unknown option '-1'"},
    {"dump bad LEN", {"mymapctl", "dump", "--", "0", "1y"}, "LEN '1y'"},
};

static void refusals(void)
{
	size_t i;

	for (i = 0; i < sizeof(refusal_cases) / sizeof(refusal_cases[0]); i++)
		refused(refusal_cases[i].rule, refusal_cases[i].argv, refusal_cases[i].needle);
}

int main(void)
{
	numbers();
	commands();
	refusals();
	tap_ok(strcmp(ctl_command_name(CTL_DUMP), "dump") == 0 && !ctl_command_name(CTL_HELP),
	       "command names map back to their words");
	return tap_done();
}
