// SPDX-License-Identifier: GPL-2.0
/*
 * kmodctx.c - creates the libkmod context with logging silenced, or says
 * why it cannot.
 */
#include "kmodctx.h"

#include <errno.h>
#include <libkmod.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include "ctl.h"

static void quiet_log(void *data, int priority, const char *file, int line, const char *fn,
		      const char *format, va_list args)
{
	(void)data;
	(void)priority;
	(void)file;
	(void)line;
	(void)fn;
	(void)format;
	(void)args;
}

struct kmod_ctx *ctl_kmod_new(const char *command)
{
	struct kmod_ctx *ctx = kmod_new(NULL, NULL);

	if (!ctx) {
		ctl_error(command, "cannot start libkmod (%s)", strerror(errno ? errno : ENOMEM));
		return NULL;
	}
	kmod_set_log_fn(ctx, quiet_log, NULL);
	return ctx;
}
