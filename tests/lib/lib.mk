# libmymap's tests.  Each test program is built twice, against
# build/lib/libmymap.a and (with ASan+UBSan) build/san/lib/libmymap.a, and
# the suites run both.  (This fragment is read before user/lib/lib.mk,
# so it names the libraries by path.)  tests/lib/tap-run joins several programs' TAP
# into one suite.

LIB_TEST_DIR := $(BUILD)/tests/lib
LIB_TEST_SAN_DIR := $(SAN)/tests/lib
TAP_RUN := tests/lib/tap-run

$(LIB_TEST_DIR)/%: $(OBJ)/tests/lib/%.o $(BUILD)/lib/libmymap.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $^ $(LIB_LDLIBS)

# The README example linked against the shared library, as a user would.
$(LIB_TEST_DIR)/example_list_so: $(OBJ)/tests/lib/example_list.o $(BUILD)/lib/libmymap.so
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $< -L$(BUILD)/lib -Wl,-rpath,$(CURDIR)/$(BUILD)/lib -lmymap \
		$(LIB_LDLIBS)

# Tests that reach into the heap's layout (user/lib/layout.h).
$(OBJ)/tests/lib/test_lock.o $(SAN)/obj/tests/lib/test_lock.o \
$(OBJ)/tests/lib/test_tcache.o $(SAN)/obj/tests/lib/test_tcache.o \
$(OBJ)/tests/lib/test_damage.o $(SAN)/obj/tests/lib/test_damage.o: CFLAGS += -Iuser/lib

$(LIB_TEST_SAN_DIR)/%: $(SAN)/obj/tests/lib/%.o $(SAN)/lib/libmymap.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(SANFLAGS) -o $@ $^ $(LIB_LDLIBS)

# The model test: a million operations per host backend, a third of that
# under the sanitizers (which slow it about threefold).
MODEL_OPS := 1000000
MODEL_SAN_OPS := 300000
SUITES += lib-model
SUITE_HELP_lib-model := the allocator against a model, random operations on each backend (host, ASan)
.PHONY: suite-lib-model
suite-lib-model: $(LIB_TEST_DIR)/test_model $(LIB_TEST_SAN_DIR)/test_model
	@$(TAP_RUN) $(LIB_TEST_DIR)/test_model anon $(MODEL_OPS) \
		\; $(LIB_TEST_DIR)/test_model memfd $(MODEL_OPS) \
		\; $(LIB_TEST_DIR)/test_model brk $(MODEL_OPS) \
		\; $(LIB_TEST_SAN_DIR)/test_model anon $(MODEL_SAN_OPS) 7 \
		\; $(LIB_TEST_SAN_DIR)/test_model memfd $(MODEL_SAN_OPS) 8 \
		\; $(LIB_TEST_SAN_DIR)/test_model brk $(MODEL_SAN_OPS) 9

# The tests where threads share a heap (the lock, the per-thread caches)
# also run under ThreadSanitizer, with the library built for it as in
# tests/ipc/ipc.mk.
LIB_TSAN_TESTS := test_lock test_tcache
LIB_TSAN_DIR := $(BUILD)/tsan/lib
$(BUILD)/tsan/obj/tests/lib/test_lock.o $(BUILD)/tsan/obj/tests/lib/test_tcache.o: \
	CFLAGS += -Iuser/lib
$(LIB_TSAN_DIR)/%: $(BUILD)/tsan/obj/tests/lib/%.o \
		$(patsubst %.c,$(BUILD)/tsan/obj/%.o,$(shell find user/lib -name '*.c' | sort))
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -fsanitize=thread -o $@ $^ $(LIB_LDLIBS) -lpthread

# Unit tests of the library's parts, plain and under the sanitizers.
LIB_UNIT_TESTS := test_heap test_errors test_damage test_lock test_tcache
SUITES += lib
SUITE_HELP_lib := libmymap's unit tests, plain, under ASan and TSan, and the shared library (host)
.PHONY: suite-lib
suite-lib: $(LIB_UNIT_TESTS:%=$(LIB_TEST_DIR)/%) $(LIB_UNIT_TESTS:%=$(LIB_TEST_SAN_DIR)/%) \
		$(LIB_TSAN_TESTS:%=$(LIB_TSAN_DIR)/%) \
		$(LIB_TEST_DIR)/example_list $(LIB_TEST_SAN_DIR)/example_list \
		$(LIB_TEST_DIR)/example_list_so
	@$(TAP_RUN) $(foreach t,$(LIB_UNIT_TESTS),$(LIB_TEST_DIR)/$(t) \; $(LIB_TEST_SAN_DIR)/$(t) \;) \
		$(foreach t,$(LIB_TSAN_TESTS),$(LIB_TSAN_DIR)/$(t) \;) \
		tests/lib/check-so $(BUILD)/lib $(LIB_TEST_DIR)/example_list_so \; \
		sh -c '$(LIB_TEST_SAN_DIR)/example_list && \
		echo "ok 1 - the README example (a list shared by two processes) runs clean"'

# Several processes on one memfd heap, and a lock holder killed mid-update.
SUITES += lib-multiproc
SUITE_HELP_lib-multiproc := processes sharing a memfd heap, a lock holder killed (host, ASan)
.PHONY: suite-lib-multiproc
suite-lib-multiproc: $(LIB_TEST_DIR)/test_multiproc $(LIB_TEST_SAN_DIR)/test_multiproc
	@$(TAP_RUN) $(LIB_TEST_DIR)/test_multiproc memfd \; $(LIB_TEST_SAN_DIR)/test_multiproc memfd

# The same on /dev/mymap, in the VM: refusing the fresh region without
# MYMAP_CREATE, sharing between processes, the killed holder, and the
# model test on device memory.
SUITES += lib-device
MATRIX_SUITES += lib-device
DEBUG_SUITES += lib-device
SUITE_HELP_lib-device := the model and multi-process tests on /dev/mymap (VM)
.PHONY: suite-lib-device
suite-lib-device: $(LIB_TEST_DIR)/test_multiproc $(LIB_TEST_DIR)/test_model $(MODULE_KO)
	@$(TAP_RUN) scripts/vm-run --add $(LIB_TEST_DIR)/test_multiproc \
		--add $(LIB_TEST_DIR)/test_model --param size=16777216 --timeout 600 -- \
		sh -c './test_multiproc device; r=$$?; ./test_model device 200000 || r=1; exit $$r'

# The fuzz target, built with clang's libFuzzer and sanitizers over the
# library's own sources.  `make suite-lib-fuzz` replays the checked-in
# corpus (tests/lib/fuzz-corpus) once; `make fuzz-lib FUZZ_SECONDS=N`
# fuzzes for N seconds and adds what it finds to build/fuzz/corpus.
FUZZ_DIR := $(BUILD)/fuzz
FUZZ_CC := clang
FUZZ_FLAGS := -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -g -O1
FUZZ_LIB_SRC := $(filter-out user/lib/ipc/%,$(shell find user/lib -name '*.c'))
FUZZ_SECONDS ?= 60

$(FUZZ_DIR)/fuzz_heap: tests/lib/fuzz_heap.c $(FUZZ_LIB_SRC) $(wildcard user/lib/*.h) user/include/mymap.h
	@mkdir -p $(@D)
	$(FUZZ_CC) -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Idriver/uapi -Iuser/include \
		-Iuser/lib $(FUZZ_FLAGS) -o $@ tests/lib/fuzz_heap.c $(FUZZ_LIB_SRC) $(LIB_LDLIBS)

SUITES += lib-fuzz
SUITE_HELP_lib-fuzz := the fuzz corpus replayed through the library (host, libFuzzer)
.PHONY: suite-lib-fuzz fuzz-lib
suite-lib-fuzz: $(FUZZ_DIR)/fuzz_heap
	@tests/lib/fuzz-replay $(FUZZ_DIR)/fuzz_heap tests/lib/fuzz-corpus

fuzz-lib: $(FUZZ_DIR)/fuzz_heap
	@mkdir -p $(FUZZ_DIR)/corpus
	$(FUZZ_DIR)/fuzz_heap -max_total_time=$(FUZZ_SECONDS) -max_len=512 \
		$(FUZZ_DIR)/corpus tests/lib/fuzz-corpus
