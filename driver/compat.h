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

#include <linux/huge_mm.h>
#include <linux/mm.h>
#include <linux/pfn_t.h>
#include <linux/sched/mm.h>
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

/*
 * Since 6.10 the mm's own placement of a mapping is a function, not a
 * method of the mm.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 10, 0)
static inline unsigned long mm_get_unmapped_area(struct mm_struct *mm,
						 struct file *file,
						 unsigned long addr,
						 unsigned long len,
						 unsigned long pgoff,
						 unsigned long flags)
{
	return mm->get_unmapped_area(file, addr, len, pgoff, flags);
}
#endif

/*
 * 2 MiB page-table entries for PFN mappings: since 6.12 a VM_PFNMAP
 * mapping may hold them, inserted from the huge_fault method (which takes
 * an order since 6.6).  The architecture must support them, and the
 * kernel must have transparent huge pages (PREEMPT_RT kernels do not).
 * Elsewhere the region is mapped with 4 KiB entries only.
 *
 * MYMAP_VM_HUGE_FAULT(fn) sets the huge_fault method where it is used;
 * mymap_insert_pfn_pmd() maps the 2 MiB at @pfn; mymap_thp_unmapped_area()
 * places a mapping so that its 2 MiB boundaries meet the region's.
 */
#ifdef CONFIG_ARCH_SUPPORTS_PMD_PFNMAP
#define MYMAP_PMD_PFNMAP true
#define MYMAP_VM_HUGE_FAULT(fn) .huge_fault = (fn),

static inline vm_fault_t mymap_insert_pfn_pmd(struct vm_fault *vmf,
					      unsigned long pfn, bool write)
{
	return vmf_insert_pfn_pmd(vmf, pfn_to_pfn_t(pfn), write);
}

static inline unsigned long mymap_thp_unmapped_area(struct file *file,
						    unsigned long addr,
						    unsigned long len,
						    unsigned long pgoff,
						    unsigned long flags)
{
	return thp_get_unmapped_area(file, addr, len, pgoff, flags);
}
#else
#define MYMAP_PMD_PFNMAP false
#define MYMAP_VM_HUGE_FAULT(fn)
#ifndef PMD_ORDER
#define PMD_ORDER (PMD_SHIFT - PAGE_SHIFT)
#endif

static inline vm_fault_t mymap_insert_pfn_pmd(struct vm_fault *vmf,
					      unsigned long pfn, bool write)
{
	return VM_FAULT_FALLBACK;
}

static inline unsigned long mymap_thp_unmapped_area(struct file *file,
						    unsigned long addr,
						    unsigned long len,
						    unsigned long pgoff,
						    unsigned long flags)
{
	return mm_get_unmapped_area(current->mm, file, addr, len, pgoff,
				    flags);
}
#endif

#endif /* MYMAP_COMPAT_H */
