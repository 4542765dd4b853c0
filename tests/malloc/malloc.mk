# libmymap-malloc.so's tests (user/malloc/README.md).
#   malloc           the family's edge cases under LD_PRELOAD on each host
#                    backend (family_test), blocks from the bootstrap arena
#                    (bootstrap_test), and the environment's settings
#   malloc-programs  gcc, sqlite3, python3, perl and xz -T2 under it on each
#                    host backend, their output compared with glibc's runs
#   malloc-device    the same on /dev/mymap, in the VM: family_test, and
#                    the programs the guest can hold (sqlite3, perl, xz)
# None of these programs can run under the sanitizers: they replace, or
# are given, another malloc.
MALLOC_TEST_DIR := $(BUILD)/tests/malloc
MALLOC_HOST_BACKENDS := anon memfd brk

$(MALLOC_TEST_DIR)/family_test: $(OBJ)/tests/malloc/family_test.o
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -pthread -o $@ $^ -ldl

# bootstrap_test links the family's objects itself, standing in for setup.c.
$(MALLOC_TEST_DIR)/bootstrap_test: $(OBJ)/tests/malloc/bootstrap_test.o \
		$(patsubst %.c,$(OBJ)/%.o,$(filter-out %/setup.c,$(wildcard user/malloc/*.c))) \
		$(BUILD)/lib/libmymap.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -pthread -o $@ $^ $(LIB_LDLIBS)

# malloc-device runs on the default kernel only: what it tests is the
# library on device memory, which the driver suites cover on every kernel.
SUITES += malloc malloc-programs malloc-device
SUITE_HELP_malloc := libmymap-malloc.so: the malloc family, bootstrap, settings (host)
SUITE_HELP_malloc-programs := gcc, sqlite3, python3, perl, xz under libmymap-malloc.so (host)
SUITE_HELP_malloc-device := libmymap-malloc.so on /dev/mymap (VM)
.PHONY: suite-malloc suite-malloc-programs suite-malloc-device

suite-malloc: $(BUILD)/lib/libmymap-malloc.so $(MALLOC_TEST_DIR)/family_test \
		$(MALLOC_TEST_DIR)/bootstrap_test
	@tests/lib/tap-run \
		$(foreach b,$(MALLOC_HOST_BACKENDS),env MYMAP_MALLOC_BACKEND=$(b) \
			LD_PRELOAD=$(abspath $(BUILD)/lib/libmymap-malloc.so) \
			timeout 60 $(MALLOC_TEST_DIR)/family_test $(b) \;) \
		timeout 20 $(MALLOC_TEST_DIR)/bootstrap_test \; \
		sh -c 'tests/malloc/run-settings $(BUILD)/lib/libmymap-malloc.so | tests/ctl/checks-to-tap'

suite-malloc-programs: $(BUILD)/lib/libmymap-malloc.so
	@tests/malloc/run-programs $(BUILD)/lib/libmymap-malloc.so $(MALLOC_HOST_BACKENDS) | \
		tests/ctl/checks-to-tap

# In the VM (TCG): the device's region is 128 MiB (perl and xz each need
# 80 MiB), which each fork() of family_test copies for its child.
suite-malloc-device: $(BUILD)/lib/libmymap-malloc.so $(MALLOC_TEST_DIR)/family_test $(MODULE_KO)
	@tests/malloc/run-device $(BUILD)/lib/libmymap-malloc.so $(MALLOC_TEST_DIR)/family_test | \
		tests/ctl/checks-to-tap
