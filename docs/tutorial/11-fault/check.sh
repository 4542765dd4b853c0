# check.sh - step 11: the same 4 MiB region mapped at mmap() time and on
# demand; the page faults of touching every page counted both ways, the
# times printed, and the mapping made on demand holding the same bytes.
# uses: 05-mmap/seed 06-checks/maptry
. ./tap.sh

pages=1024
# field NAME: the value of NAME=... in $out, touchpages' line.
field() { echo "$out" | tr ' ' '\n' | sed -n "s/^$1=//p"; }

insmod ./mymap_11.ko
tap_ok $? "insmod mymap_11.ko (mapped at mmap) succeeds"
out=$(./touchpages 2>&1)
tap_ok $? "touchpages maps and touches the region" "$out"
echo "remap_pfn_range at mmap: $out"
tap_eq "$(field pages)" $pages "the region is $pages pages"
tap_eq "$(field touch_faults)" 0 "remap_pfn_range: touching all $pages pages takes no page fault"
rmmod mymap_11
tap_ok $? "rmmod mymap_11 succeeds"

insmod ./mymap_11.ko on_demand=1
tap_ok $? "insmod mymap_11.ko on_demand=1 succeeds"
out=$(./touchpages 2>&1)
tap_ok $? "touchpages maps and touches the region" "$out"
echo "vmf_insert_pfn on demand: $out"
tap_eq "$(field mmap_faults)" 0 "on demand: mmap() itself takes no page fault"
tap_eq "$(field touch_faults)" $pages "on demand: touching all $pages pages takes one fault each"
tap_eq "$(field again_faults)" 0 "on demand: a second pass takes none, each page stays mapped"

tap_eq "$(./seed 2>&1)" "0 1 2 3 4 5 6 7 8 9" "seed (step 5) reads 0..9 through a mapping made on demand"
out=$(./maptry --offset $(((pages - 1) * 4096)) --write 7 | head -n2 | xargs)
tap_eq "$out" "mmap: ok write: ok" "the last page, mapped on demand, takes a write"
tap_eq "$(od -An -tu1 -j $(((pages - 1) * 4096)) -N1 /dev/mymap | xargs)" 7 \
	"read(2) sees the write made through the mapping"
tap_eq "$(./maptry --private | head -n1)" "mmap: EINVAL" "step 6's rules still hold: MAP_PRIVATE is refused"

rmmod mymap_11
tap_ok $? "rmmod mymap_11 succeeds"

tap_done
