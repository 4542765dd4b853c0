# check.sh - step 9: a size parameter checked at insmod (0 and more than one
# kmalloc refused), the most one kmalloc gives mapped whole, and a region of
# four pages mapped and read at a page offset, its end enforced.
# uses: 05-mmap/seed 06-checks/maptry
. ./tap.sh

sys=/sys/class/misc/mymap
mib4=$((4 << 20))

insmod ./mymap_09.ko size=0 2>/dev/null
tap_ok $((!$?)) "insmod with size=0 is refused" "it loaded"
dmesg | grep -q 'size=0: the region needs at least one page'
tap_ok $? "the kernel log says why size=0 was refused" "$(dmesg | tail -n 3)"

insmod ./mymap_09.ko size=$((mib4 + 1)) 2>/dev/null
tap_ok $((!$?)) "insmod with size=4 MiB + 1 is refused" "it loaded"
dmesg | grep -q "size=$((mib4 + 1)) is more than one kmalloc can give"
tap_ok $? "the kernel log says why 4 MiB + 1 was refused" "$(dmesg | tail -n 3)"

# The default, 4 MiB, is the most one kmalloc gives: it loads and maps whole.
insmod ./mymap_09.ko
tap_ok $? "insmod mymap_09.ko with the default size succeeds"
tap_eq "$(cat $sys/size)" $mib4 "size is the default, 4 MiB"
tap_eq "$(./maptry --length $mib4 | head -n1)" "mmap: ok" "all 4 MiB map at once"
tap_eq "$(wc -c </dev/mymap)" $mib4 "read returns all 4 MiB, then end of file"
rmmod mymap_09
tap_ok $? "rmmod mymap_09 succeeds"

# Three pages and one byte: rounded up to four pages.
insmod ./mymap_09.ko size=$((3 * 4096 + 1))
tap_ok $? "insmod mymap_09.ko size=3 pages + 1 succeeds"
size=$((4 * 4096))
tap_eq "$(cat $sys/size)" $size "size is rounded up to whole pages (4 pages)"
tap_eq "$(cat /sys/module/mymap_09/parameters/size)" $((3 * 4096 + 1)) \
	"the parameter shows the size asked for"
dmesg | grep -q "ready: $size bytes"
tap_ok $? "the kernel log names the region's size" "$(dmesg | tail -n 1)"
tap_eq "$(./seed 2>&1)" "0 1 2 3 4 5 6 7 8 9" "seed (step 5) prints 0..9 from page 0"
tap_eq "$(wc -c </dev/mymap)" $size "read returns the whole region, then end of file"

# A store through a mapping of the third page alone lands at byte 8192.
out=$(./maptry --offset 8192 --write 7 | head -n2 | xargs)
tap_eq "$out" "mmap: ok write: ok" "the third page alone maps and takes a write"
tap_eq "$(od -An -tu1 -j 8192 -N1 /dev/mymap | xargs)" 7 \
	"read(2) sees the write at byte 8192, where the offset put it"
tap_eq "$(od -An -tu1 -N10 /dev/mymap | xargs)" "0 1 2 3 4 5 6 7 8 9" \
	"page 0 still holds the seed: the offset chose the page"
tap_eq "$(./maptry --offset 8192 --show 1 | sed -n 2p)" "bytes: 7" \
	"a new mapping of the third page shows the write"

tap_eq "$(./maptry --length $size | head -n1)" "mmap: ok" "the whole region maps"
tap_eq "$(./maptry --offset $size | head -n1)" "mmap: EINVAL" \
	"offset at the end of the region is refused with EINVAL"
tap_eq "$(./maptry --offset $((size - 4096)) --length 8192 | head -n1)" "mmap: EINVAL" \
	"a mapping straddling the end is refused with EINVAL"
tap_eq "$(./maptry --length $((size + 4096)) | head -n1)" "mmap: EINVAL" \
	"a mapping one page longer than the region is refused with EINVAL"
tap_eq "$(./maptry --offset 0x7ffffffffffff000 | head -n1)" "mmap: EINVAL" \
	"a huge offset is refused with EINVAL"

rmmod mymap_09
tap_ok $? "rmmod mymap_09 succeeds"

tap_done
