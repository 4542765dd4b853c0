/* SPDX-License-Identifier: GPL-2.0 */
/*
 * holders.h - which processes keep the device (and so the module) busy.
 *
 * A process holds the module while it has the device open (a descriptor in
 * /proc/PID/fd whose target is the device's character special file) or
 * mapped (a line of /proc/PID/maps naming the node's inode; a mapping
 * outlives the descriptor it was made with).  Reading other processes'
 * fd and maps needs root, as unloading does.
 */
#ifndef MYMAPCTL_HOLDERS_H
#define MYMAPCTL_HOLDERS_H

#include <stddef.h>
#include <sys/types.h>

struct mymap_holder {
	pid_t pid;
	char comm[32];	       /* /proc/PID/comm */
	unsigned int open_fds; /* descriptors on the device */
	unsigned int mappings; /* lines of maps on the node */
};

/* The device to look for: its number, and the node's filesystem identity. */
struct holder_target {
	dev_t rdev;	/* st_rdev of the node */
	dev_t node_dev; /* st_dev of the node (the /dev filesystem) */
	ino_t node_ino; /* st_ino of the node */
};

/*
 * Scans @proc (normally "/proc") for processes other than the caller that
 * hold @t.  On success stores a malloc'ed array (the caller frees it) and
 * its length, sorted by pid, and returns 0; returns -errno if @proc cannot
 * be read.  Processes that exit during the scan are skipped.
 */
int holders_find(const char *proc, const struct holder_target *t, struct mymap_holder **out,
		 size_t *n);

/*
 * Counts the lines of a maps file (text @maps) that map the node
 * (@node_dev, @node_ino).  Exposed for the tests.
 */
unsigned int holders_count_maps(const char *maps, dev_t node_dev, ino_t node_ino);

#endif /* MYMAPCTL_HOLDERS_H */
