// SPDX-License-Identifier: GPL-2.0
/*
 * json_test - the JSON writer: every special character escaped, valid UTF-8
 * kept, invalid bytes replaced, commas and nesting right; and for random
 * bytes, the output is always a well-formed JSON string in valid UTF-8.
 */
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "../../user/ctl/json.h"

/* Runs the escaper over @len bytes of @in; returns a malloc'ed string. */
static char *escape(const char *in, size_t len)
{
	char *out = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&out, &size);

	json_write_escaped(f, in, len);
	fclose(f);
	return out;
}

static void expect_escape(const char *rule, const char *in, size_t len, const char *want)
{
	char *got = escape(in, len);

	tap_ok(strcmp(got, want) == 0, "%s: escaped as %s (got %s)", rule, want, got);
	free(got);
}

#define CASE(rule, in, want) expect_escape(rule, in, sizeof(in) - 1, want)

static void escapes(void)
{
	CASE("plain ASCII passes through", "mymap 1.0", "mymap 1.0");
	CASE("double quote", "a\"b", "a\\\"b");
	CASE("backslash", "a\\b", "a\\\\b");
	CASE("newline, tab, CR", "\n\t\r", "\\n\\t\\r");
	CASE("backspace, form feed", "\b\f", "\\b\\f");
	CASE("other controls as \\u00XX", "\x01\x1f", "\\u0001\\u001f");
	CASE("NUL inside a string", "a\0b", "a\\u0000b");
	CASE("DEL", "\x7f", "\\u007f");
	CASE("slash needs no escape", "/dev/mymap", "/dev/mymap");
	CASE("2-byte UTF-8 kept", "\xc3\xa9", "\xc3\xa9");
	CASE("3-byte UTF-8 kept", "\xe2\x82\xac", "\xe2\x82\xac");
	CASE("4-byte UTF-8 kept", "\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80");
	CASE("stray continuation byte", "\x80", "\\ufffd");
	CASE("Latin-1 byte", "caf\xe9!", "caf\\ufffd!");
	CASE("truncated sequence at the end", "\xe2\x82", "\\ufffd\\ufffd");
	CASE("overlong 2-byte form", "\xc0\xaf", "\\ufffd\\ufffd");
	CASE("overlong 3-byte form", "\xe0\x80\xaf", "\\ufffd\\ufffd\\ufffd");
	CASE("UTF-16 surrogate", "\xed\xa0\x80", "\\ufffd\\ufffd\\ufffd");
	CASE("beyond U+10FFFF", "\xf4\x90\x80\x80", "\\ufffd\\ufffd\\ufffd\\ufffd");
	CASE("0xff byte", "\xff", "\\ufffd");
	CASE("U+10FFFF kept", "\xf4\x8f\xbf\xbf", "\xf4\x8f\xbf\xbf");
}

static void numbers(void)
{
	struct json_writer w;
	char *out = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&out, &size);

	json_init(&w, f);
	json_begin_array(&w);
	json_double(&w, 0.25);
	json_double(&w, 0.0);
	json_double(&w, 1.0 / 3.0);
	json_double(&w, 0.0 / 0.0);
	json_double(&w, 1.0 / 0.0);
	json_i64(&w, INT64_MIN);
	json_end_array(&w);
	fclose(f);
	tap_ok(strcmp(out, "[0.25,0,0.333333,null,null,-9223372036854775808]\n") == 0,
	       "doubles with 6 digits, NaN and infinity as null, INT64_MIN whole (got %.*s)",
	       (int)strcspn(out, "\n"), out);
	free(out);
}

static void documents(void)
{
	struct json_writer w;
	char *out = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&out, &size);
	const char *want = "{\"a\":1,\"b\":[true,false,null,-5,\"x\\\"\"],\"c\":{},\"d\":[],"
			   "\"e\":{\"f\":18446744073709551615}}\n[]\n";

	json_init(&w, f);
	json_begin_object(&w);
	json_key(&w, "a");
	json_u64(&w, 1);
	json_key(&w, "b");
	json_begin_array(&w);
	json_bool(&w, true);
	json_bool(&w, false);
	json_null(&w);
	json_i64(&w, -5);
	json_string(&w, "x\"");
	json_end_array(&w);
	json_key(&w, "c");
	json_begin_object(&w);
	json_end_object(&w);
	json_key(&w, "d");
	json_begin_array(&w);
	json_end_array(&w);
	json_key(&w, "e");
	json_begin_object(&w);
	json_key(&w, "f");
	json_u64(&w, UINT64_MAX);
	json_end_object(&w);
	json_end_object(&w);
	/* A second document on the next line, as watch writes them. */
	json_begin_array(&w);
	json_end_array(&w);
	fclose(f);
	tap_ok(strcmp(out, want) == 0, "commas, nesting, numbers, one document per line%s%s",
	       strcmp(out, want) ? "; got " : "", strcmp(out, want) ? out : "");
	free(out);

	f = open_memstream(&out, &size);
	json_init(&w, f);
	json_begin_object(&w);
	json_key(&w, "k\n\"");
	json_string_len(&w, "a\0b", 3);
	json_end_object(&w);
	fclose(f);
	tap_ok(strcmp(out, "{\"k\\n\\\"\":\"a\\u0000b\"}\n") == 0,
	       "keys are escaped too; json_string_len keeps embedded NULs (got %.*s)",
	       (int)strcspn(out, "\n"), out);
	free(out);
}

/*
 * Whether @s is the body of a JSON string: no raw control character or
 * quote, only the escapes JSON defines, and valid UTF-8 (the decoder here
 * is written independently of json.c's).
 */
static const char *string_body_error(const unsigned char *s)
{
	while (*s) {
		if (*s < 0x20)
			return "raw control character";
		if (*s == '"')
			return "unescaped quote";
		if (*s == '\\') {
			s++;
			if (*s == 'u') {
				for (int i = 1; i <= 4; i++)
					if (!strchr("0123456789abcdefABCDEF", s[i]) || !s[i])
						return "bad \\u escape";
				s += 5;
				continue;
			}
			if (!*s || !strchr("\"\\/bfnrt", *s))
				return "unknown escape";
			s++;
			continue;
		}
		if (*s < 0x80) {
			s++;
			continue;
		}
		{
			int n = (*s & 0xe0) == 0xc0   ? 2
				: (*s & 0xf0) == 0xe0 ? 3
				: (*s & 0xf8) == 0xf0 ? 4
						      : 0;
			unsigned long cp = *s & (0x7f >> n);

			if (!n)
				return "invalid UTF-8 lead byte";
			for (int i = 1; i < n; i++) {
				if ((s[i] & 0xc0) != 0x80)
					return "invalid UTF-8 continuation";
				cp = cp << 6 | (s[i] & 0x3f);
			}
			if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) ||
			    (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
			    (cp >= 0xd800 && cp <= 0xdfff))
				return "overlong, surrogate or out-of-range UTF-8";
			s += n;
		}
	}
	return NULL;
}

static void random_bytes(void)
{
	unsigned int seed = 20240601, bad = 0, rounds = 20000;
	const char *why = NULL;
	char in[64];

	for (unsigned int r = 0; r < rounds; r++) {
		size_t len = (size_t)(rand_r(&seed) % sizeof(in));
		char *out;

		for (size_t i = 0; i < len; i++) {
			/* Bias towards the interesting bytes: controls, quotes, high bit. */
			int pick = rand_r(&seed) % 4;

			in[i] = pick == 0   ? (char)(rand_r(&seed) % 0x20)
				: pick == 1 ? "\"\\/"[rand_r(&seed) % 3]
					    : (char)(rand_r(&seed) % 256);
		}
		out = escape(in, len);
		if (!why)
			why = string_body_error((const unsigned char *)out);
		if (string_body_error((const unsigned char *)out))
			bad++;
		free(out);
	}
	tap_ok(bad == 0,
	       "%u random byte strings all escape to valid JSON string bodies (%u bad%s%s)", rounds,
	       bad, why ? ": " : "", why ? why : "");
}

int main(void)
{
	escapes();
	numbers();
	documents();
	random_bytes();
	return tap_done();
}
