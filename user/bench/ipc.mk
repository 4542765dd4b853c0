# ipc: channels against a pipe, a unix socket and memcpy (user/bench/ipc.c).
# The host run measures the memfd channel; the VM run (subjects vm-*)
# adds the channel on /dev/mymap.  A TCG guest is many times slower than
# the host: its figures compare only with each other.
IPC_BENCH := $(BIN)/mymap-bench-ipc
IPC_BENCH_OBJ := $(addprefix $(OBJ)/user/bench/,ipc.o ipc-measure.o ipc-baseline.o ipc-affinity.o bench.o)
IPC_BENCH_JSONL := $(BUILD)/bench/ipc.jsonl
IPC_BENCH_VM_SCALE := 0.1

PROGRAMS += $(IPC_BENCH)
BENCH_SUITES += ipc
BENCH_HELP_ipc := channels against a pipe, a unix socket and memcpy (host and VM)

$(IPC_BENCH): $(IPC_BENCH_OBJ) $(BUILD)/lib/libmymap.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $^ -ludev

.PHONY: bench-ipc
bench-ipc: $(IPC_BENCH) module
	@mkdir -p $(BUILD)/bench
	@echo "== ipc benchmark in the VM (device, memfd, pipe, unix, memcpy) =="
	@set -o pipefail; scripts/vm-run --param size=67108864 --mem 1024 --timeout 900 \
		--add $(IPC_BENCH) -- ./mymap-bench-ipc --out - --device --prefix vm- \
		--scale $(IPC_BENCH_VM_SCALE) | scripts/bench-split ipc
	@echo "== ipc benchmark on the host (memfd, pipe, unix, memcpy) =="
	@$(IPC_BENCH) --out $(BUILD)/bench/ipc-host.jsonl
	@cat $(BUILD)/bench/ipc-host.jsonl >> $(IPC_BENCH_JSONL)
	@rm -f $(BUILD)/bench/ipc-host.jsonl
	@for m in bytes_per_s rtt_block_median; do \
		scripts/bench-plot --log --subjects '^vm-' $(IPC_BENCH_JSONL) $$m \
			$(BUILD)/bench/ipc-vm-$$m.png && \
		scripts/bench-plot --log --subjects '^[^v]' $(IPC_BENCH_JSONL) $$m \
			$(BUILD)/bench/ipc-host-$$m.png; done
	@echo "plots: $(BUILD)/bench/ipc-{vm,host}-{bytes_per_s,rtt_block_median}.png"
