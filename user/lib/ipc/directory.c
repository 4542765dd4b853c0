// SPDX-License-Identifier: GPL-2.0
/*
 * directory.c - named channels in a heap: a table of names and channel
 * offsets, found through the heap's root slot 0 and created at first use.
 *
 * The table is small and changes rarely, so one robust lock (control_lock.h)
 * guards it.  Lock order: directory, then a channel's own lock, then the
 * heap's (inside mymap_malloc/free); nothing takes them the other way.
 * An entry being created is marked CREATING while its channel is
 * allocated and formatted; only the lock holder ever sees that state, so
 * one found by a holder that took the lock over from a dead process is
 * that process's unfinished work, and is undone.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "align.h"
#include "channel.h"
#include "mymap.h"

#define IPC_DIR_MAGIC	0x4d4d4452u /* "RDMM" in memory */
#define IPC_DIR_VERSION 1u

enum ipc_entry_state {
	IPC_ENTRY_FREE = 0,
	IPC_ENTRY_CREATING = 1,
	IPC_ENTRY_READY = 2,
};

struct ipc_dir_entry {
	_Atomic uint32_t state;
	uint32_t reserved;
	uint64_t channel; /* region offset of the channel's memory */
	char name[MYMAP_CHANNEL_NAME_MAX + 1];
};

struct ipc_directory {
	uint32_t magic;
	uint32_t version;
	uint32_t entries;
	uint32_t reserved;
	struct ipc_lock lock;
	struct ipc_dir_entry entry[MYMAP_CHANNEL_DIR_ENTRIES];
};

/* A name is 1..NAME_MAX printable characters, no '/'. */
static int check_name(const char *name)
{
	size_t len;

	if (!name)
		return -EINVAL;
	len = strnlen(name, MYMAP_CHANNEL_NAME_MAX + 1);
	if (len > MYMAP_CHANNEL_NAME_MAX)
		return -ENAMETOOLONG;
	if (!len)
		return -EINVAL;
	for (size_t i = 0; i < len; i++)
		if (name[i] == '/' || name[i] <= ' ' || name[i] == 0x7f)
			return -EINVAL;
	return 0;
}

static bool directory_valid(const struct ipc_region *r, uint64_t off)
{
	const struct ipc_directory *d;

	if (!ipc_region_has(r, off, sizeof(*d)) || off % 8)
		return false;
	d = ipc_at(r, off);
	return d->magic == IPC_DIR_MAGIC && d->version == IPC_DIR_VERSION &&
	       d->entries == MYMAP_CHANNEL_DIR_ENTRIES;
}

/*
 * The heap's directory; created when @create and none exists yet.
 * NULL with *@err = 0 when there is none and !@create.
 */
static struct ipc_directory *find_directory(const struct ipc_region *r, bool create, int *err)
{
	mymap_off_t off = mymap_root_get(r->heap, MYMAP_ROOT_CHANNELS), expected = 0;
	struct ipc_directory *d;

	*err = 0;
	if (off)
		goto found;
	if (!create)
		return NULL;
	d = mymap_calloc(r->heap, 1, sizeof(*d));
	if (!d) {
		*err = -ENOMEM;
		return NULL;
	}
	d->version = IPC_DIR_VERSION;
	d->entries = MYMAP_CHANNEL_DIR_ENTRIES;
	d->magic = IPC_DIR_MAGIC;
	/* The CAS is sequentially consistent: the table is visible before the slot. */
	if (mymap_root_cas(r->heap, MYMAP_ROOT_CHANNELS, &expected, ipc_off(r, d)) == 0)
		return d;
	/* Another process created it first: use theirs. */
	mymap_free(r->heap, d);
	off = expected;
found:
	if (!directory_valid(r, off)) {
		*err = -EBADMSG;
		return NULL;
	}
	return ipc_at(r, off);
}

/* Undoes the creations a dead lock holder left half done. */
static void finish_dead_creations(const struct ipc_region *r, struct ipc_directory *d)
{
	for (uint32_t i = 0; i < d->entries; i++) {
		struct ipc_dir_entry *e = &d->entry[i];

		if (atomic_load_explicit(&e->state, memory_order_relaxed) != IPC_ENTRY_CREATING)
			continue;
		if (e->channel)
			mymap_free(r->heap, ipc_at(r, e->channel));
		e->channel = 0;
		atomic_store_explicit(&e->state, IPC_ENTRY_FREE, memory_order_release);
	}
}

static void lock_directory(const struct ipc_region *r, struct ipc_directory *d)
{
	if (ipc_lock(&d->lock))
		finish_dead_creations(r, d);
}

static struct ipc_dir_entry *lookup(struct ipc_directory *d, const char *name)
{
	for (uint32_t i = 0; i < d->entries; i++)
		if (atomic_load_explicit(&d->entry[i].state, memory_order_acquire) ==
			IPC_ENTRY_READY &&
		    strcmp(d->entry[i].name, name) == 0)
			return &d->entry[i];
	return NULL;
}

/* The validated channel of a ready entry, or NULL. */
static struct ipc_channel *entry_channel(const struct ipc_region *r, const struct ipc_dir_entry *e)
{
	struct ipc_channel *c;

	if (!ipc_region_has(r, e->channel, sizeof(*c)) || e->channel % IPC_CACHE_LINE)
		return NULL;
	c = ipc_at(r, e->channel);
	return ipc_channel_validate(c, r->size - e->channel) ? NULL : c;
}

/* Directory and region for @name, the directory locked; or a negative errno. */
static int enter(struct mymap_heap *heap, const char *name, bool create, struct ipc_region *r,
		 struct ipc_directory **dir)
{
	int err = check_name(name);

	if (!err && !heap)
		err = -EINVAL;
	if (!err)
		err = ipc_region_of(r, heap);
	if (err)
		return err;
	*dir = find_directory(r, create, &err);
	if (!*dir)
		return err ? err : -ENOENT;
	lock_directory(r, *dir);
	return 0;
}

int mymap_channel_create(struct mymap_heap *heap, const char *name,
			 const struct mymap_channel_config *cfg)
{
	size_t bytes = mymap_channel_bytes(cfg);
	struct ipc_dir_entry *e = NULL;
	struct ipc_directory *d;
	struct ipc_region r;
	void *mem;
	int err;

	if (!bytes)
		return -EINVAL;
	err = enter(heap, name, true, &r, &d);
	if (err)
		return err;
	if (lookup(d, name)) {
		ipc_unlock(&d->lock);
		return -EEXIST;
	}
	for (uint32_t i = 0; i < d->entries && !e; i++)
		if (atomic_load_explicit(&d->entry[i].state, memory_order_relaxed) ==
		    IPC_ENTRY_FREE)
			e = &d->entry[i];
	if (!e) {
		ipc_unlock(&d->lock);
		return -ENOSPC;
	}
	e->channel = 0;
	snprintf(e->name, sizeof(e->name), "%s", name);
	atomic_store_explicit(&e->state, IPC_ENTRY_CREATING, memory_order_relaxed);
	mem = mymap_aligned_alloc(heap, IPC_CACHE_LINE, bytes);
	if (!mem) {
		atomic_store_explicit(&e->state, IPC_ENTRY_FREE, memory_order_relaxed);
		ipc_unlock(&d->lock);
		return -ENOMEM;
	}
	e->channel = ipc_off(&r, mem);
	ipc_channel_format(mem, cfg);
	atomic_store_explicit(&e->state, IPC_ENTRY_READY, memory_order_release);
	ipc_unlock(&d->lock);
	return 0;
}

static int free_channel(struct mymap_heap *heap, struct ipc_channel *c)
{
	return mymap_free(heap, c) ? -errno : 0;
}

/*
 * The valid channel named @name in @d, in *@c; -ENOENT if there is none,
 * -EBADMSG if its memory does not hold a channel.  Under the directory lock.
 */
static int named_channel(const struct ipc_region *r, struct ipc_directory *d, const char *name,
			 struct ipc_channel **c)
{
	struct ipc_dir_entry *e = lookup(d, name);

	if (!e)
		return -ENOENT;
	*c = entry_channel(r, e);
	return *c ? 0 : -EBADMSG;
}

int mymap_channel_open(struct mymap_heap *heap, const char *name, enum mymap_channel_role role,
		       struct mymap_channel **out)
{
	struct ipc_directory *d;
	struct ipc_channel *c;
	struct ipc_region r;
	int err;

	if (!out)
		return -EINVAL;
	err = enter(heap, name, false, &r, &d);
	if (err)
		return err;
	err = named_channel(&r, d, name, &c);
	if (!err)
		err = ipc_channel_attach(&r, c, role, out);
	ipc_unlock(&d->lock);
	if (err)
		return err;
	(*out)->heap = heap;
	(*out)->free_memory = free_channel;
	return 0;
}

int mymap_channel_remove(struct mymap_heap *heap, const char *name)
{
	struct ipc_channel *c = NULL;
	struct ipc_dir_entry *e;
	struct ipc_directory *d;
	struct ipc_region r;
	bool unused = false;
	int err;

	err = enter(heap, name, false, &r, &d);
	if (err)
		return err;
	e = lookup(d, name);
	if (e) {
		c = entry_channel(&r, e);
		atomic_store_explicit(&e->state, IPC_ENTRY_FREE, memory_order_release);
		unused = c && ipc_channel_mark_removed(&r, c);
	}
	ipc_unlock(&d->lock);
	if (!e)
		return -ENOENT;
	return unused ? free_channel(heap, c) : 0;
}

int mymap_channel_reclaim(struct mymap_heap *heap, const char *name)
{
	struct ipc_directory *d;
	struct ipc_channel *c;
	struct ipc_region r;
	int err;

	err = enter(heap, name, false, &r, &d);
	if (err)
		return err;
	err = named_channel(&r, d, name, &c);
	if (!err)
		err = ipc_channel_reap(&r, c);
	ipc_unlock(&d->lock);
	return err;
}

static void fill_info(struct ipc_region *r, const struct ipc_dir_entry *e,
		      struct mymap_channel_info *info)
{
	struct ipc_channel *c = entry_channel(r, e);

	memset(info, 0, sizeof(*info));
	snprintf(info->name, sizeof(info->name), "%s", e->name);
	info->offset = e->channel;
	if (!c)
		return;
	info->config = ipc_channel_config(c);
	info->bytes = c->bytes;
	info->senders = ipc_channel_attached(c, IPC_SENDERS);
	info->receivers = ipc_channel_attached(c, IPC_RECEIVERS);
	info->queued = ipc_channel_queued(c);
}

int mymap_channel_list(struct mymap_heap *heap, struct mymap_channel_info *info, size_t max)
{
	struct ipc_directory *d;
	struct ipc_region r;
	int err, n = 0;

	if (!heap || (max && !info))
		return -EINVAL;
	err = ipc_region_of(&r, heap);
	if (err)
		return err;
	d = find_directory(&r, false, &err);
	if (!d)
		return err;
	lock_directory(&r, d);
	for (uint32_t i = 0; i < d->entries; i++) {
		if (atomic_load_explicit(&d->entry[i].state, memory_order_acquire) !=
		    IPC_ENTRY_READY)
			continue;
		if ((size_t)n < max)
			fill_info(&r, &d->entry[i], &info[n]);
		n++;
	}
	ipc_unlock(&d->lock);
	return n;
}
