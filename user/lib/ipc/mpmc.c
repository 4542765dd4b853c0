// SPDX-License-Identifier: GPL-2.0
/* mpmc.c - the multi-producer multi-consumer queue with per-cell owners. */
#include "mpmc.h"

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

static struct ipc_mpmc_cell *cell_at(struct ipc_mpmc *q, uint32_t pos)
{
	return ipc_slot(q, &q->cells, pos);
}

size_t ipc_mpmc_data_bytes(uint32_t cell_size, uint32_t capacity)
{
	return ipc_slots_bytes(sizeof(struct ipc_mpmc_cell), cell_size, capacity);
}

void ipc_mpmc_format(struct ipc_mpmc *q, uint32_t cell_size, uint32_t capacity, uint64_t data_off,
		     uint32_t start)
{
	ipc_slots_init(&q->cells, sizeof(struct ipc_mpmc_cell), cell_size, capacity, data_off);
	atomic_init(&q->enq, start);
	atomic_init(&q->deq, start);
	for (uint32_t i = 0; i < capacity; i++) {
		uint32_t pos = start + i;

		atomic_init(&cell_at(q, pos)->state,
			    make_state(pos, PHASE_EMPTY, IPC_MPMC_NO_OWNER));
	}
}

/* Moves a shared position from @pos to @pos + 1 unless someone already did. */
static void help_advance(_Atomic uint32_t *at, uint32_t pos)
{
	atomic_compare_exchange_strong_explicit(at, &pos, pos + 1, memory_order_relaxed,
						memory_order_relaxed);
}

bool ipc_mpmc_claim_write(struct ipc_mpmc *q, uint16_t owner, struct ipc_mpmc_claim *c)
{
	for (;;) {
		uint32_t pos = atomic_load_explicit(&q->enq, memory_order_relaxed);
		struct ipc_mpmc_cell *cell = cell_at(q, pos);
		uint64_t s = atomic_load_explicit(&cell->state, memory_order_acquire);
		int32_t lag = (int32_t)(state_pos(s) - pos);

		if (lag == 0 && state_phase(s) == PHASE_EMPTY) {
			if (atomic_compare_exchange_weak_explicit(
				&cell->state, &s, make_state(pos, PHASE_WRITING, owner),
				memory_order_acquire, memory_order_relaxed)) {
				help_advance(&q->enq, pos);
				c->cell = cell;
				c->pos = pos;
				return true;
			}
		} else if (lag == 0) {
			/* Claimed for this position already: move enq past it. */
			help_advance(&q->enq, pos);
		} else if (lag < 0) {
			/* The cell still holds the previous lap: full, unless enq moved. */
			if (atomic_load_explicit(&q->enq, memory_order_relaxed) == pos)
				return false;
		}
		/* lag > 0: enq was stale; look again. */
	}
}

void ipc_mpmc_publish(struct ipc_mpmc *q, struct ipc_mpmc_claim *c, uint32_t len)
{
	(void)q;
	c->cell->len = len;
	atomic_store_explicit(&c->cell->state, make_state(c->pos, PHASE_FULL, IPC_MPMC_NO_OWNER),
			      memory_order_release);
}

bool ipc_mpmc_claim_read(struct ipc_mpmc *q, uint16_t owner, struct ipc_mpmc_claim *c)
{
	for (;;) {
		uint32_t pos = atomic_load_explicit(&q->deq, memory_order_relaxed);
		struct ipc_mpmc_cell *cell = cell_at(q, pos);
		uint64_t s = atomic_load_explicit(&cell->state, memory_order_acquire);
		int32_t lag = (int32_t)(state_pos(s) - pos);
		enum cell_phase phase = state_phase(s);

		if (lag == 0 && (phase == PHASE_FULL || phase == PHASE_VOID)) {
			if (!atomic_compare_exchange_weak_explicit(
				&cell->state, &s, make_state(pos, PHASE_READING, owner),
				memory_order_acquire, memory_order_relaxed))
				continue;
			help_advance(&q->deq, pos);
			c->cell = cell;
			c->pos = pos;
			if (phase == PHASE_FULL)
				return true;
			/* A dead producer's cell: hand it back and look further. */
			ipc_mpmc_release(q, c);
		} else if (lag == 0 && phase == PHASE_READING) {
			help_advance(&q->deq, pos);
		} else if (lag <= 0) {
			/*
			 * EMPTY(pos) or WRITING(pos): not written yet; an older
			 * lap still being read: not written either.
			 */
			if (atomic_load_explicit(&q->deq, memory_order_relaxed) == pos)
				return false;
		}
	}
}

void ipc_mpmc_release(struct ipc_mpmc *q, struct ipc_mpmc_claim *c)
{
	atomic_store_explicit(
	    &c->cell->state, make_state(c->pos + q->cells.capacity, PHASE_EMPTY, IPC_MPMC_NO_OWNER),
	    memory_order_release);
}

unsigned int ipc_mpmc_repair(struct ipc_mpmc *q, uint16_t owner)
{
	unsigned int repaired = 0;

	for (uint32_t i = 0; i < q->cells.capacity; i++) {
		struct ipc_mpmc_cell *cell = cell_at(q, i);
		uint64_t s = atomic_load_explicit(&cell->state, memory_order_acquire);
		uint64_t to;

		if (state_owner(s) != owner)
			continue;
		if (state_phase(s) == PHASE_WRITING)
			to = make_state(state_pos(s), PHASE_VOID, IPC_MPMC_NO_OWNER);
		else if (state_phase(s) == PHASE_READING)
			to = make_state(state_pos(s) + q->cells.capacity, PHASE_EMPTY,
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

uint16_t ipc_mpmc_blocker(struct ipc_mpmc *q, bool for_reader)
{
	uint32_t pos = atomic_load_explicit(for_reader ? &q->deq : &q->enq, memory_order_relaxed);
	uint64_t s = atomic_load_explicit(&cell_at(q, pos)->state, memory_order_relaxed);
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
