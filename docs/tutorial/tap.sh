# tap.sh - TAP output for the tutorial's check scripts, sourced by each
# check.sh inside the VM (busybox sh), printing what tests/tap.h prints.
#
#   tap_ok STATUS RULE [SEEN]  one check: STATUS 0 passes; SEEN says what
#                              was observed when it fails
#   tap_eq SEEN WANT RULE      passes when the strings SEEN and WANT are equal
#   tap_done                   the plan and "N passed, N failed"; exit status
tap_n=0
tap_failed=0

tap_ok() {
	tap_n=$((tap_n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $tap_n - $2"
	else
		tap_failed=$((tap_failed + 1))
		echo "not ok $tap_n - $2: ${3:-status $1}"
	fi
}

tap_eq() {
	[ "$1" = "$2" ]
	tap_ok $? "$3" "saw '$1', want '$2'"
}

tap_done() {
	echo "1..$tap_n"
	echo "$((tap_n - tap_failed)) passed, $tap_failed failed"
	[ "$tap_failed" -eq 0 ]
}
