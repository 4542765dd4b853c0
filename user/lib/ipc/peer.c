// SPDX-License-Identifier: GPL-2.0
/* peer.c - process identity and liveness for a channel's endpoints. */
#include "peer.h"

#include <errno.h>
#include <sys/ioctl.h>

#include "mymap.h"
#include "mymap_uapi.h"

void ipc_peer_self(const struct ipc_region *r, struct ipc_peer_id *id)
{
	id->process = mymap_self_id();
	id->session = r->session;
}

bool ipc_peer_alive(const struct ipc_region *r, const struct ipc_peer_id *id)
{
	if (id->session && r->dev_fd >= 0) {
		uint64_t session = id->session;

		/* The device's own answer: the file closed, whatever /proc says. */
		if (ioctl(r->dev_fd, MYMAP_IOC_ALIVE, &session) != 0 && errno == ESRCH)
			return false;
	}
	return mymap_id_alive(id->process);
}
