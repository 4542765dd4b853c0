# check.sh - step 13: MYMAP_IOC_WAIT sleeps only while the word holds the
# expected value and ends on a wake or its timeout; MYMAP_IOC_WAKE wakes a
# child waiting on the word; a store then a wake is never lost.
. ./tap.sh

insmod ./mymap_13.ko
tap_ok $? "insmod mymap_13.ko succeeds"

# The word at offset 16 is 0, the one at 0 holds the seed bytes 0..3.
tap_eq "$(./waitwake wait 16 7 5000)" "wait: EAGAIN" \
	"a word not holding the expected value: EAGAIN at once"
tap_eq "$(./waitwake wait 16 0 50)" "wait: ETIMEDOUT" \
	"a word holding it, and no wake: ETIMEDOUT after the timeout"
tap_eq "$(./waitwake wait 18 0 50)" "wait: EINVAL" "a misaligned word is refused with EINVAL"
tap_eq "$(./waitwake wait $((4 << 20)) 0 50)" "wait: EINVAL" \
	"a word outside the region is refused with EINVAL"
tap_eq "$(./waitwake wake 16 1)" "wake: 0" "a wake with no one waiting wakes 0"

tap_eq "$(./waitwake pair 16)" "wait: ok" "a child waiting on the word is woken by its parent's wake"
for i in 1 2 3 4 5; do
	out=$(./waitwake pair 16 --store)
	case $out in
	"wait: ok" | "wait: EAGAIN") status=0 ;;
	*) status=1 ;;
	esac
	tap_ok $status "store then wake, run $i: the child is woken or sees the store ($out)" "$out"
done

rmmod mymap_13
tap_ok $? "rmmod mymap_13 succeeds"

tap_done
