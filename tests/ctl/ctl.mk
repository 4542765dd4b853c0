# mymapctl's tests.
#   ctl-host: the pure parts (command line, JSON, hexdump, kernel log
#             records, /proc scanning) on the host, under ASan+UBSan.
#   ctl-vm:   every command and error path against the real module, in the
#             VM; --json output is parsed on the host with python3.
SUITES += ctl-host ctl-vm
MATRIX_SUITES += ctl-vm
SUITE_HELP_ctl-host := mymapctl's command line, JSON, hexdump, kmsg and /proc parsing (host, ASan)
SUITE_HELP_ctl-vm := every mymapctl command and error path against the module (VM)

CTL_HOST_TESTS := cli json hexdump kmsg holders
CTL_TEST_BIN := $(SAN)/bin/ctl

ctl_san = $(1:%=$(SAN)/obj/user/ctl/%.o)
$(CTL_TEST_BIN)/cli_test: $(call ctl_san,cli)
$(CTL_TEST_BIN)/json_test: $(call ctl_san,json)
$(CTL_TEST_BIN)/hexdump_test: $(call ctl_san,hexdump)
$(CTL_TEST_BIN)/kmsg_test: $(call ctl_san,kmsg)
$(CTL_TEST_BIN)/holders_test: $(call ctl_san,holders sysfile)

# Named explicitly so make keeps the objects (no intermediate files).
$(foreach t,$(CTL_HOST_TESTS),$(eval $(CTL_TEST_BIN)/$(t)_test: $(SAN)/obj/tests/ctl/$(t)_test.o))

$(CTL_TEST_BIN)/%_test:
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(SANFLAGS) -o $@ $^

.PHONY: suite-ctl-host
suite-ctl-host: $(CTL_HOST_TESTS:%=$(CTL_TEST_BIN)/%_test)
	@tests/tap-run $(CTL_HOST_TESTS:%=$(CTL_TEST_BIN)/%_test)

CTL_VM_DIR := $(BUILD)/tests/ctl
$(CTL_VM_DIR)/mymap_hold: $(OBJ)/tests/ctl/mymap_hold.o
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $^

$(CTL_VM_DIR)/mymap_heap_fill: $(OBJ)/tests/ctl/mymap_heap_fill.o $(BUILD)/lib/libmymap.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $^ -ludev

.PHONY: suite-ctl-vm
suite-ctl-vm: $(BIN)/mymapctl $(CTL_VM_DIR)/mymap_hold $(CTL_VM_DIR)/mymap_heap_fill module
	@tests/ctl/run-vm-test $(BIN)/mymapctl $(CTL_VM_DIR)/mymap_hold $(CTL_VM_DIR)/mymap_heap_fill \
		$(CTL_VM_DIR)
