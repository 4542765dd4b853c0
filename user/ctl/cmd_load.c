// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_load.c - `mymapctl load`: inserts the module with libkmod, then waits
 * for its device node through libudev.
 */
#include "ctl.h"
#include "device.h"
#include "kmodctx.h"
#include "kmsg.h"
#include "nodewait.h"

#include <errno.h>
#include <inttypes.h>
#include <libkmod.h>
#include <libudev.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>

static const char *kernel_release(void)
{
	static struct utsname u;

	return uname(&u) == 0 ? u.release : "this kernel";
}

static int not_installed(int err)
{
	ctl_error("load",
		  "module mymap is not installed for kernel %s (%s); install it with "
		  "'make install' or 'dkms install', or give --module PATH",
		  kernel_release(), strerror(err));
	return CTL_EXIT_FAILED;
}

/*
 * The module to insert: the file given with --module, or the installed one.
 * On failure *@mod is left NULL.
 */
static int find_module(struct kmod_ctx *ctx, const struct ctl_args *a, struct kmod_module **mod)
{
	struct kmod_list *list = NULL;
	struct stat st;
	int ret;

	if (a->module_path) {
		if (stat(a->module_path, &st) < 0) {
			ctl_error("load",
				  "no module file at %s (%s); build it with 'make module' or "
				  "give the right --module PATH",
				  a->module_path, strerror(errno));
			return CTL_EXIT_FAILED;
		}
		ret = kmod_module_new_from_path(ctx, a->module_path, mod);
		if (ret < 0) {
			ctl_error("load", "cannot use %s as a module (%s); give a .ko file",
				  a->module_path, strerror(-ret));
			return CTL_EXIT_FAILED;
		}
		return CTL_EXIT_OK;
	}
	ret = kmod_module_new_from_lookup(ctx, MYMAP_MODULE, &list);
	if (ret < 0 || !list)
		return not_installed(ret < 0 ? -ret : ENOENT);
	*mod = kmod_module_get_module(list);
	kmod_module_unref_list(list);
	/* Known by name (an alias, a modprobe.d line) but no file to load. */
	if (!kmod_module_get_path(*mod)) {
		kmod_module_unref(*mod);
		*mod = NULL;
		return not_installed(ENOENT);
	}
	return CTL_EXIT_OK;
}

/*
 * Inserts @mod with @options.  The installed module goes through modprobe's
 * logic (options from modprobe.d, install commands); a file given with
 * --module is inserted as is, with the configured options prepended so the
 * user's size= still wins.
 */
static int insert(struct kmod_module *mod, const struct ctl_args *a, const char *options)
{
	char merged[512];
	const char *conf;

	if (!a->module_path)
		return kmod_module_probe_insert_module(mod, KMOD_PROBE_FAIL_ON_LOADED, options,
						       NULL, NULL, NULL);
	conf = kmod_module_get_options(mod);
	if (conf && *conf) {
		snprintf(merged, sizeof(merged), "%s%s%s", conf, *options ? " " : "", options);
		options = merged;
	}
	return kmod_module_insert_module(mod, 0, options);
}

/* Where the kernel's explanation of a refusal starts (see kmsg.h). */
static const char *const refusal_prefixes[] = {MYMAP_MODULE ": ", "Loading of ", NULL};

/* One line for a refused insert_module: what the kernel said, what to do. */
static int report_refusal(int err, const char *what, const char *options, const char *reason)
{
	char because[600] = "";

	if (*reason)
		snprintf(because, sizeof(because), ": kernel says \"%s\"", reason);
	switch (err) {
	case EEXIST:
		ctl_error("load",
			  "mymap is already loaded (%s); unload it first with "
			  "'mymapctl unload'",
			  strerror(err));
		return CTL_EXIT_ALREADY_LOADED;
	case ENOEXEC:
		ctl_error("load",
			  "the kernel rejected %s: not a module for this kernel (%s)%s; "
			  "rebuild it against %s ('make module', or reinstall with dkms)",
			  what, strerror(err), because, kernel_release());
		return CTL_EXIT_FAILED;
	case EKEYREJECTED:
	case ENOKEY:
	case EBADMSG:
	case EKEYEXPIRED:
	case EKEYREVOKED:
		ctl_error("load",
			  "the kernel rejected the signature of %s (%s)%s; sign it with a key "
			  "the kernel trusts (DKMS can, with MOK) or boot without "
			  "module.sig_enforce",
			  what, strerror(err), because);
		return CTL_EXIT_FAILED;
	case EPERM:
		ctl_error("load",
			  "the kernel does not allow loading modules (%s)%s; check "
			  "kernel.modules_disabled and lockdown",
			  strerror(err), because);
		return CTL_EXIT_PERMISSION;
	case EINVAL:
	case ENOMEM:
	case E2BIG:
	case ERANGE:
		if (*options) {
			ctl_error("load",
				  "the kernel refused the parameters '%s' (%s)%s; size= must be "
				  "at least one page and fit in memory",
				  options, strerror(err), because);
			return CTL_EXIT_FAILED;
		}
		break;
	default:
		break;
	}
	ctl_error("load", "the kernel could not load %s (%s)%s; see dmesg", what, strerror(err),
		  because);
	return CTL_EXIT_FAILED;
}

static int wait_for_node(struct node_wait *w, const struct ctl_args *a)
{
	struct mymap_state s;
	char node[256];
	int ret = node_wait_finish(w, a->timeout_s, node, sizeof(node));

	if (ret == -ETIMEDOUT) {
		ctl_error("load",
			  "mymap is loaded but its device node did not appear within %u s (%s); "
			  "check that udevd is running (udevadm control --ping)",
			  a->timeout_s, strerror(ETIMEDOUT));
		return CTL_EXIT_FAILED;
	}
	if (ret < 0) {
		ctl_error("load",
			  "mymap is loaded but has no usable device node (%s); without udevd, "
			  "/dev must be a devtmpfs",
			  strerror(-ret));
		return CTL_EXIT_FAILED;
	}
	mymap_state_read(w->udev, &s);
	printf("mymap %s loaded: %s", s.have_version ? s.version : "(no version)", node);
	if (s.have_size)
		printf(", %" PRIu64 " bytes", s.size);
	putchar('\n');
	return CTL_EXIT_OK;
}

int cmd_load(const struct ctl_args *a)
{
	struct kmod_module *mod = NULL;
	struct node_wait w = {0};
	struct kmsg_cursor log;
	struct kmod_ctx *ctx;
	struct mymap_state s;
	struct udev *udev;
	char options[64] = "", reason[512] = "";
	const char *what;
	int ret;

	if (ctl_require_root("load") != 0)
		return CTL_EXIT_PERMISSION;
	udev = ctl_udev_new("load");
	if (!udev)
		return CTL_EXIT_FAILED;
	mymap_state_read(udev, &s);
	if (s.loaded) {
		ctl_error("load",
			  "mymap is already loaded (version %s, %s); unload it first with "
			  "'mymapctl unload'",
			  s.have_version ? s.version : "unknown", s.initstate);
		udev_unref(udev);
		return CTL_EXIT_ALREADY_LOADED;
	}
	ctx = ctl_kmod_new("load");
	if (!ctx) {
		udev_unref(udev);
		return CTL_EXIT_FAILED;
	}
	ret = find_module(ctx, a, &mod);
	if (ret != CTL_EXIT_OK)
		goto out;
	what = a->module_path ? a->module_path : kmod_module_get_path(mod);
	if (a->have_size)
		snprintf(options, sizeof(options), "size=%" PRIu64, a->size);

	ret = node_wait_prepare(&w, udev);
	if (ret < 0) {
		ctl_error("load", "cannot listen for device events (%s); is /sys mounted?",
			  strerror(-ret));
		ret = CTL_EXIT_FAILED;
		goto out;
	}
	kmsg_open_at_end(&log);
	ret = insert(mod, a, options);
	if (ret < 0) {
		kmsg_find_reason(&log, refusal_prefixes, reason, sizeof(reason));
		ret = report_refusal(-ret, what, options, reason);
	} else {
		ret = wait_for_node(&w, a);
	}
	kmsg_close(&log);
	node_wait_release(&w);
out:
	kmod_module_unref(mod);
	kmod_unref(ctx);
	udev_unref(udev);
	return ret;
}
