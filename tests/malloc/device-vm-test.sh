#!/bin/sh
# In the VM (busybox sh), with the module loaded: libmymap-malloc.so on
# the device.  Prints TAP from family_test and "check PASS/FAIL" lines.
lib=/root/libmymap-malloc.so
export PROGRAMS_BIN=/root
MYMAP_MALLOC_BACKEND=device LD_PRELOAD=$lib timeout 300 ./family_test device |
	grep -v '^[0-9]* passed'
for p in sqlite3 perl xz; do
	timeout 120 sh ./programs run $p . >ref.out 2>ref.err || echo "check FAIL $p runs in the guest: $(head -c 200 ref.err)"
	if MYMAP_MALLOC_BACKEND=device MYMAP_MALLOC_STATS=1 LD_PRELOAD=$lib \
		timeout 300 sh ./programs run $p . >dev.out 2>dev.err; then
		if cmp -s ref.out dev.out; then
			echo "check PASS $p on the device heap: output identical to glibc's run; $(grep '^libmymap-malloc: region' dev.err | tail -n 1)"
		else
			echo "check FAIL $p on the device heap: output differs from glibc's run"
		fi
	else
		echo "check FAIL $p on the device heap exits 0: $(head -c 300 dev.err)"
	fi
done
echo "device-vm-test done"
