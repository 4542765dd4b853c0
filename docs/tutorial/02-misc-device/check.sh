# check.sh - step 2: /dev/mymap comes and goes with the module, and an open
# file of it keeps the module loaded.
. ./tap.sh

insmod ./mymap_02.ko
tap_ok $? "insmod mymap_02.ko succeeds"
[ -c /dev/mymap ]
tap_ok $? "/dev/mymap is a character device" "$(ls -l /dev/mymap 2>&1)"
tap_eq "$(stat -c %a /dev/mymap)" 600 "/dev/mymap has mode 0600"
node=$(printf "%d:%d" "0x$(stat -c %t /dev/mymap)" "0x$(stat -c %T /dev/mymap)")
tap_eq "$(cat /sys/class/misc/mymap/dev)" "$node" \
	"the node's numbers match /sys/class/misc/mymap/dev"

# An open file descriptor holds a reference on the module (.owner).
exec 3</dev/mymap
tap_ok $? "/dev/mymap opens"
tap_eq "$(cat /sys/module/mymap_02/refcnt)" 1 "an open file holds one module reference"
rmmod mymap_02 2>/dev/null
tap_ok $((!$?)) "rmmod is refused while the device is open" "rmmod succeeded"
exec 3<&-
tap_eq "$(cat /sys/module/mymap_02/refcnt)" 0 "closing the file drops the reference"

rmmod mymap_02
tap_ok $? "rmmod mymap_02 succeeds once the device is closed"
[ ! -e /dev/mymap ]
tap_ok $? "/dev/mymap is gone after rmmod" "$(ls -l /dev/mymap 2>&1)"

tap_done
