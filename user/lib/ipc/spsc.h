/* SPDX-License-Identifier: GPL-2.0 */
/*
 * spsc.h - a single-producer single-consumer ring of fixed-size slots,
 * each carrying one message of up to slot_size bytes.
 *
 * Two free-running 32-bit indices: head (slots published, written only by
 * the producer) and tail (slots released, written only by the consumer).
 * The ring holds head - tail messages, computed modulo 2^32, so the
 * indices may wrap freely; capacity is a power of two no larger than 2^31.
 * Each side keeps a private copy of the other's index and reloads it only
 * when the copy says full (or empty), so in steady state each message
 * costs one store to a cache line the other side reads.
 *
 * Memory ordering (the whole contract):
 *   - producer: writes the slot, then store-release head = h + 1;
 *     consumer: load-acquire head sees h + 1, then reads the slot.
 *     The slot's bytes happen-before the consumer's read.
 *   - consumer: reads the slot, then store-release tail = t + 1;
 *     producer: load-acquire tail sees t + 1, then overwrites the slot.
 *     The consumer's reads happen-before the producer's next writes.
 * Nothing else is shared, so a process dying anywhere leaves the ring
 * consistent: a message is visible whole or not at all.
 *
 * Layout behind the header: capacity slots, each rounded up to whole
 * cache lines.  A slot of fewer than IPC_SPSC_LENS_APART bytes (a page)
 * starts with its message's length (struct ipc_spsc_slot), so that one
 * line brings both.  From a page on, a slot is payload only and the
 * lengths follow the last slot, one struct ipc_len each: a 4 KiB message is
 * then exactly 64 lines copied between line-aligned addresses, where a
 * header made it 65 lines and misaligned every copy (the 4 KiB stream
 * ran at about 8 M messages/s that way, 13 M without).  Smaller messages
 * keep the header: measured on the same machine, lengths apart were
 * 15 % slower at 64 B (lengths packed in one line are written by the
 * producer while the consumer reads them) and 8-20 % slower at 2 KiB.
 * Either way the length is written before the store-release of head,
 * like the payload, so the same pair orders it, and it carries the lap
 * tag of its index (slots.h), so that a slot not written for the index
 * being read is refused instead of delivered.
 *
 * The region is untrusted: each side keeps the geometry and its own index
 * privately, and checks the other side's index whenever it loads it:
 * 0 <= head - tail <= capacity, or -EBADMSG.
 *
 * These functions never block; channel.c adds waiting.
 */
#ifndef MYMAP_IPC_SPSC_H
#define MYMAP_IPC_SPSC_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "slots.h"

/* In the region.  The slots follow at data_off from the start of this. */
struct ipc_spsc {
	struct ipc_slots slots;
	IPC_KEPT_APART(_Atomic uint32_t, head, tail);
} __attribute__((aligned(64)));

/* From this many payload bytes on (a page), the lengths lie apart from the slots. */
#define IPC_SPSC_LENS_APART 4096u

/* A slot below IPC_SPSC_LENS_APART: the length of its message, then the payload. */
struct ipc_spsc_slot {
	struct ipc_len len;
	uint32_t reserved[2];
	unsigned char payload[];
};

/* One side's private view: nothing here is read from the region again. */
struct ipc_spsc_end {
	struct ipc_spsc *q;
	char *data;	      /* the first slot */
	struct ipc_len *lens; /* the lengths apart, or NULL: in each slot */
	uint32_t header;      /* bytes before each payload */
	uint32_t stride;      /* the geometry, checked at attach */
	uint32_t mask;
	uint32_t capacity;
	uint32_t lap_shift; /* log2(capacity) */
	uint32_t tag;	    /* the lap tag of mine */
	uint32_t mine;	    /* my index: head for the producer, tail for the consumer */
	uint32_t theirs;    /* last seen index of the other side */
};

/* Bytes of the slots for @capacity slots of @slot_size (no header). */
size_t ipc_spsc_data_bytes(uint32_t slot_size, uint32_t capacity);

/*
 * Formats @q with its slots at @data_off bytes after it; both indices
 * start at @start (any value: tests start near UINT32_MAX).
 */
void ipc_spsc_format(struct ipc_spsc *q, uint32_t slot_size, uint32_t capacity, uint64_t data_off,
		     uint32_t start);

/*
 * Attaches as the producer (@producer != 0) or the consumer to @q, formatted
 * for @slot_size, @capacity and @data_off (the channel's checked shape).
 * 0, or -EBADMSG when the geometry in @q differs or head - tail is not
 * within 0..capacity.
 */
int ipc_spsc_attach(struct ipc_spsc_end *e, struct ipc_spsc *q, uint32_t slot_size,
		    uint32_t capacity, uint64_t data_off, int producer);

/*
 * The slow paths, out of line: reloading the other side's index (when the
 * copy says full, or empty) and checking it, 0 or -EAGAIN (still full or
 * empty) or -EBADMSG; and reporting a length word that fails its check.
 */
int ipc_spsc_reload_tail(struct ipc_spsc_end *e);
int ipc_spsc_reload_head(struct ipc_spsc_end *e);
int ipc_spsc_bad_len(const struct ipc_spsc_end *e, uint32_t word, uint32_t check);

/* The slot of free-running @index, by the private geometry: always inside the ring. */
static inline char *ipc_spsc_slot(const struct ipc_spsc_end *e, uint32_t index)
{
	return e->data + (size_t)(index & e->mask) * e->stride;
}

static inline struct ipc_len *ipc_spsc_len(const struct ipc_spsc_end *e, char *slot, uint32_t index)
{
	return e->lens ? &e->lens[index & e->mask] : (struct ipc_len *)slot;
}

/* Moves this side's index on, and its lap tag at the start of a lap. */
static inline void ipc_spsc_advance(struct ipc_spsc_end *e)
{
	e->mine++;
	if (!(e->mine & e->mask))
		e->tag = ipc_lap_tag(e->mine, e->lap_shift);
}

/*
 * The next free slot's payload in *@slot: 0, -EAGAIN when the ring is full,
 * -EBADMSG when tail is ahead of head or more than capacity behind.
 */
static inline int ipc_spsc_reserve(struct ipc_spsc_end *e, void **slot)
{
	if (e->mine - e->theirs == e->capacity) {
		int err = ipc_spsc_reload_tail(e);

		if (err)
			return err;
	}
	*slot = ipc_spsc_slot(e, e->mine) + e->header;
	return 0;
}

/* Publishes the reserved slot with @len bytes (<= slot_size). */
static inline void ipc_spsc_publish(struct ipc_spsc_end *e, uint32_t len)
{
	struct ipc_len *l = ipc_spsc_len(e, ipc_spsc_slot(e, e->mine), e->mine);
	uint32_t word = len | e->tag;

	l->word = word;
	l->check = ~word;
	ipc_spsc_advance(e);
	/* Pairs with the consumer's acquire of head in ipc_spsc_reload_head(). */
	atomic_store_explicit(&e->q->head, e->mine, memory_order_release);
}

/*
 * The oldest message in *@slot and its length in *@len: 0, -EAGAIN when
 * the ring is empty, -EBADMSG when head is more than capacity ahead of
 * tail or behind it, or the slot's length word lacks its index's lap tag
 * or disagrees with its check (the slot is then not consumed).  The
 * length is not checked against slot_size.
 */
static inline int ipc_spsc_peek(struct ipc_spsc_end *e, const void **slot, uint32_t *len)
{
	struct ipc_len *l;
	uint32_t word, check;
	char *s;

	if (e->mine == e->theirs) {
		int err = ipc_spsc_reload_head(e);

		if (err)
			return err;
	}
	s = ipc_spsc_slot(e, e->mine);
	l = ipc_spsc_len(e, s, e->mine);
	word = IPC_READ_ONCE(l->word);
	check = IPC_READ_ONCE(l->check);
	if (((word & ~IPC_LEN_MASK) ^ e->tag) | (check ^ ~word))
		return ipc_spsc_bad_len(e, word, check);
	*len = word & IPC_LEN_MASK;
	*slot = s + e->header;
	return 0;
}

/* Frees the slot ipc_spsc_peek() returned. */
static inline void ipc_spsc_release(struct ipc_spsc_end *e)
{
	ipc_spsc_advance(e);
	/* Pairs with the producer's acquire of tail in ipc_spsc_reload_tail(). */
	atomic_store_explicit(&e->q->tail, e->mine, memory_order_release);
}

/* Messages in the ring, as seen now. */
uint32_t ipc_spsc_count(const struct ipc_spsc *q);

#endif /* MYMAP_IPC_SPSC_H */
