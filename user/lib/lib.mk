# libmymap: the allocator and its backends (user/lib/), with the channel
# layer's sources under user/lib/ipc/ joining the same library.
#
# Three builds of the same sources:
#   build/lib/libmymap.so.1   position-independent, soname libmymap.so.1
#   build/lib/libmymap.a      for static linking (and the tests)
#   build/san/lib/libmymap.a  with ASan+UBSan, for the sanitizer test runs

LIB_DIR := $(BUILD)/lib
LIB_SRC := $(shell find user/lib -name '*.c' | sort)
LIB_OBJ := $(LIB_SRC:%.c=$(OBJ)/%.o)
LIB_PIC_OBJ := $(LIB_SRC:%.c=$(BUILD)/pic/%.o)
LIB_SAN_OBJ := $(LIB_SRC:%.c=$(SAN)/obj/%.o)
LIB_SO := $(LIB_DIR)/libmymap.so.1
LIB_A := $(LIB_DIR)/libmymap.a
LIB_SAN_A := $(SAN)/lib/libmymap.a
LIB_LDLIBS := $(shell pkg-config --libs libudev 2>/dev/null || echo -ludev)

PROGRAMS += $(LIB_SO) $(LIB_DIR)/libmymap.so $(LIB_A) $(LIB_SAN_A)

# Calls between the library's own exported functions stay direct.
$(BUILD)/pic/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -fPIC -fno-semantic-interposition -MMD -MP -c -o $@ $<

# Only the mymap_* API is exported (user/lib/libmymap.map).
$(LIB_SO): $(LIB_PIC_OBJ) user/lib/libmymap.map
	@mkdir -p $(@D)
	$(CC) -shared -Wl,-soname,libmymap.so.1 -Wl,--no-undefined \
		-Wl,--version-script=user/lib/libmymap.map -o $@ $(LIB_PIC_OBJ) $(LIB_LDLIBS)

$(LIB_DIR)/libmymap.so: $(LIB_SO)
	ln -sf libmymap.so.1 $@

$(LIB_A): $(LIB_OBJ)
	@mkdir -p $(@D)
	rm -f $@
	ar rcs $@ $^

$(LIB_SAN_A): $(LIB_SAN_OBJ)
	@mkdir -p $(@D)
	rm -f $@
	ar rcs $@ $^
