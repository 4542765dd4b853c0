/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hexdump.h - the canonical hex+ASCII layout of `hexdump -C`, fed in pieces.
 *
 * Lines hold 16 bytes and are labelled with their offset in the region;
 * a run of full lines equal to the one before is shown as a single "*"
 * (a 4 MiB region is mostly zeros), and the end offset closes the dump.
 */
#ifndef MYMAPCTL_HEXDUMP_H
#define MYMAPCTL_HEXDUMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define HEXDUMP_LINE 16

/* State of one dump; all fields private.  The caller owns @out. */
struct hexdump {
	FILE *out;
	uint64_t offset; /* offset of line[0] */
	unsigned char line[HEXDUMP_LINE];
	size_t fill;
	unsigned char prev[HEXDUMP_LINE];
	bool have_prev, squeezing;
};

/* Starts a dump whose first byte is at region offset @start. */
void hexdump_init(struct hexdump *h, FILE *out, uint64_t start);

/* Formats @len more bytes; full lines are written at once. */
void hexdump_feed(struct hexdump *h, const void *buf, size_t len);

/* Writes the last partial line, if any, and the end offset. */
void hexdump_finish(struct hexdump *h);

#endif /* MYMAPCTL_HEXDUMP_H */
