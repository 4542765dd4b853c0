# Benchmark support shared by the suites, and the mymap-bench dispatcher.
# A suite program links $(BENCH_OBJ) and is named $(BIN)/mymap-bench-SUITE.
BENCH_OBJ := $(OBJ)/user/bench/bench.o

PROGRAMS += $(BIN)/mymap-bench

$(BIN)/mymap-bench: $(OBJ)/user/bench/mymap-bench.o
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $^

# map: mmap + touch + munmap cost per subject, measured inside the VM, the
# device with 2 MiB entries (as loaded) and then reloaded with huge=off.
PROGRAMS += $(BIN)/mymap-bench-map
BENCH_SUITES += map
BENCH_HELP_map := mmap, touch and munmap per subject, 2 MiB entries or not, faults, random reads (VM)

$(BIN)/mymap-bench-map: $(OBJ)/user/bench/map.o $(BENCH_OBJ)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $^

.PHONY: bench-map
bench-map: $(BIN)/mymap-bench-map module
	@set -o pipefail; scripts/vm-run --param size=268435456 --mem 1536 --timeout 900 \
		--add $(BIN)/mymap-bench-map --add $(MODULE_KO) -- \
		./mymap-bench-map --out - --reload-off ./mymap.ko | scripts/bench-split map
	@scripts/bench-plot --log $(BUILD)/bench/map.jsonl ns_per_mib $(BUILD)/bench/map-ns_per_mib.png
	@scripts/bench-plot $(BUILD)/bench/map.jsonl minflt_touch $(BUILD)/bench/map-minflt_touch.png
	@echo "plots: $(BUILD)/bench/map-{ns_per_mib,minflt_touch}.png"

# wake: wake-to-run latency of a sleeper in epoll on a device watch, in
# MYMAP_IOC_WAIT, and in epoll on an eventfd, measured inside the VM.
PROGRAMS += $(BIN)/mymap-bench-wake
BENCH_SUITES += wake
BENCH_HELP_wake := wake-to-run latency: epoll on the device, MYMAP_IOC_WAIT, eventfd (VM)

$(BIN)/mymap-bench-wake: $(OBJ)/user/bench/wake.o $(BENCH_OBJ)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -pthread -o $@ $^

.PHONY: bench-wake
bench-wake: $(BIN)/mymap-bench-wake module
	@set -o pipefail; scripts/vm-run --add $(BIN)/mymap-bench-wake -- \
		./mymap-bench-wake --out - | scripts/bench-split wake
