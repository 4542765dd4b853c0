// SPDX-License-Identifier: GPL-2.0
/* shm.c - a channel's view of its heap: base, size, sleeping, session. */
#include "shm.h"

#include <errno.h>
#include <sys/ioctl.h>

#include "../handle.h"
#include "mymap.h"
#include "mymap_uapi.h"

int ipc_region_of(struct ipc_region *r, struct mymap_heap *heap)
{
	r->heap = heap;
	r->sleep = &heap->sleep;
	r->base = mymap_heap_base(heap);
	r->size = mymap_heap_size(heap);
	r->dev_fd = -1;
	r->session = 0;
	if (mymap_heap_backend(heap) == MYMAP_BACKEND_DEVICE) {
		struct mymap_info info;

		r->dev_fd = mymap_heap_fd(heap);
		if (ioctl(r->dev_fd, MYMAP_IOC_INFO, &info) != 0)
			return -errno;
		r->session = info.session;
	}
	return 0;
}

int ipc_wait(const struct ipc_region *r, _Atomic uint32_t *word, uint32_t expected,
	     uint64_t timeout_ns)
{
	/* The kernel reads the word itself; a plain pointer is what it takes. */
	if (mymap_wait(r->heap, (const uint32_t *)word, expected, timeout_ns) == 0)
		return 0;
	return -errno;
}

int ipc_wait_peer(const struct ipc_region *r, _Atomic uint32_t *word, uint32_t expected,
		  uint64_t timeout_ns, uint64_t peer)
{
	struct mymap_wait w = {
	    .offset = ipc_off(r, (const void *)word),
	    .expected = expected,
	    .timeout_ns = timeout_ns,
	    .peer = peer,
	};

	if (!peer || r->dev_fd < 0)
		return ipc_wait(r, word, expected, timeout_ns);
	if (ioctl(r->dev_fd, MYMAP_IOC_WAIT, &w) == 0)
		return 0;
	/* A driver without waits: mymap_wait() knows what to do instead. */
	if (errno == ENOTTY)
		return ipc_wait(r, word, expected, timeout_ns);
	return -errno;
}

int ipc_wake(const struct ipc_region *r, _Atomic uint32_t *word, uint32_t count)
{
	return mymap_wake(r->heap, (const uint32_t *)word, count);
}
