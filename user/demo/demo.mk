# The device demo: the first thing `make demo` shows.
PROGRAMS += $(BIN)/mymap-demo
DEMOS += device

$(BIN)/mymap-demo: $(OBJ)/user/demo/mymap-demo.o
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $^

.PHONY: demo-device
demo-device: $(BIN)/mymap-demo module
	@echo "== Booting a VM, loading mymap.ko, running mymap-demo in it =="
	@scripts/vm-run --add $(BIN)/mymap-demo -- ./mymap-demo
