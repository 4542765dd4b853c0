# Driver tests: C programs printing TAP, run inside the VM by scripts/vm-run.
#   driver          the rules at the default size (one 4 MiB chunk)
#   driver-chunks   the same rules on a 9 MiB + 1 page region (three chunks,
#                   the last not a power of two)
#   driver-module   loading, parameters, lifetime, 50 load/unload cycles
DRIVER_TESTS := mmap_test rw_test info_test stress_test wait_test poll_test fileops_test \
		module_test
DRIVER_TEST_BIN := $(addprefix $(BUILD)/tests/driver/,$(DRIVER_TESTS))

SUITES += driver driver-chunks driver-module
MATRIX_SUITES += driver driver-chunks driver-module
DEBUG_SUITES += driver driver-chunks driver-module
SUITE_HELP_driver := the driver's rules at the default size, one 4 MiB chunk (VM)
SUITE_HELP_driver-chunks := the same rules on a region of three chunks (VM)
SUITE_HELP_driver-module := loading, parameters, lifetime, load/unload cycles (VM)

$(BUILD)/tests/driver/%: $(OBJ)/tests/driver/%.o
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $^

vm_add = $(foreach f,$(1),--add $(f))

.PHONY: suite-driver suite-driver-chunks suite-driver-module
suite-driver: $(DRIVER_TEST_BIN) module
	@scripts/vm-run $(call vm_add,tests/tap-run $(DRIVER_TEST_BIN)) -- \
		./tap-run ./mmap_test ./rw_test ./info_test ./stress_test ./wait_test \
		./poll_test ./fileops_test

suite-driver-chunks: $(DRIVER_TEST_BIN) module
	@scripts/vm-run --param size=9441280 \
		$(call vm_add,tests/tap-run $(DRIVER_TEST_BIN)) -- \
		./tap-run ./mmap_test ./rw_test ./info_test ./fileops_test

suite-driver-module: $(DRIVER_TEST_BIN) module
	@scripts/vm-run --no-load --mem 1024 --timeout 300 \
		$(call vm_add,$(MODULE_KO) $(BUILD)/tests/driver/module_test) -- \
		./module_test
