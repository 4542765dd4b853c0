// SPDX-License-Identifier: GPL-2.0
/*
 * help.c - the text of `mymapctl --help` and of each command's --help.
 * mymapctl(8) says the same at greater length.
 */
#include "ctl.h"

static const char tool_help[] =
    "usage: mymapctl COMMAND [ARGS]\n"
    "       mymapctl --help | --version | help [COMMAND]\n"
    "\n"
    "Manages the mymap module and its device /dev/mymap.\n"
    "\n"
    "commands:\n"
    "  load [size=BYTES] [--module PATH] [--timeout S]\n"
    "                      load the module and wait for /dev/mymap (root)\n"
    "  unload              unload the module; if busy, name who holds it (root)\n"
    "  status [--json]     module, node, region, mappings, opens, heap statistics\n"
    "  watch [--json]      print the device's udev events until interrupted\n"
    "  dump OFFSET LEN     hexdump LEN bytes of the region from OFFSET\n"
    "\n"
    "'mymapctl COMMAND --help' describes one command.\n"
    "\n"
    "exit status:\n"
    "  0  success\n"
    "  1  the operation failed (the message says why)\n"
    "  2  usage error\n"
    "  3  mymap is not loaded (status, unload, dump)\n"
    "  4  mymap is already loaded (load)\n"
    "  5  the device is in use (unload)\n"
    "  6  permission denied (not root, or the node's mode)\n";

static const char load_help[] =
    "usage: mymapctl load [size=BYTES] [--module PATH] [--timeout SECONDS]\n"
    "\n"
    "Loads the mymap module with libkmod and waits, through libudev, until\n"
    "/dev/mymap exists (with udevd running: until its rules have been applied).\n"
    "Needs root.\n"
    "\n"
    "  size=BYTES       region size: decimal, 0x hex, or with K, M, G suffix;\n"
    "                   the kernel rounds it up to whole pages (default 4M, or\n"
    "                   what 'options mymap size=...' in modprobe.d says)\n"
    "  --module PATH    insert this .ko file instead of the installed module\n"
    "                   (found in /lib/modules/$(uname -r) through modules.dep)\n"
    "  --timeout S      seconds to wait for the node (default 10)\n"
    "\n"
    "Exit 0 when the node is ready; 4 if already loaded; 6 if not root; 1 if\n"
    "the module file is missing or the kernel refused it (its reason is shown).\n";

static const char unload_help[] =
    "usage: mymapctl unload\n"
    "\n"
    "Unloads the mymap module with libkmod.  Needs root.  The kernel refuses\n"
    "while any process has /dev/mymap open or mapped; then the processes are\n"
    "listed by pid and name.\n"
    "\n"
    "Exit 0 when unloaded; 3 if not loaded; 5 if in use; 6 if not root.\n";

static const char status_help[] =
    "usage: mymapctl status [--json]\n"
    "\n"
    "Shows whether mymap is loaded, its version, the node with its mode and\n"
    "owner, the region size, live mappings and open files, how mappings are\n"
    "filled and the 2 MiB entries mapped now (all from sysfs), the\n"
    "page size and ABI version (MYMAP_IOC_INFO), and the statistics of the\n"
    "libmymap heap the region holds, if any (these two need to open the node).\n"
    "\n"
    "  --json   one JSON object instead of text\n"
    "\n"
    "Exit 0 when loaded, 3 when not (the output says so too).\n";

static const char watch_help[] =
    "usage: mymapctl watch [--json]\n"
    "\n"
    "Prints the state at start, then each add, remove or change event of the\n"
    "device (and of the module) as it happens, until SIGINT or SIGTERM.  Events\n"
    "come from udevd when it runs, else straight from the kernel.\n"
    "\n"
    "  --json   one JSON object per line\n"
    "\n"
    "Exit 0 when interrupted; 1 if events cannot be received.\n";

static const char dump_help[] =
    "usage: mymapctl dump OFFSET LEN\n"
    "\n"
    "Reads LEN bytes of the region from OFFSET with pread(2) and prints them as\n"
    "a hex+ASCII dump; repeated lines are shown as '*'.  Numbers are decimal,\n"
    "0x hex, or with a K, M, G suffix.  A dump that runs past the end of the\n"
    "region stops there, with a note on stderr.\n"
    "\n"
    "Exit 0 on success; 3 if not loaded; 6 if the node cannot be opened for\n"
    "lack of permission; 1 if OFFSET is past the end or reading fails.\n";

void ctl_print_help(enum ctl_command topic, FILE *out)
{
	switch (topic) {
	case CTL_LOAD:
		fputs(load_help, out);
		break;
	case CTL_UNLOAD:
		fputs(unload_help, out);
		break;
	case CTL_STATUS:
		fputs(status_help, out);
		break;
	case CTL_WATCH:
		fputs(watch_help, out);
		break;
	case CTL_DUMP:
		fputs(dump_help, out);
		break;
	default:
		fputs(tool_help, out);
		break;
	}
}
