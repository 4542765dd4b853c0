// SPDX-License-Identifier: GPL-2.0
/* echo_lib.c - the one function of libvmecho.so.1; see echo_lib.h. */
#include <stdio.h>

#include "echo_lib.h"

int echo_args(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		printf("[%s]\n", argv[i]);
	return fflush(stdout) == 0 && !ferror(stdout) ? 0 : 1;
}
