/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mpmc.h - a bounded multi-producer multi-consumer queue of fixed-size
 * cells that tolerates the death of any producer or consumer.
 *
 * Each cell has one 64-bit state word: the position it is for (32 bits,
 * free-running like the SPSC indices), a phase, and the endpoint that
 * owns it while WRITING or READING:
 *
 *   EMPTY(p) --producer CAS--> WRITING(p, me) --store--> FULL(p)
 *   FULL(p)  --consumer CAS--> READING(p, me) --store--> EMPTY(p + capacity)
 *
 * A cell is claimed by the compare-and-swap on its own state, never by
 * the shared positions enq and deq, which are only hints: whoever finds
 * the cell at enq already claimed moves enq on (helping), so a claimer
 * that dies before moving enq does not stop the queue.  Because the owner
 * is written in the same CAS that claims the cell, a cell whose owner died
 * is found and repaired exactly: ipc_mpmc_repair() turns WRITING(p, dead)
 * into VOID(p), a cell consumers skip, and READING(p, dead) into
 * EMPTY(p + capacity).  Only the dead endpoint's own message is lost.
 *
 * Memory ordering: a producer writes the payload, then store-release
 * FULL(p); a consumer's acquire (its claiming CAS reads FULL(p)) sees the
 * payload.  A consumer reads the payload, then store-release
 * EMPTY(p + capacity); the producer's claiming CAS (acquire) that reads it
 * comes after those reads.  Never blocks; channel.c adds waiting.
 *
 * The region is untrusted: an endpoint addresses cells with its own copy
 * of the geometry, gives up a claim loop after IPC_MPMC_TRIES rounds
 * (reported as "not now"), and refuses a cell state that no endpoint
 * could have written (an unknown phase, a position of another cell, an
 * owner that is not an endpoint number) and a length without its
 * position's lap tag (slots.h), with -EBADMSG.
 */
#ifndef MYMAP_IPC_MPMC_H
#define MYMAP_IPC_MPMC_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "slots.h"

/* In the region.  The cells follow at data_off from the start of this. */
struct ipc_mpmc {
	struct ipc_slots cells;
	IPC_KEPT_APART(_Atomic uint32_t, enq, deq);
} __attribute__((aligned(64)));

struct ipc_mpmc_cell {
	_Atomic uint64_t state;
	struct ipc_len len;
	unsigned char payload[];
};

/* A claimed cell, between claim and publish (or read and release). */
struct ipc_mpmc_claim {
	struct ipc_mpmc_cell *cell;
	uint32_t pos;
	uint32_t len; /* claim_read: the message's length, tag checked */
};

/* One endpoint's private view of the queue. */
struct ipc_mpmc_end {
	struct ipc_mpmc *q;
	struct ipc_slots cells; /* the geometry, never read from the region again */
	uint32_t lap_shift;	/* log2(capacity) */
};

/* Owner ids are endpoint numbers below IPC_MPMC_OWNERS; 0xffff is no owner. */
#define IPC_MPMC_NO_OWNER 0xffffu
#define IPC_MPMC_OWNERS	  32u
/* Rounds a claim tries before it reports "not now". */
#define IPC_MPMC_TRIES 1024u

size_t ipc_mpmc_data_bytes(uint32_t cell_size, uint32_t capacity);

/* A view of @q as formatted for @cell_size, @capacity, @data_off; no check. */
void ipc_mpmc_view(struct ipc_mpmc_end *e, struct ipc_mpmc *q, uint32_t cell_size,
		   uint32_t capacity, uint64_t data_off);

/* As ipc_mpmc_view(), then 0 or -EBADMSG when @q records another geometry. */
int ipc_mpmc_attach(struct ipc_mpmc_end *e, struct ipc_mpmc *q, uint32_t cell_size,
		    uint32_t capacity, uint64_t data_off);

/* Formats @q, every position starting at @start. */
void ipc_mpmc_format(struct ipc_mpmc *q, uint32_t cell_size, uint32_t capacity, uint64_t data_off,
		     uint32_t start);

/*
 * Claims the next free cell for @owner.  Returns 1 and fills @c, 0 when
 * the queue is full (or its oldest cell is still being read), or -EBADMSG.
 */
int ipc_mpmc_claim_write(struct ipc_mpmc_end *e, uint16_t owner, struct ipc_mpmc_claim *c);

/* Makes the written cell visible with @len payload bytes. */
void ipc_mpmc_publish(struct ipc_mpmc_end *e, struct ipc_mpmc_claim *c, uint32_t len);

/*
 * Claims the oldest full cell for @owner, skipping void ones.  Returns 1
 * and fills @c (with the length), 0 when there is none (empty, or the
 * next cell is still being written), or -EBADMSG (a full cell whose length
 * lacks its tag is handed back to the producers, its message dropped).
 */
int ipc_mpmc_claim_read(struct ipc_mpmc_end *e, uint16_t owner, struct ipc_mpmc_claim *c);

/* Hands a read cell back to the producers. */
void ipc_mpmc_release(struct ipc_mpmc_end *e, struct ipc_mpmc_claim *c);

/* The payload of a claimed cell. */
static inline void *ipc_mpmc_payload(struct ipc_mpmc_claim *c)
{
	return c->cell->payload;
}

/*
 * Ends every claim @owner holds, as if it had died: its half-written
 * cells become void, its half-read cells empty.  Returns how many cells
 * it changed.  Safe to run concurrently with live producers and consumers
 * and with itself, provided @owner is really gone.
 */
unsigned int ipc_mpmc_repair(struct ipc_mpmc_end *e, uint16_t owner);

/*
 * The owner of the cell that blocks progress: the cell at deq when
 * @for_reader (being written), or the cell at enq otherwise (being read).
 * IPC_MPMC_NO_OWNER when that cell is not claimed.
 */
uint16_t ipc_mpmc_blocker(struct ipc_mpmc_end *e, bool for_reader);

/* Cells between deq and enq, as seen now (an estimate under concurrency). */
uint32_t ipc_mpmc_count(const struct ipc_mpmc *q);

#endif /* MYMAP_IPC_MPMC_H */
