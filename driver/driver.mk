# The kernel module, built by Kbuild (top-level Kbuild file) against the
# headers of the kernel the VM boots, and its static checks.
DRIVER_SRC := $(wildcard driver/*.c driver/*.h driver/uapi/*.h)
CHECKPATCH := $(BUILD)/checkpatch/scripts/checkpatch.pl
LINUX_SOURCE_TAR := $(firstword $(wildcard /usr/src/linux-source-*.tar.xz))

SUITES += driver-lint
SUITE_HELP_driver-lint := checkpatch --strict, W=1 and sparse on the driver (host)

.PHONY: module module-clean suite-driver-lint

module: $(BUILD)/mymap.ko

# W=1 always: the extra warnings are part of the kernel style we hold to.
$(BUILD)/mymap.ko: $(DRIVER_SRC) Kbuild
	@mkdir -p $(@D)
	$(MAKE) -C $(KDIR) M=$(CURDIR) W=1 modules
	cp mymap.ko $@

module-clean:
	@if [ -n "$$(scripts/kernel-paths --build-dir 2>/dev/null)" ]; then \
		$(MAKE) -C $(KDIR) M=$(CURDIR) clean >/dev/null; fi

# checkpatch.pl ships only inside Debian's linux-source tarball.
$(CHECKPATCH): $(LINUX_SOURCE_TAR)
	@mkdir -p $(BUILD)/checkpatch
	tar -xJf $< -C $(BUILD)/checkpatch --strip-components=1 \
		--wildcards '*/scripts/checkpatch.pl' '*/scripts/spelling.txt' \
		'*/scripts/const_structs.checkpatch'
	touch $@

suite-driver-lint: $(CHECKPATCH)
	@tests/driver/lint $(KDIR) $(CHECKPATCH) $(DRIVER_SRC)
