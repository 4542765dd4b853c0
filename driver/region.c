// SPDX-License-Identifier: GPL-2.0
/*
 * region.c - the device's memory: kernel pages in kmalloc'd chunks, mapped
 * into processes (page-table entries of 4 KiB or 2 MiB) and copied for
 * read/write.
 *
 * One kmalloc cannot return more than KMALLOC_MAX_SIZE (4 MiB on x86_64),
 * so a larger region is a list of chunks.  Every chunk but the last has the
 * same power-of-two size, which makes "which chunk holds byte N" a shift.
 *
 * The pages are not marked PG_reserved.  Drivers of the 2.4 era had to:
 * remap_page_range() refused ordinary pages, and the swapper would have
 * taken them.  remap_pfn_range() makes the mapping VM_PFNMAP, so the mm
 * never looks at these pages' struct page at all (vm_normal_page() returns
 * NULL: no reference counts, no rmap, no swap, no migration), and the
 * pages stay ours until kfree.  Setting the flag would also be wrong:
 * kmalloc serves more than two pages as one compound page from the page
 * allocator, and less from slab pages that are often compound too, while
 * PG_reserved may only be set on a page that is not part of one.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/io.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "mymap.h"

/* The bytes a freshly loaded device shows at offset 0. */
static const u8 mymap_seed[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 };

static size_t chunk_len(const struct mymap_region *region, unsigned int i)
{
	if (i + 1 < region->nr_chunks)
		return region->chunk_size;
	return region->size - (size_t)i * region->chunk_size;
}

/*
 * How a region of @size bytes is cut: chunks of @chunk_size, the largest
 * kmalloc gives or the size rounded up to a power of two, the last one
 * shorter.
 */
static void region_geometry(struct mymap_region *region, size_t size)
{
	region->size = size;
	region->chunk_size = min_t(size_t, KMALLOC_MAX_SIZE,
				   roundup_pow_of_two(size));
	region->nr_chunks = DIV_ROUND_UP(size, region->chunk_size);
}

/**
 * mymap_region_footprint() - the memory a region of @size bytes pins.
 * @size: bytes, a non-zero multiple of PAGE_SIZE, at most half of RAM.
 *
 * Return: the bytes kmalloc hands out for it: each chunk rounded up to what
 * kmalloc really allocates (the last one to a power of two of pages), and
 * the table of chunks.
 */
size_t mymap_region_footprint(size_t size)
{
	struct mymap_region geometry;
	size_t last;

	region_geometry(&geometry, size);
	last = chunk_len(&geometry, geometry.nr_chunks - 1);
	return (size_t)(geometry.nr_chunks - 1) *
	       kmalloc_size_roundup(geometry.chunk_size) +
	       kmalloc_size_roundup(last) +
	       kmalloc_size_roundup(geometry.nr_chunks * sizeof(void *));
}

static void free_chunks(struct mymap_region *region, unsigned int count)
{
	while (count--)
		kfree(region->chunks[count]);
	kfree(region->chunks);
	region->chunks = NULL;
}

/**
 * mymap_region_alloc() - allocate, zero and seed the region.
 * @region: filled in on success.
 * @size:   bytes, a non-zero multiple of PAGE_SIZE.
 *
 * Return: 0, or -ENOMEM with nothing left allocated.
 */
int mymap_region_alloc(struct mymap_region *region, size_t size)
{
	/*
	 * NOWARN: a size the machine cannot give is the user's mistake,
	 * reported by insmod, not a kernel warning.  RETRY_MAYFAIL: fail
	 * instead of calling the OOM killer on someone else.
	 */
	const gfp_t gfp = GFP_KERNEL | __GFP_NOWARN | __GFP_RETRY_MAYFAIL;
	unsigned int i;

	region_geometry(region, size);
	region->chunks = kcalloc(region->nr_chunks, sizeof(*region->chunks),
				 gfp);
	if (!region->chunks)
		return -ENOMEM;

	for (i = 0; i < region->nr_chunks; i++) {
		size_t len = chunk_len(region, i);
		void *chunk = kzalloc(len, gfp);

		/*
		 * kmalloc aligns power-of-two sizes to themselves and serves
		 * larger sizes from the page allocator: either way a chunk
		 * of whole pages starts on a page.  Check rather than trust,
		 * since a misaligned chunk would map someone else's bytes.
		 */
		if (chunk && !PAGE_ALIGNED(chunk)) {
			pr_err("kmalloc returned a chunk not on a page boundary\n");
			kfree(chunk);
			chunk = NULL;
		}
		if (!chunk) {
			free_chunks(region, i);
			return -ENOMEM;
		}
		region->chunks[i] = chunk;
	}
	memcpy(region->chunks[0], mymap_seed,
	       min_t(size_t, sizeof(mymap_seed), size));
	return 0;
}

/**
 * mymap_region_free() - give the region's pages back.
 * @region: allocated by mymap_region_alloc(); no mapping of it may remain.
 */
void mymap_region_free(struct mymap_region *region)
{
	free_chunks(region, region->nr_chunks);
}

/*
 * Where byte @pos of the region is: its kernel address, and in *@len the
 * bytes from it to the end of its chunk or to @end, whichever comes first.
 * Mapping, copying and the wait ioctls' words all find their bytes here.
 * The caller keeps pos < end <= region->size, so nothing here can wrap:
 * i * chunk_size is at most pos, and off lies inside chunk i.
 */
static void *region_at(const struct mymap_region *region, size_t pos,
		       size_t end, size_t *len)
{
	unsigned int i = pos / region->chunk_size;
	size_t off = pos - (size_t)i * region->chunk_size;

	*len = min(chunk_len(region, i) - off, end - pos);
	return region->chunks[i] + off;
}

/**
 * mymap_region_pfn() - the page frame holding byte @pos of the region.
 * @region: the region.
 * @pos:    offset inside the region.
 *
 * Return: the PFN, for a 4 KiB entry.
 */
unsigned long mymap_region_pfn(const struct mymap_region *region, size_t pos)
{
	size_t len;

	return virt_to_phys(region_at(region, pos, pos + 1, &len)) >>
	       PAGE_SHIFT;
}

/**
 * mymap_region_huge_pfn() - can the 2 MiB at @pos be one page-table entry?
 * @region: the region.
 * @pos:    offset of the first byte.
 * @pfn:    set to the first page frame when the answer is yes.
 *
 * One PMD entry maps 2 MiB of physically contiguous memory that starts on a
 * 2 MiB boundary.  The region offset must be 2 MiB aligned, the 2 MiB must
 * lie inside the region and inside one chunk (chunks are separate
 * allocations), and the chunk must be aligned in physical memory.  The
 * page allocator aligns the chunks of large kmallocs to their size, so all
 * but the region's tail qualifies; the address is checked rather than
 * trusted.
 *
 * Return: true if @pos starts such a piece.
 */
bool mymap_region_huge_pfn(const struct mymap_region *region, size_t pos,
			   unsigned long *pfn)
{
	phys_addr_t phys;
	size_t len;

	if (!IS_ALIGNED(pos, PMD_SIZE) || pos >= region->size ||
	    region->size - pos < PMD_SIZE)
		return false;
	phys = virt_to_phys(region_at(region, pos, pos + PMD_SIZE, &len));
	if (len < PMD_SIZE || !IS_ALIGNED(phys, PMD_SIZE))
		return false;
	*pfn = phys >> PAGE_SHIFT;
	return true;
}

/**
 * mymap_vma_huge_pfn() - can @vma map the 2 MiB at @addr with one entry?
 * @region: the region.
 * @vma:    a mapping of it.
 * @addr:   a user address, 2 MiB aligned.
 * @pfn:    set to the first page frame when the answer is yes.
 *
 * Return: true if the VMA holds all of the 2 MiB at @addr and the region
 * bytes behind it can be one entry (mymap_region_huge_pfn()).
 */
bool mymap_vma_huge_pfn(const struct mymap_region *region,
			const struct vm_area_struct *vma, unsigned long addr,
			unsigned long *pfn)
{
	return IS_ALIGNED(addr, PMD_SIZE) && addr >= vma->vm_start &&
	       addr < vma->vm_end && vma->vm_end - addr >= PMD_SIZE &&
	       mymap_region_huge_pfn(region, mymap_vma_pos(vma, addr), pfn);
}

/* Map [addr, end) of @vma with 4 KiB entries, chunk by chunk. */
static int remap_range(const struct mymap_region *region,
		       struct vm_area_struct *vma, unsigned long addr,
		       unsigned long end)
{
	size_t pos = mymap_vma_pos(vma, addr);
	size_t pos_end = pos + (end - addr);

	while (pos < pos_end) {
		size_t len;
		void *kaddr = region_at(region, pos, pos_end, &len);
		unsigned long pfn = virt_to_phys(kaddr) >> PAGE_SHIFT;
		int ret;

		ret = remap_pfn_range(vma, addr, pfn, len, vma->vm_page_prot);
		if (ret)
			return ret;
		addr += len;
		pos += len;
	}
	return 0;
}

/**
 * mymap_region_remap() - map part of the region into @vma.
 * @region:    the region.
 * @vma:       a VMA whose page offset and length the caller checked to lie
 *             inside the region.
 * @skip_huge: leave out every 2 MiB that can be one entry, for the fault
 *             handlers to map on first touch.
 *
 * Return: 0, or the error of remap_pfn_range(); the mm undoes a partial
 * mapping when the mmap handler fails.
 */
int mymap_region_remap(const struct mymap_region *region,
		       struct vm_area_struct *vma, bool skip_huge)
{
	unsigned long addr = vma->vm_start;

	if (!skip_huge)
		return remap_range(region, vma, addr, vma->vm_end);
	while (addr < vma->vm_end) {
		unsigned long next = min(ALIGN(addr + 1, PMD_SIZE), vma->vm_end);
		unsigned long pfn;
		int ret;

		if (!mymap_vma_huge_pfn(region, vma, addr, &pfn)) {
			ret = remap_range(region, vma, addr, next);
			if (ret)
				return ret;
		}
		addr = next;
	}
	return 0;
}

/*
 * The one loop behind read and write: walks [pos, pos + count) chunk by
 * chunk, after the callers clipped it to the region (so pos + count cannot
 * wrap).
 */
static ssize_t copy_region(const struct mymap_region *region, void __user *buf,
			   size_t count, loff_t pos, bool to_user)
{
	size_t end = (size_t)pos + count;
	size_t done = 0;

	while (done < count) {
		size_t len;
		void *kaddr = region_at(region, (size_t)pos + done, end, &len);
		unsigned long left;

		if (to_user)
			left = copy_to_user(buf + done, kaddr, len);
		else
			left = copy_from_user(kaddr, buf + done, len);
		done += len - left;
		if (left)
			return done ? done : -EFAULT;
	}
	return done;
}

/**
 * mymap_region_copy_out() - read(2) of the region.
 * @region: the region.
 * @buf:    user buffer.
 * @count:  bytes wanted.
 * @pos:    offset in the region, not negative.
 *
 * Return: bytes copied (0 at or past the end, short at the end), or
 * -EFAULT if nothing could be copied.
 */
ssize_t mymap_region_copy_out(const struct mymap_region *region,
			      char __user *buf, size_t count, loff_t pos)
{
	if (pos >= region->size)
		return 0;
	count = min_t(size_t, count, region->size - pos);
	return copy_region(region, buf, count, pos, true);
}

/**
 * mymap_region_copy_in() - write(2) to the region.
 * @region: the region.
 * @buf:    user buffer.
 * @count:  bytes offered.
 * @pos:    offset in the region, not negative.
 *
 * Return: bytes copied (short at the end), -ENOSPC at or past the end, or
 * -EFAULT if nothing could be copied.
 */
ssize_t mymap_region_copy_in(struct mymap_region *region,
			     const char __user *buf, size_t count, loff_t pos)
{
	if (!count)
		return 0;
	if (pos >= region->size)
		return -ENOSPC;
	count = min_t(size_t, count, region->size - pos);
	return copy_region(region, (void __user *)buf, count, pos, false);
}

/**
 * mymap_region_word() - the kernel address of a 32-bit word of the region.
 * @region: the region.
 * @offset: byte offset; must be a multiple of 4 inside the region.
 *
 * Return: the word, or NULL if @offset is misaligned or outside.  Aligned
 * words never straddle a chunk, since chunks are whole pages.
 */
u32 *mymap_region_word(const struct mymap_region *region, u64 offset)
{
	size_t len;

	if (!IS_ALIGNED(offset, sizeof(u32)) || offset >= region->size)
		return NULL;
	/* offset < region->size: it fits a size_t, on 32-bit machines too. */
	return region_at(region, offset, offset + sizeof(u32), &len);
}

/**
 * mymap_region_access() - copy between the region and a kernel buffer.
 * @region: the region.
 * @pos:    offset in the region.
 * @buf:    the kernel buffer.
 * @len:    bytes wanted.
 * @write:  into the region if true, out of it if false.
 *
 * For ptrace, /proc/PID/mem and debuggers, which cannot pin PFN-mapped
 * pages to reach them the usual way.
 *
 * Return: bytes copied, clipped at the region's end; 0 at or past it.
 */
int mymap_region_access(const struct mymap_region *region, size_t pos,
			void *buf, size_t len, bool write)
{
	size_t end, done = 0;

	if (pos >= region->size)
		return 0;
	len = min3(len, region->size - pos, (size_t)INT_MAX);
	end = pos + len;
	while (done < len) {
		size_t part;
		void *kaddr = region_at(region, pos + done, end, &part);

		if (write)
			memcpy(kaddr, buf + done, part);
		else
			memcpy(buf + done, kaddr, part);
		done += part;
	}
	return done;
}
