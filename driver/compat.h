/* SPDX-License-Identifier: GPL-2.0 */
/*
 * compat.h - what differs between the kernels mymap builds for.
 *
 * Every difference lives here, as one version check named for what it
 * provides, so the rest of the driver is written against the newest API.
 * The oldest kernel supported is 6.1.
 */
#ifndef MYMAP_COMPAT_H
#define MYMAP_COMPAT_H

#include <linux/mm.h>
#include <linux/version.h>

/*
 * Since 6.3 vma->vm_flags is const: flags change through helpers that also
 * take the VMA's write lock where per-VMA locking needs it.  Older kernels
 * had neither, so the helpers are plain read-modify-writes there.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 3, 0)
static inline void vm_flags_set(struct vm_area_struct *vma, vm_flags_t flags)
{
	vma->vm_flags |= flags;
}

static inline void vm_flags_clear(struct vm_area_struct *vma,
				  vm_flags_t flags)
{
	vma->vm_flags &= ~flags;
}
#endif

#endif /* MYMAP_COMPAT_H */
