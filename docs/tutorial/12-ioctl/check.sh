# check.sh - step 12: MYMAP_IOC_INFO answers with the device's sizes and
# counts and the asking file's own session; unknown numbers get ENOTTY.
# uses: 08-lifetime/hold
. ./tap.sh

insmod ./mymap_12.ko
tap_ok $? "insmod mymap_12.ko succeeds"

out=$(./info 2>&1)
tap_ok $? "info asks MYMAP_IOC_INFO and exits 0" "$out"
tap_eq "$(echo "$out" | grep -v '^session=' | xargs)" \
	"size=4194304 page_size=4096 abi_version=2 mappings=0 opens=1 unknown_ioctl=ENOTTY" \
	"MYMAP_IOC_INFO reports size, page size, ABI and counts; unknown ioctls get ENOTTY"
first=$(echo "$out" | sed -n 's/^session=//p')
second=$(./info | sed -n 's/^session=//p')
[ -n "$first" ] && [ "$second" -gt "$first" ]
tap_ok $? "each open file has a session of its own (saw $first, then $second)" \
	"saw '$first', then '$second'"

# A process holding a mapping: the ioctl sees it in the counts.
mkfifo ctl out
./hold <ctl >out &
pid=$!
exec 3>ctl
read -r said <out
tap_eq "$said" mapped "hold (step 8) maps the device"
tap_eq "$(./info | grep -E '^(mappings|opens)=' | xargs)" "mappings=1 opens=2" \
	"with hold's mapping: 1 mapping, 2 open files (hold's and info's own)"
exec 3>&-
wait $pid
tap_ok $? "hold unmaps and exits 0"

rmmod mymap_12
tap_ok $? "rmmod mymap_12 succeeds"

tap_done
