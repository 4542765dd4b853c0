/* SPDX-License-Identifier: GPL-2.0 */
/*
 * spawn.h - runs a program as a child process and waits for it: another
 * tool (strace), or this same program in a different role.
 */
#ifndef MYMAP_EXPERIMENTS_SPAWN_H
#define MYMAP_EXPERIMENTS_SPAWN_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Puts the path of the running program (/proc/self/exe) into @buf of @size
 * bytes, NUL-terminated.  Returns false with errno set if it cannot.
 */
bool spawn_self_path(char *buf, size_t size);

/*
 * Runs @argv[0] (searched in PATH) with @argv, and waits for it.  With
 * @quiet, its stdout and stderr go to /dev/null.  Returns its exit status;
 * 127 if it could not be executed (not installed), 128 + N if signal N
 * killed it, or -1 with errno set if fork or waitpid failed.
 */
int spawn_and_wait(char *const argv[], bool quiet);

#endif /* MYMAP_EXPERIMENTS_SPAWN_H */
