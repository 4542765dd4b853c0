# The kernel module, built by Kbuild (top-level Kbuild file) against the
# headers of one kernel, KVER, into build/KVER/mymap.ko, and its static
# checks.  Kbuild writes its objects beside the sources, so each kernel
# builds from its own copy of them (build/KVER/src): builds for different
# kernels never mix, and each is rebuilt when its kernel's headers change.
DRIVER_SRC := $(wildcard driver/*.c driver/*.h driver/uapi/*.h)
MODULE_SRC := $(BUILD)/$(or $(KVER),no-kernel)/src
CHECKPATCH := $(BUILD)/checkpatch/scripts/checkpatch.pl
LINUX_SOURCE_TAR := $(firstword $(wildcard /usr/src/linux-source-*.tar.xz))

SUITES += driver-lint
MATRIX_SUITES += driver-lint
DEBUG_SUITES += driver-lint
SUITE_HELP_driver-lint := checkpatch --strict, W=1 and sparse on the driver (host)

.PHONY: module suite-driver-lint

module: $(MODULE_KO)

# W=1 always: the extra warnings are part of the kernel style we hold to.
# cp -p keeps the sources' times, so Kbuild recompiles only what changed.
$(MODULE_KO): $(DRIVER_SRC) Kbuild $(wildcard $(KDIR)/Module.symvers)
	@test -n "$(KDIR)" || { echo "module: no kernel '$(or $(KVER_ASKED),default)' with headers here;" \
		"run scripts/install-deps (scripts/kernel-paths --installed lists the kernels)" >&2; exit 1; }
	@mkdir -p $(MODULE_SRC)
	@cp -p --parents $(DRIVER_SRC) Kbuild $(MODULE_SRC)/
	$(MAKE) -C $(KDIR) M=$(CURDIR)/$(MODULE_SRC) W=1 modules
	cp $(MODULE_SRC)/mymap.ko $@

# checkpatch.pl ships only inside Debian's linux-source tarball.
$(CHECKPATCH): $(LINUX_SOURCE_TAR)
	@mkdir -p $(BUILD)/checkpatch
	tar -xJf $< -C $(BUILD)/checkpatch --strip-components=1 \
		--wildcards '*/scripts/checkpatch.pl' '*/scripts/spelling.txt' \
		'*/scripts/const_structs.checkpatch'
	touch $@

suite-driver-lint: $(CHECKPATCH)
	@tests/driver/lint $(KDIR) $(CHECKPATCH) $(DRIVER_SRC)
