# Installing like a real module.
#   install  staging installs (DESTDIR, PREFIX): exact file list, modes,
#            links, depmod index, pkg-config; a program built against the
#            installed header and .pc; uninstall leaves nothing
#   udev     the udev rule: synthetic devices under `udevadm test` on the
#            host, then a real systemd-udevd in the VM
#   dkms     dkms add/build/remove in a throwaway tree; the built module
#            loaded in the VM
SUITES += install udev dkms
MATRIX_SUITES += udev dkms
SUITE_HELP_install := make install into a staging tree: files, modes, pkg-config, uninstall (host)
SUITE_HELP_udev := the udev rule under udevadm test, then systemd-udevd (host, VM)
SUITE_HELP_dkms := dkms add/build/remove, the built module loaded (host, VM)

.PHONY: suite-install suite-udev suite-dkms
suite-install: all module
	@tests/install/run-install-test | tests/ctl/checks-to-tap

suite-udev: $(BIN)/mymapctl module
	@tests/install/run-udev-test $(BIN)/mymapctl

suite-dkms: module
	@tests/install/run-dkms-test | tests/ctl/checks-to-tap

# man pages: mandoc -T lint clean, and in step with the header, the uapi,
# the driver's sysfs attributes and parameters, and mymapctl's and
# mymap-ipc's --help.
SUITES += man
SUITE_HELP_man := the man pages: mandoc lint, and in step with the header, uapi and mymapctl (host)
.PHONY: suite-man
suite-man: $(BIN)/mymapctl $(BIN)/mymap-ipc
	@tests/install/run-man-test $(BIN)/mymapctl $(BIN)/mymap-ipc | tests/ctl/checks-to-tap
