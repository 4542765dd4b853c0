// SPDX-License-Identifier: GPL-2.0
/*
 * fileops_test - the file operations tools call on the device: fsync,
 * fdatasync and msync(MS_SYNC) succeed; /proc/PID/mem and ptrace reach
 * the mapping (as a debugger does) and stop at its end; O_APPEND is
 * refused at open and by fcntl.
 */
#include <stdint.h>
#include <sys/ptrace.h>
#include <sys/wait.h>

#include "devtest.h"

#define PAGE 4096

static void check_sync(int fd, unsigned char *map)
{
	tap_ok(fsync(fd) == 0, "fsync succeeds: %s", errname(errno));
	tap_ok(fdatasync(fd) == 0, "fdatasync succeeds: %s", errname(errno));
	map[100] = 0x5a;
	errno = 0;
	int ret = msync(map, PAGE, MS_SYNC);
	unsigned char back = 0;

	tap_ok(ret == 0 && pread(fd, &back, 1, 100) == 1 && back == 0x5a,
	       "msync(MS_SYNC) of the mapping succeeds, and read(2) sees the store: %s, %#x",
	       errname(ret ? errno : 0), back);
	map[100] = 0;
}

static void check_proc_mem(int fd, unsigned char *map, size_t len)
{
	int mem = open("/proc/self/mem", O_RDWR);
	unsigned char seed[10] = {0}, byte = 0x77, back = 0;
	bool seeded = true;

	if (!tap_ok(mem >= 0, "open /proc/self/mem: %s", errname(mem < 0 ? errno : 0)))
		return;
	ssize_t got = pread(mem, seed, sizeof(seed), (off_t)(uintptr_t)map);
	for (int i = 0; i < 10; i++)
		seeded &= seed[i] == i;
	tap_ok(got == 10 && seeded, "/proc/self/mem reads the seed bytes 0..9 of the mapping (%zd)",
	       got);
	got = pwrite(mem, &byte, 1, (off_t)(uintptr_t)(map + 200));
	tap_ok(got == 1 && pread(fd, &back, 1, 200) == 1 && back == 0x77,
	       "/proc/self/mem writes into the region (%zd, read back %#x)", got, back);
	back = 0;
	pwrite(fd, &back, 1, 200);
	/* The page after the mapping was unmapped below: nothing to read. */
	errno = 0;
	got = pread(mem, &byte, 1, (off_t)(uintptr_t)(map + len));
	tap_ok(got < 0 && errno == EIO, "/proc/self/mem past the mapping's end: EIO (%zd, %s)", got,
	       errname(errno));
	/* A read that straddles the end stops at it. */
	unsigned char tail[16];

	got = pread(mem, tail, sizeof(tail), (off_t)(uintptr_t)(map + len - 8));
	tap_ok(got == 8, "a read straddling the mapping's end stops there (%zd bytes)", got);
	close(mem);
}

/* A traced child maps the device; the parent peeks and pokes as gdb would. */
static void check_ptrace(void)
{
	int pipefd[2];
	uintptr_t addr = 0, ro_addr = 0;

	if (pipe(pipefd))
		return;
	pid_t pid = fork();

	if (pid == 0) {
		int fd = dev_open(O_RDWR);
		/* Two pages, the second unmapped again: nothing right after. */
		char *rw = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		void *ro = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0);
		uintptr_t both[2] = {(uintptr_t)rw, (uintptr_t)ro};

		if (rw == MAP_FAILED || ro == MAP_FAILED || munmap(rw + PAGE, PAGE) ||
		    write(pipefd[1], both, sizeof(both)) != sizeof(both))
			_exit(1);
		pause();
		_exit(0);
	}
	uintptr_t both[2];

	close(pipefd[1]);
	if (read(pipefd[0], both, sizeof(both)) == sizeof(both)) {
		addr = both[0];
		ro_addr = both[1];
	}
	close(pipefd[0]);
	if (!tap_ok(addr && ptrace(PTRACE_ATTACH, pid, 0, 0) == 0, "PTRACE_ATTACH to the mapper")) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return;
	}
	waitpid(pid, NULL, 0);

	errno = 0;
	long word = ptrace(PTRACE_PEEKDATA, pid, (void *)addr, 0);
	unsigned char bytes[sizeof(long)];

	memcpy(bytes, &word, sizeof(word));
	tap_ok(errno == 0 && bytes[0] == 0 && bytes[1] == 1 && bytes[7] == 7,
	       "PTRACE_PEEKDATA reads the seed bytes (%s, %02x %02x .. %02x)", errname(errno),
	       bytes[0], bytes[1], bytes[7]);
	long poked =
	    ptrace(PTRACE_POKEDATA, pid, (void *)(addr + 256), (void *)0x1122334455667788L);
	errno = 0;
	long again = ptrace(PTRACE_PEEKDATA, pid, (void *)(addr + 256), 0);
	tap_ok(poked == 0 && again == 0x1122334455667788L,
	       "PTRACE_POKEDATA writes, and reads back (%ld, %#lx)", poked, again);
	ptrace(PTRACE_POKEDATA, pid, (void *)(addr + 256), 0);
	errno = 0;
	ptrace(PTRACE_PEEKDATA, pid, (void *)(addr + PAGE), 0);
	tap_ok(errno == EIO, "PTRACE_PEEKDATA past the mapping: EIO (%s)", errname(errno));
	errno = 0;
	poked = ptrace(PTRACE_POKEDATA, pid, (void *)ro_addr, (void *)1L);
	tap_ok(poked < 0 && errno == EIO, "PTRACE_POKEDATA into a read-only mapping: EIO (%s)",
	       errname(errno));
	kill(pid, SIGKILL);
	ptrace(PTRACE_DETACH, pid, 0, 0);
	waitpid(pid, NULL, 0);
}

/*
 * On a region of several chunks, /proc/self/mem across a chunk boundary
 * sees what read(2) sees.
 */
static void check_chunk_boundary(int fd)
{
	size_t size = (size_t)dev_info(fd).size, at = 4u << 20;
	unsigned char want[64], got[64];

	if (size <= at + sizeof(want)) {
		tap_diag("one chunk only: no boundary to read across");
		return;
	}
	unsigned char *map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	int mem = open("/proc/self/mem", O_RDONLY);

	for (size_t i = 0; map != MAP_FAILED && i < sizeof(want); i++)
		map[at - 32 + i] = (unsigned char)(i * 3 + 1);
	bool same = map != MAP_FAILED && mem >= 0 &&
		    pread(fd, want, sizeof(want), (off_t)(at - 32)) == (ssize_t)sizeof(want) &&
		    pread(mem, got, sizeof(got), (off_t)(uintptr_t)(map + at - 32)) ==
			(ssize_t)sizeof(got) &&
		    memcmp(want, got, sizeof(got)) == 0;
	tap_ok(same, "/proc/self/mem reads across the boundary of two chunks as read(2) does");
	if (map != MAP_FAILED) {
		memset(map + at - 32, 0, sizeof(want));
		munmap(map, size);
	}
	if (mem >= 0)
		close(mem);
}

static void check_append(void)
{
	int fd = open(DEV_PATH, O_RDWR | O_APPEND);
	int err = fd < 0 ? errno : 0;

	tap_ok(fd < 0 && err == EINVAL, "open with O_APPEND: EINVAL (%s)", errname(err));
	if (fd >= 0)
		close(fd);
	fd = dev_open(O_RDWR);
	int ret = fcntl(fd, F_SETFL, O_APPEND);
	err = ret ? errno : 0;
	tap_ok(ret < 0 && err == EINVAL && !(fcntl(fd, F_GETFL) & O_APPEND),
	       "fcntl(F_SETFL, O_APPEND): EINVAL, the flag stays off (%s)", errname(err));
	close(fd);
}

int main(void)
{
	int fd = dev_open(O_RDWR);
	/* Two pages mapped, the second unmapped again: a known end. */
	unsigned char *map = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	if (!tap_ok(map != MAP_FAILED, "map the region: %s", errname(errno)))
		return tap_done();
	munmap(map + PAGE, PAGE);
	/* Earlier tests may have written there: the seed bytes again. */
	static const unsigned char seed[10] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};

	if (pwrite(fd, seed, sizeof(seed), 0) != (ssize_t)sizeof(seed))
		tap_diag("pwrite of the seed bytes: %s", strerror(errno));
	check_sync(fd, map);
	check_proc_mem(fd, map, PAGE);
	check_ptrace();
	check_chunk_boundary(fd);
	check_append();
	munmap(map, PAGE);
	close(fd);
	return tap_done();
}
