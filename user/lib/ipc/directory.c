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
#include "corrupt.h"
#include "directory.h"
#include "mymap.h"

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

/*
 * Does root slot 0's offset @off lead to a directory?  0 or -EBADMSG.  The
 * number of entries is checked here and never read again: every loop
 * runs to MYMAP_CHANNEL_DIR_ENTRIES.
 */
static int directory_valid(const struct ipc_region *r, uint64_t off)
{
	const struct ipc_directory *d;
	uint32_t magic, version, entries;

	if (!ipc_region_has(r, off, sizeof(*d)) || off % 8)
		return ipc_corrupt("directory offset 0x%llx is outside the region or misaligned",
				   (unsigned long long)off);
	d = ipc_at(r, off);
	magic = IPC_READ_ONCE(d->magic);
	version = IPC_READ_ONCE(d->version);
	entries = IPC_READ_ONCE(d->entries);
	if (magic != IPC_DIR_MAGIC || version != IPC_DIR_VERSION ||
	    entries != MYMAP_CHANNEL_DIR_ENTRIES)
		return ipc_corrupt("directory magic 0x%08x version %u entries %u, expected 0x%08x, "
				   "%u, %u",
				   magic, version, entries, IPC_DIR_MAGIC, IPC_DIR_VERSION,
				   MYMAP_CHANNEL_DIR_ENTRIES);
	return 0;
}

/* Why an allocation from the heap failed: a heap lock kept too long, or no room. */
static int alloc_error(void)
{
	return errno == ETIMEDOUT ? -ETIMEDOUT : -ENOMEM;
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
		*err = alloc_error();
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
	*err = directory_valid(r, off);
	return *err ? NULL : ipc_at(r, off);
}

/*
 * @heap's region in *@r and its directory, if it has one: NULL with *@err
 * 0 when it has none, or the error of looking.
 */
static struct ipc_directory *existing_directory(struct mymap_heap *heap, struct ipc_region *r,
						int *err)
{
	*err = ipc_region_of(r, heap);
	return *err ? NULL : find_directory(r, false, err);
}

/*
 * Undoes the creations a dead lock holder left half done: a creation runs
 * wholly under the directory lock, so the lock's holder finds no other.
 * The heap refuses to free an offset that is not one of its blocks, so a
 * damaged entry costs nothing but the entry; a heap lock kept by a live
 * process leaves the entry for the next holder to try again.
 */
static void finish_dead_creations(const struct ipc_region *r, struct ipc_directory *d)
{
	for (uint32_t i = 0; i < MYMAP_CHANNEL_DIR_ENTRIES; i++) {
		struct ipc_dir_entry *e = &d->entry[i];
		uint64_t channel = IPC_READ_ONCE(e->channel);

		if (atomic_load_explicit(&e->state, memory_order_relaxed) != IPC_ENTRY_CREATING)
			continue;
		if (channel && ipc_region_has(r, channel, 1) &&
		    mymap_free(r->heap, ipc_at(r, channel)) && errno == ETIMEDOUT)
			return;
		e->channel = 0;
		atomic_store_explicit(&e->state, IPC_ENTRY_FREE, memory_order_release);
	}
}

static int lock_directory(const struct ipc_region *r, struct ipc_directory *d)
{
	int err = ipc_lock(&d->lock, r);

	if (err >= 0)
		finish_dead_creations(r, d);
	return err < 0 ? err : 0;
}

/* Does the name of entry @e equal @name?  Bounded by the entry, whatever it holds. */
static bool entry_named(const struct ipc_dir_entry *e, const char *name)
{
	size_t len = strlen(name);

	return memcmp(e->name, name, len) == 0 && e->name[len] == '\0';
}

static struct ipc_dir_entry *lookup(struct ipc_directory *d, const char *name)
{
	for (uint32_t i = 0; i < MYMAP_CHANNEL_DIR_ENTRIES; i++)
		if (atomic_load_explicit(&d->entry[i].state, memory_order_acquire) ==
			IPC_ENTRY_READY &&
		    entry_named(&d->entry[i], name))
			return &d->entry[i];
	return NULL;
}

/* The validated channel of a ready entry and its layout; or NULL, the reason recorded. */
static struct ipc_channel *entry_channel(const struct ipc_region *r, const struct ipc_dir_entry *e,
					 struct ipc_layout *l)
{
	uint64_t off = IPC_READ_ONCE(e->channel);
	struct ipc_channel *c;

	if (!ipc_region_has(r, off, sizeof(*c)) || off % IPC_CACHE_LINE) {
		ipc_corrupt("directory entry offset 0x%llx is outside the region or misaligned",
			    (unsigned long long)off);
		return NULL;
	}
	c = ipc_at(r, off);
	return ipc_channel_validate(c, r->size - off, l) ? NULL : c;
}

/*
 * Frees removed entry @e and its channel @c (NULL: damaged, its memory
 * left alone).  Returns 0 or the error of freeing, the entry freed either
 * way; or -ETIMEDOUT, a heap lock kept by a live process, with both left
 * as they are for a later sweep.
 */
static int free_removed(struct mymap_heap *heap, struct ipc_dir_entry *e, struct ipc_channel *c)
{
	int err = c && mymap_free(heap, c) ? -errno : 0;

	if (err == -ETIMEDOUT)
		return err;
	e->channel = 0;
	atomic_store_explicit(&e->state, IPC_ENTRY_FREE, memory_order_release);
	return err;
}

/*
 * Frees the removed channels that no live endpoint uses any more (their
 * last endpoint closed, or died).  Under the directory lock.  Returns 0 or
 * the first error of freeing.  A lock kept by a live process (-ETIMEDOUT)
 * ends the sweep, the entry left for a later one: one call waits out one
 * lock's limit, not one per removed channel.
 */
static int sweep_removed(const struct ipc_region *r, struct ipc_directory *d)
{
	int ret = 0;

	for (uint32_t i = 0; i < MYMAP_CHANNEL_DIR_ENTRIES; i++) {
		struct ipc_dir_entry *e = &d->entry[i];
		struct ipc_layout l;
		struct ipc_channel *c;
		int unused;

		if (atomic_load_explicit(&e->state, memory_order_acquire) != IPC_ENTRY_REMOVED)
			continue;
		/* A damaged channel's entry is dropped and its memory left alone. */
		c = entry_channel(r, e, &l);
		unused = c ? ipc_channel_mark_removed(r, c, &l) : 1;
		if (unused == -ETIMEDOUT)
			return unused;
		if (unused != 1)
			continue;
		int err = free_removed(r->heap, e, c);

		if (err == -ETIMEDOUT)
			return err;
		if (err && !ret)
			ret = err;
	}
	return ret;
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
	err = lock_directory(r, *dir);
	if (!err)
		sweep_removed(r, *dir);
	return err;
}

/*
 * The last endpoint of a removed channel has closed: free what the
 * directory holds removed and unused, this channel among them.
 */
static int release_removed(struct mymap_heap *heap, struct ipc_channel *c)
{
	struct ipc_directory *d;
	struct ipc_region r;
	int err;

	(void)c; /* found again by its entry, which only the lock holder trusts */
	d = existing_directory(heap, &r, &err);
	if (!d)
		return err;
	err = lock_directory(&r, d);
	if (err)
		return err;
	err = sweep_removed(&r, d);
	ipc_unlock(&d->lock, &r);
	return err;
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
		ipc_unlock(&d->lock, &r);
		return -EEXIST;
	}
	for (uint32_t i = 0; i < MYMAP_CHANNEL_DIR_ENTRIES && !e; i++)
		if (atomic_load_explicit(&d->entry[i].state, memory_order_relaxed) ==
		    IPC_ENTRY_FREE)
			e = &d->entry[i];
	if (!e) {
		ipc_unlock(&d->lock, &r);
		return -ENOSPC;
	}
	e->channel = 0;
	snprintf(e->name, sizeof(e->name), "%s", name);
	atomic_store_explicit(&e->state, IPC_ENTRY_CREATING, memory_order_relaxed);
	mem = mymap_aligned_alloc(heap, IPC_CACHE_LINE, bytes);
	if (!mem) {
		err = alloc_error();
		atomic_store_explicit(&e->state, IPC_ENTRY_FREE, memory_order_relaxed);
		ipc_unlock(&d->lock, &r);
		return err;
	}
	e->channel = ipc_off(&r, mem);
	ipc_channel_format(mem, cfg);
	atomic_store_explicit(&e->state, IPC_ENTRY_READY, memory_order_release);
	ipc_unlock(&d->lock, &r);
	return 0;
}

/*
 * The valid channel named @name in @d, in *@c; -ENOENT if there is none,
 * -EBADMSG if its memory does not hold a channel.  Under the directory lock.
 */
static int named_channel(const struct ipc_region *r, struct ipc_directory *d, const char *name,
			 struct ipc_channel **c, struct ipc_layout *l)
{
	struct ipc_dir_entry *e = lookup(d, name);

	if (!e)
		return -ENOENT;
	*c = entry_channel(r, e, l);
	return *c ? 0 : -EBADMSG;
}

int mymap_channel_open(struct mymap_heap *heap, const char *name, enum mymap_channel_role role,
		       struct mymap_channel **out)
{
	struct ipc_directory *d;
	struct ipc_layout l;
	struct ipc_channel *c;
	struct ipc_region r;
	int err;

	if (!out)
		return -EINVAL;
	err = enter(heap, name, false, &r, &d);
	if (err)
		return err;
	err = named_channel(&r, d, name, &c, &l);
	if (!err)
		err = ipc_channel_attach(&r, c, &l, role, out);
	ipc_unlock(&d->lock, &r);
	if (err)
		return err;
	(*out)->heap = heap;
	(*out)->free_memory = release_removed;
	return 0;
}

int mymap_channel_remove(struct mymap_heap *heap, const char *name)
{
	struct ipc_channel *c = NULL;
	struct ipc_dir_entry *e;
	struct ipc_directory *d;
	struct ipc_layout l;
	struct ipc_region r;
	int err, unused = 0;

	err = enter(heap, name, false, &r, &d);
	if (err)
		return err;
	e = lookup(d, name);
	if (e) {
		/* A damaged channel is unlinked all the same, and its memory left alone. */
		c = entry_channel(&r, e, &l);
		atomic_store_explicit(&e->state, c ? IPC_ENTRY_REMOVED : IPC_ENTRY_FREE,
				      memory_order_release);
		unused = c ? ipc_channel_mark_removed(&r, c, &l) : 0;
		/* A heap lock kept by a live process leaves the freeing to a sweep. */
		if (unused == 1 && (err = free_removed(heap, e, c)) == -ETIMEDOUT)
			err = 0;
	}
	ipc_unlock(&d->lock, &r);
	if (!e)
		return -ENOENT;
	return unused < 0 ? unused : err;
}

int mymap_channel_reclaim(struct mymap_heap *heap, const char *name)
{
	struct ipc_directory *d;
	struct ipc_layout l;
	struct ipc_channel *c;
	struct ipc_region r;
	int err;

	err = enter(heap, name, false, &r, &d);
	if (err)
		return err;
	err = named_channel(&r, d, name, &c, &l);
	if (!err)
		err = ipc_channel_reap(&r, c, &l);
	ipc_unlock(&d->lock, &r);
	return err;
}

static void fill_info(struct ipc_region *r, const struct ipc_dir_entry *e,
		      struct mymap_channel_info *info)
{
	struct ipc_layout l;
	struct ipc_channel *c = entry_channel(r, e, &l);

	memset(info, 0, sizeof(*info));
	/* The name as stored, cut at the entry's end whatever it holds. */
	memcpy(info->name, e->name, sizeof(info->name) - 1);
	info->offset = IPC_READ_ONCE(e->channel);
	if (!c)
		return;
	info->config = l.config;
	info->bytes = l.bytes;
	info->senders = ipc_channel_attached(c, &l, IPC_SENDERS);
	info->receivers = ipc_channel_attached(c, &l, IPC_RECEIVERS);
	info->queued = ipc_channel_queued(c, &l);
}

int mymap_channel_list(struct mymap_heap *heap, struct mymap_channel_info *info, size_t max)
{
	struct ipc_directory *d;
	struct ipc_region r;
	int err, n = 0;

	if (!heap || (max && !info))
		return -EINVAL;
	d = existing_directory(heap, &r, &err);
	if (!d)
		return err;
	/*
	 * No lock: listing only reads, so that a tool may list a heap it must
	 * not write to.  An entry is published READY (release) after its name
	 * and offset; one removed and reused meanwhile is shown as either.
	 */
	for (uint32_t i = 0; i < MYMAP_CHANNEL_DIR_ENTRIES; i++) {
		if (atomic_load_explicit(&d->entry[i].state, memory_order_acquire) !=
		    IPC_ENTRY_READY)
			continue;
		if ((size_t)n < max)
			fill_info(&r, &d->entry[i], &info[n]);
		n++;
	}
	return n;
}
