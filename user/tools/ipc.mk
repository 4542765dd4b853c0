# mymap-ipc: named channels from the command line (create, send, recv,
# list, stat, remove, pingpong, bench), installed with the tools, and the channel demo: two processes streaming through /dev/mymap
# inside the VM, checksums compared at the end.
PROGRAMS += $(BIN)/mymap-ipc
DEMOS += ipc

# mymapctl's conventions, and its parser of byte counts (user/ctl/cli.c).
$(OBJ)/user/tools/mymap-ipc.o: CFLAGS += -Iuser/ctl -DMYMAP_VERSION='"$(MYMAP_VERSION)"'

$(BIN)/mymap-ipc: $(OBJ)/user/tools/mymap-ipc.o $(OBJ)/user/bench/ipc-measure.o $(OBJ)/user/bench/ipc-affinity.o \
		  $(OBJ)/user/bench/bench.o $(OBJ)/user/ctl/cli.o $(BUILD)/lib/libmymap.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $^ -ludev

.PHONY: demo-ipc
demo-ipc: $(BIN)/mymap-ipc module
	@scripts/vm-run --param size=16777216 --timeout 600 --add $(BIN)/mymap-ipc \
		--add user/tools/ipc-demo.sh -- sh ./ipc-demo.sh
