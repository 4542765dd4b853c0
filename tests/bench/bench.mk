# Host tests of the benchmark support, under ASan and UBSan, and of
# scripts/bench-against on a throwaway repository.
SUITES += bench-support
SUITE_HELP_bench-support := the benchmark support code: statistics, JSON, tables (host, ASan), bench-against

$(SAN)/tests/bench_test: $(SAN)/obj/tests/bench/bench_test.o $(SAN)/obj/user/bench/bench.o
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(SANFLAGS) -o $@ $^

.PHONY: suite-bench-support
suite-bench-support: $(SAN)/tests/bench_test
	@tests/tap-run $< tests/bench/against-test
