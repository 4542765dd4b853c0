# programs: whole programs (gcc, sqlite3, python3, perl, xz -T2, from
# tests/malloc/programs) under libmymap-malloc.so against glibc, jemalloc
# and mimalloc, all preloaded; CPU time and peak RSS (user/bench/README.md).
PROGRAMS += $(BIN)/mymap-bench-programs
BENCH_SUITES += programs
BENCH_HELP_programs := real programs under libmymap-malloc.so, glibc, jemalloc and mimalloc (host)
PROGRAMS_BENCH_JSONL := $(BUILD)/bench/programs.jsonl

$(BIN)/mymap-bench-programs: $(OBJ)/user/bench/programs.o $(OBJ)/user/bench/bench.o
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $^ -lm

.PHONY: bench-programs
bench-programs: $(BIN)/mymap-bench-programs $(BUILD)/lib/libmymap-malloc.so
	@mkdir -p $(BUILD)/bench
	$(BIN)/mymap-bench-programs --out $(PROGRAMS_BENCH_JSONL)
	@for m in cpu_time peak_rss; do \
		scripts/bench-plot --title "programs: $$m" $(PROGRAMS_BENCH_JSONL) $$m \
			$(BUILD)/bench/programs-$$m.png || exit 1; \
	done
	@echo "plots: $(BUILD)/bench/programs-*.png"
