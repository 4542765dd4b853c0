# `make demo`: a quiet build (one line per step, the compiler's output in
# $(DEMO_LOG)), the parts registered in DEMOS, each under its own heading,
# then what to try next.  The device demo is the first part.
PROGRAMS += $(BIN)/mymap-demo
DEMOS += device
DEMO_LOG := $(BUILD)/demo-build.log

$(BIN)/mymap-demo: $(OBJ)/user/demo/mymap-demo.o
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $^

# Each step is one make run of its own; the last builds whatever the
# others left (`all`), so no program is missed when a fragment adds one.
demo_step = user/demo/build-step '$(1)' $(DEMO_LOG) $(MAKE) --no-print-directory $(2)

.PHONY: demo-build demo-device demo-next
demo-build:
	@mkdir -p $(BUILD) && : >$(DEMO_LOG)
	@echo "== Building (compiler output in $(DEMO_LOG))"
	@$(call demo_step,libmymap (static and shared; the sanitizer build for tests),$(LIB_A) $(LIB_SO) $(LIB_SAN_A))
	@$(call demo_step,the tools: mymapctl$(comma) mymap-ipc$(comma) mymap-demo,$(BIN)/mymapctl $(BIN)/mymap-ipc $(BIN)/mymap-demo)
	@$(call demo_step,experiments,$(EXP_HOST_BINS) $(EXP_VM_BINS))
	@$(call demo_step,benchmarks,$(filter $(BIN)/mymap-bench%,$(PROGRAMS)))
	@$(call demo_step,the rest of the host programs,all)
	@$(call demo_step,mymap.ko (Kbuild; W=1),module)

demo-device: $(BIN)/mymap-demo module
	@echo
	@echo "== The device: a VM boots, loads mymap.ko and runs mymap-demo in it"
	@scripts/vm-run --add $(BIN)/mymap-demo -- ./mymap-demo

demo-next:
	@echo
	@echo "== What to try next"
	@echo "  make help                    every target, test suite and benchmark, a line each"
	@echo "  build/bin/exp-top-pad        one experiment on its own (user/experiments/README.md)"
	@echo "  make bench SUITE=map         what a page fault costs on the device and on anonymous memory"
