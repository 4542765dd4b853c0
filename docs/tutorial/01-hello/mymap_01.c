// SPDX-License-Identifier: GPL-2.0
/*
 * mymap_01.c - the smallest useful module: it logs a line when loaded and
 * another when removed, and does nothing else.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/init.h>
#include <linux/module.h>
#include <linux/printk.h>

/*
 * Runs once, at insmod.  A non-zero return would make insmod fail and the
 * module would be removed again without mymap_exit() ever running.
 */
static int __init mymap_init(void)
{
	pr_info("hello\n");
	return 0;
}

/* Runs once, at rmmod, and only if mymap_init() returned 0. */
static void __exit mymap_exit(void)
{
	pr_info("goodbye\n");
}

module_init(mymap_init);
module_exit(mymap_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("mymap tutorial step 1: a module that only logs");
