// SPDX-License-Identifier: GPL-2.0
/*
 * nodewait.c - a libudev monitor that tells when /dev/mymap is ready.
 */
#include "nodewait.h"
#include "ctl.h"

#include <errno.h>
#include <libudev.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

bool udevd_is_running(struct udev *udev)
{
	struct udev_queue *q = udev_queue_new(udev);
	bool active = q && udev_queue_get_udev_is_active(q);

	udev_queue_unref(q);
	return active;
}

int ctl_monitor_open(struct udev *udev, const char *const *subsystems, struct udev_monitor **mon,
		     bool *via_udevd)
{
	int err;

	*via_udevd = udevd_is_running(udev);
	*mon = udev_monitor_new_from_netlink(udev, *via_udevd ? "udev" : "kernel");
	if (!*mon)
		return errno ? -errno : -ENOMEM;
	for (; *subsystems; subsystems++)
		if (udev_monitor_filter_add_match_subsystem_devtype(*mon, *subsystems, NULL) < 0)
			goto fail;
	if (udev_monitor_enable_receiving(*mon) < 0)
		goto fail;
	return 0;
fail:
	err = errno ? -errno : -EIO;
	*mon = udev_monitor_unref(*mon);
	return err;
}

int node_wait_prepare(struct node_wait *w, struct udev *udev)
{
	static const char *const subsystems[] = {MYMAP_SUBSYSTEM, NULL};

	w->udev = udev;
	return ctl_monitor_open(udev, subsystems, &w->mon, &w->via_udevd);
}

void node_wait_release(struct node_wait *w)
{
	udev_monitor_unref(w->mon);
	w->mon = NULL;
}

/* The node of @dev, checked to be the device's character special file. */
static int node_of(struct udev_device *dev, char *node, size_t len)
{
	const char *path = udev_device_get_devnode(dev);
	struct stat st;

	if (!path)
		return -ENOENT;
	if (stat(path, &st) < 0)
		return -errno;
	if (!S_ISCHR(st.st_mode) || st.st_rdev != udev_device_get_devnum(dev))
		return -ENOENT;
	snprintf(node, len, "%s", path);
	return 0;
}

/* Whether @dev is ready: with udevd, only once udevd has processed it. */
static bool ready(const struct node_wait *w, struct udev_device *dev)
{
	return !w->via_udevd || udev_device_get_is_initialized(dev) > 0;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int node_wait_finish(struct node_wait *w, unsigned int timeout_s, char *node, size_t len)
{
	long long deadline = now_ms() + (long long)timeout_s * 1000;
	struct udev_device *dev;
	struct pollfd pfd;

	/* Already there (the usual case without udevd: init_module returned after it). */
	dev = udev_device_new_from_subsystem_sysname(w->udev, MYMAP_SUBSYSTEM, MYMAP_SYSNAME);
	if (dev && ready(w, dev)) {
		int ret = node_of(dev, node, len);

		udev_device_unref(dev);
		return ret;
	}
	udev_device_unref(dev);

	pfd.fd = udev_monitor_get_fd(w->mon);
	pfd.events = POLLIN;
	for (;;) {
		long long left = deadline - now_ms();
		const char *action;
		int n, ret;

		if (left <= 0)
			return -ETIMEDOUT;
		n = poll(&pfd, 1, (int)left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -ETIMEDOUT;
		dev = udev_monitor_receive_device(w->mon);
		if (!dev)
			continue;
		action = udev_device_get_action(dev);
		if (!action || strcmp(action, "add") != 0 ||
		    strcmp(udev_device_get_sysname(dev), MYMAP_SYSNAME) != 0) {
			udev_device_unref(dev);
			continue;
		}
		ret = node_of(dev, node, len);
		udev_device_unref(dev);
		return ret;
	}
}
