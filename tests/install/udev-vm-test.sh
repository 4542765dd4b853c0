#!/bin/sh
# The udev rule under a real systemd-udevd, inside the VM (busybox sh).
# Started with --no-load; mymapctl loads the module, and with udevd running
# it waits for udevd's event, so the node's group and mode are final when
# `load` returns.  Prints "check PASS RULE" / "check FAIL RULE: SEEN" and
# "json NAME {...}" lines for tests/install/run-udev-test on the host.
# Files: udevadm (which is also systemd-udevd), mymapctl, mymap.ko,
# 60-mymap.rules.
# pass/fail only print, so `test && pass || fail` cannot run both.
# shellcheck disable=SC2015
pass() { echo "check PASS $*"; }
fail() { echo "check FAIL $*"; }
mode_of() { stat -c '%a %U %G' /dev/mymap 2>&1; }

echo "mymap:x:977:" >>/etc/group
mkdir -p /etc/udev/rules.d /run/udev
cp 60-mymap.rules /etc/udev/rules.d/
ln -s /root/udevadm /root/systemd-udevd
./systemd-udevd --daemon 2>/tmp/udevd.err
if ./udevadm control --ping; then pass "systemd-udevd runs in the guest"; else
	fail "systemd-udevd runs in the guest: $(tr '\n' '|' </tmp/udevd.err)"
fi

mkfifo /tmp/watch
./mymapctl watch --json >/tmp/watch &
watch_pid=$!
exec 3</tmp/watch
read -r first <&3
printf 'json watch-initial %s\n' "$first"
out=$(./mymapctl load --module ./mymap.ko 2>&1)
rc=$?
kill -INT $watch_pid
wait $watch_pid
while read -r line <&3; do printf 'json watch-event %s\n' "$line"; done
exec 3<&-
[ $rc = 0 ] && pass "mymapctl load with udevd running: exit 0" ||
	fail "mymapctl load with udevd running: exit $rc: $out"
seen=$(mode_of)
[ "$seen" = "660 root mymap" ] && pass "with the rule: /dev/mymap is 0660 root:mymap when load returns" ||
	fail "with the rule: /dev/mymap is 0660 root:mymap when load returns: $seen"
printf 'json %s %s\n' status-udev "$(./mymapctl status --json 2>&1 | tr '\n' ' ')"

# A member of the group may now map the device: nobody joins mymap.
echo "mymap:x:977:nobody" >/tmp/group && grep -v '^mymap:' /etc/group >>/tmp/group && cp /tmp/group /etc/group
out=$(su -s /bin/sh nobody -c './mymapctl dump 0 16' 2>&1)
rc=$?
printf '%s\n' "$out" | grep -q "^00000000  00 01 02 03" && [ $rc = 0 ] &&
	pass "a member of group mymap reads the device" ||
	fail "a member of group mymap reads the device: exit $rc: $out"

out=$(./mymapctl unload 2>&1) || fail "unload with udevd running: $out"
# Without the rule the driver's own mode stands.  A fresh udevd, rather
# than a reload, so no worker still holds the old rules.
./udevadm control --exit
rm /etc/udev/rules.d/60-mymap.rules
./systemd-udevd --daemon 2>/tmp/udevd.err
./udevadm control --ping || fail "systemd-udevd restarts: $(tr '\n' '|' </tmp/udevd.err)"
out=$(./mymapctl load --module ./mymap.ko 2>&1)
rc=$?
seen=$(mode_of)
[ $rc = 0 ] && [ "$seen" = "600 root root" ] &&
	pass "without the rule: /dev/mymap stays 0600 root:root" ||
	fail "without the rule: /dev/mymap stays 0600 root:root: exit $rc, $seen, $out"
out=$(./mymapctl unload 2>&1) || fail "final unload: $out"
./udevadm control --exit
echo "udev-vm-test done"
