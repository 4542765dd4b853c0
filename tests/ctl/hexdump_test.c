// SPDX-License-Identifier: GPL-2.0
/*
 * hexdump_test - the dump layout matches `hexdump -C`: offsets, two groups
 * of eight, the ASCII column, "*" for repeated lines, the end offset; and
 * the result does not depend on how the bytes were fed.
 */
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "../../user/ctl/hexdump.h"

/* Dumps @len bytes of @buf starting at @start, fed @step bytes at a time. */
static char *dump(const void *buf, size_t len, uint64_t start, size_t step)
{
	char *out = NULL;
	size_t size = 0, done;
	FILE *f = open_memstream(&out, &size);
	struct hexdump h;

	hexdump_init(&h, f, start);
	for (done = 0; done < len; done += step)
		hexdump_feed(&h, (const char *)buf + done, len - done < step ? len - done : step);
	hexdump_finish(&h);
	fclose(f);
	return out;
}

static void expect(const char *rule, char *got, const char *want)
{
	bool same = strcmp(got, want) == 0;

	tap_ok(same, "%s%s%s", rule, same ? "" : "; got:\n", same ? "" : got);
	free(got);
}

int main(void)
{
	unsigned char seed[32] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
	unsigned char text[20];
	static unsigned char zeros[4096];

	memcpy(text, "Hello, \"mymap\"!\n\x7f\x80\xff~", 20);
	expect("the seed bytes, then a zero line, then the end offset", dump(seed, 32, 0, 32),
	       "00000000  00 01 02 03 04 05 06 07  08 09 00 00 00 00 00 00  "
	       "|................|\n"
	       "00000010  00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00  "
	       "|................|\n"
	       "00000020\n");
	expect("printable ASCII shown, others as '.', partial last line padded",
	       dump(text, 20, 0, 20),
	       "00000000  48 65 6c 6c 6f 2c 20 22  6d 79 6d 61 70 22 21 0a  "
	       "|Hello, \"mymap\"!.|\n"
	       "00000010  7f 80 ff 7e                                       |...~|\n"
	       "00000014\n");
	expect("fed one byte at a time: the same dump", dump(text, 20, 0, 1),
	       "00000000  48 65 6c 6c 6f 2c 20 22  6d 79 6d 61 70 22 21 0a  "
	       "|Hello, \"mymap\"!.|\n"
	       "00000010  7f 80 ff 7e                                       |...~|\n"
	       "00000014\n");
	expect("4096 zero bytes: one line, one '*', the end", dump(zeros, 4096, 0, 1000),
	       "00000000  00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00  "
	       "|................|\n"
	       "*\n"
	       "00001000\n");
	expect("offsets count from the given start", dump(seed, 3, 0x3ffffd, 3),
	       "003ffffd  00 01 02                                          |...|\n"
	       "00400000\n");
	expect("offsets beyond 32 bits keep all their digits", dump(seed, 1, 0x123456789ULL, 1),
	       "123456789  00                                                |.|\n"
	       "12345678a\n");
	expect("nothing to dump: just the offset", dump(seed, 0, 16, 1), "00000010\n");
	return tap_done();
}
