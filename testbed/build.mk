# Test rigs: the software eUICC, the end-to-end tests, portdp-bench, the
# card end-to-end tests in the VM guest.

# --- soft-euicc ---
# Strict software eUICC (libsoft-euicc.a) and the end-to-end tests in
# testbed/e2e (TAP scripts starting their own portdpd).
SEUICC_LIB := $(BUILD)/libsoft-euicc.a
SEUICC_SRCS := $(wildcard testbed/soft-euicc/*.c)
SEUICC_OBJS := $(SEUICC_SRCS:%.c=$(BUILD)/%.o)
$(SEUICC_OBJS): CPPFLAGS += -Ilibportdp-accel/include -Iappliance/rsp \
	-Itestbed/soft-euicc

$(SEUICC_LIB): $(SEUICC_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@
	$(AR) rcs $@ $^

SEUICC_TEST := $(BUILD)/testbed/soft-euicc/tests/test-soft-euicc
$(BUILD)/testbed/soft-euicc/tests/%.o: CPPFLAGS += -Ilibportdp-accel/include -Iappliance/rsp \
	-Itestbed/soft-euicc -Itools/es10

# The card face is tested through the APDU layer of tools/es10.
$(SEUICC_TEST): $(BUILD)/testbed/soft-euicc/tests/test_soft_euicc.o $(SEUICC_LIB) $(BUILD)/librsp.a \
		$(ACCEL_DEP) $(ES10_LIB)
	$(CC) $(LDFLAGS) -o $@ $< $(SEUICC_LIB) $(ES10_LIB) $(BUILD)/librsp.a $(ACCEL_LIBS) -lcmocka

LIBS += $(SEUICC_LIB)
all: $(SEUICC_TEST)
TESTS += $(SEUICC_TEST) $(wildcard testbed/e2e/test-*.sh)

# make soak: the kill -9 loop under bench load, long (make check runs it with 10 cycles).
SOAK_CYCLES ?= 100
.PHONY: soak
soak: deps
	@$(MAKE) --no-print-directory all
	@SOAK_CYCLES=$(SOAK_CYCLES) SHARED=$(SHARED) BUILD=$(BUILD) testbed/tap-run \
		testbed/e2e/test-crash-load.sh
# --- end soft-euicc ---

# --- operator ---
# portdp-test-operator: an operator's HTTPS endpoint for the progress report tests.
$(BUILD)/bin/portdp-test-operator: $(BUILD)/testbed/operator/op_endpoint.o
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ -ljansson -lssl -lcrypto
all: $(BUILD)/bin/portdp-test-operator
# --- end operator ---

# --- bench ---
# portdp-bench: the binding benchmark (setup a bench dir; run concurrent full
# downloads against portdpd over HTTPS on loopback). Smoke test in TESTS.
BENCH_SRCS := $(wildcard testbed/bench/*.c)
BENCH_OBJS := $(BENCH_SRCS:%.c=$(BUILD)/%.o)

$(BENCH_OBJS): CPPFLAGS += -Ilibportdp-accel/include -Iappliance/rsp -Iappliance/inventory \
	-Iappliance -Itestbed/soft-euicc

$(BUILD)/bin/portdp-bench: $(BENCH_OBJS) $(SEUICC_LIB) $(INV_LIB) \
		$(RSP_LIB) $(SERVER_LIB) $(ACCEL_DEP)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(BENCH_OBJS) $(SEUICC_LIB) $(INV_LIB) \
		$(SERVER_LIB) $(RSP_LIB) $(ACCEL_LIBS) -lhttp_parser -lyajl -lsqlite3 \
		-lcurl -lssl -lcrypto -lpthread

PROGRAMS += $(BUILD)/bin/portdp-bench
TESTS += testbed/bench/test-bench-smoke.sh
# --- end bench ---

# --- card-e2e ---
# portdpd on the card: the TLS key through the portdp provider (host test on
# the provider's soft form), portdpctl card subcommands and the full download
# on the card inside the VM guest (testbed/e2e/card/guest-*.sh).
TESTS += testbed/e2e/card/test-tls-provider.sh testbed/e2e/card/test-portdpctl-card-args.sh
CARD_E2E_MODULES := /usr/lib/portdp-e2e/ossl-modules
VM_GUEST_TESTS += testbed/e2e/card/guest-portdpctl-card.sh:120 testbed/e2e/card/guest-e2e-card.sh:300
# Sealed stock on the card (docs/sealed-stock.md): the card opens every UPP it binds.
VM_GUEST_TESTS += testbed/e2e/card/guest-sealed-card.sh:300
# Transfers between units on the card path (docs/transfers.md): the card re-seals each UPP.
VM_GUEST_TESTS += testbed/e2e/card/guest-transfer-card.sh:300
$(BUILD)/bin/portdp-memscan: testbed/e2e/card/memscan.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $<
PROGRAMS += $(BUILD)/bin/portdp-memscan
VM_GUEST_FILES += $(BUILD)/bin/portdp-memscan:/bin/portdp-memscan /usr/bin/sqlite3:/usr/bin/sqlite3
VM_GUEST_FILES += $(BUILD)/bin/portdpctl:/bin/portdpctl $(BUILD)/bin/portdpd:/bin/portdpd \
	$(BUILD)/bin/portdp-lpa:/bin/portdp-lpa $(BUILD)/bin/portdp-pki:/bin/portdp-pki \
	$(PORTDP_PROV_SO):$(CARD_E2E_MODULES)/portdp.so $(VM_TESTDATA)/ts48:/shared/ts48 \
	testbed/e2e/card/dp-cert-ext.cnf:/etc/portdp-dp-cert-ext.cnf
# What the guest e2e tests share (card/, usbnet/, btlink/guest-*.sh source it).
VM_GUEST_FILES += testbed/e2e/guest-lib.sh:/usr/lib/portdp-e2e/guest-lib.sh
# --- end card-e2e ---

# --- flood ---
# portdp-flood: the attacker of testbed/e2e/test-flood-*.sh (idle TLS/TCP,
# slowloris, slow body, raw payloads). A test rig, not installed.
FLOOD_BIN := $(BUILD)/testbed/e2e/portdp-flood
$(FLOOD_BIN): $(BUILD)/testbed/e2e/flood.o
	$(CC) $(LDFLAGS) -o $@ $< -lssl -lcrypto
all: $(FLOOD_BIN)
# --- end flood ---

# --- vcard ---
# portdp-vcard: software eUICCs as cards in vpcd readers (pcscd +
# vsmartcard-vpcd) or behind a test modem on a pty, one after the other.
VCARD_SRCS := $(wildcard testbed/vcard/*.c)
VCARD_OBJS := $(VCARD_SRCS:%.c=$(BUILD)/%.o)
$(VCARD_OBJS): CPPFLAGS += -Itools/es10 -Iappliance/rsp -Itestbed/soft-euicc \
	-Ilibportdp-accel/include

$(BUILD)/bin/portdp-vcard: $(VCARD_OBJS) $(SEUICC_LIB) $(ES10_LIB) $(BUILD)/librsp.a \
		$(ACCEL_DEP)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(VCARD_OBJS) $(SEUICC_LIB) $(ES10_LIB) $(BUILD)/librsp.a \
		$(ACCEL_LIBS)

PROGRAMS += $(BUILD)/bin/portdp-vcard
# --- end vcard ---

# Not again in the ASan+UBSan stage (the normal stage runs them): ASan's
# quarantine keeps freed memory, so the flood tests' RSS-back-to-baseline
# bound cannot hold, and its slowness turns the load tests' timing (eviction
# counts, kills landing mid-binding) into noise.
ASAN_SKIP += $(wildcard testbed/e2e/test-flood-*.sh) testbed/e2e/test-second-instance.sh \
	testbed/e2e/test-crash-load.sh

# --- usbnet ---
# The kit by cable (tools/usbnet/portdp-usbnet) in the VM guest: a CDC-NCM
# gadget on dummy_hcd, DHCP + DNS by dnsmasq, the guest's own cdc_ncm host side
# in a network namespace installs profiles through it (PCIe boot only).
VM_GUEST_TESTS += testbed/e2e/usbnet/guest-usbnet.sh:180
VM_GUEST_FILES += tools/usbnet/portdp-usbnet:/bin/portdp-usbnet /usr/sbin/dnsmasq:/usr/sbin/dnsmasq \
	/usr/bin/ip:/usr/local/sbin/ip
# --- end usbnet ---

# --- btlink-vm ---
# btlink over RFCOMM in the VM guest: two hci_vhci controllers joined by
# BlueZ's btvirt (bluez-test-tools), btlink-rig on both ends (PCIe boot only).
VM_GUEST_TESTS += testbed/e2e/btlink/guest-btlink.sh:300
VM_GUEST_FILES += $(BUILD)/appliance/btlink/tests/btlink-rig:/bin/btlink-rig /usr/bin/btvirt:/usr/bin/btvirt
# --- end btlink-vm ---
# --- proximity ---
# portdp-pcsc-apdu: raw APDUs to a PC/SC card (the Port-DP+ card face's malformed-APDU tests).
$(BUILD)/bin/portdp-pcsc-apdu: testbed/proximity/pcsc_apdu.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -Wall -Wextra -O2 -g $(shell pkg-config --cflags libpcsclite 2>/dev/null || \
		echo -I/usr/include/PCSC) -o $@ $< -lpcsclite
all: $(BUILD)/bin/portdp-pcsc-apdu
# --- end proximity ---
# Nor the sealed-stock leak test: a gcore of an ASan portdpd would dump its shadow memory
# (terabytes of reserved address space), and ASan's quarantine keeps freed (wiped) buffers.
ASAN_SKIP += testbed/e2e/test-sealed-stock.sh
