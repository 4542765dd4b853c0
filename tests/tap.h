/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tap.h - TAP output for the project's test programs, as kselftest prints it.
 *
 * One line per check, "ok N - rule" or "not ok N - rule: what was seen",
 * or for a check that cannot run here "ok N - rule # SKIP reason", counted
 * as skipped, never as passed; tap_done() prints the plan and the closing
 * "N passed, N failed, N skipped" line that scripts/run-suites totals, and
 * returns the exit status for main().
 */
#ifndef MYMAP_TESTS_TAP_H
#define MYMAP_TESTS_TAP_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

static unsigned int tap_count, tap_failures, tap_skips;

/* Reports one check; returns @pass so callers can skip dependent checks. */
__attribute__((format(printf, 2, 3), unused)) static bool tap_ok(bool pass, const char *fmt, ...)
{
	va_list ap;

	tap_count++;
	if (!pass)
		tap_failures++;
	printf("%sok %u - ", pass ? "" : "not ", tap_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	return pass;
}

/* Reports the check @rule as not run here, for the reason given. */
__attribute__((format(printf, 2, 3), unused)) static void tap_skip(const char *rule,
								   const char *reason_fmt, ...)
{
	va_list ap;

	tap_count++;
	tap_skips++;
	printf("ok %u - %s # SKIP ", tap_count, rule);
	va_start(ap, reason_fmt);
	vprintf(reason_fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

/* A "# " comment line: context for a reader, never counted. */
__attribute__((format(printf, 1, 2), unused)) static void tap_diag(const char *fmt, ...)
{
	va_list ap;

	fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

/* Prints the plan and the totals; the exit status main() should return. */
__attribute__((unused)) static int tap_done(void)
{
	printf("1..%u\n", tap_count);
	printf("%u passed, %u failed, %u skipped\n", tap_count - tap_failures - tap_skips,
	       tap_failures, tap_skips);
	fflush(stdout);
	return tap_failures ? 1 : 0;
}

#endif /* MYMAP_TESTS_TAP_H */
