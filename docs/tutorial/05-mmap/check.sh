# check.sh - step 5: a process maps the device and sees 0..9.
. ./tap.sh

insmod ./mymap_05.ko
tap_ok $? "insmod mymap_05.ko succeeds"

out=$(./seed 2>&1)
tap_ok $? "seed maps /dev/mymap and exits 0" "$out"
tap_eq "$out" "0 1 2 3 4 5 6 7 8 9" "seed prints the bytes 0..9 it sees in the mapping"

# seed has exited, its mapping is gone and with it the last file reference.
rmmod mymap_05
tap_ok $? "rmmod mymap_05 succeeds after the process unmapped"

tap_done
