// SPDX-License-Identifier: GPL-2.0
/*
 * kmsg.c - reads the kernel log records that follow a cursor and picks the
 * module's explanation out of them.
 */
#include "kmsg.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

/* /dev/kmsg hands out one record per read(); none is longer than this. */
#define KMSG_RECORD_MAX 8192

void kmsg_open_at_end(struct kmsg_cursor *c)
{
	c->fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (c->fd >= 0 && lseek(c->fd, 0, SEEK_END) < 0) {
		close(c->fd);
		c->fd = -1;
	}
}

void kmsg_close(struct kmsg_cursor *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

int kmsg_parse_record(const char *rec, size_t len, int *level, const char **text, size_t *text_len)
{
	const char *semi = memchr(rec, ';', len), *end;
	unsigned long pri = 0;
	const char *p = rec;

	if (!semi || p == semi)
		return -1;
	for (; p < semi && *p >= '0' && *p <= '9'; p++)
		pri = pri * 10 + (unsigned long)(*p - '0');
	if (p == rec || p == semi || *p != ',' || pri > 1023)
		return -1;
	*level = (int)(pri & 7);
	*text = semi + 1;
	end = memchr(*text, '\n', len - (size_t)(*text - rec));
	*text_len = end ? (size_t)(end - *text) : len - (size_t)(*text - rec);
	return 0;
}

/* Whether @text (of @len bytes) starts with one of @prefixes. */
static bool has_prefix(const char *text, size_t len, const char *const *prefixes)
{
	for (; *prefixes; prefixes++) {
		size_t plen = strlen(*prefixes);

		if (len >= plen && memcmp(text, *prefixes, plen) == 0)
			return true;
	}
	return false;
}

int kmsg_find_reason(struct kmsg_cursor *c, const char *const *prefixes, char *buf, size_t len)
{
	static char rec[KMSG_RECORD_MAX];
	int best = LOG_NOTICE + 1;

	if (c->fd < 0)
		return 0;
	for (;;) {
		ssize_t n = read(c->fd, rec, sizeof(rec) - 1);
		const char *text;
		size_t text_len;
		int level;

		if (n < 0 && errno == EPIPE)
			continue; /* records overwritten since the cursor: read on */
		if (n <= 0)
			break;
		if (kmsg_parse_record(rec, (size_t)n, &level, &text, &text_len) < 0)
			continue;
		if (level >= best || !has_prefix(text, text_len, prefixes))
			continue;
		best = level;
		snprintf(buf, len, "%.*s", (int)text_len, text);
	}
	return best <= LOG_NOTICE;
}
