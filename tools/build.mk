# Product programs: portdp-lpa, portdp-pki, portdpctl.

# --- lpa ---
# portdp-lpa: the LPA a station or a test runs (ES9+ client, eUICC in-process:
# the testbed's software eUICC).
LPA_SRCS := $(wildcard tools/lpa/*.c)
LPA_OBJS := $(LPA_SRCS:%.c=$(BUILD)/%.o)

$(LPA_OBJS): CPPFLAGS += -Ilibportdp-accel/include -Iappliance/rsp -Itestbed/soft-euicc

# (testbed/build.mk, which sets SEUICC_LIB, is read after this file.)
$(BUILD)/bin/portdp-lpa: $(LPA_OBJS) $(BUILD)/libsoft-euicc.a $(BUILD)/librsp.a $(ACCEL_DEP)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(LPA_OBJS) $(SEUICC_LIB) $(BUILD)/librsp.a \
		$(ACCEL_LIBS) -lcurl -ljansson

PROGRAMS += $(BUILD)/bin/portdp-lpa
# --- end lpa ---

# --- pki ---
# portdp-pki: SGP.22 test PKI generator (CI, EUM, eUICCs, DPauth/DPpb, DP TLS).
PKI_SRCS := tools/pki/portdp-pki.c tools/pki/eid.c
PKI_OBJS := $(PKI_SRCS:%.c=$(BUILD)/%.o)

$(BUILD)/bin/portdp-pki: $(PKI_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ -lcrypto

PROGRAMS += $(BUILD)/bin/portdp-pki
TESTS += tools/pki/test-pki.sh
# --- end pki ---

# --- portdpctl ---
# portdpctl: the operator's CLI for the inventory (import, list, show,
# activation codes with QR/PNG, audit, expire).
CTL_SRCS := $(wildcard tools/portdpctl/*.c)
CTL_OBJS := $(CTL_SRCS:%.c=$(BUILD)/%.o)

$(CTL_OBJS): CPPFLAGS += -Iappliance/inventory $(ACCEL_CPPFLAGS) -Iappliance

# The card commands (card*.c) use the dev backend and
# portdpd's config reader (install-cert --config).
$(BUILD)/bin/portdpctl: $(CTL_OBJS) $(INV_LIB) $(RSP_LIB) $(ACCEL_DEP) \
		$(BUILD)/appliance/server/config.o
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(CTL_OBJS) $(BUILD)/appliance/server/config.o $(INV_LIB) \
		$(RSP_LIB) $(ACCEL_LIBS) -lsqlite3 -lqrencode -lpng -lcrypto

PROGRAMS += $(BUILD)/bin/portdpctl
TESTS += tools/portdpctl/tests/test-portdpctl.sh tools/portdpctl/tests/test-orders.sh
# --- end portdpctl ---


