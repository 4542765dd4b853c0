# check.sh - step 8: mappings counted through fork and munmap, the file kept
# open by its mappings, and the module kept loaded by the file.
. ./tap.sh

sys=/sys/class/misc/mymap
insmod ./mymap_08.ko
tap_ok $? "insmod mymap_08.ko succeeds"
tap_eq "$(cat $sys/mappings)" 0 "mappings is 0 before anyone maps"

mkfifo ctl out
for how in "" --fork; do
	# hold opens ctl (waiting for our end), then out (waiting for read).
	name="hold${how:+ $how}"
	./hold $how <ctl >out &
	pid=$!
	exec 3>ctl
	read -r said <out
	tap_eq "$said" mapped "$name mapped the device and closed its descriptor"

	want=1
	[ -n "$how" ] && want=2
	tap_eq "$(cat $sys/mappings)" $want "mappings is $want while $name holds it"
	tap_eq "$(cat $sys/opens)" 1 "opens is 1: the mappings keep the closed file open"
	tap_eq "$(cat /sys/module/mymap_08/refcnt)" 1 "the open file holds the module"
	rmmod mymap_08 2>/dev/null
	tap_ok $((!$?)) "rmmod is refused while the device is mapped" "rmmod succeeded"

	exec 3>&-
	wait $pid
	tap_ok $? "$name unmaps and exits 0 when its input ends"
	tap_eq "$(cat $sys/mappings) $(cat $sys/opens)" "0 0" \
		"mappings and opens are 0 after munmap and exit"
done

rmmod mymap_08
tap_ok $? "rmmod mymap_08 succeeds once nothing maps the device"

tap_done
