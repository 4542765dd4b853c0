# check.sh - step 3: read(2) returns 0..9 and then end of file, however the
# reader splits its reads.
. ./tap.sh

insmod ./mymap_03.ko
tap_ok $? "insmod mymap_03.ko succeeds"

tap_eq "$(od -An -tu1 -v /dev/mymap | xargs)" "0 1 2 3 4 5 6 7 8 9" \
	"read returns the bytes 0..9"
tap_eq "$(wc -c </dev/mymap)" 10 "read returns end of file after 10 bytes"
# Three-byte reads: 3 + 3 + 3 + 1, the position advancing between them.
tap_eq "$(dd if=/dev/mymap bs=3 2>/dev/null | od -An -tu1 -v | xargs)" \
	"0 1 2 3 4 5 6 7 8 9" "reads of 3 bytes continue where the last one ended"
tap_eq "$(dd if=/dev/mymap bs=3 2>&1 >/dev/null | sed -n 's/ records in//p')" "3+1" \
	"the last of the 3-byte reads is short (1 byte)"

rmmod mymap_03
tap_ok $? "rmmod mymap_03 succeeds"

tap_done
