// SPDX-License-Identifier: GPL-2.0
/*
 * report.c - stdout without malloc, and which C library is being measured.
 */
#include "report.h"

#include <gnu/libc-version.h>
#include <stdio.h>
#include <stdlib.h>

/* stdout's buffer: static, so the first printf does not malloc one. */
static char stdout_buffer[BUFSIZ];

void report_begin(const char *title)
{
	setvbuf(stdout, stdout_buffer, _IOFBF, sizeof(stdout_buffer));
	printf("# %s\n", title);
	printf("# measured with GNU libc %s (%s)\n", gnu_get_libc_version(),
	       gnu_get_libc_release());
	/* The experiments assert glibc's defaults; these variables change them. */
	if (getenv("GLIBC_TUNABLES") || getenv("MALLOC_TOP_PAD_") ||
	    getenv("MALLOC_MMAP_THRESHOLD_") || getenv("MALLOC_TRIM_THRESHOLD_"))
		printf("# GLIBC_TUNABLES or MALLOC_*_ is set: malloc's defaults may differ from "
		       "what these checks expect\n");
	fflush(stdout);
}

const char *report_libc_version(void)
{
	return gnu_get_libc_version();
}

int report_glibc_at_least(int major, int minor)
{
	char *end;
	long have_major = strtol(gnu_get_libc_version(), &end, 10);
	long have_minor = *end == '.' ? strtol(end + 1, NULL, 10) : 0;

	return have_major > major || (have_major == major && have_minor >= minor);
}
