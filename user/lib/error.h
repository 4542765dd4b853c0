/* SPDX-License-Identifier: GPL-2.0 */
/*
 * error.h - recording why a call failed: errno, the library's finer code
 * and a one-line message, all per thread.
 */
#ifndef MYMAP_ERROR_H
#define MYMAP_ERROR_H

#include <errno.h>

#include "mymap.h"

/*
 * Records @code with the message built from @fmt, sets errno to @err (for
 * MYMAP_ERR_SYSTEM, the errno of the failed system call; 0 gives EIO) and
 * returns -1, so a failing path can end with `return mm_fail(...)`.  A %m
 * in @fmt names @err, whatever errno was at the call.
 */
__attribute__((format(printf, 3, 4), cold)) int mm_fail(enum mymap_error code, int err,
							const char *fmt, ...);

#endif /* MYMAP_ERROR_H */
