/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cpu.h - the hint a spinning loop gives the processor between two looks
 * at a shared word.
 */
#ifndef MYMAP_CPU_H
#define MYMAP_CPU_H

/*
 * One round of a spin-wait: the processor may save power and give way to
 * its sibling hardware thread (x86 pause, arm64 yield, as the kernel's
 * cpu_relax()).  Elsewhere a compiler barrier only, so the loop still
 * reloads the word it waits on.
 */
static inline void mm_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ volatile("yield" ::: "memory");
#else
	__asm__ volatile("" ::: "memory");
#endif
}

#endif /* MYMAP_CPU_H */
