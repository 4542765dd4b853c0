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
#   MATRIX_SUITES those of SUITES that `make check` runs once per kernel of
#                 the matrix (scripts/kernel-paths --matrix), with KVER set
#   DEBUG_SUITES  those of MATRIX_SUITES that also run on the debug kernel
#   BENCH_SUITES  benchmarks; `bench-NAME` writes build/bench/NAME.jsonl
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

.PHONY: all demo check bench deps debug-kernel clean demo-run check-run bench-run

all:

include $(sort $(wildcard driver/*.mk user/*.mk user/*/*.mk tests/*/*.mk \
			  docs/*/*.mk))

all: $(PROGRAMS)

deps:
	@scripts/install-deps

demo: deps
	@$(MAKE) --no-print-directory demo-run

demo-run: all module
	@set -e; for d in $(DEMOS); do $(MAKE) --no-print-directory -s demo-$$d; done

# The debug kernel is built once per machine and cached outside the tree.
debug-kernel:
	@scripts/debug-kernel >/dev/null

# The matrix is read once, after deps installed it: a kernel installed
# while the suites run does not change what they test.
check: deps debug-kernel
	@matrix=$$(scripts/kernel-paths --matrix) && \
		$(MAKE) --no-print-directory check-run MATRIX="$$matrix"

DEBUG_KVER = $(shell scripts/kernel-paths --kernel debug 2>/dev/null)
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

# Generic rules: one program per source file under user/ and tests/.
$(OBJ)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

$(SAN)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(SANFLAGS) -MMD -MP -c -o $@ $<

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
