# `make install` / `make uninstall`: the project installed the way Debian
# users install an out-of-tree module, and `make dkms-src` for DKMS.
#
#   PREFIX   (/usr/local) tools, library (and libmymap-malloc.so for
#            LD_PRELOAD), headers, pkg-config file, man pages
#   DESTDIR  staging root prepended to every path (packaging, tests); with
#            it set nothing outside DESTDIR is touched: depmod runs with -b,
#            and no group is created, no udev reload, no ldconfig
# Outside PREFIX, because the system reads them only there:
#   /lib/modules/KVER/updates/mymap.ko   KVER: scripts/kernel-paths --version,
#                                        the running kernel where it has
#                                        headers, as mymapctl load expects
#   /etc/udev/rules.d/60-mymap.rules     /dev/mymap group mymap, mode 0660
#   /etc/modprobe.d/mymap.conf           example options, all commented out
#   /usr/src/mymap-VERSION               DKMS source tree (dkms.conf on top)
PREFIX ?= /usr/local
DESTDIR ?=
BINDIR = $(PREFIX)/bin
SBINDIR = $(PREFIX)/sbin
LIBDIR = $(PREFIX)/lib
INCLUDEDIR = $(PREFIX)/include
PKGCONFIGDIR = $(LIBDIR)/pkgconfig
MANDIR = $(PREFIX)/share/man
MODULEDIR = /lib/modules/$(KVER)/updates
UDEVRULESDIR = /etc/udev/rules.d
MODPROBEDIR = /etc/modprobe.d
DKMS_SRCDIR = /usr/src/mymap-$(MYMAP_VERSION)

PACKAGING := scripts/packaging
INSTALL_HEADERS = driver/uapi/mymap_uapi.h $(wildcard user/include/mymap.h \
		  user/include/mymap_channel.h)
INSTALL_MAN = $(wildcard docs/man/*.[0-9])
# The DKMS tree: the module's sources and the Kbuild that lists them.
DKMS_FILES = Kbuild $(wildcard driver/*.c driver/*.h driver/uapi/*.h)

# depmod -b on a staging root without a kernel's module lists warns about
# each missing list; only those warnings are dropped.
define run_depmod
	if [ -z "$(DESTDIR)" ]; then depmod -a $(KVER); \
	else depmod -b "$(DESTDIR)" $(KVER) 2> >(grep -v 'could not open modules\.' >&2); fi
endef

.PHONY: install uninstall dkms-src dkms-install

# Writes the DKMS source tree to $(DESTDIR)$(DKMS_SRCDIR).
dkms-src:
	@test -n "$(MYMAP_VERSION)" || { echo "dkms-src: no MODULE_VERSION in driver/main.c" >&2; exit 1; }
	install -d "$(DESTDIR)$(DKMS_SRCDIR)"
	for f in $(DKMS_FILES); do install -D -m 0644 "$$f" "$(DESTDIR)$(DKMS_SRCDIR)/$$f"; done
	sed 's/@VERSION@/$(MYMAP_VERSION)/g' $(PACKAGING)/dkms.conf.in >"$(DESTDIR)$(DKMS_SRCDIR)/dkms.conf"

# DKMS builds and installs the module for KVER (the running kernel where
# it has headers, see scripts/kernel-paths), and for every kernel the
# system installs from then on.  --kernelsourcedir: the debug kernel's
# build tree is not under /lib/modules.
dkms-install: dkms-src
	dkms install "mymap/$(MYMAP_VERSION)" -k "$(KVER)" --kernelsourcedir "$(KDIR)"

install: all module dkms-src
	install -D -m 0644 $(MODULE_KO) "$(DESTDIR)$(MODULEDIR)/mymap.ko"
	@$(run_depmod)
	install -D -m 0755 $(BIN)/mymapctl "$(DESTDIR)$(SBINDIR)/mymapctl"
	install -d "$(DESTDIR)$(BINDIR)"
	install -m 0755 $(BIN)/mymap-ipc $(BIN)/mymap-bench* "$(DESTDIR)$(BINDIR)/"
	install -d "$(DESTDIR)$(INCLUDEDIR)"
	install -m 0644 $(INSTALL_HEADERS) "$(DESTDIR)$(INCLUDEDIR)/"
	@set -e; if [ -e $(BUILD)/lib/libmymap.so.1 ]; then \
		echo "install libmymap $(MYMAP_VERSION) into $(DESTDIR)$(LIBDIR)"; \
		install -d "$(DESTDIR)$(LIBDIR)" "$(DESTDIR)$(PKGCONFIGDIR)"; \
		install -m 0755 $(BUILD)/lib/libmymap.so.1 "$(DESTDIR)$(LIBDIR)/libmymap.so.$(MYMAP_VERSION)"; \
		ln -sf libmymap.so.$(MYMAP_VERSION) "$(DESTDIR)$(LIBDIR)/libmymap.so.1"; \
		ln -sf libmymap.so.1 "$(DESTDIR)$(LIBDIR)/libmymap.so"; \
		install -m 0644 $(BUILD)/lib/libmymap.a "$(DESTDIR)$(LIBDIR)/libmymap.a"; \
		if [ -e $(BUILD)/lib/libmymap-malloc.so ]; then \
			install -m 0755 $(BUILD)/lib/libmymap-malloc.so "$(DESTDIR)$(LIBDIR)/libmymap-malloc.so"; \
		fi; \
		sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
		    -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' -e 's|@VERSION@|$(MYMAP_VERSION)|' \
		    $(PACKAGING)/libmymap.pc.in >"$(DESTDIR)$(PKGCONFIGDIR)/libmymap.pc"; \
		if [ -z "$(DESTDIR)" ]; then ldconfig; fi; \
	fi
	@set -e; for page in $(INSTALL_MAN); do \
		section=$${page##*.}; \
		install -D -m 0644 "$$page" "$(DESTDIR)$(MANDIR)/man$$section/$${page##*/}"; \
	done
	install -D -m 0644 $(PACKAGING)/60-mymap.rules "$(DESTDIR)$(UDEVRULESDIR)/60-mymap.rules"
	@# An administrator's edited options are kept.
	@if [ -e "$(DESTDIR)$(MODPROBEDIR)/mymap.conf" ]; then \
		echo "keeping $(DESTDIR)$(MODPROBEDIR)/mymap.conf"; \
	else \
		install -D -m 0644 $(PACKAGING)/mymap.conf "$(DESTDIR)$(MODPROBEDIR)/mymap.conf"; \
	fi
	@if [ -z "$(DESTDIR)" ]; then \
		getent group mymap >/dev/null || groupadd --system mymap; \
		udevadm control --reload 2>/dev/null || true; \
		echo "installed; load with 'mymapctl load', let a user map /dev/mymap with" \
		     "'usermod -aG mymap USER'"; \
	fi

uninstall:
	@# A module DKMS built from the tree below goes with it.
	@if [ -z "$(DESTDIR)" ] && command -v dkms >/dev/null && \
	    dkms status "mymap/$(MYMAP_VERSION)" 2>/dev/null | grep -q .; then \
		dkms remove "mymap/$(MYMAP_VERSION)" --all; \
	fi
	rm -f "$(DESTDIR)$(MODULEDIR)/mymap.ko"
	@# In a staging root holding no other module, depmod's indexes go too.
	@if [ -n "$(DESTDIR)" ] && [ -z "$$(find "$(DESTDIR)/lib/modules/$(KVER)" -name '*.ko*' 2>/dev/null)" ]; then \
		rm -f "$(DESTDIR)/lib/modules/$(KVER)"/modules.*; \
	elif [ -d "$(DESTDIR)/lib/modules/$(KVER)" ]; then \
		$(run_depmod); \
	fi
	rm -f "$(DESTDIR)$(SBINDIR)/mymapctl" "$(DESTDIR)$(BINDIR)/mymap-ipc" \
	      "$(DESTDIR)$(BINDIR)"/mymap-bench*
	rm -f $(foreach h,mymap.h mymap_channel.h mymap_uapi.h,"$(DESTDIR)$(INCLUDEDIR)/$(h)")
	rm -f "$(DESTDIR)$(LIBDIR)"/libmymap.so* "$(DESTDIR)$(LIBDIR)/libmymap.a" \
	      "$(DESTDIR)$(LIBDIR)/libmymap-malloc.so" \
	      "$(DESTDIR)$(PKGCONFIGDIR)/libmymap.pc"
	rm -f $(foreach p,$(INSTALL_MAN),"$(DESTDIR)$(MANDIR)/man$(subst .,,$(suffix $(p)))/$(notdir $(p))")
	rm -f "$(DESTDIR)$(UDEVRULESDIR)/60-mymap.rules" "$(DESTDIR)$(MODPROBEDIR)/mymap.conf"
	rm -rf "$(DESTDIR)$(DKMS_SRCDIR)"
	@if [ -z "$(DESTDIR)" ]; then \
		ldconfig; udevadm control --reload 2>/dev/null || true; \
		echo "the group mymap is kept (groupdel mymap removes it)"; \
	fi
