/* SPDX-License-Identifier: GPL-2.0 */
/*
 * directory.h - the layout of a heap's channel directory (root slot 0):
 * a lock and MYMAP_CHANNEL_DIR_ENTRIES entries {state, offset, name}.
 * directory.c is its only user, apart from the tests that damage it.
 */
#ifndef MYMAP_IPC_DIRECTORY_H
#define MYMAP_IPC_DIRECTORY_H

#include <stdatomic.h>
#include <stdint.h>

#include "control_lock.h"
#include "mymap_channel.h"

#define IPC_DIR_MAGIC 0x4d4d4452u /* "RDMM" in memory */
/* 2: the lock is the heap's robust lock (owner, sleepers, wakes). */
#define IPC_DIR_VERSION 2u

/*
 * FREE -> CREATING -> READY (create); READY -> FREE (remove, nobody
 * attached) or READY -> REMOVED (remove while attached): a removed
 * channel's entry keeps its offset, unseen by lookups, until a directory
 * operation finds no live endpoint left and frees the memory (REMOVED ->
 * FREE), whether its last endpoint closed or was killed.
 */
enum ipc_entry_state {
	IPC_ENTRY_FREE = 0,
	IPC_ENTRY_CREATING = 1,
	IPC_ENTRY_READY = 2,
	IPC_ENTRY_REMOVED = 3,
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
	struct mm_lock lock;
	struct ipc_dir_entry entry[MYMAP_CHANNEL_DIR_ENTRIES];
};

#endif /* MYMAP_IPC_DIRECTORY_H */
