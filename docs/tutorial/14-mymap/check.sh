# check.sh - step 14: the project's own module, loaded by scripts/vm-run with
# its default size (4 MiB), passes the checks of every earlier step.
# uses: 05-mmap/seed 06-checks/maptry 08-lifetime/hold 12-ioctl/info
. ./tap.sh

sys=/sys/class/misc/mymap
size=$((4 << 20))

tap_eq "$(./seed 2>&1)" "0 1 2 3 4 5 6 7 8 9" "seed (step 5) prints 0..9 from the real driver"
tap_eq "$(stat -c %a /dev/mymap)" 600 "/dev/mymap has mode 0600"
tap_eq "$(cat $sys/size)" $size "sysfs size is the default 4 MiB"
[ -n "$(cat /sys/module/mymap/version)" ]
tap_ok $? "the module has a version in /sys/module/mymap/version" "it is empty"

out=$(./info | grep -v '^session=' | xargs)
tap_eq "$out" "size=$size page_size=4096 abi_version=2 mappings=0 opens=1 unknown_ioctl=ENOTTY" \
	"MYMAP_IOC_INFO reports size, page size, ABI, counts; unknown ioctls get ENOTTY"

# O_APPEND would have every write land at the end of a region that never grows.
out=$( (exec 4>>/dev/mymap) 2>&1)
case $out in *"Invalid argument"*) appended=0 ;; *) appended=1 ;; esac
tap_ok $appended "opening /dev/mymap with O_APPEND is refused with EINVAL" "saw '$out'"

# Step 6's rules, on a region of many pages and chunks.
tap_eq "$(./maptry --private | head -n1)" "mmap: EINVAL" "MAP_PRIVATE is refused with EINVAL"
tap_eq "$(./maptry --exec | head -n1)" "mmap: EPERM" "PROT_EXEC is refused with EPERM"
out=$(./maptry --mprotect-exec | head -n2 | xargs)
tap_eq "$out" "mmap: ok mprotect: EACCES" "mprotect to PROT_EXEC is refused with EACCES"
tap_eq "$(./maptry --length $((size + 4096)) | head -n1)" "mmap: EINVAL" \
	"one page more than the region is refused with EINVAL"
tap_eq "$(./maptry --offset $size | head -n1)" "mmap: EINVAL" \
	"offset at the end of the region is refused with EINVAL"
tap_eq "$(./maptry --offset $((size - 4096)) --length 8192 | head -n1)" "mmap: EINVAL" \
	"a mapping straddling the end is refused with EINVAL"
tap_eq "$(./maptry --offset 0x7ffffffffffff000 | head -n1)" "mmap: EINVAL" \
	"a huge offset is refused with EINVAL"
tap_eq "$(./maptry --open-rdonly --prot-read | head -n1)" "mmap: ok" \
	"a file opened O_RDONLY maps MAP_SHARED with PROT_READ (VM_MAYSHARE)"
tap_eq "$(./maptry --open-rdonly | head -n1)" "mmap: EACCES" \
	"PROT_WRITE of a file opened O_RDONLY is refused with EACCES"
tap_eq "$(./maptry --length $size | head -n1)" "mmap: ok" "the whole region maps"
out=$(./maptry --offset $((size - 4096)) --write 7 --show 2 | head -n3 | xargs)
tap_eq "$out" "mmap: ok write: ok bytes: 7 0" "the last page maps, zeroed, and takes a write"
tap_eq "$(od -An -tu1 -j $((size - 4096)) -N2 /dev/mymap | xargs)" "7 0" \
	"read(2) sees the write made through the mapping"

# Step 8's lifetime, with the module vm-run loaded.
mkfifo ctl out
./hold --fork <ctl >out &
pid=$!
exec 3>ctl
read -r said <out
tap_eq "$said" mapped "hold --fork (step 8) maps the device and forks"
tap_eq "$(cat $sys/mappings) $(cat $sys/opens)" "2 1" "sysfs shows 2 mappings of 1 open file"
rmmod mymap 2>/dev/null
tap_ok $((!$?)) "rmmod mymap is refused while the device is mapped" "rmmod succeeded"
exec 3>&-
wait $pid
tap_ok $? "hold unmaps and exits 0"
tap_eq "$(cat $sys/mappings) $(cat $sys/opens)" "0 0" "mappings and opens are back to 0"

# vm-run removes the module after this script and fails the run if it can't.
tap_done
