# check.sh - step 7: /sys/class/misc/mymap/size and opens, read-only, and
# opens following the open files of the device.
. ./tap.sh

sys=/sys/class/misc/mymap
insmod ./mymap_07.ko
tap_ok $? "insmod mymap_07.ko succeeds"

tap_eq "$(cat $sys/size)" 4096 "size shows the device's 4096 bytes"
tap_eq "$(stat -c %a $sys/size) $(stat -c %a $sys/opens)" "444 444" \
	"size and opens are read-only for everyone (0444)"
(echo 1 >$sys/size) 2>/dev/null
tap_ok $((!$?)) "writing size is refused, even for root" "the write succeeded"

tap_eq "$(cat $sys/opens)" 0 "opens is 0 with no file open"
exec 3</dev/mymap
tap_eq "$(cat $sys/opens)" 1 "opens is 1 with one file open"
exec 4</dev/mymap
tap_eq "$(cat $sys/opens)" 2 "opens is 2 after a second open"
exec 4<&-
tap_eq "$(cat $sys/opens)" 1 "opens is 1 after one close"
exec 3<&-
tap_eq "$(cat $sys/opens)" 0 "opens is 0 after both are closed"

rmmod mymap_07
tap_ok $? "rmmod mymap_07 succeeds"
[ ! -e $sys ]
tap_ok $? "$sys is gone after rmmod" "it still exists"

tap_done
