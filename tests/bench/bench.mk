# Host tests of the benchmark support, under ASan and UBSan.
SUITES += bench-support

$(SAN)/tests/bench_test: $(SAN)/obj/tests/bench/bench_test.o $(SAN)/obj/user/bench/bench.o
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(SANFLAGS) -o $@ $^

.PHONY: suite-bench-support
suite-bench-support: $(SAN)/tests/bench_test
	@$<
