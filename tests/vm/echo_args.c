// SPDX-License-Identifier: GPL-2.0
/*
 * echo_args.c - prints its arguments through libvmecho.so.1: run in the
 * VM, it shows that a dynamically linked host program finds its loader and
 * its libraries there, and that arguments arrive unchanged.
 */
#include "echo_lib.h"

int main(int argc, char **argv)
{
	return echo_args(argc, argv);
}
