# libportdp-accel/engine: the "portdp" OpenSSL ENGINE (card-resident EC keys
# for programs that take engines, not providers) as $(BUILD)/lib/engines/portdp.so.
# Built only where the OpenSSL headers have ENGINE (Debian 12's 3.0 does).
# Use: OPENSSL_ENGINES=$(PORTDP_ENGINES) openssl pkeyutl -engine portdp -keyform engine ...

PORTDP_ENG_DIR := libportdp-accel/engine
PORTDP_HAVE_ENGINE := $(shell echo '\#include <openssl/opensslconf.h>' | \
	$(CC) -E -dM -x c - 2>/dev/null | grep -q OPENSSL_NO_ENGINE || echo yes)

ifeq ($(PORTDP_HAVE_ENGINE),yes)
PORTDP_ENGINES := $(BUILD)/lib/engines
PORTDP_ENG_SO := $(PORTDP_ENGINES)/portdp.so
PORTDP_ENG_OBJ := $(BUILD)/$(PORTDP_ENG_DIR)/portdp_engine.o
# The URI parser is the provider's: one grammar for both.
PORTDP_ENG_URI_OBJ := $(BUILD)/$(PORTDP_PROV_DIR)/uri.o

# ENGINE is deprecated in OpenSSL 3.0: the warning is off for this file only.
$(PORTDP_ENG_OBJ): CPPFLAGS += $(ACCEL_CPPFLAGS) -I$(PORTDP_PROV_DIR)
$(PORTDP_ENG_OBJ): CFLAGS += -Wno-deprecated-declarations

$(PORTDP_ENG_SO): $(PORTDP_ENG_OBJ) $(PORTDP_ENG_URI_OBJ) $(ACCEL_DEP) $(PORTDP_ENG_DIR)/portdp_engine.map
	@mkdir -p $(dir $@)
	$(CC) -shared $(LDFLAGS) -Wl,--version-script=$(PORTDP_ENG_DIR)/portdp_engine.map \
		$(PORTDP_PROV_ZDEFS) -o $@ $(PORTDP_ENG_OBJ) $(PORTDP_ENG_URI_OBJ) $(ACCEL_LIBS) -lpthread

LIBS += $(PORTDP_ENG_SO)
# The openssl CLI on the soft backend (any host), and on a card slot in the guest.
TESTS += $(PORTDP_ENG_DIR)/tests/engine_cli_test.sh
VM_GUEST_TESTS += $(PORTDP_ENG_DIR)/tests/guest_engine_test.sh:180
VM_GUEST_FILES += $(PORTDP_ENG_SO):/usr/lib/portdp/engines/portdp.so \
		  $(PORTDP_ENG_DIR)/tests/engine_cli_test.sh:/usr/lib/portdp/engine_cli_test.sh
endif
