// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_unload.c - `mymapctl unload`: removes the module with libkmod and,
 * when the kernel refuses because the device is in use, names the
 * processes that use it.
 */
#include "ctl.h"
#include "device.h"
#include "kmodctx.h"
#include "holders.h"

#include <errno.h>
#include <libkmod.h>
#include <libudev.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Appends to @buf, truncating with "..." rather than overflowing. */
static void append(char *buf, size_t len, size_t *used, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void append(char *buf, size_t len, size_t *used, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*used >= len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *used, len - *used, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= len - *used) {
		*used = len;
		if (len > 4)
			memcpy(buf + len - 4, "...", 4);
		return;
	}
	*used += (size_t)n;
}

/* The one-line answer to "busy": who holds the device, and how. */
static void report_busy(struct udev *udev, int err)
{
	struct mymap_holder *list = NULL;
	struct holder_target t = {0};
	struct mymap_state s;
	struct stat st;
	char who[1024] = "";
	size_t used = 0, i, n = 0;

	mymap_state_read(udev, &s);
	if (s.present && stat(s.devnode, &st) == 0) {
		t.rdev = s.devnum;
		t.node_dev = st.st_dev;
		t.node_ino = st.st_ino;
		if (holders_find("/proc", &t, &list, &n) < 0)
			n = 0;
	}
	for (i = 0; i < n; i++) {
		const struct mymap_holder *h = &list[i];

		append(who, sizeof(who), &used, "%spid %d (%s: ", i ? ", " : "", (int)h->pid,
		       h->comm);
		if (h->open_fds)
			append(who, sizeof(who), &used, "%u open", h->open_fds);
		if (h->mappings)
			append(who, sizeof(who), &used, "%s%u mapped", h->open_fds ? ", " : "",
			       h->mappings);
		append(who, sizeof(who), &used, ")");
	}
	free(list);
	if (n)
		ctl_error("unload",
			  "mymap is in use (%s): held by %s; close or stop them and retry",
			  strerror(err), who);
	else
		ctl_error("unload",
			  "mymap is in use (%s) but no process holds %s open or mapped now; "
			  "retry",
			  strerror(err), s.present ? s.devnode : "/dev/mymap");
}

int cmd_unload(const struct ctl_args *a)
{
	struct kmod_module *mod = NULL;
	struct kmod_ctx *ctx;
	struct udev *udev;
	int ret, state;

	(void)a;
	if (ctl_require_root("unload") != 0)
		return CTL_EXIT_PERMISSION;
	udev = ctl_udev_new("unload");
	ctx = udev ? ctl_kmod_new("unload") : NULL;
	if (!ctx) {
		ret = CTL_EXIT_FAILED;
		goto out;
	}
	ret = kmod_module_new_from_name(ctx, MYMAP_MODULE, &mod);
	if (ret < 0) {
		ctl_error("unload", "cannot look up module mymap (%s)", strerror(-ret));
		ret = CTL_EXIT_FAILED;
		goto out;
	}
	state = kmod_module_get_initstate(mod);
	if (state < 0) {
		ctl_error("unload", "mymap is not loaded; nothing to do");
		ret = CTL_EXIT_NOT_LOADED;
		goto out;
	}
	ret = kmod_module_remove_module(mod, 0);
	switch (-ret) {
	case 0:
		printf("mymap unloaded\n");
		ret = CTL_EXIT_OK;
		break;
	case EBUSY:
	case EAGAIN:
		/* What rmmod and delete_module(2) say: EWOULDBLOCK. */
		report_busy(udev, EWOULDBLOCK);
		ret = CTL_EXIT_BUSY;
		break;
	case ENOENT:
		ctl_error("unload", "mymap is not loaded; nothing to do");
		ret = CTL_EXIT_NOT_LOADED;
		break;
	case EPERM:
		ctl_error("unload",
			  "the kernel does not allow removing modules (%s); check "
			  "kernel.modules_disabled and lockdown",
			  strerror(-ret));
		ret = CTL_EXIT_PERMISSION;
		break;
	default:
		ctl_error("unload", "cannot remove mymap (%s); see dmesg", strerror(-ret));
		ret = CTL_EXIT_FAILED;
		break;
	}
out:
	kmod_module_unref(mod);
	kmod_unref(ctx);
	udev_unref(udev);
	return ret;
}
