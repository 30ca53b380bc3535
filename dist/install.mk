# dist/: what ships, and where it goes. `make install` (PREFIX, DESTDIR and
# the directory variables below) installs the programs, libportdp-accel.so.0
# with its headers and portdp-accel.pc, the OpenSSL provider and engine where
# OpenSSL looks for them, the systemd units, sysusers/tmpfiles/udev files, the default
# portdpd.conf and the DKMS source tree of the driver. `make deb` builds the
# Debian packages (debian/) into $(BUILD)/deb. README.md says more.

PREFIX       ?= /usr/local
BINDIR       ?= $(PREFIX)/bin
SBINDIR      ?= $(PREFIX)/sbin
LIBDIR       ?= $(PREFIX)/lib
INCLUDEDIR   ?= $(PREFIX)/include
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
DOCDIR       ?= $(PREFIX)/share/doc/portdp
SYSCONFDIR   ?= /etc
# OpenSSL finds providers there without OPENSSL_MODULES (Debian:
# /usr/lib/x86_64-linux-gnu/ossl-modules), whatever PREFIX is.
OSSL_MODULESDIR ?= $(shell pkg-config --variable=modulesdir libcrypto)
# The engine where `openssl version -e` says (Debian: .../engines-3); only
# where OpenSSL has ENGINE (libportdp-accel/engine/build.mk).
OSSL_ENGINESDIR ?= $(shell pkg-config --variable=enginesdir libcrypto)
# systemd and udev read /usr/local/lib/{systemd/system,sysusers.d,tmpfiles.d}
# but not /usr/local/lib/udev; Debian 12 packages use /lib/{systemd,udev}.
ifeq ($(PREFIX),/usr)
UNITDIR      ?= /lib/systemd/system
UDEVRULESDIR ?= /lib/udev/rules.d
else
UNITDIR      ?= $(PREFIX)/lib/systemd/system
UDEVRULESDIR ?= /etc/udev/rules.d
endif
SYSUSERSDIR  ?= $(PREFIX)/lib/sysusers.d
TMPFILESDIR  ?= $(PREFIX)/lib/tmpfiles.d
# dkms only looks in /usr/src.
DKMS_SRCDIR  ?= /usr/src/portdp-accel-$(PORTDP_VERSION)

INSTALL ?= install
# The build tree's RUNPATH (build/lib) must not ship: installed programs find
# libportdp-accel.so.0 where the loader looks (LIBDIR).
STRIP_RUNPATH ?= chrpath -d

# What ships, built by `make ship` (debian/rules builds only this).
SHIP_SBIN := $(BUILD)/bin/portdpd $(BUILD)/bin/portdp-card-pcie
SHIP_BIN  := $(BUILD)/bin/portdpctl $(BUILD)/bin/portdp-lpa $(BUILD)/bin/portdp-line \
	     $(BUILD)/bin/portdp-pki
SHIP_HDRS := $(wildcard libportdp-accel/include/portdp/*.h)
DKMS_KSRCS := $(filter-out kernel/kernel.mk kernel/kver,$(wildcard kernel/*))
DKMS_HDRS  := $(wildcard include/card/*.h include/uapi/linux/*.h)
DIST_SUBST = sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(LIBDIR)|g' \
	-e 's|@INCLUDEDIR@|$(INCLUDEDIR)|g' -e 's|@SBINDIR@|$(SBINDIR)|g' \
	-e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' -e 's|@DOCDIR@|$(DOCDIR)|g' \
	-e 's|@VERSION@|$(PORTDP_VERSION)|g'

.PHONY: ship install install-programs install-lib install-dev install-provider install-engine \
	install-service install-card install-dkms deb

ship: $(SHIP_SBIN) $(SHIP_BIN) $(ACCEL_DEP) $(PORTDP_PROV_SO) $(PORTDP_ENG_SO)

install: install-programs install-lib install-dev install-provider install-engine \
	install-service install-card install-dkms

# $(call install_elf,FILE,DIR)
install_elf = $(INSTALL) -D -m 0755 $(1) $(DESTDIR)$(2)/$(notdir $(1)) && \
	$(STRIP_RUNPATH) $(DESTDIR)$(2)/$(notdir $(1)) >/dev/null

install-programs: $(BUILD)/bin/portdpd $(SHIP_BIN)
	$(call install_elf,$(BUILD)/bin/portdpd,$(SBINDIR))
	$(foreach f,$(SHIP_BIN),$(call install_elf,$(f),$(BINDIR)) &&) true

install-lib: $(ACCEL_DEP)
	$(INSTALL) -D -m 0644 $(ACCEL_SO_REAL) $(DESTDIR)$(LIBDIR)/$(notdir $(ACCEL_SO_REAL))
	ln -sfn $(notdir $(ACCEL_SO_REAL)) $(DESTDIR)$(LIBDIR)/$(ACCEL_SONAME)
	@# Installed for real (no staging root): the loader's cache must know it.
	$(if $(DESTDIR),,-ldconfig)

install-dev: $(ACCEL_DEP)
	$(INSTALL) -d $(DESTDIR)$(INCLUDEDIR)/portdp $(DESTDIR)$(PKGCONFIGDIR)
	$(INSTALL) -m 0644 $(SHIP_HDRS) $(DESTDIR)$(INCLUDEDIR)/portdp/
	ln -sfn $(ACCEL_SONAME) $(DESTDIR)$(LIBDIR)/libportdp-accel.so
	$(DIST_SUBST) dist/portdp-accel.pc.in >$(DESTDIR)$(PKGCONFIGDIR)/portdp-accel.pc

install-provider: $(PORTDP_PROV_SO)
	$(INSTALL) -D -m 0644 $(PORTDP_PROV_SO) $(DESTDIR)$(OSSL_MODULESDIR)/portdp.so
	$(STRIP_RUNPATH) $(DESTDIR)$(OSSL_MODULESDIR)/portdp.so >/dev/null

install-engine: $(PORTDP_ENG_SO)
ifneq ($(PORTDP_ENG_SO),)
	$(INSTALL) -D -m 0644 $(PORTDP_ENG_SO) $(DESTDIR)$(OSSL_ENGINESDIR)/portdp.so
	$(STRIP_RUNPATH) $(DESTDIR)$(OSSL_ENGINESDIR)/portdp.so >/dev/null
endif

install-service:
	$(INSTALL) -d $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSCONFDIR)/portdp
	$(DIST_SUBST) dist/systemd/portdpd.service.in >$(DESTDIR)$(UNITDIR)/portdpd.service
	@# The kit by cable (docs/proximity-usb.md): a script and its unit.
	$(INSTALL) -D -m 0755 tools/usbnet/portdp-usbnet $(DESTDIR)$(SBINDIR)/portdp-usbnet
	$(DIST_SUBST) dist/systemd/portdp-usbnet.service.in >$(DESTDIR)$(UNITDIR)/portdp-usbnet.service
	$(INSTALL) -D -m 0644 docs/proximity-usb.md $(DESTDIR)$(DOCDIR)/proximity-usb.md
	$(INSTALL) -D -m 0644 dist/portdp.sysusers $(DESTDIR)$(SYSUSERSDIR)/portdp.conf
	$(INSTALL) -D -m 0644 dist/portdp.tmpfiles $(DESTDIR)$(TMPFILESDIR)/portdp.conf
	$(INSTALL) -D -m 0644 dist/60-portdp-accel.rules $(DESTDIR)$(UDEVRULESDIR)/60-portdp-accel.rules
	@# An operator's configuration is never overwritten.
	[ -e $(DESTDIR)$(SYSCONFDIR)/portdp/portdpd.conf ] || \
		$(INSTALL) -m 0644 dist/portdpd.conf $(DESTDIR)$(SYSCONFDIR)/portdp/portdpd.conf
	$(INSTALL) -D -m 0644 README.md $(DESTDIR)$(DOCDIR)/README.md

install-card: $(BUILD)/bin/portdp-card-pcie
	$(call install_elf,$(BUILD)/bin/portdp-card-pcie,$(SBINDIR))
	$(INSTALL) -d $(DESTDIR)$(UNITDIR)
	$(DIST_SUBST) dist/systemd/portdp-card-pcie.service.in \
		>$(DESTDIR)$(UNITDIR)/portdp-card-pcie.service
	$(INSTALL) -D -m 0644 dist/portdp-card.sysusers $(DESTDIR)$(SYSUSERSDIR)/portdp-card.conf

# The driver's sources as dkms builds them: dkms.conf, Kbuild, kernel/, include/.
install-dkms:
	$(INSTALL) -d $(DESTDIR)$(DKMS_SRCDIR)/kernel
	$(DIST_SUBST) dist/dkms/dkms.conf.in >$(DESTDIR)$(DKMS_SRCDIR)/dkms.conf
	$(INSTALL) -m 0644 dist/dkms/Kbuild $(DESTDIR)$(DKMS_SRCDIR)/Kbuild
	$(INSTALL) -m 0644 $(DKMS_KSRCS) $(DESTDIR)$(DKMS_SRCDIR)/kernel/
	$(foreach h,$(DKMS_HDRS),$(INSTALL) -D -m 0644 $(h) $(DESTDIR)$(DKMS_SRCDIR)/$(h) &&) true

# dpkg-buildpackage writes into the parent directory: it runs on a copy of
# the sources under $(BUILD)/deb, so the .debs land there. The copy's own
# make must not see this one's variables (MAKEFLAGS, or BUILD from the
# environment as tests have it): its `make clean` would remove our $(BUILD).
DEB_DIR := $(BUILD)/deb
DEB_ENV := env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u MAKEOVERRIDES -u BUILD -u SHARED \
	-u DESTDIR -u PREFIX -u LIBDIR -u CFLAGS -u CPPFLAGS -u LDFLAGS
deb:
	rm -rf $(DEB_DIR) && mkdir -p $(DEB_DIR)/src
	tar -C . --exclude=./$(patsubst $(CURDIR)/%,%,$(abspath $(BUILD))) --exclude=./.git -cf - . | \
		tar -C $(DEB_DIR)/src -xf -
	cd $(DEB_DIR)/src && $(DEB_ENV) dpkg-buildpackage -us -uc -b >../build.log 2>&1 || \
		{ tail -n 40 ../build.log; exit 1; }
	@ls $(DEB_DIR)/*.deb

# Tests: the Debian packages, unpacked into a scratch root, carry every
# shipped file and pass test-installed.sh there (the e2e suite on them, the
# library's exports, .pc, provider, units, inventory upgrade/downgrade):
# 1m46s measured on a busy 2-core machine, most of it dpkg-buildpackage.
# `dist/tests/test-installed.sh` alone checks `make install DESTDIR` (20 s).
# test-dkms.sh: the DKMS tree built and installed by dkms (10 s).
TESTS += dist/tests/test-debs.sh dist/tests/test-dkms.sh
# Package and DKMS checks, not memory checks: not again in the ASan stage.
ASAN_SKIP += dist/tests/test-debs.sh dist/tests/test-dkms.sh
