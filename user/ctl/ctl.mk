# mymapctl: manages the module (libkmod) and its device (libudev).
# One object per responsibility; the host tests (tests/ctl/) link the
# parsing, JSON, hexdump, kernel-log and /proc pieces on their own.
CTL_DIR := user/ctl
CTL_UNITS := cli json hexdump kmsg sysfile holders device nodewait kmodctx \
	     heapinfo cmd_load cmd_unload cmd_status cmd_watch cmd_dump help mymapctl
CTL_OBJS := $(CTL_UNITS:%=$(OBJ)/$(CTL_DIR)/%.o)
# libmymap linked statically: the tool runs wherever it is copied, and
# status reads heap statistics through the library's own checks.
CTL_LIBMYMAP := $(BUILD)/lib/libmymap.a
CTL_LIBS := -lkmod -ludev

# The tool reports the version of the module it belongs to.
MYMAP_VERSION := $(shell sed -n 's/^MODULE_VERSION("\(.*\)");/\1/p' driver/main.c 2>/dev/null)

PROGRAMS += $(BIN)/mymapctl

$(OBJ)/$(CTL_DIR)/mymapctl.o: CFLAGS += -DMYMAP_VERSION='"$(MYMAP_VERSION)"'

$(BIN)/mymapctl: $(CTL_OBJS) $(CTL_LIBMYMAP)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $^ $(CTL_LIBS)
