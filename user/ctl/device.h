/* SPDX-License-Identifier: GPL-2.0 */
/*
 * device.h - what the system says about the mymap module and its device:
 * /sys/module/mymap for the module, libudev for the device and its sysfs
 * attributes (size, mappings, opens, map_path, pmd_entries).
 */
#ifndef MYMAPCTL_DEVICE_H
#define MYMAPCTL_DEVICE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct udev;

/* A snapshot; a field is meaningful only when its have_ flag is set. */
struct mymap_state {
	bool loaded;	    /* /sys/module/mymap/initstate exists */
	char initstate[16]; /* "live", "coming" or "going" */
	bool have_version;
	char version[64]; /* MODULE_VERSION, /sys/module/mymap/version */
	bool have_refcnt;
	uint64_t refcnt; /* module references: open files and mappings hold one */
	bool present;	 /* the misc device is registered */
	char syspath[256];
	char devnode[256]; /* the node udev names, normally /dev/mymap */
	dev_t devnum;
	bool have_size, have_mappings, have_opens;
	uint64_t size, mappings, opens;
	bool have_map_path;    /* the driver has map_path (and pmd_entries) */
	char map_path[16];     /* "pmd" or "remap" */
	bool have_pmd_entries; /* pmd_entries read and parsed */
	uint64_t pmd_entries;  /* 2 MiB page-table entries mapping the region now */
};

/*
 * A libudev context for @command (release with udev_unref()), or NULL
 * after printing the one-line error.
 */
struct udev *ctl_udev_new(const char *command);

/*
 * Fills @s from sysfs through @udev.  Never fails: what cannot be read is
 * left unset.  A module that is loaded without its device (still coming,
 * or going) has loaded && !present.
 */
void mymap_state_read(struct udev *udev, struct mymap_state *s);

#endif /* MYMAPCTL_DEVICE_H */
