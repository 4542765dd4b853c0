# Self-test of the VM harness, scripts/vm-run: exit status, output and
# added files passing through intact, dynamically linked programs, kernel
# problem detection, the timeout, and loading the module with parameters.
VM_TEST := $(BUILD)/tests/vm

SUITES += vm
SUITE_HELP_vm := the VM harness scripts/vm-run itself (VM)

# A library outside the system directories, as build/lib/libmymap.so.1 is.
$(VM_TEST)/lib/libvmecho.so.1: tests/vm/echo_lib.c tests/vm/echo_lib.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -fPIC -shared -Wl,-soname,libvmecho.so.1 -o $@ $<

$(VM_TEST)/echo_args: $(OBJ)/tests/vm/echo_args.o $(VM_TEST)/lib/libvmecho.so.1
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $< -L$(VM_TEST)/lib -l:libvmecho.so.1

.PHONY: suite-vm
suite-vm: $(VM_TEST)/echo_args module
	@tests/vm/vm-test $(VM_TEST)/echo_args $(VM_TEST)/lib $(MODULE_KO)

# scripts/kernel-paths on a fake tree of installed kernels (host).
SUITES += kernel-paths
SUITE_HELP_kernel-paths := which kernel: the running one, the newest Debian one, the matrix, KVER pinning (host)

.PHONY: suite-kernel-paths
suite-kernel-paths:
	@tests/vm/kernel-paths-test
