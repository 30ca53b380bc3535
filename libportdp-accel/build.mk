# libportdp-accel: the crypto API (soft backend over OpenSSL 3, dev backend on
# /dev/portdp-accelN), SCP03t and SGP.22 certificate checks, as the shared
# library libportdp-accel.so.0 (only the functions of include/portdp/*.h are
# exported: libportdp-accel.map). Dependents list $(ACCEL_DEP) as a
# prerequisite, link $(ACCEL_LIBS) and compile with $(ACCEL_CPPFLAGS). In the
# build tree they find the library by RUNPATH; `make install` strips it.
# libportdp-accel.a (same objects) is for static programs (the guest
# selftests); it needs $(ACCEL_STATIC_LIBS).

ACCEL_CPPFLAGS := -Ilibportdp-accel/include
ACCEL_SOVERSION := 0
ACCEL_SONAME := libportdp-accel.so.$(ACCEL_SOVERSION)
ACCEL_SO_REAL := $(BUILD)/lib/libportdp-accel.so.$(PORTDP_VERSION)
ACCEL_DEP := $(BUILD)/lib/libportdp-accel.so
ACCEL_LIBS = -L$(BUILD)/lib -lportdp-accel -Wl,-rpath,$(abspath $(BUILD))/lib -lcrypto
ACCEL_STATIC_LIBS = $(BUILD)/libportdp-accel.a -luring -lkcapi -lcrypto
# What the library itself needs (also Libs.private in portdp-accel.pc).
ACCEL_DEP_LIBS := -luring -lkcapi -lcrypto -lpthread

ACCEL_SRCS := $(wildcard libportdp-accel/src/*.c)
ACCEL_OBJS := $(ACCEL_SRCS:%.c=$(BUILD)/%.o)

$(ACCEL_OBJS): CPPFLAGS += $(ACCEL_CPPFLAGS) -Ilibportdp-accel/src -Iinclude/uapi

$(BUILD)/libportdp-accel.a: $(ACCEL_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@
	$(AR) rcs $@ $^

$(ACCEL_SO_REAL): $(ACCEL_OBJS) libportdp-accel/libportdp-accel.map
	@mkdir -p $(dir $@)
	$(CC) -shared $(LDFLAGS) -Wl,-soname,$(ACCEL_SONAME) \
		-Wl,--version-script=libportdp-accel/libportdp-accel.map -Wl,-z,defs \
		-o $@ $(ACCEL_OBJS) $(ACCEL_DEP_LIBS)

$(BUILD)/lib/$(ACCEL_SONAME): $(ACCEL_SO_REAL)
	ln -sfn $(notdir $<) $@
$(ACCEL_DEP): $(BUILD)/lib/$(ACCEL_SONAME)
	ln -sfn $(notdir $<) $@

LIBS += $(BUILD)/libportdp-accel.a $(ACCEL_DEP)

# Tests: one cmocka program per area, TAP output.
ACCEL_TEST_NAMES := test_scp03t test_soft test_cert
ACCEL_TEST_UTIL := $(BUILD)/libportdp-accel/tests/test_util.o
ACCEL_TESTS := $(ACCEL_TEST_NAMES:%=$(BUILD)/libportdp-accel/tests/%)

$(BUILD)/libportdp-accel/tests/%.o: CPPFLAGS += $(ACCEL_CPPFLAGS)

$(BUILD)/libportdp-accel/tests/%: $(BUILD)/libportdp-accel/tests/%.o $(ACCEL_TEST_UTIL) \
		$(ACCEL_DEP)
	$(CC) $(LDFLAGS) -o $@ $< $(ACCEL_TEST_EXTRA) $(ACCEL_TEST_UTIL) $(ACCEL_LIBS) -lcmocka \
		-ljansson -lpthread

TESTS += $(ACCEL_TESTS)

# The accel.h suite, shared by test_soft and test_dev (one suite, every backend).
ACCEL_SUITE := $(BUILD)/libportdp-accel/tests/api_suite.o
$(BUILD)/libportdp-accel/tests/test_soft: $(ACCEL_SUITE)
$(BUILD)/libportdp-accel/tests/test_soft: ACCEL_TEST_EXTRA := $(ACCEL_SUITE)

# test_dev: the suite on the card. On the host it SKIPs (no /dev/portdp-accel0);
# testbed/vm/run-vm-tests runs it in the guest against the real card.
ACCEL_DEV_TEST := $(BUILD)/libportdp-accel/tests/test_dev
$(ACCEL_DEV_TEST): $(ACCEL_SUITE)
$(ACCEL_DEV_TEST): ACCEL_TEST_EXTRA := $(ACCEL_SUITE)
TESTS += $(ACCEL_DEV_TEST)
VM_GUEST_TESTS += $(ACCEL_DEV_TEST):240
all: $(ACCEL_DEV_TEST)

# test_cert runs portdp-pki (tools/build.mk) to make a fresh test PKI.
$(BUILD)/libportdp-accel/tests/test_cert: | $(BUILD)/bin/portdp-pki

all: $(ACCEL_TESTS)
-include libportdp-accel/provider/build.mk
-include libportdp-accel/engine/build.mk

# portdp-accel-bench: per-op throughput/latency, sync vs async batches (bench/).
ACCEL_BENCH := $(BUILD)/bin/portdp-accel-bench
$(BUILD)/libportdp-accel/bench/%.o: CPPFLAGS += $(ACCEL_CPPFLAGS)
$(ACCEL_BENCH): $(BUILD)/libportdp-accel/bench/accel-bench.o $(ACCEL_DEP)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(ACCEL_LIBS)
PROGRAMS += $(ACCEL_BENCH)
TESTS += libportdp-accel/bench/bench-smoke
# In the guest: the bench on the card and on soft (figures in the serial log).
VM_GUEST_FILES += $(ACCEL_BENCH):/bin/portdp-accel-bench
VM_GUEST_TESTS += libportdp-accel/bench/bench-vm:240
# portdp-sealed-bench: the card opening sealed UPPs vs the host opening them (same run).
SEALED_BENCH := $(BUILD)/bin/portdp-sealed-bench
$(SEALED_BENCH): $(BUILD)/libportdp-accel/bench/sealed-bench.o $(ACCEL_DEP)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(ACCEL_LIBS)
PROGRAMS += $(SEALED_BENCH)
VM_GUEST_FILES += $(SEALED_BENCH):/bin/portdp-sealed-bench
VM_GUEST_TESTS += libportdp-accel/bench/sealed-bench-vm:120
