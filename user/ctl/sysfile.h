/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sysfile.h - reading the one-line files of sysfs and procfs.
 */
#ifndef MYMAPCTL_SYSFILE_H
#define MYMAPCTL_SYSFILE_H

#include <stddef.h>

/*
 * Reads the first line of the file at @path into @buf (at most @len - 1
 * bytes, newline removed, always NUL-terminated).  Returns 0, or -errno.
 */
int read_line_file(const char *path, char *buf, size_t len);

#endif /* MYMAPCTL_SYSFILE_H */
