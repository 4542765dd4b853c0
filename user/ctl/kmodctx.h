/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kmodctx.h - the libkmod context mymapctl uses: the running kernel's
 * module directory and configuration, with libkmod's own stderr logging
 * silenced because mymapctl reports every error itself, in one line.
 */
#ifndef MYMAPCTL_KMODCTX_H
#define MYMAPCTL_KMODCTX_H

struct kmod_ctx;

/*
 * Returns a new context (release with kmod_unref()), or NULL after saying
 * why, as mymapctl @command, on stderr (as ctl_udev_new()).
 */
struct kmod_ctx *ctl_kmod_new(const char *command);

#endif /* MYMAPCTL_KMODCTX_H */
