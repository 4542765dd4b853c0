# The seed experiments: where malloc gets memory (brk, mmap, thresholds),
# the mmap API, and the device.  Each is a small program printing TAP,
# described in user/experiments/README.md.
#   make experiments       every experiment, the last one in the VM
#   suite experiments      those that run on this machine
#   suite experiments-vm   the device experiment, in the VM (on each kernel)
#   make experiments-host  only those that run on this machine (no VM)
#   make demo-tour         a guided tour through four of them
#
# Each experiment is one C file that builds alone next to experiment.h
# (`gcc brk-sbrk.c`), so it is built here the same way: from its source
# alone, with no -I or -D of the project, only the warnings made errors.
# Built without the sanitizers, unlike the rest of the host code: ASan
# replaces malloc with its own allocator and reserves its own shadow memory,
# and these programs exist to observe glibc's malloc (when it calls brk or
# mmap, its thresholds, its first heap growth).  Under ASan each observation
# would be of ASan instead.

EXP_DIR := user/experiments
EXP_CFLAGS := -std=c11 -O2 -g -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	      -Wmissing-prototypes

# Host experiments, in the order of the README's table.
EXP_HOST := brk-sbrk free-keeps-heap brk-vs-mmap mmap-threshold dynamic-threshold \
	    top-pad trim-threshold mmap-max realloc-mremap threads-arenas past-break \
	    lazy-allocation calloc-zero overcommit madvise-free mmap-file mmap-private \
	    mmap-shared-anon shm-open mmap-errors
# Needs /dev/mymap: runs in the VM.
EXP_VM := device-digits
EXP_HOST_BINS := $(EXP_HOST:%=$(BIN)/exp-%)
EXP_VM_BINS := $(EXP_VM:%=$(BIN)/exp-%)

PROGRAMS += $(EXP_HOST_BINS) $(EXP_VM_BINS)
SUITES += experiments experiments-vm
MATRIX_SUITES += experiments-vm
SUITE_HELP_experiments := the experiments on where a process gets memory (host)
SUITE_HELP_experiments-vm := the device experiment (VM)
DEMOS += tour

.PHONY: experiments experiments-host suite-experiments suite-experiments-vm demo-tour

$(EXP_HOST_BINS) $(EXP_VM_BINS): $(BIN)/exp-%: $(EXP_DIR)/%.c $(EXP_DIR)/experiment.h
	@mkdir -p $(@D)
	$(CC) $(EXP_CFLAGS) -o $@ $<

experiments: $(EXP_HOST_BINS) $(EXP_VM_BINS) module
	@$(EXP_DIR)/run-experiments $(EXP_HOST_BINS) --vm $(EXP_VM_BINS)

experiments-host: $(EXP_HOST_BINS)
	@$(EXP_DIR)/run-experiments $(EXP_HOST_BINS)

suite-experiments: experiments-host

suite-experiments-vm: $(EXP_VM_BINS) module
	@$(EXP_DIR)/run-experiments --vm $(EXP_VM_BINS)

demo-tour: $(BIN)/exp-brk-sbrk $(BIN)/exp-brk-vs-mmap $(BIN)/exp-lazy-allocation \
	   $(BIN)/exp-past-break
	@$(EXP_DIR)/tour $(BIN)
