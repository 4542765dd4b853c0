// SPDX-License-Identifier: GPL-2.0
/* mpmc.c - the multi-producer multi-consumer queue with per-cell owners. */
#include "mpmc.h"

#include <errno.h>

enum cell_phase {
	PHASE_EMPTY = 0,
	PHASE_WRITING = 1,
	PHASE_FULL = 2,
	PHASE_READING = 3,
	PHASE_VOID = 4, /* claimed by a producer that died: nothing to read */
};

static uint64_t make_state(uint32_t pos, enum cell_phase phase, uint16_t owner)
{
	return (uint64_t)pos | (uint64_t)phase << 32 | (uint64_t)owner << 40;
}

static uint32_t state_pos(uint64_t s)
{
	return (uint32_t)s;
}

static enum cell_phase state_phase(uint64_t s)
{
	return (enum cell_phase)((s >> 32) & 0xff);
}

static uint16_t state_owner(uint64_t s)
{
	return (uint16_t)(s >> 40);
}

static struct ipc_mpmc_cell *cell_at(const struct ipc_mpmc_end *e, uint32_t pos)
{
	return ipc_slot(e->q, &e->cells, pos);
}

/*
 * Could an endpoint have written @s into the cell that enq or deq, read
 * as @pos, names?  A known phase, an owner only while claimed, and a
 * position of this cell no more than a lap behind @pos: enq or deq moved
 * past @pos - capacity only after that position's cell was claimed, and
 * a cell's position only grows.  (It may be any number of laps ahead:
 * @pos may be stale by then.)  0, or -EBADMSG naming the state.
 */
static int check_state(const struct ipc_mpmc_end *e, uint64_t s, uint32_t pos)
{
	enum cell_phase phase = state_phase(s);
	uint16_t owner = state_owner(s);
	bool claimed = phase == PHASE_WRITING || phase == PHASE_READING;
	uint32_t lag = state_pos(s) - pos;

	if (s >> 56 || phase > PHASE_VOID || (lag & e->cells.mask) ||
	    (int64_t)(int32_t)lag < -(int64_t)e->cells.capacity ||
	    (claimed ? owner >= IPC_MPMC_OWNERS : owner != IPC_MPMC_NO_OWNER))
		return ipc_corrupt("MPMC cell %u (position 0x%x) has impossible state 0x%016llx",
				   pos & e->cells.mask, pos, (unsigned long long)s);
	return 0;
}

size_t ipc_mpmc_data_bytes(uint32_t cell_size, uint32_t capacity)
{
	return ipc_slots_bytes(sizeof(struct ipc_mpmc_cell), cell_size, capacity);
}

void ipc_mpmc_view(struct ipc_mpmc_end *e, struct ipc_mpmc *q, uint32_t cell_size,
		   uint32_t capacity, uint64_t data_off)
{
	e->q = q;
	ipc_slots_init(&e->cells, sizeof(struct ipc_mpmc_cell), cell_size, capacity, data_off);
	e->lap_shift = (uint32_t)__builtin_ctz(capacity);
}

int ipc_mpmc_attach(struct ipc_mpmc_end *e, struct ipc_mpmc *q, uint32_t cell_size,
		    uint32_t capacity, uint64_t data_off)
{
	ipc_mpmc_view(e, q, cell_size, capacity, data_off);
	return ipc_slots_check(&q->cells, &e->cells);
}

void ipc_mpmc_format(struct ipc_mpmc *q, uint32_t cell_size, uint32_t capacity, uint64_t data_off,
		     uint32_t start)
{
	struct ipc_mpmc_end e;

	ipc_slots_init(&q->cells, sizeof(struct ipc_mpmc_cell), cell_size, capacity, data_off);
	ipc_mpmc_view(&e, q, cell_size, capacity, data_off);
	atomic_init(&q->enq, start);
	atomic_init(&q->deq, start);
	for (uint32_t i = 0; i < capacity; i++) {
		uint32_t pos = start + i;

		atomic_init(&cell_at(&e, pos)->state,
			    make_state(pos, PHASE_EMPTY, IPC_MPMC_NO_OWNER));
		cell_at(&e, pos)->len = (struct ipc_len){0, ~0u};
	}
}

/* Moves a shared position from @pos to @pos + 1 unless someone already did. */
static void help_advance(_Atomic uint32_t *at, uint32_t pos)
{
	atomic_compare_exchange_strong_explicit(at, &pos, pos + 1, memory_order_relaxed,
						memory_order_relaxed);
}

int ipc_mpmc_claim_write(struct ipc_mpmc_end *e, uint16_t owner, struct ipc_mpmc_claim *c)
{
	struct ipc_mpmc *q = e->q;

	for (uint32_t round = 0; round < IPC_MPMC_TRIES; round++) {
		uint32_t pos = atomic_load_explicit(&q->enq, memory_order_relaxed);
		struct ipc_mpmc_cell *cell = cell_at(e, pos);
		uint64_t s = atomic_load_explicit(&cell->state, memory_order_acquire);
		int32_t lag = (int32_t)(state_pos(s) - pos);
		int err = check_state(e, s, pos);

		if (err)
			return err;
		if (lag == 0 && state_phase(s) == PHASE_EMPTY) {
			if (atomic_compare_exchange_weak_explicit(
				&cell->state, &s, make_state(pos, PHASE_WRITING, owner),
				memory_order_acquire, memory_order_relaxed)) {
				help_advance(&q->enq, pos);
				c->cell = cell;
				c->pos = pos;
				return 1;
			}
		} else if (lag >= 0) {
			/*
			 * Claimed for this position already, or for a later lap
			 * (its claimer died before moving enq): move enq past it.
			 */
			help_advance(&q->enq, pos);
		} else {
			/* The cell still holds the previous lap: full, unless enq moved. */
			if (atomic_load_explicit(&q->enq, memory_order_relaxed) == pos)
				return 0;
		}
	}
	return 0;
}

void ipc_mpmc_publish(struct ipc_mpmc_end *e, struct ipc_mpmc_claim *c, uint32_t len)
{
	ipc_len_store(&c->cell->len, len, c->pos, e->lap_shift);
	atomic_store_explicit(&c->cell->state, make_state(c->pos, PHASE_FULL, IPC_MPMC_NO_OWNER),
			      memory_order_release);
}

int ipc_mpmc_claim_read(struct ipc_mpmc_end *e, uint16_t owner, struct ipc_mpmc_claim *c)
{
	struct ipc_mpmc *q = e->q;

	for (uint32_t round = 0; round < IPC_MPMC_TRIES; round++) {
		uint32_t pos = atomic_load_explicit(&q->deq, memory_order_relaxed);
		struct ipc_mpmc_cell *cell = cell_at(e, pos);
		uint64_t s = atomic_load_explicit(&cell->state, memory_order_acquire);
		int32_t lag = (int32_t)(state_pos(s) - pos);
		enum cell_phase phase = state_phase(s);
		int err = check_state(e, s, pos);

		if (err)
			return err;
		if (lag == 0 && (phase == PHASE_FULL || phase == PHASE_VOID)) {
			if (!atomic_compare_exchange_weak_explicit(
				&cell->state, &s, make_state(pos, PHASE_READING, owner),
				memory_order_acquire, memory_order_relaxed))
				continue;
			help_advance(&q->deq, pos);
			c->cell = cell;
			c->pos = pos;
			if (phase == PHASE_VOID) {
				/* A dead producer's cell: hand it back and look further. */
				ipc_mpmc_release(e, c);
				continue;
			}
			err = ipc_len_load(&cell->len, pos, e->lap_shift, &c->len, "MPMC cell",
					   pos & e->cells.mask);
			if (err) {
				ipc_mpmc_release(e, c);
				return err;
			}
			return 1;
		} else if (lag == 0 && phase == PHASE_READING) {
			help_advance(&q->deq, pos);
		} else if (lag > 0) {
			/* Read and handed back already (deq is stale): move deq past it. */
			help_advance(&q->deq, pos);
		} else {
			/*
			 * EMPTY(pos) or WRITING(pos): not written yet; an older
			 * lap still being read: not written either.
			 */
			if (atomic_load_explicit(&q->deq, memory_order_relaxed) == pos)
				return 0;
		}
	}
	return 0;
}

void ipc_mpmc_release(struct ipc_mpmc_end *e, struct ipc_mpmc_claim *c)
{
	atomic_store_explicit(
	    &c->cell->state, make_state(c->pos + e->cells.capacity, PHASE_EMPTY, IPC_MPMC_NO_OWNER),
	    memory_order_release);
}

unsigned int ipc_mpmc_repair(struct ipc_mpmc_end *e, uint16_t owner)
{
	unsigned int repaired = 0;

	for (uint32_t i = 0; i < e->cells.capacity; i++) {
		struct ipc_mpmc_cell *cell = cell_at(e, i);
		uint64_t s = atomic_load_explicit(&cell->state, memory_order_acquire);
		uint64_t to;

		if (state_owner(s) != owner)
			continue;
		if (state_phase(s) == PHASE_WRITING)
			to = make_state(state_pos(s), PHASE_VOID, IPC_MPMC_NO_OWNER);
		else if (state_phase(s) == PHASE_READING)
			to = make_state(state_pos(s) + e->cells.capacity, PHASE_EMPTY,
					IPC_MPMC_NO_OWNER);
		else
			continue;
		/* Fails only if another repairer got there first. */
		if (atomic_compare_exchange_strong_explicit(
			&cell->state, &s, to, memory_order_release, memory_order_relaxed))
			repaired++;
	}
	return repaired;
}

uint16_t ipc_mpmc_blocker(struct ipc_mpmc_end *e, bool for_reader)
{
	struct ipc_mpmc *q = e->q;
	uint32_t pos = atomic_load_explicit(for_reader ? &q->deq : &q->enq, memory_order_relaxed);
	uint64_t s = atomic_load_explicit(&cell_at(e, pos)->state, memory_order_relaxed);
	enum cell_phase phase = state_phase(s);

	if (phase == PHASE_WRITING || phase == PHASE_READING)
		return state_owner(s);
	return IPC_MPMC_NO_OWNER;
}

uint32_t ipc_mpmc_count(const struct ipc_mpmc *q)
{
	return atomic_load_explicit(&q->enq, memory_order_acquire) -
	       atomic_load_explicit(&q->deq, memory_order_acquire);
}
