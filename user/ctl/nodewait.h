/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nodewait.h - waiting for /dev/mymap after the module is inserted.
 *
 * With systemd-udevd running, the node is ready when udevd has applied its
 * rules (owner, group, mode): its "add" event, or a device already marked
 * initialized.  Without udevd (an initramfs, a container) devtmpfs creates
 * the node before the kernel's own "add" uevent is sent, so that event - or
 * the device being in sysfs already - means the node is there.  Either way
 * the monitor is set up before the module is inserted, so no event is
 * missed, and nothing polls on a timer.
 */
#ifndef MYMAPCTL_NODEWAIT_H
#define MYMAPCTL_NODEWAIT_H

#include <stdbool.h>
#include <stddef.h>

struct udev;
struct udev_monitor;

struct node_wait {
	struct udev *udev;
	struct udev_monitor *mon;
	bool via_udevd; /* events come from udevd, not straight from the kernel */
};

/*
 * Whether systemd-udevd is running (its control socket exists); decides
 * whether a monitor listens to "udev" or "kernel" events.
 */
bool udevd_is_running(struct udev *udev);

/*
 * Opens a receiving monitor in *@mon for the events of each subsystem in
 * @subsystems (NULL-terminated): udevd's when it is running, else the
 * kernel's; *@via_udevd says which.  Returns 0, or -errno with *@mon NULL
 * (-ENOMEM or -EIO when libudev left errno unset).
 */
int ctl_monitor_open(struct udev *udev, const char *const *subsystems, struct udev_monitor **mon,
		     bool *via_udevd);

/* Starts listening for misc devices.  Returns 0 or -errno. */
int node_wait_prepare(struct node_wait *w, struct udev *udev);

/*
 * Waits at most @timeout_s seconds until the mymap node is usable and
 * copies its path to @node.  Returns 0, -ETIMEDOUT, -ENOENT (the device
 * exists but no node appeared: no udevd and /dev is not devtmpfs), or
 * another -errno.
 */
int node_wait_finish(struct node_wait *w, unsigned int timeout_s, char *node, size_t len);

void node_wait_release(struct node_wait *w);

#endif /* MYMAPCTL_NODEWAIT_H */
