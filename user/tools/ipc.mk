# mymap-ipc: named channels from the command line (send, recv, pingpong,
# bench), and the channel demo: two processes streaming through /dev/mymap
# inside the VM, checksums compared at the end.
PROGRAMS += $(BIN)/mymap-ipc
DEMOS += ipc

$(BIN)/mymap-ipc: $(OBJ)/user/tools/mymap-ipc.o $(OBJ)/user/bench/ipc-measure.o $(OBJ)/user/bench/ipc-affinity.o \
		  $(OBJ)/user/bench/bench.o $(BUILD)/lib/libmymap.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $^ -ludev

.PHONY: demo-ipc
demo-ipc: $(BIN)/mymap-ipc module
	@scripts/vm-run --param size=16777216 --timeout 600 --add $(BIN)/mymap-ipc \
		--add user/tools/ipc-demo.sh -- sh ./ipc-demo.sh
