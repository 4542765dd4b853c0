# check.sh - step 1: the module loads, logs its line, unloads, logs again.
. ./tap.sh

insmod ./mymap_01.ko
tap_ok $? "insmod mymap_01.ko succeeds"
grep -q '^mymap_01 ' /proc/modules
tap_ok $? "the module is listed in /proc/modules" "no mymap_01 line"
dmesg | grep -q 'mymap_01: hello'
tap_ok $? "init logged 'mymap_01: hello'" "no such kernel log line"

rmmod mymap_01
tap_ok $? "rmmod mymap_01 succeeds"
grep -q '^mymap_01 ' /proc/modules
tap_ok $((!$?)) "the module is gone from /proc/modules" "still listed"
dmesg | grep -q 'mymap_01: goodbye'
tap_ok $? "exit logged 'mymap_01: goodbye'" "no such kernel log line"

tap_done
