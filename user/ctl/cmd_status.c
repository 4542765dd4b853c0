// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_status.c - `mymapctl status [--json]`: the module, its node and its
 * region, as text for a person or one JSON object for a program.
 */
#include "ctl.h"
#include "device.h"
#include "heapinfo.h"
#include "json.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <libudev.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "mymap_uapi.h"

/* Everything status shows, gathered before anything is printed. */
struct status {
	struct mymap_state s;
	bool have_node;
	struct stat node;
	char owner[64], group[64];
	bool have_info; /* MYMAP_IOC_INFO answered (needs permission to open) */
	struct mymap_info info;
	enum heap_presence heap;
	struct mymap_stats heap_stats;
	char heap_why[256];
};

static void name_ids(struct status *st)
{
	struct passwd *pw = getpwuid(st->node.st_uid);
	struct group *gr = getgrgid(st->node.st_gid);

	if (pw)
		snprintf(st->owner, sizeof(st->owner), "%s", pw->pw_name);
	else
		snprintf(st->owner, sizeof(st->owner), "%u", (unsigned int)st->node.st_uid);
	if (gr)
		snprintf(st->group, sizeof(st->group), "%s", gr->gr_name);
	else
		snprintf(st->group, sizeof(st->group), "%u", (unsigned int)st->node.st_gid);
}

static void gather(struct udev *udev, struct status *st)
{
	int fd;

	memset(st, 0, sizeof(*st));
	/* sysfs first: opening the device below would count in "opens". */
	mymap_state_read(udev, &st->s);
	if (!st->s.present)
		return;
	if (stat(st->s.devnode, &st->node) == 0 && S_ISCHR(st->node.st_mode)) {
		st->have_node = true;
		name_ids(st);
	}
	fd = open(st->s.devnode, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(st->heap_why, sizeof(st->heap_why), "cannot open the node: %s",
			 strerror(errno));
		st->heap = HEAP_UNREADABLE;
		return;
	}
	if (ioctl(fd, MYMAP_IOC_INFO, &st->info) == 0)
		st->have_info = true;
	close(fd);
	st->heap = heap_stats_read(&st->heap_stats, st->heap_why, sizeof(st->heap_why));
}

static void print_heap_text(const struct status *st)
{
	const struct mymap_stats *h = &st->heap_stats;

	switch (st->heap) {
	case HEAP_ABSENT:
		printf("  heap: none (the region holds no libmymap heap)\n");
		return;
	case HEAP_UNREADABLE:
		printf("  heap: not inspected (%s)\n", st->heap_why);
		return;
	case HEAP_PRESENT:
		break;
	}
	printf("  heap: %" PRIu64 " bytes in use in %" PRIu64 " blocks, %" PRIu64
	       " free in %" PRIu64 " blocks (largest %" PRIu64 "), fragmentation %.2f\n",
	       h->in_use, h->used_blocks, h->free, h->free_blocks, h->largest_free,
	       h->fragmentation);
	printf("  heap counters: %" PRIu64 " allocs, %" PRIu64 " frees, %" PRIu64
	       " failed, peak %" PRIu64 " bytes, %" PRIu64 " integrity errors, %" PRIu64
	       " recoveries, generation %" PRIu64 "\n",
	       h->alloc_count, h->free_count, h->failed_count, h->peak_in_use, h->integrity_errors,
	       h->recoveries, h->generation);
}

static void print_heap_json(struct json_writer *w, const struct status *st)
{
	const struct mymap_stats *h = &st->heap_stats;
	const struct {
		const char *name;
		uint64_t value;
	} fields[] = {
	    {"region_size", h->region_size},
	    {"in_use", h->in_use},
	    {"free", h->free},
	    {"largest_free", h->largest_free},
	    {"peak_in_use", h->peak_in_use},
	    {"used_blocks", h->used_blocks},
	    {"free_blocks", h->free_blocks},
	    {"alloc_count", h->alloc_count},
	    {"free_count", h->free_count},
	    {"failed_count", h->failed_count},
	    {"integrity_errors", h->integrity_errors},
	    {"recoveries", h->recoveries},
	    {"generation", h->generation},
	};
	size_t i;

	json_key(w, "heap");
	if (st->heap != HEAP_PRESENT) {
		json_null(w);
		if (st->heap == HEAP_UNREADABLE) {
			json_member_string(w, "heap_error", st->heap_why);
		}
		return;
	}
	json_begin_object(w);
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		json_key(w, fields[i].name);
		json_u64(w, fields[i].value);
	}
	json_key(w, "fragmentation");
	json_double(w, h->fragmentation);
	json_end_object(w);
}

static void print_text(const struct status *st)
{
	const struct mymap_state *s = &st->s;

	if (!s->loaded) {
		printf("mymap: not loaded\n");
		return;
	}
	printf("mymap: loaded (%s), version %s\n", s->initstate,
	       s->have_version ? s->version : "unknown");
	if (s->have_refcnt)
		printf("  module references: %" PRIu64 "\n", s->refcnt);
	if (!s->present) {
		printf("  device: not registered\n");
		return;
	}
	if (st->have_node)
		printf("  node: %s (char %u:%u), mode %04o, owner %s, group %s\n", s->devnode,
		       major(s->devnum), minor(s->devnum), (unsigned int)(st->node.st_mode & 07777),
		       st->owner, st->group);
	else
		printf("  node: %s missing (device %u:%u)\n", s->devnode, major(s->devnum),
		       minor(s->devnum));
	if (s->have_size)
		printf("  region: %" PRIu64 " bytes (%" PRIu64 " KiB)\n", s->size, s->size >> 10);
	if (st->have_info)
		printf("  page size: %u bytes, abi version %u\n", st->info.page_size,
		       st->info.abi_version);
	if (s->have_mappings)
		printf("  live mappings: %" PRIu64 "\n", s->mappings);
	if (s->have_opens)
		printf("  open files: %" PRIu64 "\n", s->opens);
	if (s->have_map_path)
		printf("  map path: %s (%s)\n", s->map_path,
		       strcmp(s->map_path, "pmd") == 0
			   ? "2 MiB entries at first touch where possible, 4 KiB at mmap elsewhere"
			   : "4 KiB entries, all at mmap");
	if (s->have_pmd_entries)
		printf("  2 MiB entries mapped now: %" PRIu64 "\n", s->pmd_entries);
	print_heap_text(st);
}

/* A sysfs value, or null when the attribute could not be read. */
static void member_u64_or_null(struct json_writer *w, const char *key, bool have, uint64_t v)
{
	json_key(w, key);
	if (have)
		json_u64(w, v);
	else
		json_null(w);
}

static void print_json(const struct status *st)
{
	const struct mymap_state *s = &st->s;
	struct json_writer w;
	char mode[8];

	json_init(&w, stdout);
	json_begin_object(&w);
	json_member_bool(&w, "loaded", s->loaded);
	if (s->loaded) {
		json_member_string(&w, "state", s->initstate);
		json_key(&w, "version");
		if (s->have_version)
			json_string(&w, s->version);
		else
			json_null(&w);
		if (s->have_refcnt)
			json_member_u64(&w, "refcnt", s->refcnt);
	}
	json_member_bool(&w, "present", s->present);
	if (s->present) {
		json_key(&w, "node");
		json_begin_object(&w);
		json_member_string(&w, "path", s->devnode);
		json_member_bool(&w, "exists", st->have_node);
		json_member_u64(&w, "major", major(s->devnum));
		json_member_u64(&w, "minor", minor(s->devnum));
		if (st->have_node) {
			snprintf(mode, sizeof(mode), "%04o",
				 (unsigned int)(st->node.st_mode & 07777));
			json_member_string(&w, "mode", mode);
			json_member_u64(&w, "uid", st->node.st_uid);
			json_member_string(&w, "owner", st->owner);
			json_member_u64(&w, "gid", st->node.st_gid);
			json_member_string(&w, "group", st->group);
		}
		json_end_object(&w);
		json_key(&w, "region");
		json_begin_object(&w);
		member_u64_or_null(&w, "size", s->have_size, s->size);
		member_u64_or_null(&w, "mappings", s->have_mappings, s->mappings);
		member_u64_or_null(&w, "opens", s->have_opens, s->opens);
		json_key(&w, "map_path");
		if (s->have_map_path)
			json_string(&w, s->map_path);
		else
			json_null(&w);
		member_u64_or_null(&w, "pmd_entries", s->have_pmd_entries, s->pmd_entries);
		if (st->have_info) {
			json_member_u64(&w, "page_size", st->info.page_size);
			json_member_u64(&w, "abi_version", st->info.abi_version);
		}
		json_end_object(&w);
		print_heap_json(&w, st);
	}
	json_end_object(&w);
}

int cmd_status(const struct ctl_args *a)
{
	struct status st;
	struct udev *udev = ctl_udev_new("status");

	if (!udev)
		return CTL_EXIT_FAILED;
	gather(udev, &st);
	udev_unref(udev);
	if (a->json)
		print_json(&st);
	else
		print_text(&st);
	if (fflush(stdout) != 0) {
		ctl_error("status", "cannot write the output (%s)", strerror(errno));
		return CTL_EXIT_FAILED;
	}
	return st.s.loaded ? CTL_EXIT_OK : CTL_EXIT_NOT_LOADED;
}
