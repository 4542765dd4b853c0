// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_watch.c - `mymapctl watch [--json]`: prints the device's add, remove
 * and change events (and the module's own) as libudev reports them, until
 * SIGINT or SIGTERM.
 *
 * The first line is the state at the moment the monitor started, so a
 * reader knows where the event stream begins and that nothing before it
 * was missed.
 */
#include "ctl.h"
#include "device.h"
#include "json.h"
#include "nodewait.h"

#include <errno.h>
#include <inttypes.h>
#include <libudev.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static const char *or_empty(const char *s)
{
	return s ? s : "";
}

static void print_initial(struct udev *udev, bool json, bool via_udevd)
{
	struct mymap_state s;
	struct json_writer w;

	mymap_state_read(udev, &s);
	if (!json) {
		printf("watching mymap events from %s; interrupt to stop\n",
		       via_udevd ? "udevd" : "the kernel (no udevd)");
		if (s.present)
			printf("initial: present %s (%u:%u)\n", s.devnode, major(s.devnum),
			       minor(s.devnum));
		else
			printf("initial: %s\n", s.loaded ? "loaded, no device" : "not loaded");
		fflush(stdout);
		return;
	}
	json_init(&w, stdout);
	json_begin_object(&w);
	json_member_string(&w, "event", "initial");
	json_member_string(&w, "source", via_udevd ? "udev" : "kernel");
	json_member_bool(&w, "loaded", s.loaded);
	json_member_bool(&w, "present", s.present);
	if (s.present) {
		json_member_string(&w, "devnode", s.devnode);
		json_member_u64(&w, "major", major(s.devnum));
		json_member_u64(&w, "minor", minor(s.devnum));
	}
	json_end_object(&w);
	fflush(stdout);
}

static void print_event(struct udev_device *dev, bool json)
{
	const char *action = or_empty(udev_device_get_action(dev));
	const char *subsystem = or_empty(udev_device_get_subsystem(dev));
	const char *sysname = or_empty(udev_device_get_sysname(dev));
	const char *devnode = udev_device_get_devnode(dev);
	dev_t devnum = udev_device_get_devnum(dev);
	unsigned long long seqnum = udev_device_get_seqnum(dev);
	struct json_writer w;

	if (!json) {
		printf("%s %s %s", action, subsystem, sysname);
		if (devnode)
			printf(" %s", devnode);
		if (major(devnum) || minor(devnum))
			printf(" (%u:%u)", major(devnum), minor(devnum));
		printf(" seqnum %llu\n", seqnum);
		fflush(stdout);
		return;
	}
	json_init(&w, stdout);
	json_begin_object(&w);
	json_member_string(&w, "event", action);
	json_member_string(&w, "subsystem", subsystem);
	json_member_string(&w, "name", sysname);
	json_member_string(&w, "devpath", or_empty(udev_device_get_devpath(dev)));
	if (devnode) {
		json_member_string(&w, "devnode", devnode);
	}
	if (major(devnum) || minor(devnum)) {
		json_member_u64(&w, "major", major(devnum));
		json_member_u64(&w, "minor", minor(devnum));
	}
	json_member_u64(&w, "seqnum", seqnum);
	json_end_object(&w);
	fflush(stdout);
}

/* The device's events, and the module's (load and unload of mymap itself). */
static bool ours(struct udev_device *dev)
{
	const char *subsystem = or_empty(udev_device_get_subsystem(dev));
	const char *sysname = or_empty(udev_device_get_sysname(dev));

	if (strcmp(subsystem, MYMAP_SUBSYSTEM) == 0)
		return strcmp(sysname, MYMAP_SYSNAME) == 0;
	return strcmp(subsystem, "module") == 0 && strcmp(sysname, MYMAP_MODULE) == 0;
}

/* Prints every event already queued; returns false if stdout is gone. */
static bool drain(struct udev_monitor *mon, bool json)
{
	struct udev_device *dev;

	while ((dev = udev_monitor_receive_device(mon))) {
		if (ours(dev))
			print_event(dev, json);
		udev_device_unref(dev);
	}
	return !ferror(stdout);
}

int cmd_watch(const struct ctl_args *a)
{
	static const char *const subsystems[] = {MYMAP_SUBSYSTEM, "module", NULL};
	struct udev_monitor *mon = NULL;
	struct pollfd pfd[2];
	struct udev *udev;
	sigset_t mask;
	bool via_udevd;
	int err, ret = CTL_EXIT_FAILED;

	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0 ||
	    (pfd[1].fd = signalfd(-1, &mask, SFD_CLOEXEC)) < 0) {
		ctl_error("watch", "cannot set up signal handling (%s)", strerror(errno));
		return CTL_EXIT_FAILED;
	}
	udev = ctl_udev_new("watch");
	if (!udev)
		goto out;
	err = ctl_monitor_open(udev, subsystems, &mon, &via_udevd);
	if (err < 0) {
		ctl_error("watch", "cannot listen for device events (%s); is /sys mounted?",
			  strerror(-err));
		goto out;
	}
	/* The monitor is live before the state is read: no event falls between. */
	print_initial(udev, a->json, via_udevd);

	pfd[0].fd = udev_monitor_get_fd(mon);
	pfd[0].events = POLLIN;
	pfd[1].events = POLLIN;
	for (;;) {
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			ctl_error("watch", "poll failed (%s)", strerror(errno));
			break;
		}
		/* Events queued before the signal are printed before stopping. */
		if ((pfd[0].revents & POLLIN) && !drain(mon, a->json)) {
			ctl_error("watch", "cannot write the output (%s)", strerror(errno));
			break;
		}
		if (pfd[1].revents & POLLIN) {
			ret = drain(mon, a->json) ? CTL_EXIT_OK : CTL_EXIT_FAILED;
			break;
		}
	}
out:
	udev_monitor_unref(mon);
	udev_unref(udev);
	close(pfd[1].fd);
	return ret;
}
