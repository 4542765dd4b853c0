# check.sh - step 4: the device reads as one page, 0..9 then zeros.
. ./tap.sh

insmod ./mymap_04.ko
tap_ok $? "insmod mymap_04.ko succeeds"

tap_eq "$(wc -c </dev/mymap)" 4096 "read returns one page (4096 bytes), then end of file"
tap_eq "$(od -An -tu1 -v -N10 /dev/mymap | xargs)" "0 1 2 3 4 5 6 7 8 9" \
	"the first ten bytes are 0..9"
nonzero=$(od -An -tu1 -v -j10 /dev/mymap | xargs -n1 | grep -vc '^0$')
tap_eq "$nonzero" 0 "the other 4086 bytes are zero (kzalloc)"

rmmod mymap_04
tap_ok $? "rmmod mymap_04 succeeds"
dmesg | grep -qE 'BUG|Bad page'
tap_ok $((!$?)) "freeing the page logs no 'Bad page' or BUG" "$(dmesg | grep -E 'BUG|Bad page')"

tap_done
