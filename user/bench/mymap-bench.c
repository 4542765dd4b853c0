// SPDX-License-Identifier: GPL-2.0
/*
 * mymap-bench - runs one benchmark suite: `mymap-bench SUITE [ARGS]` executes
 * the program mymap-bench-SUITE installed beside it, so each suite is its own
 * small program and this one only knows how to find them.
 */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char self[PATH_MAX], target[PATH_MAX];
	ssize_t len;

	if (argc < 2 || argv[1][0] == '-') {
		int help = argc >= 2 && strcmp(argv[1], "--help") == 0;

		fprintf(help ? stdout : stderr,
			"usage: mymap-bench SUITE [--out PATH|-] [SUITE ARGS]\n"
			"  runs mymap-bench-SUITE from the same directory (suites: map, alloc, "
			"programs, ipc)\n");
		return help ? 0 : 2;
	}
	len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (len < 0) {
		fprintf(stderr, "mymap-bench: cannot find myself: %s\n", strerror(errno));
		return 1;
	}
	self[len] = '\0';
	const char *suite = argv[1];

	snprintf(target, sizeof(target), "%s/mymap-bench-%s", dirname(self), suite);
	argv[1] = target;
	execv(target, argv + 1);
	fprintf(stderr, "mymap-bench: no suite '%s' (%s: %s)\n", suite, target, strerror(errno));
	return 2;
}
