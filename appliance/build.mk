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
