# Userspace formatting, checked against the repository's .clang-format.
SUITES += style
SUITE_HELP_style := clang-format of the userspace C (make format fixes it)

.PHONY: suite-style format
suite-style:
	@tests/style/format-check

# Formats every userspace C file in place.
format:
	git ls-files 'user/*.[ch]' 'tests/*.[ch]' 'docs/tutorial/*.[ch]' | \
		grep -v '^docs/tutorial/.*/mymap_[0-9]*\.c$$' | xargs clang-format -i
