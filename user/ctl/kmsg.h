/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kmsg.h - the kernel's own reason for refusing a module, from /dev/kmsg.
 *
 * init_module(2) returns only an errno; the explanation ("size=0: the
 * region needs at least one page", "version magic ... should be ...") goes
 * to the kernel log.  A cursor taken before the attempt reads exactly the
 * records logged after it.
 */
#ifndef MYMAPCTL_KMSG_H
#define MYMAPCTL_KMSG_H

#include <stddef.h>

/* A position in the kernel log; fd is -1 when /dev/kmsg cannot be read. */
struct kmsg_cursor {
	int fd;
};

/* Positions @c at the end of the log.  Failure only disables the lookup. */
void kmsg_open_at_end(struct kmsg_cursor *c);

/*
 * Reads the records logged since the cursor and copies into @buf the
 * message text of the most severe one that starts with one of @prefixes
 * (a NULL-terminated list; the earliest among equals), at level notice or
 * worse: the module's own lines start with "mymap: ", while the kernel's
 * signature refusal ("Loading of unsigned module is rejected") names no
 * module.  Returns 1 if one was found, 0 if not (or the log cannot be read).
 */
int kmsg_find_reason(struct kmsg_cursor *c, const char *const *prefixes, char *buf, size_t len);

void kmsg_close(struct kmsg_cursor *c);

/*
 * Parses one /dev/kmsg record ("PRI,SEQ,TS,FLAGS;TEXT\n KEY=VALUE...").
 * Stores the syslog level (0-7) and points *@text at the message, whose
 * length goes to *@text_len.  Returns 0, or -1 for a malformed record.
 * Exposed for the tests.
 */
int kmsg_parse_record(const char *rec, size_t len, int *level, const char **text, size_t *text_len);

#endif /* MYMAPCTL_KMSG_H */
