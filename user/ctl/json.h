/* SPDX-License-Identifier: GPL-2.0 */
/*
 * json.h - a streaming JSON writer for mymapctl's --json output.
 *
 * Values are written as they are given, so nothing is buffered beyond
 * stdio; the writer only remembers, per nesting level, whether a comma is
 * due.  Strings are escaped so the output is always valid JSON in UTF-8,
 * whatever bytes they hold (process names and paths come from the system):
 * '"', '\\' and control characters are escaped, valid UTF-8 passes through,
 * and every byte that is not part of a valid UTF-8 sequence becomes U+FFFD.
 */
#ifndef MYMAPCTL_JSON_H
#define MYMAPCTL_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Deeper nesting than this is a programming error: json_begin_* ignores it. */
#define JSON_MAX_DEPTH 16

/*
 * One document being written to @out.  Initialise with json_init(); the
 * caller keeps ownership of @out.  All fields are private.
 */
struct json_writer {
	FILE *out;
	unsigned int depth;
	bool need_comma[JSON_MAX_DEPTH];
	bool after_key;
};

void json_init(struct json_writer *w, FILE *out);

/* Open and close an object or array.  Closing finishes a line at depth 0. */
void json_begin_object(struct json_writer *w);
void json_end_object(struct json_writer *w);
void json_begin_array(struct json_writer *w);
void json_end_array(struct json_writer *w);

/* Writes an object member's name; the next value call writes its value. */
void json_key(struct json_writer *w, const char *key);

/* Values: a NUL-terminated string, a string of @len bytes, numbers, ... */
void json_string(struct json_writer *w, const char *s);
void json_string_len(struct json_writer *w, const char *s, size_t len);
void json_u64(struct json_writer *w, uint64_t v);
void json_i64(struct json_writer *w, int64_t v);
/* A finite number with up to 6 significant digits; NaN and infinities as null. */
void json_double(struct json_writer *w, double v);
void json_bool(struct json_writer *w, bool v);
void json_null(struct json_writer *w);

/* An object member in one call: json_key() followed by the value. */
void json_member_string(struct json_writer *w, const char *key, const char *s);
void json_member_u64(struct json_writer *w, const char *key, uint64_t v);
void json_member_bool(struct json_writer *w, const char *key, bool v);

/*
 * Writes @len bytes of @s as the body of a JSON string (without quotes)
 * to @out, escaped as described above.  Exposed for the tests.
 */
void json_write_escaped(FILE *out, const char *s, size_t len);

#endif /* MYMAPCTL_JSON_H */
