/* SPDX-License-Identifier: GPL-2.0 */
/* align.h - sizes and alignment shared by the channel structures. */
#ifndef MYMAP_IPC_ALIGN_H
#define MYMAP_IPC_ALIGN_H

#include <stdint.h>

/* What the two sides of a ring keep apart to avoid false sharing. */
#define IPC_CACHE_LINE 64

static inline uint64_t ipc_align_up(uint64_t x, uint64_t a)
{
	return (x + a - 1) & ~(a - 1);
}

static inline int ipc_is_pow2(uint64_t x)
{
	return x && !(x & (x - 1));
}

#endif /* MYMAP_IPC_ALIGN_H */
