
# --- euicc-lpa ---
# Strict software eUICC (libsoft-euicc.a), the LPA client portdp-lpa, and the
# end-to-end tests in tools/e2e (TAP scripts starting their own portdpd).
SEUICC_LIB := $(BUILD)/libsoft-euicc.a
SEUICC_SRCS := $(wildcard tools/euicc/*.c)
SEUICC_OBJS := $(SEUICC_SRCS:%.c=$(BUILD)/%.o)
LPA_SRCS := $(wildcard tools/lpa/*.c)
LPA_OBJS := $(LPA_SRCS:%.c=$(BUILD)/%.o)

$(SEUICC_OBJS) $(LPA_OBJS): CPPFLAGS += -Ilibportdp-accel/include -Iappliance/rsp \
	-Itools/euicc

$(SEUICC_LIB): $(SEUICC_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/bin/portdp-lpa: $(LPA_OBJS) $(SEUICC_LIB) $(BUILD)/librsp.a $(BUILD)/libportdp-accel.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(LPA_OBJS) $(SEUICC_LIB) $(BUILD)/librsp.a \
		$(BUILD)/libportdp-accel.a -lcurl -ljansson -lcrypto

SEUICC_TEST := $(BUILD)/tools/euicc/tests/test-soft-euicc
$(BUILD)/tools/euicc/tests/%.o: CPPFLAGS += -Ilibportdp-accel/include -Iappliance/rsp \
	-Itools/euicc

$(SEUICC_TEST): $(BUILD)/tools/euicc/tests/test_soft_euicc.o $(SEUICC_LIB) $(BUILD)/librsp.a \
		$(BUILD)/libportdp-accel.a
	$(CC) $(LDFLAGS) -o $@ $< $(SEUICC_LIB) $(BUILD)/librsp.a $(BUILD)/libportdp-accel.a \
		-lcmocka -lcrypto

LIBS += $(SEUICC_LIB)
PROGRAMS += $(BUILD)/bin/portdp-lpa
all: $(SEUICC_TEST)
TESTS += $(SEUICC_TEST) $(wildcard tools/e2e/test-*.sh)
# --- end euicc-lpa ---

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

# The card commands (card*.c) need the dev backend ($(ACCEL_LIBS)) and
# portdpd's config reader (install-cert --config).
$(BUILD)/bin/portdpctl: $(CTL_OBJS) $(INV_LIB) $(RSP_LIB) $(BUILD)/libportdp-accel.a \
		$(BUILD)/appliance/server/config.o
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(CTL_OBJS) $(BUILD)/appliance/server/config.o $(INV_LIB) \
		$(RSP_LIB) $(ACCEL_LIBS) -lsqlite3 -lqrencode -lpng -lcrypto

PROGRAMS += $(BUILD)/bin/portdpctl
TESTS += tools/portdpctl/tests/test-portdpctl.sh
# --- end portdpctl ---

# --- bench ---
# portdp-bench: the binding benchmark (setup a bench dir; run concurrent full
# downloads against portdpd over HTTPS on loopback). Smoke test in TESTS.
BENCH_SRCS := $(wildcard tools/bench/*.c)
BENCH_OBJS := $(BENCH_SRCS:%.c=$(BUILD)/%.o)

$(BENCH_OBJS): CPPFLAGS += -Ilibportdp-accel/include -Iappliance/rsp -Iappliance/inventory \
	-Iappliance -Itools/euicc

$(BUILD)/bin/portdp-bench: $(BENCH_OBJS) $(SEUICC_LIB) $(INV_LIB) \
		$(RSP_LIB) $(SERVER_LIB) $(BUILD)/libportdp-accel.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(BENCH_OBJS) $(SEUICC_LIB) $(INV_LIB) \
		$(SERVER_LIB) $(RSP_LIB) $(BUILD)/libportdp-accel.a -lhttp_parser -lyajl -lsqlite3 \
		-lssl -lcrypto -lpthread

PROGRAMS += $(BUILD)/bin/portdp-bench
TESTS += tools/bench/test-bench-smoke.sh
# --- end bench ---

# --- card-e2e ---
# portdpd on the card: the TLS key through the portdp provider (host test on
# the provider's soft form), portdpctl card subcommands and the full download
# on the card inside the VM guest (tools/e2e/card/guest-*.sh).
TESTS += tools/e2e/card/test-tls-provider.sh tools/e2e/card/test-portdpctl-card-args.sh
CARD_E2E_MODULES := /usr/lib/portdp-e2e/ossl-modules
VM_GUEST_TESTS += tools/e2e/card/guest-portdpctl-card.sh:120 tools/e2e/card/guest-e2e-card.sh:300
VM_GUEST_FILES += $(BUILD)/bin/portdpctl:/bin/portdpctl $(BUILD)/bin/portdpd:/bin/portdpd \
	$(BUILD)/bin/portdp-lpa:/bin/portdp-lpa $(BUILD)/bin/portdp-pki:/bin/portdp-pki \
	$(PORTDP_PROV_SO):$(CARD_E2E_MODULES)/portdp.so $(VM_TESTDATA)/ts48:/shared/ts48 \
	tools/e2e/card/dp-cert-ext.cnf:/etc/portdp-dp-cert-ext.cnf
# --- end card-e2e ---
