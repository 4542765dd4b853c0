// SPDX-License-Identifier: GPL-2.0
/* corrupt.c - the one-line report of a channel field that fails its check. */
#include "corrupt.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "../error.h"

int ipc_corrupt(const char *fmt, ...)
{
	char line[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	mm_fail(MYMAP_ERR_CORRUPT, EBADMSG, "channel: %s", line);
	return -EBADMSG;
}
