#!/bin/sh
# mymapctl against the real module, inside the VM (busybox sh; no udevd).
# Started with --no-load: mymapctl itself loads and unloads the module.
# Prints one line per finding for tests/ctl/run-vm-test on the host:
#   check PASS RULE            check FAIL RULE: WHAT WAS SEEN
#   json NAME {...}            output of a --json command, checked there
# Files (added by the host): mymapctl, mymap.ko, bad-vermagic.ko,
# mymap_hold, mymap_heap_fill, modules.tar (an installed /lib/modules tree).
# pass/fail only print, so `test && pass || fail` cannot run both.
# shellcheck disable=SC2015
ctl=./mymapctl
err=/tmp/ctl.err

pass() { echo "check PASS $*"; }
fail() { echo "check FAIL $*"; }

# run CMD...: sets $out, $errtext (stderr, one line expected) and $rc.
run() {
	out=$("$@" 2>$err)
	rc=$?
	errtext=$(cat $err)
}

# expect RULE RC STDOUT_PATTERN STDERR_PATTERN (grep -E; "" = must be empty)
expect() {
	rule=$1 want_rc=$2 out_pat=$3 err_pat=$4 bad=
	[ "$rc" = "$want_rc" ] || bad="exit $rc, wanted $want_rc"
	if [ -n "$out_pat" ]; then
		printf '%s\n' "$out" | grep -Eq -- "$out_pat" || bad="$bad; stdout lacks /$out_pat/"
	fi
	if [ -n "$err_pat" ]; then
		printf '%s\n' "$errtext" | grep -Eq -- "$err_pat" || bad="$bad; stderr lacks /$err_pat/"
		lines=$(printf '%s\n' "$errtext" | wc -l)
		[ "$lines" -eq 1 ] || bad="$bad; stderr has $lines lines, wanted one"
	elif [ -n "$errtext" ]; then
		bad="$bad; unexpected stderr"
	fi
	if [ -z "$bad" ]; then
		pass "$rule"
	else
		fail "$rule: ${bad#; } (stdout: $(printf '%s' "$out" | head -c 300 | tr '\n' '|'); stderr: $(printf '%s' "$errtext" | tr '\n' '|'))"
	fi
}

# start_watch FIFO ARGS...: runs `mymapctl watch ARGS` in the background,
# its output on fd 3 through FIFO; sets $watch_pid.  The caller reads the
# first line(s) from fd 3 to know the monitor is live.
start_watch() {
	fifo=$1
	shift
	mkfifo "$fifo"
	$ctl watch "$@" >"$fifo" 2>/tmp/watch.err &
	watch_pid=$!
	exec 3<"$fifo"
}

json() {
	printf 'json %s %s\n' "$1" "$(printf '%s' "$2" | tr '\n' ' ')"
}

# --- help and usage -----------------------------------------------------
run $ctl --help
expect "--help prints usage, commands and exit codes" 0 "exit status:" ""
for c in load unload status watch dump; do
	run $ctl $c --help
	expect "$c --help prints its usage" 0 "^usage: mymapctl $c" ""
done
run $ctl help status
expect "help status is status --help" 0 "^usage: mymapctl status" ""
run $ctl
expect "no command: usage error, exit 2" 2 "" "no command given"
run $ctl frob
expect "unknown command: exit 2" 2 "" "^mymapctl: unknown command 'frob'"
run $ctl dump 0
expect "a command's usage error is named after it, as its other errors are" 2 "" "^mymapctl dump: needs OFFSET and LEN"
run $ctl --version
expect "--version names the version" 0 "^mymapctl [0-9]" ""

# --- nothing loaded -------------------------------------------------------
run $ctl status
expect "status when not loaded: exit 3" 3 "mymap: not loaded" ""
run $ctl status --json
expect "status --json when not loaded: exit 3" 3 "^\{" ""
json status-unloaded "$out"
run $ctl unload
expect "unload when not loaded: exit 3, one line" 3 "" "mymapctl unload: mymap is not loaded"
run $ctl dump 0 16
expect "dump when not loaded: exit 3" 3 "" "mymapctl dump: mymap is not loaded"

# --- refusals before anything is loaded ----------------------------------
run su -s /bin/sh nobody -c "$ctl load --module ./mymap.ko"
expect "load as a non-root user: exit 6" 6 "" "must be run as root"
run su -s /bin/sh nobody -c "$ctl unload"
expect "unload as a non-root user: exit 6" 6 "" "must be run as root"
run $ctl load --module ./missing.ko
expect "load of a missing module file: exit 1" 1 "" "no module file at \./missing\.ko \(No such file or directory\)"
run $ctl load
# The release as a pattern: Debian's 6.12 releases hold a '+'.
release_pat=$(uname -r | sed 's/[.+]/[&]/g')
expect "load of the installed module before it is installed: exit 1" 1 "" "not installed for kernel $release_pat"
run $ctl load --module ./mymap.ko size=0
expect "load size=0: refused with the kernel's reason" 1 "" "refused the parameters 'size=0' \(Invalid argument\): kernel says \"mymap: size=0"
run $ctl load --module ./mymap.ko size=1T
expect "load size=1T: a usage error, exit 2" 2 "" "not a byte count"
run $ctl load --module ./mymap.ko size=0x10000000000
expect "load size=1 TiB: refused by the kernel with its reason" 1 "" "refused the parameters 'size=1099511627776' .*kernel says \"mymap: "
run $ctl load --module ./bad-vermagic.ko
expect "load of a module with another vermagic: exit 1, reason shown" 1 "" "rejected \./bad-vermagic\.ko: not a module for this kernel \(Exec format error\): kernel says \"mymap: version magic"
run $ctl load --module ./vm-test.sh
expect "load of a file that is no module at all: exit 1" 1 "" "rejected \./vm-test\.sh: not a module for this kernel \(Exec format error\); rebuild"
[ ! -e /sys/module/mymap ] && pass "no refused load left the module behind" ||
	fail "no refused load left the module behind: /sys/module/mymap exists"

# --- watch, started before the load ----------------------------------------
start_watch /tmp/watch.fifo --json
read -r first <&3
json watch-initial "$first"

# --- load, status, dump ---------------------------------------------------
run $ctl load --module ./mymap.ko size=8192
expect "load --module size=8192: exit 0 once the node exists" 0 "^mymap [0-9.]+ loaded: /dev/mymap, 8192 bytes$" ""
[ -c /dev/mymap ] && pass "the node exists when load returns" || fail "the node exists when load returns: no /dev/mymap"
run $ctl load --module ./mymap.ko
expect "load while loaded: exit 4" 4 "" "already loaded"
run $ctl status
expect "status when loaded: exit 0, text" 0 "node: /dev/mymap \(char 10:[0-9]+\), mode 0600, owner root" ""
run $ctl status
expect "status shows how mappings are filled" 0 "^  map path: (pmd|remap) \(" ""
run $ctl status
expect "status shows the 2 MiB entries mapped now" 0 "^  2 MiB entries mapped now: 0$" ""
run $ctl status --json
expect "status --json when loaded: exit 0" 0 "^\{" ""
json status-loaded "$out"
run $ctl dump 0 32
expect "dump 0 32: the seed bytes" 0 "^00000000  00 01 02 03 04 05 06 07  08 09 00 00 00 00 00 00  \|\.\.\.\.\.\.\.\.\.\.\.\.\.\.\.\.\|$" ""
printf '%s\n' "$out" | tail -n1 | grep -qx 00000020 && pass "dump ends with the end offset" ||
	fail "dump ends with the end offset: $(printf '%s' "$out" | tail -n1)"
printf 'Hi "you"\n' | dd of=/dev/mymap bs=1 seek=4096 conv=notrunc 2>/dev/null
run $ctl dump 0x1000 9
expect "dump 0x1000 9: bytes written with write(2), ASCII column" 0 '^00001000  48 69 20 22 79 6f 75 22  0a +\|Hi "you"\.\|$' ""
run $ctl dump 8184 16
expect "dump across the end: short, a note on stderr" 0 "^00001ff8  00 00 00 00 00 00 00 00 +\|\.\.\.\.\.\.\.\.\|$" "region ends at 8192; dumped 8 of 16 bytes"
run $ctl dump 8192 1
expect "dump at the end: exit 1" 1 "" "offset 8192 is past the end of the region \(8192 bytes\)"
run $ctl dump 0 0
expect "dump of 0 bytes: just the offset" 0 "^00000000$" ""
run su -s /bin/sh nobody -c "$ctl dump 0 16"
expect "dump as a user the node's mode 0600 excludes: exit 6" 6 "" "cannot open /dev/mymap \(Permission denied\)"
run su -s /bin/sh nobody -c "$ctl status --json"
expect "status --json as a user: works without opening the node" 0 "^\{" ""
json status-user "$out"

# Strings from the system reach the JSON escaped: a group name holding a
# quote, a backslash, a tab, UTF-8 and a byte that is not UTF-8.
printf 'we"ird\\\tgr\303\251\377:x:978:\n' >>/etc/group
chgrp 978 /dev/mymap
run $ctl status --json
expect "status --json with a strange group name" 0 "^\{" ""
json status-weird "$out"
chgrp 0 /dev/mymap
# A change event, as udevadm trigger would cause, reaches watch.
echo change >/sys/class/misc/mymap/uevent

# --- heap statistics ---------------------------------------------------------
run $ctl status
expect "status on a region without a heap says so" 0 "heap: none \(the region holds no libmymap heap\)" ""
run ./mymap_heap_fill
expect "a heap is formatted in the region (3 allocs, 1 free)" 0 "" ""
run $ctl status
expect "status shows the heap's statistics" 0 "heap counters: 3 allocs, 1 frees, 0 failed" ""
run $ctl status --json
json status-heap "$out"

# --- unload while busy -------------------------------------------------------
mkfifo /tmp/hold1 /tmp/hold2
./mymap_hold --map >/tmp/hold1 &
map_pid=$!
read -r r1 </tmp/hold1
./mymap_hold --open >/tmp/hold2 &
open_pid=$!
read -r r2 </tmp/hold2
[ "$r1 $r2" = "ready ready" ] && pass "holders started" || fail "holders started: '$r1' '$r2'"
run $ctl status --json
json status-held "$out"
run $ctl unload
expect "unload while mapped and open: exit 5" 5 "" "mymap is in use \(Resource temporarily unavailable\)"
kill $open_pid
wait $open_pid
run $ctl unload
expect "unload while only mapped: exit 5, the mapper named" 5 "" "held by pid $map_pid \(mymap_hold: 1 mapped\); close"
kill $map_pid
wait $map_pid
run $ctl unload
expect "unload once released: exit 0" 0 "^mymap unloaded$" ""
[ ! -e /sys/module/mymap ] && pass "the module is gone after unload" || fail "the module is gone after unload"

# --- watch saw it all ------------------------------------------------------
kill -INT $watch_pid
wait $watch_pid
watch_rc=$?
[ $watch_rc = 0 ] && pass "watch exits 0 on SIGINT" || fail "watch exits 0 on SIGINT: exit $watch_rc"
while read -r line <&3; do
	json watch-event "$line"
done
exec 3<&-
[ -s /tmp/watch.err ] && fail "watch wrote nothing on stderr: $(cat /tmp/watch.err)" ||
	pass "watch wrote nothing on stderr"

# text mode, stopped by SIGTERM
start_watch /tmp/watch.txt
read -r header <&3
read -r initial <&3
run $ctl load --module ./mymap.ko
kill -TERM $watch_pid
wait $watch_pid
watch_rc=$?
[ $watch_rc = 0 ] && pass "watch exits 0 on SIGTERM" || fail "watch exits 0 on SIGTERM: exit $watch_rc"
printf '%s\n' "$header" | grep -q "^watching mymap events from the kernel (no udevd)" &&
	pass "watch (text) says where events come from" ||
	fail "watch (text) says where events come from: $header"
[ "$initial" = "initial: not loaded" ] && pass "watch (text) shows the initial state" ||
	fail "watch (text) shows the initial state: $initial"
rest=$(cat <&3)
exec 3<&-
printf '%s\n' "$rest" | grep -Eq "^add misc mymap /dev/mymap \(10:[0-9]+\) seqnum [0-9]+$" &&
	pass "watch (text) shows the device's add event" ||
	fail "watch (text) shows the device's add event: $(printf '%s' "$rest" | tr '\n' '|')"
run $ctl unload
expect "unload after a plain load" 0 "^mymap unloaded$" ""

# --- a udevd that never answers: the wait is bounded by --timeout -----------
# libudev takes /run/udev/control as the sign that udevd runs; with no
# daemon behind it no udevd event comes and the device is never initialized.
mkdir -p /run/udev && : >/run/udev/control
run $ctl load --module ./mymap.ko --timeout 1
expect "load when udevd does not answer: exit 1 after --timeout" 1 "" "loaded but its device node did not appear within 1 s \(Connection timed out\); check that udevd is running"
rm /run/udev/control
run $ctl unload
expect "unload after the timed-out load" 0 "^mymap unloaded$" ""

# --- the installed module: lookup through modules.dep and modprobe.d --------
tar -xf modules.tar -C /
run $ctl load
expect "load of the installed module (modules.dep lookup): exit 0" 0 "^mymap [0-9.]+ loaded: /dev/mymap, 4194304 bytes$" ""
run $ctl unload
expect "unload the installed module" 0 "^mymap unloaded$" ""
mkdir -p /etc/modprobe.d
echo "options mymap size=65536" >/etc/modprobe.d/mymap.conf
run $ctl load
expect "load applies 'options mymap' from modprobe.d" 0 "loaded: /dev/mymap, 65536 bytes$" ""
run $ctl unload
run $ctl load size=16384
expect "size= on the command line wins over modprobe.d" 0 "loaded: /dev/mymap, 16384 bytes$" ""
run $ctl unload
run $ctl load --module ./mymap.ko
expect "--module also applies modprobe.d options" 0 "loaded: /dev/mymap, 65536 bytes$" ""
run $ctl unload
expect "final unload" 0 "^mymap unloaded$" ""

# --- signature enforcement: last, since it cannot be switched off again ------
rm -f /etc/modprobe.d/mymap.conf
if echo 1 >/sys/module/module/parameters/sig_enforce; then
	run $ctl load --module ./mymap.ko
	expect "load of an unsigned module under sig_enforce: rejected with the kernel's reason" 1 "" \
		"rejected the signature of \./mymap\.ko \(Key was rejected by service\): kernel says \"Loading of unsigned module is rejected\""
else
	fail "module.sig_enforce can be switched on in the guest"
fi
# And then no module loading at all, which cannot be undone either.
if echo 1 >/proc/sys/kernel/modules_disabled; then
	run $ctl load --module ./mymap.ko
	expect "load with kernel.modules_disabled=1: exit 6" 6 "" \
		"the kernel does not allow loading modules \(Operation not permitted\); check kernel.modules_disabled"
else
	fail "kernel.modules_disabled can be set in the guest"
fi
echo "vm-test done"
