/* SPDX-License-Identifier: GPL-2.0 */
/*
 * echo_lib.h - a shared library of one function, so that the VM harness
 * self-test has a program needing a library from outside the system
 * directories (as programs linked against build/lib/libmymap.so.1 do).
 */
#ifndef MYMAP_TESTS_VM_ECHO_LIB_H
#define MYMAP_TESTS_VM_ECHO_LIB_H

/*
 * Prints argv[1..argc-1] on stdout, one per line, each between '[' and ']'
 * so that empty arguments and surrounding spaces stay visible.  Returns 0,
 * or 1 when writing to stdout failed.
 */
int echo_args(int argc, char **argv);

#endif /* MYMAP_TESTS_VM_ECHO_LIB_H */
