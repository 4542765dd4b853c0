# The seed experiments: where malloc gets memory (brk, mmap, thresholds),
# and the mmap API.  Each is a small program printing TAP, described in
# user/experiments/README.md; `make experiments` runs them all.
#
# Built without the sanitizers, unlike the rest of the host code: ASan
# replaces malloc with its own allocator and reserves its own shadow memory,
# and these programs exist to observe glibc's malloc (when it calls brk or
# mmap, its thresholds, its first heap growth).  Under ASan each observation
# would be of ASan instead, so they are held to -Wall -Wextra -Werror only.

EXP_DIR := user/experiments
EXP_HELPERS := $(addprefix $(OBJ)/$(EXP_DIR)/,procfs.o fresh-child.o report.o)

# Host experiments, in the order of the README's table.
EXP_HOST := brk-sbrk free-keeps-heap
EXP_HOST_BINS := $(EXP_HOST:%=$(BIN)/exp-%)

PROGRAMS += $(EXP_HOST_BINS)

.PHONY: experiments suite-experiments

$(EXP_HOST_BINS): $(BIN)/exp-%: $(OBJ)/$(EXP_DIR)/%.o $(EXP_HELPERS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $^

experiments: $(EXP_HOST_BINS)
	@$(EXP_DIR)/run-experiments $(EXP_HOST_BINS)

suite-experiments: experiments
