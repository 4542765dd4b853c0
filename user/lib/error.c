// SPDX-License-Identifier: GPL-2.0
/*
 * error.c - the calling thread's last failure and the text for each code.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "error.h"

static _Thread_local enum mymap_error last_error;
static _Thread_local char last_message[256];

int mm_fail(enum mymap_error code, int err, const char *fmt, ...)
{
	va_list ap;
	int e = err ? err : EIO;

	last_error = code;
	/* Set first, so a %m in @fmt names @err even after a cleanup close(). */
	errno = e;
	va_start(ap, fmt);
	vsnprintf(last_message, sizeof(last_message), fmt, ap);
	va_end(ap);
	errno = e;
	return -1;
}

enum mymap_error mymap_last_error(void)
{
	return last_error;
}

const char *mymap_last_message(void)
{
	return last_message;
}

const char *mymap_strerror(enum mymap_error err)
{
	switch (err) {
	case MYMAP_OK:
		return "no error";
	case MYMAP_ERR_ARGUMENT:
		return "invalid argument";
	case MYMAP_ERR_NOMEM:
		return "no free block large enough";
	case MYMAP_ERR_FOREIGN:
		return "pointer or offset outside the heap";
	case MYMAP_ERR_INTERIOR:
		return "pointer inside the heap but not at the start of a block";
	case MYMAP_ERR_DOUBLE_FREE:
		return "block already free (double free)";
	case MYMAP_ERR_CORRUPT:
		return "heap damaged: a block header, link or canary failed its check";
	case MYMAP_ERR_NOT_A_HEAP:
		return "region holds no mymap heap; open with MYMAP_CREATE to format it";
	case MYMAP_ERR_VERSION:
		return "heap was formatted by another version of libmymap";
	case MYMAP_ERR_SIZE:
		return "region size does not fit the heap";
	case MYMAP_ERR_NO_DEVICE:
		return "no mymap device: load the module (insmod mymap.ko)";
	case MYMAP_ERR_PERMISSION:
		return "permission denied on the mymap device node";
	case MYMAP_ERR_BUSY:
		return "this process already has a brk heap";
	case MYMAP_ERR_NO_FD:
		return "this heap's backend has no file descriptor";
	case MYMAP_ERR_SYSTEM:
		return "a system call failed";
	case MYMAP_ERR_UNSEALED:
		return "the memfd could change size under the heap: it is not sealed and "
		       "does not allow sealing";
	case MYMAP_ERR_LOCK_TIMEOUT:
		return "a live process kept the heap lock too long (stopped, stuck, or a "
		       "forged lock word)";
	}
	return "unknown error";
}
