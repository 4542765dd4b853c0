# The driver-writing tutorial (docs/tutorial/): every step's module built
# with W=1 against the headers of the kernel the VM boots, its C linted,
# its page checked against its code, its check run in the VM.
# `make tutorial` runs it all; it is also the suite `tutorial`.
TUTORIAL_CHECKPATCH := $(BUILD)/tutorial/checkpatch/scripts/checkpatch.pl
TUTORIAL_LINUX_SOURCE := $(firstword $(wildcard /usr/src/linux-source-*.tar.xz))

SUITES += tutorial
SUITE_HELP_tutorial := every tutorial step built, linted, its text checked, its check run (VM)
MATRIX_SUITES += tutorial
DEBUG_SUITES += tutorial

.PHONY: tutorial suite-tutorial

tutorial: suite-tutorial

# The last step is the project's own module, hence `module`.
suite-tutorial: module $(TUTORIAL_CHECKPATCH)
	@CC="$(CC)" CFLAGS="$(CFLAGS)" docs/tutorial/run $(KDIR) $(TUTORIAL_CHECKPATCH)

# checkpatch.pl ships only inside Debian's linux-source tarball.
$(TUTORIAL_CHECKPATCH): $(TUTORIAL_LINUX_SOURCE)
	@test -n "$<" || { echo "tutorial: no /usr/src/linux-source-*.tar.xz; run scripts/install-deps" >&2; exit 1; }
	@mkdir -p $(BUILD)/tutorial/checkpatch
	tar -xJf $< -C $(BUILD)/tutorial/checkpatch --strip-components=1 \
		--wildcards '*/scripts/checkpatch.pl' '*/scripts/spelling.txt' \
		'*/scripts/const_structs.checkpatch'
	touch $@
