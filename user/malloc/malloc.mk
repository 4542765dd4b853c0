# libmymap-malloc.so: the malloc family served from one libmymap heap, for
# LD_PRELOAD (user/malloc/README.md).  Linked from the position-independent
# objects of libmymap.so.1 and its own, exporting only the malloc family.
PRELOAD_SO := $(BUILD)/lib/libmymap-malloc.so
PRELOAD_SRC := $(sort $(wildcard user/malloc/*.c))
PRELOAD_PIC_OBJ := $(PRELOAD_SRC:%.c=$(BUILD)/pic/%.o)

PROGRAMS += $(PRELOAD_SO)

$(PRELOAD_SO): $(PRELOAD_PIC_OBJ) $(LIB_PIC_OBJ) user/malloc/libmymap-malloc.map
	@mkdir -p $(@D)
	$(CC) -shared -Wl,-soname,libmymap-malloc.so -Wl,--no-undefined -Wl,-z,nodelete \
		-Wl,--version-script=user/malloc/libmymap-malloc.map \
		-o $@ $(PRELOAD_PIC_OBJ) $(LIB_PIC_OBJ) $(LIB_LDLIBS)
