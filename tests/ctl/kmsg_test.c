// SPDX-License-Identifier: GPL-2.0
/*
 * kmsg_test - parsing /dev/kmsg records and picking the module's reason:
 * the level from the priority, the text up to the first newline, malformed
 * records refused; and, through a pipe standing in for /dev/kmsg, the
 * most severe "mymap: " line wins over others.
 */
#include <string.h>
#include <sys/socket.h>
#include <syslog.h>
#include <unistd.h>

#include "tap.h"
#include "../../user/ctl/kmsg.h"

static const char *const prefixes[] = {"mymap: ", "Loading of ", NULL};

static void parse(void)
{
	const char rec[] = "3,1234,5678901,-;mymap: size=0: the region needs at least one page\n"
			   " SUBSYSTEM=module\n";
	const char facility[] = "30,5,6,-;systemd: hello\n";
	const char *text = NULL;
	size_t len = 0;
	int level = -1;

	tap_ok(kmsg_parse_record(rec, sizeof(rec) - 1, &level, &text, &len) == 0 &&
		   level == LOG_ERR &&
		   len == strlen("mymap: size=0: the region needs at least one page") &&
		   memcmp(text, "mymap: size=0", 13) == 0,
	       "a record: level 3, text up to the newline (level %d, length %zu)", level, len);
	tap_ok(kmsg_parse_record(facility, sizeof(facility) - 1, &level, &text, &len) == 0 &&
		   level == LOG_INFO,
	       "the facility bits are not the level (30 -> level %d)", level);
	tap_ok(kmsg_parse_record("no semicolon", 12, &level, &text, &len) == -1,
	       "a record without ';' is refused");
	tap_ok(kmsg_parse_record(";text", 5, &level, &text, &len) == -1,
	       "a record without a priority is refused");
	tap_ok(kmsg_parse_record("x,1;text", 8, &level, &text, &len) == -1,
	       "a non-numeric priority is refused");
	tap_ok(kmsg_parse_record("4,1,2,-;", 8, &level, &text, &len) == 0 && len == 0,
	       "an empty message parses with length 0 (length %zu)", len);
}

/*
 * Feeds @records and asks.  A SOCK_SEQPACKET pair keeps one record per
 * read(), as /dev/kmsg hands them out.
 */
static int find(const char *const *records, char *buf, size_t len)
{
	struct kmsg_cursor c;
	int fds[2], found;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, fds) < 0)
		return -1;
	for (; *records; records++)
		if (write(fds[1], *records, strlen(*records)) < 0)
			return -1;
	close(fds[1]);
	c.fd = fds[0];
	found = kmsg_find_reason(&c, prefixes, buf, len);
	kmsg_close(&c);
	return found;
}

static void reasons(void)
{
	const char *const err_only[] = {"3,10,1,-;mymap: size=0: the region needs a page\n", NULL};
	const char *const info_only[] = {"6,11,1,-;mymap: loaded\n", NULL};
	const char *const other[] = {"3,12,1,-;othermod: broken\n", NULL};
	const char *const notice[] = {"5,13,1,-;Loading of unsigned module is rejected\n", NULL};
	const char *const debug[] = {"7,14,1,-;mymap: a debug line\n", NULL};
	const char *const mixed[] = {"5,20,1,-;mymap: module verification failed\n",
				     "6,21,1,-;mymap: loaded\n",
				     "3,22,1,-;mymap: first error\n",
				     "3,23,1,-;mymap: second error\n",
				     "4,24,1,-;mymap: a warning\n",
				     NULL};
	char buf[128] = "";

	tap_ok(find(err_only, buf, sizeof(buf)) == 1 &&
		   strcmp(buf, "mymap: size=0: the region needs a page") == 0,
	       "an error line of the module is its reason (got \"%s\")", buf);
	buf[0] = '\0';
	tap_ok(find(info_only, buf, sizeof(buf)) == 0 && buf[0] == '\0',
	       "an info line is not a reason (got \"%s\")", buf);
	tap_ok(find(other, buf, sizeof(buf)) == 0, "another module's error is not ours");
	tap_ok(find(notice, buf, sizeof(buf)) == 1 &&
		   strcmp(buf, "Loading of unsigned module is rejected") == 0,
	       "the kernel's signature refusal (notice, no module name) is a reason (got \"%s\")",
	       buf);
	buf[0] = '\0';
	tap_ok(find(debug, buf, sizeof(buf)) == 0, "a debug line is not a reason (got \"%s\")",
	       buf);
	tap_ok(find(mixed, buf, sizeof(buf)) == 1 && strcmp(buf, "mymap: first error") == 0,
	       "among several records the most severe wins, the earliest among equals (got \"%s\")",
	       buf);
	tap_ok(find(err_only, buf, 10) == 1 && strlen(buf) == 9,
	       "a long reason is truncated to the buffer (length %zu)", strlen(buf));
}

int main(void)
{
	struct kmsg_cursor c = {.fd = -1};
	char buf[16] = "";

	parse();
	reasons();
	tap_ok(kmsg_find_reason(&c, prefixes, buf, sizeof(buf)) == 0,
	       "without a readable log there is no reason, and no crash");
	return tap_done();
}
