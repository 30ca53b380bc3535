# libportdp-accel/provider: the "portdp" OpenSSL 3 provider (card-resident EC
# keys for any OpenSSL program) as $(BUILD)/lib/ossl-modules/portdp.so.
# Use: OPENSSL_MODULES=$(PORTDP_MODULES) openssl ... -provider portdp -provider default

PORTDP_PROV_DIR := libportdp-accel/provider
PORTDP_MODULES := $(BUILD)/lib/ossl-modules
PORTDP_PROV_SO := $(PORTDP_MODULES)/portdp.so
PORTDP_PROV_SRCS := $(wildcard $(PORTDP_PROV_DIR)/*.c $(PORTDP_PROV_DIR)/kmgmt/*.c \
			       $(PORTDP_PROV_DIR)/sig/*.c)
PORTDP_PROV_OBJS := $(PORTDP_PROV_SRCS:%.c=$(BUILD)/%.o)

$(PORTDP_PROV_OBJS): CPPFLAGS += $(ACCEL_CPPFLAGS) -I$(PORTDP_PROV_DIR)

# -z defs: every symbol resolved at link time. Under a sanitizer the module
# needs the sanitizer runtime: gcc links it (libasan.so) when LDFLAGS carries
# -fsanitize (the top Makefile copies it from CFLAGS); clang leaves it to the
# executable unless -shared-libsan, so for clang without it -z defs is dropped.
PORTDP_PROV_ZDEFS := $(if $(and $(filter -fsanitize=%,$(LDFLAGS)),$(findstring clang,$(CC)),\
	$(if $(filter -shared-libsan,$(LDFLAGS)),,no)),,-Wl,-z,defs)

$(PORTDP_PROV_SO): $(PORTDP_PROV_OBJS) $(ACCEL_DEP) $(PORTDP_PROV_DIR)/portdp.map
	@mkdir -p $(dir $@)
	$(CC) -shared $(LDFLAGS) -Wl,--version-script=$(PORTDP_PROV_DIR)/portdp.map \
		$(PORTDP_PROV_ZDEFS) -o $@ $(PORTDP_PROV_OBJS) $(ACCEL_LIBS) -lpthread

LIBS += $(PORTDP_PROV_SO)

# Tests (soft backend, any host): a cmocka program and the openssl CLI script.
PORTDP_PROV_TEST_DIR := $(BUILD)/$(PORTDP_PROV_DIR)/tests
PORTDP_PROV_TEST := $(PORTDP_PROV_TEST_DIR)/test_provider
PORTDP_PROV_KEYTOOL := $(PORTDP_PROV_TEST_DIR)/portdp-keytool

$(PORTDP_PROV_TEST_DIR)/%.o: CPPFLAGS += $(ACCEL_CPPFLAGS) -I$(PORTDP_PROV_DIR)

PORTDP_URI_TEST := $(PORTDP_PROV_TEST_DIR)/test_uri

$(PORTDP_PROV_TEST): $(PORTDP_PROV_TEST_DIR)/test_provider.o | $(PORTDP_PROV_SO)
	$(CC) $(LDFLAGS) -o $@ $^ -lcmocka -lssl -lcrypto

$(PORTDP_URI_TEST): $(PORTDP_PROV_TEST_DIR)/test_uri.o $(BUILD)/$(PORTDP_PROV_DIR)/uri.o
	$(CC) $(LDFLAGS) -o $@ $^ -lcmocka

$(PORTDP_PROV_KEYTOOL): $(PORTDP_PROV_TEST_DIR)/portdp-keytool.o | $(PORTDP_PROV_SO)
	$(CC) $(LDFLAGS) -o $@ $^ -lcrypto


TESTS += $(PORTDP_URI_TEST) $(PORTDP_PROV_TEST) $(PORTDP_PROV_DIR)/tests/cli_test.sh
all: $(PORTDP_URI_TEST) $(PORTDP_PROV_TEST) $(PORTDP_PROV_KEYTOOL)

# The same CLI checks on card slots inside the VM guest (dev backend).
VM_GUEST_TESTS += $(PORTDP_PROV_DIR)/tests/guest_provider_test.sh:180
VM_GUEST_FILES += $(PORTDP_PROV_SO):/usr/lib/portdp/ossl-modules/portdp.so \
		  $(PORTDP_PROV_KEYTOOL):/usr/bin/portdp-keytool \
		  $(PORTDP_PROV_DIR)/tests/cli_test.sh:/usr/lib/portdp/cli_test.sh
