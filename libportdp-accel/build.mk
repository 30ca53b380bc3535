# libportdp-accel: the crypto API (soft backend over OpenSSL 3, dev backend on
# /dev/portdp-accelN), SCP03t and
# SGP.22 certificate checks. Dependents link $(ACCEL_LIBS) and compile with
# $(ACCEL_CPPFLAGS).

ACCEL_CPPFLAGS := -Ilibportdp-accel/include
# -u pulls the dev backend (liburing, libkcapi) out of the archive; without it
# "dev:" URIs are -ENODEV (see src/accel.c).
ACCEL_LIBS := -Wl,-u,pdp_dev_ops $(BUILD)/libportdp-accel.a -luring -lkcapi -lcrypto

ACCEL_SRCS := $(wildcard libportdp-accel/src/*.c)
ACCEL_OBJS := $(ACCEL_SRCS:%.c=$(BUILD)/%.o)

$(ACCEL_OBJS): CPPFLAGS += $(ACCEL_CPPFLAGS) -Ilibportdp-accel/src -Iinclude/uapi

$(BUILD)/libportdp-accel.a: $(ACCEL_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@
	$(AR) rcs $@ $^

LIBS += $(BUILD)/libportdp-accel.a

# Tests: one cmocka program per area, TAP output.
ACCEL_TEST_NAMES := test_scp03t test_soft test_cert
ACCEL_TEST_UTIL := $(BUILD)/libportdp-accel/tests/test_util.o
ACCEL_TESTS := $(ACCEL_TEST_NAMES:%=$(BUILD)/libportdp-accel/tests/%)

$(BUILD)/libportdp-accel/tests/%.o: CPPFLAGS += $(ACCEL_CPPFLAGS)

$(BUILD)/libportdp-accel/tests/%: $(BUILD)/libportdp-accel/tests/%.o $(ACCEL_TEST_UTIL) \
		$(BUILD)/libportdp-accel.a
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

# portdp-accel-bench: per-op throughput/latency, sync vs async batches (bench/).
ACCEL_BENCH := $(BUILD)/bin/portdp-accel-bench
$(BUILD)/libportdp-accel/bench/%.o: CPPFLAGS += $(ACCEL_CPPFLAGS)
$(ACCEL_BENCH): $(BUILD)/libportdp-accel/bench/accel-bench.o $(BUILD)/libportdp-accel.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(ACCEL_LIBS)
PROGRAMS += $(ACCEL_BENCH)
TESTS += libportdp-accel/bench/bench-smoke
# In the guest: the bench on the card and on soft (figures in the serial log).
VM_GUEST_FILES += $(ACCEL_BENCH):/bin/portdp-accel-bench
VM_GUEST_TESTS += libportdp-accel/bench/bench-vm:240
