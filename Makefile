# mymap: top-level build.
#
# The README's two commands are `make demo` and `make check`; both install
# what they need first (scripts/install-deps) and then re-enter make, so
# that paths found on the freshly installed system (kernel headers) are seen.
#
# Each part of the tree describes itself in a fragment (driver/driver.mk,
# user/*/*.mk, tests/*/*.mk, docs/*/*.mk) and registers with these lists:
#   PROGRAMS      host binaries `make all` builds
#   SUITES        test suites; `suite-NAME` prints TAP ending "N passed, N failed"
#                 (and ", N skipped"); SUITE_HELP_NAME beside it is its line
#                 in `make help`
#   MATRIX_SUITES those of SUITES that `make check` runs once per kernel of
#                 the matrix (scripts/kernel-paths --matrix), with KVER set
#   DEBUG_SUITES  those of MATRIX_SUITES that also run on the debug kernel
#   BENCH_SUITES  benchmarks; `bench-NAME` writes build/bench/NAME.jsonl;
#                 BENCH_HELP_NAME is its line in `make help`
#   DEMOS         parts of `make demo`, run in the order registered (`demo-NAME`)

SHELL := /bin/bash
.SUFFIXES:
.DELETE_ON_ERROR:

BUILD := build
BIN := $(BUILD)/bin
SAN := $(BUILD)/san
OBJ := $(BUILD)/obj

# The kernel to build against and to boot (scripts/kernel-paths says which:
# the running kernel where it has headers, else the newest Debian kernel
# installed, for the VM).  `make module KVER=6.12-rt` picks another by name
# or release.  Resolved once here and exported, so every sub-make, script
# and VM of one run uses the same kernel, even if another is installed
# meanwhile.
KVER_ASKED := $(KVER)
override KVER := $(shell scripts/kernel-paths $(if $(KVER),--kernel '$(KVER)') 2>/dev/null)
export KVER
KDIR := $(if $(KVER),$(shell scripts/kernel-paths --kernel '$(KVER)' --build-dir))
MODULE_KO := $(BUILD)/$(or $(KVER),no-kernel)/mymap.ko

CC := gcc
CFLAGS := -std=c11 -D_GNU_SOURCE -O2 -g -Wall -Wextra -Werror \
	  -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	  -Idriver/uapi -Iuser/include -Iuser/bench -Itests
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all \
	    -fno-omit-frame-pointer
LDLIBS :=

PROGRAMS :=
SUITES :=
MATRIX_SUITES :=
DEBUG_SUITES :=
BENCH_SUITES :=
DEMOS :=

.PHONY: all demo check bench deps debug-kernel clean demo-run check-run bench-run help

all:

include $(sort $(wildcard driver/*.mk user/*.mk user/*/*.mk tests/*/*.mk \
			  docs/*/*.mk))

all: $(PROGRAMS)

deps:
	@scripts/install-deps

demo: deps
	@$(MAKE) --no-print-directory demo-run

# The build (quiet, user/demo/demo.mk), each part, then what to try next.
demo-run: demo-build
	@set -e; for d in $(DEMOS); do $(MAKE) --no-print-directory -s demo-$$d; done
	@$(MAKE) --no-print-directory -s demo-next

# The debug kernel is built once per machine and cached outside the tree.
debug-kernel:
	@scripts/debug-kernel >/dev/null

# The matrix is read once, after deps installed it: a kernel installed
# while the suites run does not change what they test.
check: deps debug-kernel
	@matrix=$$(scripts/kernel-paths --matrix) && \
		$(MAKE) --no-print-directory check-run MATRIX="$$matrix"

# Read once, and only by the make that runs the matrix.
ifneq ($(MATRIX),)
DEBUG_KVER := $(shell scripts/kernel-paths --kernel debug 2>/dev/null)
endif
check-run: all
	@scripts/run-suites $(filter-out $(MATRIX_SUITES),$(SUITES)) \
		$(foreach k,$(MATRIX),$(addsuffix @$(k),$(if $(filter $(k),$(DEBUG_KVER)), \
			$(DEBUG_SUITES),$(MATRIX_SUITES))))

# `make bench` runs every suite, `make bench SUITE=name` just one.
SUITE ?= $(BENCH_SUITES)
bench: deps
	@$(MAKE) --no-print-directory bench-run

bench-run: all module
	@mkdir -p $(BUILD)/bench
	@set -e; for s in $(SUITE); do \
		case " $(BENCH_SUITES) " in *" $$s "*) ;; \
		*) echo "make bench: no suite '$$s' (have: $(BENCH_SUITES))" >&2; exit 2;; esac; \
		$(MAKE) --no-print-directory -s bench-$$s; done

clean:
	rm -rf $(BUILD)

# One help line: the name padded, then the text (quoted for the shell); a
# comma in the text is written $(comma).
comma := ,
help_line = printf '  %-20s %s\n' '$(1)' '$(subst ','\'',$(2))';

help:
	@echo "make TARGET, where TARGET is one of:"
	@$(call help_line,demo,build everything and show it working (boots VMs))
	@$(call help_line,check,every test suite (boots VMs))
	@$(call help_line,suite-NAME,one test suite (the list below))
	@$(call help_line,bench [SUITE=NAME],the benchmarks$(comma) or one of them; results in $(BUILD)/bench/)
	@$(call help_line,experiments,every experiment on where a process gets memory (one in a VM))
	@$(call help_line,experiments-host,the experiments that run on this machine (no VM))
	@$(call help_line,tutorial,build and check every step of the driver tutorial (VMs))
	@$(call help_line,fuzz-lib,fuzz the allocator for FUZZ_SECONDS (default 60))
	@$(call help_line,demo-NAME,one part of the demo: $(DEMOS))
	@$(call help_line,all,build the programs and libraries)
	@$(call help_line,module [KVER=K],build the kernel module for a kernel$(comma) $(BUILD)/KVER/mymap.ko)
	@$(call help_line,debug-kernel,build the debug kernel of the matrix once (scripts/debug-kernel))
	@$(call help_line,dkms-install,hand the module to DKMS for KVER)
	@$(call help_line,install / uninstall,install under PREFIX (DESTDIR for staging))
	@$(call help_line,format,clang-format the userspace C in place)
	@$(call help_line,deps,install the packages the build needs (scripts/install-deps))
	@$(call help_line,clean,remove $(BUILD)$(comma) every kernel's module with it)
	@echo
	@echo "Test suites (make suite-NAME [KVER=K]; make check runs them all, those marked"
	@echo "[matrix] on each kernel of scripts/kernel-paths --matrix):"
	@$(foreach s,$(SUITES),$(call help_line,$(s),$(or $(SUITE_HELP_$(s)),see the .mk file that registers it)$(if $(filter $(s),$(MATRIX_SUITES)), [matrix])))
	@echo
	@echo "Benchmark suites (make bench SUITE=NAME):"
	@$(foreach s,$(BENCH_SUITES),$(call help_line,$(s),$(or $(BENCH_HELP_$(s)),see the .mk file that registers it)))

# Every suite-NAME a fragment registers is a phony target of its own; any
# other name lands here.
suite-%:
	@echo "make: no test suite '$*'; the suites are: $(SUITES) (make help says what each does)" >&2
	@exit 2

# Generic rules: one program per source file under user/ and tests/.
$(OBJ)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

$(SAN)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(SANFLAGS) -MMD -MP -c -o $@ $<

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
