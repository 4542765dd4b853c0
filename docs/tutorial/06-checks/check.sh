# check.sh - step 6: every mapping step 5 wrongly allowed, shown succeeding
# against step 5's module, then refused by this step's, each with its errno.
# uses: 05-mmap/mymap_05.ko
. ./tap.sh

byte0() { od -An -tu1 -N1 /dev/mymap | xargs; }

# --- Step 5's module: the bugs ---
insmod ./mymap_05.ko
tap_ok $? "insmod mymap_05.ko (step 5, no checks) succeeds"

out=$(./maptry --private --write 42 | head -n2 | xargs)
tap_eq "$out" "mmap: ok write: ok" "step 5 bug: MAP_PRIVATE is mapped and written to"
tap_eq "$(byte0)" 0 "step 5 bug: that write never reaches the device (byte 0 still 0)"

out=$(./maptry --exec | head -n1)
tap_eq "$out" "mmap: ok" "step 5 bug: PROT_EXEC is mapped"

out=$(./maptry --mprotect-exec | head -n2 | xargs)
tap_eq "$out" "mmap: ok mprotect: ok" "step 5 bug: mprotect makes the mapping executable"

out=$(./maptry --length 8192 | head -n1)
tap_eq "$out" "mmap: ok" "step 5 bug: two pages are mapped from a one-page device"

out=$(./maptry --offset 4096 --show 10 | head -n2 | xargs)
tap_eq "$out" "mmap: ok bytes: 0 1 2 3 4 5 6 7 8 9" \
	"step 5 bug: offset 4096 is mapped, and shows offset 0's bytes"

rmmod mymap_05
tap_ok $? "rmmod mymap_05 succeeds"

# --- This step's module: the rules ---
insmod ./mymap_06.ko
tap_ok $? "insmod mymap_06.ko succeeds"

tap_eq "$(./maptry --private | head -n1)" "mmap: EINVAL" "MAP_PRIVATE is refused with EINVAL"
tap_eq "$(./maptry --exec | head -n1)" "mmap: EPERM" "PROT_EXEC is refused with EPERM"
out=$(./maptry --mprotect-exec | head -n2 | xargs)
tap_eq "$out" "mmap: ok mprotect: EACCES" "mprotect to PROT_EXEC is refused with EACCES"
tap_eq "$(./maptry --length 8192 | head -n1)" "mmap: EINVAL" "two pages are refused with EINVAL"
tap_eq "$(./maptry --offset 4096 | head -n1)" "mmap: EINVAL" "offset 4096 is refused with EINVAL"
tap_eq "$(./maptry --offset 0x7ffffffff000 | head -n1)" "mmap: EINVAL" \
	"a huge offset is refused with EINVAL"

# A file opened read-only: the kernel clears VM_SHARED (and VM_MAYWRITE)
# of its MAP_SHARED mappings, so only a driver testing VM_MAYSHARE maps it.
out=$(./maptry --open-rdonly --prot-read --show 10 | xargs)
tap_eq "$out" "mmap: ok bytes: 0 1 2 3 4 5 6 7 8 9 munmap: ok close: ok" \
	"a file opened O_RDONLY maps MAP_SHARED with PROT_READ"
tap_eq "$(./maptry --open-rdonly | head -n1)" "mmap: EACCES" \
	"PROT_WRITE of a file opened O_RDONLY is refused with EACCES"
out=$(./maptry --open-rdonly --prot-read --mprotect-write | head -n2 | xargs)
tap_eq "$out" "mmap: ok mprotect: EACCES" \
	"mprotect to PROT_WRITE of that read-only mapping is refused with EACCES"

out=$(./maptry --write 42 --show 10 | xargs)
tap_eq "$out" "mmap: ok write: ok bytes: 42 1 2 3 4 5 6 7 8 9 munmap: ok close: ok" \
	"one shared page at offset 0 is mapped, written and unmapped"
tap_eq "$(byte0)" 42 "the write through the shared mapping is what read(2) sees"

rmmod mymap_06
tap_ok $? "rmmod mymap_06 succeeds"

tap_done
