/* SPDX-License-Identifier: GPL-2.0 */
/*
 * corrupt.h - reporting a channel's shared memory that breaks its own
 * rules: a value another process could have written that this endpoint
 * refuses to act on.
 */
#ifndef MYMAP_IPC_CORRUPT_H
#define MYMAP_IPC_CORRUPT_H

/* Reads a word of shared memory exactly once: the value checked is the value used. */
#define IPC_READ_ONCE(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)

/*
 * Records "channel: " and the line built from @fmt (the field and the
 * values seen) for mymap_last_message(), with MYMAP_ERR_CORRUPT, and
 * returns -EBADMSG.
 */
__attribute__((format(printf, 1, 2), cold)) int ipc_corrupt(const char *fmt, ...);

#endif /* MYMAP_IPC_CORRUPT_H */
