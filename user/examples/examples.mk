# Example programs: short, complete uses of the public API, built by
# `make all` and run by the tests (tests/ipc/epoll-example-test in the VM).
EXAMPLES_BIN := $(BUILD)/examples
PROGRAMS += $(EXAMPLES_BIN)/channel-epoll

$(EXAMPLES_BIN)/%: $(OBJ)/user/examples/%.o $(BUILD)/lib/libmymap.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $^ -ludev
