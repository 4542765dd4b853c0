// SPDX-License-Identifier: GPL-2.0
/*
 * vmtest_leak - a module that leaks on purpose, for the VM harness's
 * kmemleak check (tests/vm/vm-test): with leak=1 it forgets, on unload,
 * the buffer it allocated at load, as a driver that never frees its
 * region would; with leak=0 it frees it.  bytes=4194304 makes the buffer
 * one chunk of mymap's region.
 */
#include <linux/module.h>
#include <linux/slab.h>

static bool leak;
module_param(leak, bool, 0444);
MODULE_PARM_DESC(leak, "forget the buffer on unload instead of freeing it");

static unsigned int bytes = 4096;
module_param(bytes, uint, 0444);
MODULE_PARM_DESC(bytes, "size of the buffer, at most 4194304");

static void *buffer;

static int __init vmtest_leak_init(void)
{
	if (!bytes || bytes > 4194304)
		return -EINVAL;
	buffer = kzalloc(bytes, GFP_KERNEL);
	if (!buffer)
		return -ENOMEM;
	return 0;
}

static void __exit vmtest_leak_exit(void)
{
	if (!leak)
		kfree(buffer);
}

module_init(vmtest_leak_init);
module_exit(vmtest_leak_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Leaks one buffer on unload when asked, for a harness test");
