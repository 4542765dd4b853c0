// SPDX-License-Identifier: GPL-2.0
/*
 * mms.c - the address spaces that map the region, and how many 2 MiB
 * page-table entries of the region they hold right now.
 *
 * The kernel installs, zaps and splits those entries without telling the
 * driver (munmap, mprotect, mremap, fork, exit), so the count cannot be
 * kept as a counter: it is read from the page tables themselves.  For that
 * the driver remembers each mm that has a VMA of the region, holding it
 * with mmgrab() (the struct stays, the address space may still exit).
 *
 * Lock order: mmap_lock, then mms->lock.  vm_open and vm_close run under
 * the mmap_lock and take mms->lock; the counter takes mms->lock only to
 * pick up references, and walks the page tables after dropping it.
 */
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/mutex.h>
#include <linux/pgtable.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>

#include "mymap.h"

/*
 * struct mymap_mm - one address space with VMAs of the region.
 * @node: in mms->list.
 * @mm:   the address space, held by mmgrab().
 * @vmas: its VMAs of the region; the entry goes when it reaches 0.
 */
struct mymap_mm {
	struct list_head node;
	struct mm_struct *mm;
	unsigned long vmas;
};

void mymap_mms_init(struct mymap_mms *mms)
{
	mutex_init(&mms->lock);
	INIT_LIST_HEAD(&mms->list);
	mms->nr = 0;
}

static struct mymap_mm *find_mm(struct mymap_mms *mms, struct mm_struct *mm)
{
	struct mymap_mm *m;

	list_for_each_entry(m, &mms->list, node)
		if (m->mm == mm)
			return m;
	return NULL;
}

/**
 * mymap_mms_add() - count one more VMA of the region in @mm.
 * @mms: the device's list.
 * @mm:  the VMA's address space.
 * @gfp: for the entry of an mm seen for the first time.
 *
 * Return: 0, or -ENOMEM with nothing changed.
 */
int mymap_mms_add(struct mymap_mms *mms, struct mm_struct *mm, gfp_t gfp)
{
	struct mymap_mm *m;

	mutex_lock(&mms->lock);
	m = find_mm(mms, mm);
	if (!m) {
		m = kmalloc(sizeof(*m), gfp);
		if (!m) {
			mutex_unlock(&mms->lock);
			return -ENOMEM;
		}
		mmgrab(mm);
		m->mm = mm;
		m->vmas = 0;
		list_add(&m->node, &mms->list);
		mms->nr++;
	}
	m->vmas++;
	mutex_unlock(&mms->lock);
	return 0;
}

/**
 * mymap_mms_del() - one VMA of the region in @mm is gone.
 * @mms: the device's list.
 * @mm:  the VMA's address space, counted by mymap_mms_add() before.
 */
void mymap_mms_del(struct mymap_mms *mms, struct mm_struct *mm)
{
	struct mymap_mm *m;

	mutex_lock(&mms->lock);
	m = find_mm(mms, mm);
	if (WARN_ON_ONCE(!m)) {
		mutex_unlock(&mms->lock);
		return;
	}
	if (--m->vmas) {
		mutex_unlock(&mms->lock);
		return;
	}
	list_del(&m->node);
	mms->nr--;
	mutex_unlock(&mms->lock);
	/* Not the last reference: the mm's own users hold one until exit. */
	mmdrop(m->mm);
	kfree(m);
}

/*
 * Is the 2 MiB at @addr mapped by one present leaf PMD entry?  The caller
 * holds the mmap_lock, which keeps the upper page tables of a VMA in the
 * tree from being freed; the entry itself may change under us, so it is
 * read once.
 */
static bool leaf_pmd_at(struct mm_struct *mm, unsigned long addr)
{
	pgd_t *pgd = pgd_offset(mm, addr);
	p4d_t *p4d;
	pud_t *pud, pudval;
	pmd_t pmd;

	if (pgd_none(READ_ONCE(*pgd)) || pgd_bad(READ_ONCE(*pgd)))
		return false;
	p4d = p4d_offset(pgd, addr);
	if (p4d_none(READ_ONCE(*p4d)) || p4d_bad(READ_ONCE(*p4d)))
		return false;
	pud = pud_offset(p4d, addr);
	pudval = READ_ONCE(*pud);
	if (pud_none(pudval) || !pud_present(pudval) || pud_leaf(pudval))
		return false;
	pmd = READ_ONCE(*pmd_offset(pud, addr));
	return pmd_present(pmd) && pmd_leaf(pmd);
}

/* The leaf PMD entries in @mm's VMAs whose operations are @ops. */
static long count_in_mm(struct mm_struct *mm,
			const struct vm_operations_struct *ops)
{
	VMA_ITERATOR(vmi, mm, 0);
	struct vm_area_struct *vma;
	long count = 0;

	if (mmap_read_lock_killable(mm))
		return -EINTR;
	for_each_vma(vmi, vma) {
		unsigned long addr;

		if (vma->vm_ops != ops)
			continue;
		for (addr = ALIGN(vma->vm_start, PMD_SIZE);
		     addr < vma->vm_end && vma->vm_end - addr >= PMD_SIZE;
		     addr += PMD_SIZE)
			count += leaf_pmd_at(mm, addr);
	}
	mmap_read_unlock(mm);
	return count;
}

/**
 * mymap_mms_count_pmds() - 2 MiB entries mapping the region now.
 * @mms: the device's list.
 * @ops: the VMA operations of the region's mappings.
 *
 * A snapshot: entries may appear (a fault) or go (munmap, a split) while
 * it is taken.  Address spaces already exiting are not counted.
 *
 * Return: the count, or -ENOMEM, or -EINTR if a fatal signal came.
 */
long mymap_mms_count_pmds(struct mymap_mms *mms,
			  const struct vm_operations_struct *ops)
{
	struct mm_struct **live;
	struct mymap_mm *m;
	unsigned int n = 0, i;
	long count = 0;

	mutex_lock(&mms->lock);
	live = kmalloc_array(mms->nr, sizeof(*live), GFP_KERNEL);
	if (!live) {
		mutex_unlock(&mms->lock);
		return -ENOMEM;
	}
	list_for_each_entry(m, &mms->list, node)
		if (mmget_not_zero(m->mm))
			live[n++] = m->mm;
	mutex_unlock(&mms->lock);

	/*
	 * Without mms->lock: the last mmput() may tear the mm down, whose
	 * vm_close takes it.
	 */
	for (i = 0; i < n; i++) {
		long in_mm = count >= 0 ? count_in_mm(live[i], ops) : 0;

		count = in_mm < 0 ? in_mm : count + in_mm;
		mmput(live[i]);
	}
	kfree(live);
	return count;
}
