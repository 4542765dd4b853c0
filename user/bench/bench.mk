# Benchmark support shared by the suites, and the mymap-bench dispatcher.
# A suite program links $(BENCH_OBJ) and is named $(BIN)/mymap-bench-SUITE.
BENCH_OBJ := $(OBJ)/user/bench/bench.o

PROGRAMS += $(BIN)/mymap-bench

$(BIN)/mymap-bench: $(OBJ)/user/bench/mymap-bench.o
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $^
