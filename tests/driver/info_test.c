// SPDX-License-Identifier: GPL-2.0
/*
 * info_test - what the device says about itself: sysfs size/mappings/opens
 * and MYMAP_IOC_INFO agree with each other and follow maps and opens up
 * and down; unknown ioctls are refused; session ids are unique.
 */
#include "devtest.h"

static void check_counts(void)
{
	int fd = dev_open(O_RDWR);
	struct mymap_info info = dev_info(fd);
	long page = sysconf(_SC_PAGESIZE);
	void *maps[3];

	tap_ok(info.abi_version == MYMAP_ABI_VERSION, "ABI version %u (header says %u)",
	       info.abi_version, MYMAP_ABI_VERSION);
	tap_ok(info.page_size == (unsigned int)page, "page size %u (sysconf %ld)", info.page_size,
	       page);
	tap_ok((long)info.size == sysfs_number("size"), "ioctl size %llu equals sysfs size",
	       (unsigned long long)info.size);
	tap_ok(info.size % (unsigned long long)page == 0, "size is a whole number of pages");
	tap_ok(info.mappings == 0 && sysfs_number("mappings") == 0, "no mappings at first (%u)",
	       info.mappings);
	tap_ok(info.opens == 1 && sysfs_number("opens") == 1, "one open file (%u)", info.opens);

	for (int i = 0; i < 3; i++) {
		maps[i] = mmap(NULL, page, PROT_READ, MAP_SHARED, fd, 0);
		if (maps[i] == MAP_FAILED)
			maps[i] = NULL;
	}
	info = dev_info(fd);
	tap_ok(info.mappings == 3 && sysfs_number("mappings") == 3,
	       "three mmaps count three mappings (ioctl %u)", info.mappings);

	/* Unmapping the middle page of a 3-page mapping leaves two VMAs. */
	void *three = mmap(NULL, 3 * page, PROT_READ, MAP_SHARED, fd, 0);

	munmap((char *)three + page, page);
	tap_ok(sysfs_number("mappings") == 5, "a split mapping counts as two (saw %ld, want 5)",
	       sysfs_number("mappings"));
	munmap(three, page);
	munmap((char *)three + 2 * page, page);

	/* mprotect of the middle page splits one VMA into three. */
	char *prot = mmap(NULL, 3 * page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	long base = sysfs_number("mappings");

	mprotect(prot + page, page, PROT_READ);
	tap_ok(sysfs_number("mappings") == base + 2, "an mprotect split counts its parts (+%ld)",
	       sysfs_number("mappings") - base);
	/* mremap to a new place: one VMA opened there, one closed here. */
	char *spot = mmap(NULL, page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *moved = mremap(prot, page, page, MREMAP_MAYMOVE | MREMAP_FIXED, spot);

	tap_ok(moved != MAP_FAILED && sysfs_number("mappings") == base + 2,
	       "an mremap move keeps the count (%ld, want %ld)", sysfs_number("mappings"),
	       base + 2);
	munmap(moved, page);
	munmap(prot + page, 2 * page);
	for (int i = 0; i < 3; i++)
		if (maps[i])
			munmap(maps[i], page);
	tap_ok(sysfs_number("mappings") == 0, "all unmapped: zero mappings (saw %ld)",
	       sysfs_number("mappings"));

	void *kept = mmap(NULL, page, PROT_READ, MAP_SHARED, fd, 0);
	int fd2 = dev_open(O_RDONLY);

	tap_ok(sysfs_number("opens") == 2, "a second open counts (saw %ld)", sysfs_number("opens"));
	struct mymap_info info2 = dev_info(fd2);

	tap_ok(info2.session != info.session && info.session && info2.session,
	       "each open file has its own non-zero session id (%llu, %llu)",
	       (unsigned long long)info.session, (unsigned long long)info2.session);
	unsigned long long s2 = info2.session;

	int err = ioctl_err(fd, MYMAP_IOC_ALIVE, &s2);

	tap_ok(err == 0, "ALIVE: the second open is alive (%s)", errname(err));
	close(fd2);
	err = ioctl_err(fd, MYMAP_IOC_ALIVE, &s2);
	tap_ok(err == ESRCH, "ALIVE: once closed it is gone (%s, want ESRCH)", errname(err));
	unsigned long long never = ~0ULL;

	err = ioctl_err(fd, MYMAP_IOC_ALIVE, &never);
	tap_ok(err == ESRCH, "ALIVE: an id never handed out is not alive (%s)", errname(err));

	close(fd);
	tap_ok(sysfs_number("opens") == 1 && sysfs_number("mappings") == 1,
	       "a mapping keeps its file open after close (opens %ld, mappings %ld)",
	       sysfs_number("opens"), sysfs_number("mappings"));
	munmap(kept, page);
	tap_ok(sysfs_number("opens") == 0 && sysfs_number("mappings") == 0,
	       "after munmap nothing is open or mapped");
}

static void check_bad_ioctls(void)
{
	int fd = dev_open(O_RDWR);
	unsigned long long arg = 0;
	int err;

	err = ioctl_err(fd, _IO(MYMAP_IOC_MAGIC, 99), NULL);
	tap_ok(err == ENOTTY, "an unknown ioctl fails with ENOTTY (%s)", errname(err));
	err = ioctl_err(fd, _IOR('T', 1, int), &arg);
	tap_ok(err == ENOTTY, "another driver's ioctl fails with ENOTTY (%s)", errname(err));
	err = ioctl_err(fd, MYMAP_IOC_INFO, inaccessible_page());
	tap_ok(err == EFAULT, "INFO into a bad pointer fails with EFAULT (%s)", errname(err));
	close(fd);
}

static void check_sysfs_read_only(void)
{
	const char *attrs[] = {"size", "mappings", "opens"};

	for (int i = 0; i < 3; i++) {
		char path[96];
		int fd;

		snprintf(path, sizeof(path), SYSFS_DIR "%s", attrs[i]);
		fd = open(path, O_WRONLY);
		tap_ok(fd < 0 && errno == EACCES,
		       "%s cannot be opened for writing, even by root (%s)", path,
		       fd < 0 ? strerror(errno) : "opened");
		if (fd >= 0)
			close(fd);
	}
}

int main(void)
{
	check_counts();
	check_bad_ioctls();
	check_sysfs_read_only();
	return tap_done();
}
