// SPDX-License-Identifier: GPL-2.0
/*
 * holders_test - finding who holds the device, on a fake /proc: a process
 * with a descriptor on the device, one with only a mapping, one with
 * neither, and one whose maps name another inode; /dev/null stands in for
 * the device's character special file.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "tap.h"
#include "../../user/ctl/holders.h"

static char root[64];

static void put(const char *rel, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static void dir(const char *rel)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	mkdir(path, 0700);
}

static void link_to(const char *target, const char *rel)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	if (symlink(target, path) < 0)
		perror(path);
}

int main(void)
{
	struct holder_target t;
	struct mymap_holder *list = NULL;
	struct stat null_st;
	char maps[512], cmd[128];
	size_t n = 99;
	int ret;

	snprintf(root, sizeof(root), "%s/holders_test.XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(root) || stat("/dev/null", &null_st) < 0) {
		tap_ok(false, "set up a fake /proc: %s", strerror(errno));
		return tap_done();
	}
	t.rdev = null_st.st_rdev;
	t.node_dev = makedev(0, 5);
	t.node_ino = 4242;
	snprintf(maps, sizeof(maps),
		 "7f0000000000-7f0000400000 rw-s 00000000 00:05 4242                       "
		 "/dev/mymap\n"
		 "7f0000400000-7f0000401000 rw-s 00001000 00:05 4242                       "
		 "/dev/mymap\n"
		 "7f0000500000-7f0000501000 r--p 00000000 08:01 4242                       "
		 "/usr/lib/x\n"
		 "7ffc00000000-7ffc00021000 rw-p 00000000 00:00 0                          "
		 "[stack]\n");
	tap_ok(holders_count_maps(maps, t.node_dev, t.node_ino) == 2,
	       "maps lines count only for the node's device and inode (got %u)",
	       holders_count_maps(maps, t.node_dev, t.node_ino));
	tap_ok(holders_count_maps("", t.node_dev, t.node_ino) == 0 &&
		   holders_count_maps("garbage\n\n", t.node_dev, t.node_ino) == 0,
	       "empty or malformed maps count nothing");

	/* pid 100: open fd on the device; 200: mapped only; 300: neither; 400: both */
	dir("100");
	dir("100/fd");
	link_to("/dev/null", "100/fd/3");
	link_to("/dev/zero", "100/fd/4");
	put("100/maps", "");
	put("100/comm", "opener\n");
	dir("200");
	dir("200/fd");
	put("200/maps", maps);
	put("200/comm", "mapper\n");
	dir("300");
	dir("300/fd");
	link_to("/dev/zero", "300/fd/0");
	put("300/maps", "7f0000500000-7f0000501000 r--p 00000000 08:01 4242 /usr/lib/x\n");
	put("300/comm", "bystander\n");
	dir("400");
	dir("400/fd");
	link_to("/dev/null", "400/fd/5");
	link_to("/dev/null", "400/fd/6");
	put("400/maps", maps);
	put("400/comm", "both\n");
	dir("self"); /* not a pid: skipped */

	ret = holders_find(root, &t, &list, &n);
	tap_ok(ret == 0 && n == 3, "three of four processes hold the device (ret %d, found %zu)",
	       ret, n);
	if (ret == 0 && n == 3) {
		tap_ok(list[0].pid == 100 && list[0].open_fds == 1 && list[0].mappings == 0 &&
			   strcmp(list[0].comm, "opener") == 0,
		       "pid 100: one descriptor, no mapping, name 'opener' (fds %u, maps %u, %s)",
		       list[0].open_fds, list[0].mappings, list[0].comm);
		tap_ok(list[1].pid == 200 && list[1].open_fds == 0 && list[1].mappings == 2,
		       "pid 200: mapped twice without a descriptor (fds %u, maps %u)",
		       list[1].open_fds, list[1].mappings);
		tap_ok(list[2].pid == 400 && list[2].open_fds == 2 && list[2].mappings == 2,
		       "pid 400: two descriptors and two mappings (fds %u, maps %u)",
		       list[2].open_fds, list[2].mappings);
	}
	free(list);
	tap_ok(holders_find("/nonexistent-proc", &t, &list, &n) == -ENOENT,
	       "an unreadable proc directory is an error, not an empty list");
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	if (system(cmd) != 0)
		tap_diag("could not remove %s", root);
	return tap_done();
}
