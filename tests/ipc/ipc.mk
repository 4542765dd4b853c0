# Channel tests.
#   ipc      host: ring wrap-around property test; stress, directory,
#            peer-death and peer-lifecycle tests on memfd heaps, under
#            ASan+UBSan; the stress
#            test's thread shapes again under ThreadSanitizer; mymap-ipc's
#            refusals of bad command lines.
#   ipc-hostile host, ASan+UBSan: a second process damages each class of a
#            channel's shared fields (and the directory) at random moments
#            while a forked victim uses it behind guard pages: no crash, no
#            hang, no access outside, no message that was never sent.
#   ipc-fuzz host, ASan+UBSan: replays tests/ipc/fuzz-corpus through the
#            fuzz target (a channel whose memory the input rewrites, and a
#            call sequence), one TAP line per input.
#            `make fuzz-ipc [FUZZ_SECONDS=60]` fuzzes it with afl++ and fails
#            if afl-fuzz found a crash or a hang (build/fuzz-ipc/out).
#   ipc-vm   the VM: the driver's wait/wake/alive ioctls at every edge;
#            an endpoint's pollable descriptor and the epoll example;
#            stress and peer death on /dev/mymap.
SUITES += ipc ipc-hostile ipc-fuzz ipc-vm
MATRIX_SUITES += ipc-vm
DEBUG_SUITES += ipc-vm
SUITE_HELP_ipc := channels on memfd heaps: ring, stress, peer death (host, ASan, TSan)
SUITE_HELP_ipc-hostile := a hostile peer damages every shared field class of each kind (host, ASan)
SUITE_HELP_ipc-fuzz := the afl++ corpus of region images and call sequences replayed (host)
SUITE_HELP_ipc-vm := wait/wake/alive, stress, peer death, pollable descriptors on /dev/mymap (VM)
IPC_SAN_BIN := $(SAN)/tests/ipc
IPC_TSAN := $(BUILD)/tsan
IPC_HOST_TESTS := ring-wrap pubsub-ring api stress death lifecycle pollfd pubsub
# user/lib/lib.mk is read after this file: name its outputs, not its variables.
IPC_LIB_SAN_A := $(SAN)/lib/libmymap.a
IPC_LIB_SRC := $(shell find user/lib -name '*.c' | sort)

# The ring tests reach the internal headers of the channel layer.
$(OBJ)/tests/ipc/%.o $(SAN)/obj/tests/ipc/%.o: CFLAGS += -Iuser/lib/ipc

$(IPC_SAN_BIN)/ring-wrap: $(SAN)/obj/tests/ipc/ring-wrap.o \
		$(SAN)/obj/user/lib/ipc/spsc.o $(SAN)/obj/user/lib/ipc/stream.o \
		$(SAN)/obj/user/lib/ipc/mpmc.o $(SAN)/obj/user/lib/ipc/corrupt.o \
		$(SAN)/obj/user/lib/error.o
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(SANFLAGS) -o $@ $^

$(IPC_SAN_BIN)/pubsub-ring: $(SAN)/obj/tests/ipc/pubsub-ring.o \
		$(SAN)/obj/user/lib/ipc/pubsub.o $(SAN)/obj/user/lib/ipc/corrupt.o \
		$(SAN)/obj/user/lib/error.o
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(SANFLAGS) -o $@ $^ -lpthread

$(IPC_SAN_BIN)/%: $(SAN)/obj/tests/ipc/%.o $(IPC_LIB_SAN_A)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(SANFLAGS) -o $@ $^ $(LIB_LDLIBS) -lpthread

# ThreadSanitizer: the library and the test rebuilt with -fsanitize=thread.
IPC_TSAN_OBJ := $(IPC_LIB_SRC:%.c=$(IPC_TSAN)/obj/%.o) $(IPC_TSAN)/obj/tests/ipc/stress.o
$(IPC_TSAN)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Iuser/lib/ipc -fsanitize=thread -MMD -MP -c -o $@ $<

$(IPC_TSAN)/stress: $(IPC_TSAN_OBJ)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -fsanitize=thread -o $@ $^ $(LIB_LDLIBS) -lpthread

.PHONY: suite-ipc
suite-ipc: $(IPC_HOST_TESTS:%=$(IPC_SAN_BIN)/%) $(IPC_TSAN)/stress $(BIN)/mymap-ipc
	@tests/tap-run $(IPC_SAN_BIN)/ring-wrap $(IPC_SAN_BIN)/pubsub-ring $(IPC_SAN_BIN)/api \
		"tests/ipc/cli-test $(BIN)/mymap-ipc" \
		"$(IPC_SAN_BIN)/stress --messages 500000" $(IPC_SAN_BIN)/death \
		$(IPC_SAN_BIN)/lifecycle $(IPC_SAN_BIN)/pollfd $(IPC_SAN_BIN)/pubsub \
		"$(IPC_TSAN)/stress --threads --messages 50000"

.PHONY: suite-ipc-hostile
suite-ipc-hostile: $(IPC_SAN_BIN)/hostile
	@tests/tap-run "$(IPC_SAN_BIN)/hostile --trials 10"

.PHONY: suite-ipc-fuzz fuzz-ipc
suite-ipc-fuzz: $(IPC_SAN_BIN)/fuzz-ipc
	@tests/tap-run "$(IPC_SAN_BIN)/fuzz-ipc --replay tests/ipc/fuzz-corpus"

# The fuzz target instrumented by afl++ (with ASan+UBSan) over the library's
# sources.  A poke can name a live process (a kernel thread's pid and start
# time) as the control lock's holder; every lock call then waits out its
# bound, so the target waits 10 ms instead of 2 s, or afl-fuzz would take
# an input that does it a few times for a hang.
IPC_FUZZ_DIR := $(BUILD)/fuzz-ipc
FUZZ_SECONDS ?= 60
$(IPC_FUZZ_DIR)/fuzz-ipc: tests/ipc/fuzz-ipc.c $(IPC_LIB_SRC) $(shell find user/lib -name '*.h') \
		user/include/mymap.h user/include/mymap_channel.h
	@mkdir -p $(@D)
	AFL_USE_ASAN=1 AFL_USE_UBSAN=1 AFL_QUIET=1 afl-cc -std=c11 -D_GNU_SOURCE -O1 -g -Wall \
		-DIPC_LOCK_TIMEOUT_NS=10000000ull \
		-Wextra -Werror -Idriver/uapi -Iuser/include -Itests -o $@ tests/ipc/fuzz-ipc.c \
		$(IPC_LIB_SRC) $(LIB_LDLIBS)

fuzz-ipc: $(IPC_FUZZ_DIR)/fuzz-ipc
	@rm -rf $(IPC_FUZZ_DIR)/out
	AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_NO_AFFINITY=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 \
		afl-fuzz -V $(FUZZ_SECONDS) -m none -t 5000 -i tests/ipc/fuzz-corpus \
		-o $(IPC_FUZZ_DIR)/out -- $(IPC_FUZZ_DIR)/fuzz-ipc >$(IPC_FUZZ_DIR)/afl.log 2>&1 || \
		{ tail -20 $(IPC_FUZZ_DIR)/afl.log; exit 1; }
	@grep -E 'execs_done|corpus_count|saved_crashes|saved_hangs' \
		$(IPC_FUZZ_DIR)/out/default/fuzzer_stats
	@found=$$(find $(IPC_FUZZ_DIR)/out/default/crashes $(IPC_FUZZ_DIR)/out/default/hangs \
		-type f -name 'id:*' | wc -l); \
	if [ "$$found" -ne 0 ]; then \
		echo "fuzz-ipc: $$found crashing or hanging inputs in $(IPC_FUZZ_DIR)/out/default"; \
		exit 1; fi

# The VM: programs linked statically with libmymap, the rest found by vm-run.
IPC_VM_BIN := $(BUILD)/tests/ipc
IPC_LIB_A := $(BUILD)/lib/libmymap.a
IPC_VM_TESTS := waitwake stress death pollfd pubsub

$(IPC_VM_BIN)/waitwake: $(OBJ)/tests/ipc/waitwake.o
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $^

$(IPC_VM_BIN)/%: $(OBJ)/tests/ipc/%.o $(IPC_LIB_A)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $^ $(LIB_LDLIBS) -lpthread

.PHONY: suite-ipc-vm
suite-ipc-vm: $(IPC_VM_TESTS:%=$(IPC_VM_BIN)/%) $(BUILD)/examples/channel-epoll module
	@scripts/vm-run --timeout 600 \
		$(foreach f,tests/tap-run $(IPC_VM_TESTS:%=$(IPC_VM_BIN)/%) \
			tests/ipc/epoll-example-test $(BUILD)/examples/channel-epoll,--add $(f)) -- \
		./tap-run ./waitwake "./stress --backend device --messages 50000" \
		"./death --backend device" "./pollfd --backend device" \
		"./pubsub --backend device" \
		"./epoll-example-test ./channel-epoll"
