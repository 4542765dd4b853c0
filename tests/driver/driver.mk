# Driver tests: C programs printing TAP, run inside the VM by scripts/vm-run.
#   driver          the rules at the default size (one 4 MiB chunk)
#   driver-chunks   the same rules on a 9 MiB + 1 page region (three chunks,
#                   the last not a power of two)
#   driver-module   loading, parameters, lifetime, 50 load/unload cycles
#   driver-huge     2 MiB entries or not: fault counts, sysfs, splits, on
#                   regions of 4 MiB (huge=auto and huge=off), 5 MiB + 3
#                   pages and 3 MiB (huge=auto)
DRIVER_TESTS := mmap_test rw_test info_test stress_test wait_test poll_test fileops_test \
		module_test huge_test
DRIVER_TEST_BIN := $(addprefix $(BUILD)/tests/driver/,$(DRIVER_TESTS))

SUITES += driver driver-chunks driver-module driver-huge
MATRIX_SUITES += driver driver-chunks driver-module driver-huge
DEBUG_SUITES += driver driver-chunks driver-module driver-huge
SUITE_HELP_driver := the driver's rules at the default size, one 4 MiB chunk (VM)
SUITE_HELP_driver-chunks := the same rules on a region of three chunks (VM)
SUITE_HELP_driver-module := loading, parameters, lifetime, load/unload cycles (VM)
SUITE_HELP_driver-huge := 2 MiB entries and huge=off: faults, sysfs, splits, odd sizes (VM)

$(BUILD)/tests/driver/%: $(OBJ)/tests/driver/%.o
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $^

vm_add = $(foreach f,$(1),--add $(f))

.PHONY: suite-driver suite-driver-chunks suite-driver-module suite-driver-huge
suite-driver: $(DRIVER_TEST_BIN) module
	@scripts/vm-run $(call vm_add,tests/tap-run $(DRIVER_TEST_BIN)) -- \
		./tap-run ./mmap_test ./rw_test ./info_test ./stress_test ./wait_test \
		./poll_test ./fileops_test

suite-driver-chunks: $(DRIVER_TEST_BIN) module
	@scripts/vm-run --param size=9441280 \
		$(call vm_add,tests/tap-run $(DRIVER_TEST_BIN)) -- \
		./tap-run ./mmap_test ./rw_test ./info_test ./fileops_test

# --leak-scan: on the debug kernel, kmemleak then checks every load and
# unload of the run for memory the module left behind, down to one chunk.
suite-driver-module: $(DRIVER_TEST_BIN) module
	@scripts/vm-run --no-load --leak-scan --mem 1024 --timeout 300 \
		$(call vm_add,$(MODULE_KO) $(BUILD)/tests/driver/module_test) -- \
		./module_test

# The path huge=auto gives on this kernel: 2 MiB entries where its headers'
# configuration has huge PFN mappings (6.12 with transparent huge pages).
HUGE_PATH = $(if $(shell grep -s '^CONFIG_ARCH_SUPPORTS_PMD_PFNMAP=y' $(KDIR)/.config),pmd,remap)
HUGE_RUNS := 4194304:auto 4194304:off 5255168:auto 3145728:auto

suite-driver-huge: $(DRIVER_TEST_BIN) module
	@for run in $(HUGE_RUNS); do \
		size=$${run%:*} mode=$${run#*:}; \
		expect=$(HUGE_PATH); [ $$mode = auto ] || expect=remap; \
		echo "# region of $$size bytes, huge=$$mode"; \
		VM_RUN_PARAMS= scripts/vm-run --param size=$$size --param huge=$$mode \
			$(call vm_add,tests/tap-run $(DRIVER_TEST_BIN)) -- \
			./tap-run ./mmap_test ./rw_test "./huge_test $$expect" || exit 1; \
	done
