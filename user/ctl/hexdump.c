// SPDX-License-Identifier: GPL-2.0
/*
 * hexdump.c - formats bytes as `hexdump -C` does, squeezing repeated lines.
 */
#include "hexdump.h"

#include <inttypes.h>
#include <string.h>

void hexdump_init(struct hexdump *h, FILE *out, uint64_t start)
{
	memset(h, 0, sizeof(*h));
	h->out = out;
	h->offset = start;
}

static void print_line(struct hexdump *h)
{
	size_t i;

	fprintf(h->out, "%08" PRIx64 " ", h->offset);
	for (i = 0; i < HEXDUMP_LINE; i++) {
		if (i % 8 == 0)
			fputc(' ', h->out);
		if (i < h->fill)
			fprintf(h->out, "%02x ", h->line[i]);
		else
			fputs("   ", h->out);
	}
	fputs(" |", h->out);
	for (i = 0; i < h->fill; i++)
		fputc(h->line[i] >= 0x20 && h->line[i] < 0x7f ? h->line[i] : '.', h->out);
	fputs("|\n", h->out);
}

/* A full line: printed, or folded into "*" when it repeats the last one. */
static void emit_full_line(struct hexdump *h)
{
	if (h->have_prev && memcmp(h->prev, h->line, HEXDUMP_LINE) == 0) {
		if (!h->squeezing)
			fputs("*\n", h->out);
		h->squeezing = true;
	} else {
		print_line(h);
		h->squeezing = false;
	}
	memcpy(h->prev, h->line, HEXDUMP_LINE);
	h->have_prev = true;
	h->offset += HEXDUMP_LINE;
	h->fill = 0;
}

void hexdump_feed(struct hexdump *h, const void *buf, size_t len)
{
	const unsigned char *p = buf;

	while (len > 0) {
		size_t n = HEXDUMP_LINE - h->fill;

		if (n > len)
			n = len;
		memcpy(h->line + h->fill, p, n);
		h->fill += n;
		p += n;
		len -= n;
		if (h->fill == HEXDUMP_LINE)
			emit_full_line(h);
	}
}

void hexdump_finish(struct hexdump *h)
{
	uint64_t end = h->offset + h->fill;

	if (h->fill > 0)
		print_line(h);
	fprintf(h->out, "%08" PRIx64 "\n", end);
	h->fill = 0;
	h->offset = end;
}
