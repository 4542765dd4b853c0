# alloc: libmymap's allocator on every backend against glibc, jemalloc and
# mimalloc (user/bench/README.md).  jemalloc and mimalloc replace malloc in
# any process they are linked into, so each has its own worker program;
# mymap-bench-alloc drives them all and is itself the worker for glibc and
# libmymap.
ALLOC_BENCH_BIN := $(BIN)/mymap-bench-alloc $(BIN)/mymap-bench-alloc-jemalloc \
		   $(BIN)/mymap-bench-alloc-mimalloc
# bench.mk is read after this file: name its object here, not with $(BENCH_OBJ).
ALLOC_WORK_OBJ := $(addprefix $(OBJ)/user/bench/,alloc-work.o alloc-larson.o alloc-util.o \
		    alloc-worker.o alloc-glibc.o bench.o)
ALLOC_LIBMYMAP := $(BUILD)/lib/libmymap.a

PROGRAMS += $(ALLOC_BENCH_BIN)
BENCH_SUITES += alloc
BENCH_HELP_alloc := libmymap on every backend against glibc, jemalloc and mimalloc

$(BIN)/mymap-bench-alloc: $(addprefix $(OBJ)/user/bench/,alloc.o alloc-verdict.o \
			  alloc-mymap.o) $(ALLOC_WORK_OBJ) $(ALLOC_LIBMYMAP)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -pthread -o $@ $^ -ludev -ldl

$(BIN)/mymap-bench-alloc-jemalloc: $(OBJ)/user/bench/alloc-jemalloc.o $(ALLOC_WORK_OBJ)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -pthread -o $@ $^ -ljemalloc -ldl

$(BIN)/mymap-bench-alloc-mimalloc: $(OBJ)/user/bench/alloc-mimalloc.o $(ALLOC_WORK_OBJ)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -pthread -o $@ $^ -lmimalloc -ldl

# The host's subjects on the host; then every subject again in the VM,
# named vm-*, where the device exists: a TCG guest is many times slower
# than the host, so its figures compare only with each other.
ALLOC_HOST_SUBJECTS := anon,anon-populated,memfd,brk,glibc,jemalloc,mimalloc
ALLOC_VM_SCALE := 0.25
# times on a log axis (the cases differ by orders), the rest linear
ALLOC_METRICS := median p99.9 peak_rss utilisation
ALLOC_JSONL := $(BUILD)/bench/alloc.jsonl

.PHONY: bench-alloc
bench-alloc: $(ALLOC_BENCH_BIN) module
	@mkdir -p $(BUILD)/bench
	@echo "== alloc on the host =="
	$(BIN)/mymap-bench-alloc --subjects $(ALLOC_HOST_SUBJECTS) --out $(ALLOC_JSONL)
	@echo "== alloc in the VM (vm-*: compare only with each other) =="
	@set -o pipefail; scripts/vm-run --param size=67108864 --mem 1024 --timeout 400 \
		$(foreach f,$(ALLOC_BENCH_BIN),--add $(f)) -- \
		./mymap-bench-alloc --out - --prefix vm- --scale $(ALLOC_VM_SCALE) \
		--no-callgrind | scripts/bench-split --append alloc
	@for m in $(ALLOC_METRICS); do \
		case $$m in median|p99.9) log=--log;; *) log=;; esac; \
		scripts/bench-plot $$log --subjects '^[^v]' $(ALLOC_JSONL) $$m \
			$(BUILD)/bench/alloc-$$m.png && \
		scripts/bench-plot $$log --subjects '^vm-' $(ALLOC_JSONL) $$m \
			$(BUILD)/bench/alloc-vm-$$m.png || exit 1; \
	done
	@echo "plots: $(BUILD)/bench/alloc-*.png"

# alloc-bench: the benchmark runs (--quick) and reports every case,
# subject and metric it promises.  The checker itself is built with
# ASan+UBSan; the benchmark is the ordinary build being checked.
ALLOC_SMOKE := $(SAN)/tests/bench/alloc-smoke
SUITES += alloc-bench
SUITE_HELP_alloc-bench := the alloc benchmark's programs run briefly and report sanely (host)

$(ALLOC_SMOKE): $(SAN)/obj/user/bench/alloc-smoke.o
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(SANFLAGS) -o $@ $^

.PHONY: suite-alloc-bench
suite-alloc-bench: $(ALLOC_BENCH_BIN) $(ALLOC_SMOKE)
	@$(ALLOC_SMOKE) $(BIN)/mymap-bench-alloc
