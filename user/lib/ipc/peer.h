/* SPDX-License-Identifier: GPL-2.0 */
/*
 * peer.h - who is at the other end of a channel, and is it still alive?
 *
 * A process is named by libmymap's identity (pid and start time, so a
 * reused pid never passes for a dead process) and, on the device, by the
 * session id of its open file, which MYMAP_IOC_ALIVE answers for without
 * reading /proc.  Either one saying "gone" makes the peer dead: a zombie
 * counts as dead, and so does a process that closed the device.
 */
#ifndef MYMAP_IPC_PEER_H
#define MYMAP_IPC_PEER_H

#include <stdbool.h>
#include <stdint.h>

#include "shm.h"

/*
 * struct ipc_peer_id - a process, as stored in the region.
 * @process: mymap_self_id() of the process.
 * @session: its device session id, 0 when not on the device.
 */
struct ipc_peer_id {
	uint64_t process;
	uint64_t session;
};

/* The calling process's identity for region @r. */
void ipc_peer_self(const struct ipc_region *r, struct ipc_peer_id *id);

/*
 * Is the process @id alive?  Errs on the side of "alive" when it cannot
 * tell, so that a live peer is never declared dead.
 */
bool ipc_peer_alive(const struct ipc_region *r, const struct ipc_peer_id *id);

#endif /* MYMAP_IPC_PEER_H */
