# appliance/: one block per room, each appends to LIBS/PROGRAMS/TESTS.

# --- rsp ---
# DER codec, SGP.22 message codecs, UPP header, BPP build and open.
# Dependents link $(RSP_LIBS) (or $(RSP_LIB) plus their own accel link) and
# include "der.h", "sgp22.h", "upp.h", "bpp.h" with $(RSP_CPPFLAGS) on their objects.
# b64.h (strict base64) needs only -lcrypto; json_obj.h (strict JSON object) adds -lyajl.
RSP_LIB := $(BUILD)/librsp.a
RSP_CPPFLAGS := -Iappliance/rsp
RSP_LIBS = $(RSP_LIB) $(ACCEL_LIBS)

RSP_SRCS := $(wildcard appliance/rsp/*.c)
RSP_OBJS := $(RSP_SRCS:%.c=$(BUILD)/%.o)

$(RSP_OBJS): CPPFLAGS += -Ilibportdp-accel/include

$(RSP_LIB): $(RSP_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@
	$(AR) rcs $@ $^

LIBS += $(RSP_LIB)

RSP_TEST_DIR := $(BUILD)/appliance/rsp/tests
RSP_TEST_SRCS := $(filter-out %/test_fuzz.c,$(wildcard appliance/rsp/tests/test_*.c))
RSP_TEST_BINS := $(patsubst appliance/rsp/tests/test_%.c,$(RSP_TEST_DIR)/test-%,$(RSP_TEST_SRCS))
RSP_TEST_COMMON := $(RSP_TEST_DIR)/testutil.o $(RSP_TEST_DIR)/samples.o

$(RSP_TEST_DIR)/%.o: CPPFLAGS += $(RSP_CPPFLAGS) -Ilibportdp-accel/include -Iappliance/rsp/tests

$(RSP_TEST_DIR)/test-%: $(RSP_TEST_DIR)/test_%.o $(RSP_TEST_COMMON) $(RSP_LIB) \
		$(ACCEL_DEP)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(RSP_LIBS) -lyajl -ljansson -lcmocka

# The fuzz loop runs on an ASan/UBSan build of the codecs (own objects, no
# shared build flags), so an out-of-bounds read fails the test.
RSP_FUZZ := $(RSP_TEST_DIR)/test-fuzz
RSP_FUZZ_SRCS := appliance/rsp/tests/test_fuzz.c appliance/rsp/tests/testutil.c \
	appliance/rsp/tests/samples.c \
	$(filter-out appliance/rsp/bpp_build.c,$(RSP_SRCS))
$(RSP_FUZZ): $(RSP_FUZZ_SRCS) $(wildcard appliance/rsp/*.h) $(ACCEL_DEP)
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all \
		-D_GNU_SOURCE -Iappliance/rsp -Iappliance/rsp/tests -Ilibportdp-accel/include \
		-o $@ $(RSP_FUZZ_SRCS) $(ACCEL_LIBS) -lyajl -ljansson -lcmocka

TESTS += $(RSP_TEST_BINS)
all: $(RSP_TEST_BINS)
ifneq ($(wildcard appliance/rsp/tests/test_fuzz.c),)
TESTS += $(RSP_FUZZ)
all: $(RSP_FUZZ)
endif
# --- end rsp ---

# --- inventory ---
# Profile inventory on SQLite (WAL): state machine, audit log, UPP store.
# Dependents link $(INV_LIBS) and compile with $(INV_CPPFLAGS).
INV_CPPFLAGS := -Iappliance/inventory
INV_LIB := $(BUILD)/libinventory.a
INV_LIBS = $(INV_LIB) $(RSP_LIB) $(ACCEL_LIBS) -lsqlite3

INV_SRCS := $(wildcard appliance/inventory/*.c)
INV_OBJS := $(INV_SRCS:%.c=$(BUILD)/%.o)

$(INV_LIB): $(INV_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@
	$(AR) rcs $@ $^

INV_TEST_DIR := $(BUILD)/appliance/inventory/tests
INV_TEST_BINS := $(INV_TEST_DIR)/test-inventory $(INV_TEST_DIR)/test-inventory-crash \
	$(INV_TEST_DIR)/test-orders $(INV_TEST_DIR)/test-sealed \
	$(INV_TEST_DIR)/test-audit-chain \
	$(INV_TEST_DIR)/inv-bench $(INV_TEST_DIR)/inv-bind-bench
# An inventory at an older schema version, for dist/tests/test-installed.sh (upgrade).
INV_MAKE_OLD := $(INV_TEST_DIR)/inv-make-old
INV_TEST_COMMON := $(BUILD)/appliance/inventory/tests/testdb.o

$(BUILD)/appliance/inventory/tests/%.o: CPPFLAGS += $(INV_CPPFLAGS) $(ACCEL_CPPFLAGS)

INV_LIB_DEPS = $(INV_LIB) $(RSP_LIB) $(ACCEL_DEP)

$(INV_TEST_DIR)/test-inventory: $(INV_TEST_DIR)/test_inventory.o $(INV_TEST_COMMON) $(INV_LIB_DEPS)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(INV_LIBS) -lcmocka -lpthread

$(INV_TEST_DIR)/test-orders: $(INV_TEST_DIR)/test_orders.o $(INV_TEST_COMMON) $(INV_LIB_DEPS)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(INV_LIBS) -lcmocka

$(INV_TEST_DIR)/test-sealed: $(INV_TEST_DIR)/test_sealed.o $(INV_TEST_COMMON) $(INV_LIB_DEPS)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(INV_LIBS) -lcmocka

# Not a test: the CPU of one UPP read, sealed or plaintext build (testbed/bench/run-sealed-ab).
$(INV_TEST_DIR)/seal-bench: $(INV_TEST_DIR)/seal_bench.o $(INV_TEST_COMMON) $(INV_LIB_DEPS)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(INV_LIBS)
$(INV_TEST_DIR)/test-audit-chain: $(INV_TEST_DIR)/test_audit_chain.o $(INV_TEST_COMMON) \
		$(INV_LIB_DEPS)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(INV_LIBS) -lcmocka -lpthread

$(INV_TEST_DIR)/test-inventory-crash: $(INV_TEST_DIR)/test_crash.o $(INV_TEST_COMMON) \
		$(INV_LIB_DEPS)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(INV_LIBS)

$(INV_TEST_DIR)/inv-bench: $(INV_TEST_DIR)/inv_bench.o $(INV_TEST_COMMON) $(INV_LIB_DEPS)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(INV_LIBS)

$(INV_TEST_DIR)/inv-bind-bench: $(INV_TEST_DIR)/bind_bench.o $(INV_TEST_COMMON) $(INV_LIB_DEPS)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(INV_LIBS) -lpthread

$(INV_MAKE_OLD): $(INV_TEST_DIR)/make_old.o $(INV_LIB_DEPS)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(INV_LIBS)

LIBS += $(INV_LIB)
TESTS += $(INV_TEST_BINS)
all: $(INV_TEST_BINS) $(INV_MAKE_OLD) $(INV_TEST_DIR)/seal-bench
# --- end inventory ---

# --- es9 ---
# ES9+ function layer (the SM-DP+ logic). Dependents link $(ES9_LIBS).
ES9_LIB := $(BUILD)/libes9.a
# Requests are read with rsp's json_obj.c (yajl); the tests read answers with jansson.
ES9_LIBS = $(ES9_LIB) $(INV_LIB) $(RSP_LIB) $(ACCEL_LIBS) -lyajl -lsqlite3 -lcrypto -lpthread

ES9_SRCS := $(wildcard appliance/es9/*.c)
ES9_OBJS := $(ES9_SRCS:%.c=$(BUILD)/%.o)

$(ES9_OBJS): CPPFLAGS += $(ACCEL_CPPFLAGS)
# Online transfers (transfer_serve.c) build bundles as portdpctl does: its bundle files.
ES9_OBJS += $(BUILD)/tools/portdpctl/bundle.o $(BUILD)/tools/portdpctl/bundle_seal.o \
	$(BUILD)/tools/portdpctl/bundle_build.o

$(ES9_LIB): $(ES9_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@
	$(AR) rcs $@ $^

LIBS += $(ES9_LIB)

ES9_TEST_DIR := $(BUILD)/appliance/es9/tests
ES9_TEST_BINS := $(ES9_TEST_DIR)/test-es9-units $(ES9_TEST_DIR)/test-es9
ES9_TEST_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(wildcard appliance/es9/tests/*.c))

$(ES9_TEST_OBJS): CPPFLAGS += $(ACCEL_CPPFLAGS) -Iappliance/es9 -Iappliance/inventory

$(ES9_TEST_DIR)/test-es9-units: $(ES9_TEST_DIR)/test_units.o $(ES9_LIB) $(ACCEL_DEP)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(ES9_LIBS) -ljansson -lcmocka

$(ES9_TEST_DIR)/test-es9: $(ES9_TEST_DIR)/test_es9.o $(ES9_TEST_DIR)/euicc_sim.o $(ES9_LIB) \
		$(INV_TEST_COMMON) $(INV_LIB) $(RSP_LIB) $(ACCEL_DEP)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(ES9_LIBS) -ljansson -lcmocka

# Not a test: the ES2+ order path's cost, for callgrind (docs/benchmarks.md, ES2+ fourth look).
# portdpd.conf is read by the server library's config.o.
$(ES9_TEST_DIR)/es2-order-bench: $(ES9_TEST_DIR)/es2_order_bench.o $(ES9_LIB) $(INV_LIB) \
		$(RSP_LIB) $(BUILD)/libserver.a $(ACCEL_DEP)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(ES9_LIBS) $(BUILD)/libserver.a

ifneq ($(wildcard appliance/es9/tests/test_es9.c),)
TESTS += $(ES9_TEST_BINS)
all: $(ES9_TEST_BINS) $(ES9_TEST_DIR)/es2-order-bench
endif
# --- end es9 ---

# --- server ---
# portdpd's network layer (io_uring + TLS + HTTP/1.1) in $(SERVER_LIB), and
# portdpd itself. Network-layer tests link the server with a test ES9+
# double (tests/echo_es9.c); the real portdpd links $(ES9_LIB).
SERVER_LIB := $(BUILD)/libserver.a
SERVER_LDLIBS := -luring -lhttp_parser -lssl -lcrypto -lpthread -lsystemd
SERVER_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(wildcard appliance/server/*.c))

$(SERVER_LIB): $(SERVER_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@
	$(AR) rcs $@ $^

LIBS += $(SERVER_LIB)

# The progress report sender (ES2+ handleDownloadProgressInfo over libcurl).
PROGRESS_LIB := $(BUILD)/libprogress.a
PROGRESS_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(wildcard appliance/progress/*.c))

$(PROGRESS_LIB): $(PROGRESS_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@
	$(AR) rcs $@ $^

LIBS += $(PROGRESS_LIB)

# The card face (ES9+ over APDUs, docs/apdu-binding.md): tools/es10's card-side APDU
# engine over the ES9+ layer, and its transports (vpcd, NFC, Bluetooth RFCOMM by btlink).
PROXIMITY_LIB := $(BUILD)/libproximity.a
PROXIMITY_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(wildcard appliance/proximity/*.c))
$(PROXIMITY_OBJS): CPPFLAGS += $(ACCEL_CPPFLAGS) -Itools/es10 -Iappliance/rsp -Iappliance/btlink
# NFC card emulation (nfc.c) when libnfc is there; without it card_nfc is refused.
ifeq ($(shell pkg-config --exists libnfc 2>/dev/null && echo yes),yes)
$(BUILD)/appliance/proximity/nfc.o: CPPFLAGS += -DPORTDP_HAVE_LIBNFC \
	$(shell pkg-config --cflags libnfc)
PROXIMITY_LDLIBS := $(shell pkg-config --libs libnfc)
endif

$(PROXIMITY_LIB): $(PROXIMITY_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@
	$(AR) rcs $@ $^

LIBS += $(PROXIMITY_LIB)

# portdpd: the network layer over the real ES9+ layer (its block above gives
# ES9_LIBS); relinked whenever any library it is made of changes.
$(BUILD)/bin/portdpd: $(BUILD)/appliance/portdpd.o $(SERVER_LIB) $(PROGRESS_LIB) \
		$(PROXIMITY_LIB) $(BUILD)/libes10.a $(filter %.a,$(ES9_LIBS)) $(BUILD)/libbtlink.a $(ACCEL_DEP)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(BUILD)/appliance/portdpd.o $(SERVER_LIB) $(PROGRESS_LIB) \
		$(PROXIMITY_LIB) $(BUILD)/libes10.a $(ES9_LIBS) $(SERVER_LDLIBS) -lcurl $(PROXIMITY_LDLIBS) \
		$(BUILD)/libbtlink.a -lbluetooth

PROGRAMS += $(BUILD)/bin/portdpd

SERVER_TEST_DIR := $(BUILD)/appliance/server/tests
SERVER_ECHO := $(SERVER_TEST_DIR)/echo_es9.o
SERVER_TESTS := $(SERVER_TEST_DIR)/test-config $(SERVER_TEST_DIR)/test-http \
	$(SERVER_TEST_DIR)/test-server

$(SERVER_TEST_DIR)/test-config: $(SERVER_TEST_DIR)/test_config.o $(SERVER_LIB)
	$(CC) $(LDFLAGS) -o $@ $< $(SERVER_LIB) $(SERVER_LDLIBS) -lcmocka

$(SERVER_TEST_DIR)/test-http: $(SERVER_TEST_DIR)/test_http.o $(SERVER_LIB)
	$(CC) $(LDFLAGS) -o $@ $< $(SERVER_LIB) $(SERVER_LDLIBS) -lcmocka

# test-server runs portdpd-echo (portdpd's main over the ES9+ double) for the SIGTERM case.
$(SERVER_TEST_DIR)/test-server: $(SERVER_TEST_DIR)/test_server.o $(SERVER_TEST_DIR)/tls_client.o \
		$(SERVER_ECHO) $(SERVER_LIB) $(SERVER_TEST_DIR)/portdpd-echo
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(SERVER_LIB) $(SERVER_LDLIBS) -lcmocka

# (portdpd's main loads the stock key: the inventory's seal.c, nothing else of it.)
$(SERVER_TEST_DIR)/portdpd-echo: $(BUILD)/appliance/portdpd.o $(SERVER_ECHO) $(SERVER_LIB) \
		$(INV_LIB)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(SERVER_LIB) $(INV_LIB) $(SERVER_LDLIBS) \
		-lsqlite3

# Load generator for the throughput figures (not a test: run by hand).
$(SERVER_TEST_DIR)/server-bench: $(SERVER_TEST_DIR)/server_bench.o \
		$(SERVER_TEST_DIR)/tls_client.o $(SERVER_ECHO) $(SERVER_LIB)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(SERVER_LIB) $(SERVER_LDLIBS)

TESTS += $(SERVER_TESTS)
all: $(SERVER_TESTS) $(SERVER_TEST_DIR)/server-bench
# --- end server ---

# --- btlink ---
# The APDU binding over a byte stream (Bluetooth RFCOMM): framing, the serve
# loop around an APDU handler, the client transmit, RFCOMM sockets (BlueZ).
# docs/proximity-bluetooth.md. Dependents include "btlink.h" with
# $(BTLINK_CPPFLAGS) and link $(BTLINK_LIBS).
BTLINK_LIB := $(BUILD)/libbtlink.a
BTLINK_CPPFLAGS := -Iappliance/btlink
BTLINK_LIBS = $(BTLINK_LIB) -lbluetooth
BTLINK_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(wildcard appliance/btlink/*.c))
$(BTLINK_LIB): $(BTLINK_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@
	$(AR) rcs $@ $^
LIBS += $(BTLINK_LIB)

BTLINK_TEST_DIR := $(BUILD)/appliance/btlink/tests
$(BTLINK_TEST_DIR)/%.o: CPPFLAGS += $(BTLINK_CPPFLAGS)
$(BTLINK_TEST_DIR)/test-btlink: $(BTLINK_TEST_DIR)/test_btlink.o $(BTLINK_LIB)
	$(CC) $(LDFLAGS) -o $@ $< $(BTLINK_LIBS) -lcmocka -lpthread
# btlink-rig: RFCOMM end to end in the VM guest (hci_vhci + btvirt).
$(BTLINK_TEST_DIR)/btlink-rig: $(BTLINK_TEST_DIR)/btlink_rig.o $(BTLINK_LIB)
	$(CC) $(LDFLAGS) -o $@ $< $(BTLINK_LIBS)
TESTS += $(BTLINK_TEST_DIR)/test-btlink
all: $(BTLINK_TEST_DIR)/test-btlink $(BTLINK_TEST_DIR)/btlink-rig
# --- end btlink ---
