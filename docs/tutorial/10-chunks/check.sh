# check.sh - step 10: a region of 8 MiB and one page, more than one kmalloc
# gives, in three chunks (two of 4 MiB from the page allocator, one page
# from a slab), read and mapped across its chunk boundaries; a size of more
# than half of RAM refused at insmod.
# uses: 05-mmap/seed 06-checks/maptry
. ./tap.sh

sys=/sys/class/misc/mymap
mib4=$((4 << 20))

tib=$((1 << 40))
insmod ./mymap_10.ko size=$tib 2>/dev/null
tap_ok $((!$?)) "insmod with size=1 TiB is refused" "it loaded"
dmesg | grep -q "size=$tib is more than half of RAM"
tap_ok $? "the kernel log says why 1 TiB was refused" "$(dmesg | tail -n 3)"

# One byte more than 8 MiB: rounded up to a whole page.
insmod ./mymap_10.ko size=$((2 * mib4 + 1))
tap_ok $? "insmod mymap_10.ko size=8 MiB + 1 succeeds"
size=$((2 * mib4 + 4096))
tap_eq "$(cat $sys/size)" $size "size is rounded up to whole pages (8 MiB + 4096)"
tap_eq "$(cat /sys/module/mymap_10/parameters/size)" $((2 * mib4 + 1)) \
	"the parameter shows the size asked for"
dmesg | grep -q "ready: $size bytes in 3 chunks"
tap_ok $? "the region is 3 chunks: 4 MiB, 4 MiB, one page" "$(dmesg | tail -n 1)"

tap_eq "$(./seed 2>&1)" "0 1 2 3 4 5 6 7 8 9" "seed (step 5) prints 0..9 from chunk 0"
tap_eq "$(wc -c </dev/mymap)" $size "read returns the whole region, then end of file"

# A store through the mapping at the first byte of each later chunk, seen by
# read(2): mapping and reading agree on which chunk holds which byte.
for off in $mib4 $((2 * mib4)); do
	out=$(./maptry --offset $off --write 7 | head -n2 | xargs)
	tap_eq "$out" "mmap: ok write: ok" "a page at offset $off maps and takes a write"
	tap_eq "$(od -An -tu1 -j $((off - 1)) -N2 /dev/mymap | xargs)" "0 7" \
		"read(2) across the chunk boundary at $off sees the write"
done

tap_eq "$(./maptry --length $size | head -n1)" "mmap: ok" "the whole region maps, all 3 chunks"
tap_eq "$(./maptry --offset $((mib4 - 4096)) --length 8192 | head -n1)" "mmap: ok" \
	"two pages across a chunk boundary map"
tap_eq "$(./maptry --offset $size | head -n1)" "mmap: EINVAL" \
	"offset at the end of the region is refused with EINVAL"
tap_eq "$(./maptry --offset $((size - 4096)) --length 8192 | head -n1)" "mmap: EINVAL" \
	"a mapping straddling the end is refused with EINVAL"
tap_eq "$(./maptry --offset 0x7ffffffffffff000 | head -n1)" "mmap: EINVAL" \
	"a huge offset is refused with EINVAL"

rmmod mymap_10
tap_ok $? "rmmod mymap_10 succeeds"

tap_done
