# appliance/: one block per room, each appends to LIBS/PROGRAMS/TESTS.

# --- rsp ---
# DER codec, SGP.22 message codecs, UPP header, BPP build and open.
RSP_LIB := $(BUILD)/librsp.a
RSP_CPPFLAGS := -Iappliance/rsp
# --- end rsp ---

# --- inventory ---
# Profile inventory on SQLite (WAL): state machine, audit log, UPP store.
# Dependents link $(INV_LIBS) and compile with $(INV_CPPFLAGS).
INV_CPPFLAGS := -Iappliance/inventory
INV_LIB := $(BUILD)/libinventory.a
INV_LIBS := $(INV_LIB) $(RSP_LIB) -lsqlite3 -lcrypto

INV_SRCS := $(wildcard appliance/inventory/*.c)
INV_OBJS := $(INV_SRCS:%.c=$(BUILD)/%.o)

$(INV_LIB): $(INV_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@
	$(AR) rcs $@ $^

INV_TEST_DIR := $(BUILD)/appliance/inventory/tests
INV_TEST_BINS := $(INV_TEST_DIR)/test-inventory $(INV_TEST_DIR)/test-inventory-crash \
	$(INV_TEST_DIR)/inv-bench
INV_TEST_COMMON := $(BUILD)/appliance/inventory/tests/testdb.o

$(BUILD)/appliance/inventory/tests/%.o: CPPFLAGS += $(INV_CPPFLAGS)

$(INV_TEST_DIR)/test-inventory: $(INV_TEST_DIR)/test_inventory.o $(INV_TEST_COMMON) $(INV_LIB) \
		$(RSP_LIB)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(INV_LIBS) -lcmocka -lpthread

$(INV_TEST_DIR)/test-inventory-crash: $(INV_TEST_DIR)/test_crash.o $(INV_TEST_COMMON) \
		$(INV_LIB) $(RSP_LIB)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(INV_LIBS)

$(INV_TEST_DIR)/inv-bench: $(INV_TEST_DIR)/inv_bench.o $(INV_TEST_COMMON) $(INV_LIB) $(RSP_LIB)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(INV_LIBS)

LIBS += $(INV_LIB)
# TEMPORARY until the rsp block defines how to build $(RSP_LIB).
ifneq ($(wildcard appliance/rsp/upp.c),)
TESTS += $(INV_TEST_BINS)
all: $(INV_TEST_BINS)
endif
# --- end inventory ---

# --- es9 ---
# ES9+ function layer (the SM-DP+ logic). Dependents link $(ES9_LIBS).
ES9_LIB := $(BUILD)/libes9.a
ES9_LIBS := $(ES9_LIB) $(INV_LIB) $(RSP_LIB) $(ACCEL_LIBS) -ljansson -lsqlite3 -lcrypto -lpthread

ES9_SRCS := $(wildcard appliance/es9/*.c)
ES9_OBJS := $(ES9_SRCS:%.c=$(BUILD)/%.o)

$(ES9_OBJS): CPPFLAGS += $(ACCEL_CPPFLAGS)

$(ES9_LIB): $(ES9_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@
	$(AR) rcs $@ $^

LIBS += $(ES9_LIB)

ES9_TEST_DIR := $(BUILD)/appliance/es9/tests
ES9_TEST_BINS := $(ES9_TEST_DIR)/test-es9-units $(ES9_TEST_DIR)/test-es9
ES9_TEST_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(wildcard appliance/es9/tests/*.c))

$(ES9_TEST_OBJS): CPPFLAGS += $(ACCEL_CPPFLAGS) -Iappliance/es9

$(ES9_TEST_DIR)/test-es9-units: $(ES9_TEST_DIR)/test_units.o $(ES9_LIB)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(ES9_LIBS) -lcmocka

$(ES9_TEST_DIR)/test-es9: $(ES9_TEST_DIR)/test_es9.o $(ES9_TEST_DIR)/euicc_sim.o $(ES9_LIB) \
		$(INV_LIB) $(RSP_LIB) $(BUILD)/libportdp-accel.a
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(ES9_LIBS) -lcmocka

ifneq ($(wildcard appliance/es9/tests/test_es9.c),)
TESTS += $(ES9_TEST_BINS)
all: $(ES9_TEST_BINS)
endif
# --- end es9 ---
