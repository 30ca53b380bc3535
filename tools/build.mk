# Product programs: portdp-lpa, portdp-pki, portdpctl.

# --- es10 ---
# libes10.a: ES10 over APDUs (ISO 7816-4 channel, SELECT, STORE DATA chaining,
# GET RESPONSE) for both sides, and the ES10a/b/c requests and answers. Used by
# portdp-lpa and the line runner (LPA side) and the software eUICC's card face.
ES10_LIB := $(BUILD)/libes10.a
ES10_CPPFLAGS := -Itools/es10 -Iappliance/rsp
ES10_SRCS := $(wildcard tools/es10/*.c)
ES10_OBJS := $(ES10_SRCS:%.c=$(BUILD)/%.o)
$(ES10_OBJS): CPPFLAGS += $(ES10_CPPFLAGS)

$(ES10_LIB): $(ES10_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@
	$(AR) rcs $@ $^

ES10_TEST := $(BUILD)/tools/es10/tests/test-es10
$(BUILD)/tools/es10/tests/%.o: CPPFLAGS += $(ES10_CPPFLAGS)
$(ES10_TEST): $(BUILD)/tools/es10/tests/test_es10.o $(ES10_LIB) $(RSP_LIB)
	$(CC) $(LDFLAGS) -o $@ $< $(ES10_LIB) $(RSP_LIB) -lcmocka

# ATRs read for their card capabilities, the short/extended choice.
ATR_TEST := $(BUILD)/tools/es10/tests/test-atr
$(ATR_TEST): $(BUILD)/tools/es10/tests/test_atr.o $(ES10_LIB)
	$(CC) $(LDFLAGS) -o $@ $< $(ES10_LIB) -lcmocka

LIBS += $(ES10_LIB)
all: $(ES10_TEST) $(ATR_TEST)
TESTS += $(ES10_TEST) $(ATR_TEST)
# --- end es10 ---

# --- station ---
# libstation.a: how a station reaches a chip (chip.h): PC/SC readers
# (libpcsclite), AT modems on serial ports, the software eUICC in-process or
# through its card face. Used by portdp-lpa and portdp-line.
STATION_LIB := $(BUILD)/libstation.a
STATION_CPPFLAGS := -Itools/station $(ES10_CPPFLAGS) -Itestbed/soft-euicc $(BTLINK_CPPFLAGS) \
	$(shell pkg-config --cflags libpcsclite 2>/dev/null || echo -I/usr/include/PCSC)
STATION_LIBS := $(STATION_LIB) $(ES10_LIB) -lpcsclite $(BTLINK_LIBS)
STATION_SRCS := $(wildcard tools/station/*.c)
STATION_OBJS := $(STATION_SRCS:%.c=$(BUILD)/%.o)
$(STATION_OBJS): CPPFLAGS += $(STATION_CPPFLAGS) -Ilibportdp-accel/include

$(STATION_LIB): $(STATION_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@
	$(AR) rcs $@ $^

LIBS += $(STATION_LIB)
# --- end station ---

# --- lpa ---
# portdp-lpa: the LPA a station or a test runs (ES9+ client; the chip in-process,
# in a PC/SC reader or behind an AT modem). Its flows (liblpa.a) serve portdp-line too.
LPA_SRCS := $(wildcard tools/lpa/*.c)
LPA_OBJS := $(LPA_SRCS:%.c=$(BUILD)/%.o)
LPA_LIB := $(BUILD)/liblpa.a
LPA_LIB_OBJS := $(filter-out %/main.o,$(LPA_OBJS))

$(LPA_OBJS): CPPFLAGS += -Ilibportdp-accel/include -Iappliance/rsp -Itestbed/soft-euicc \
	-Itools/es10 -Itools/station

$(LPA_LIB): $(LPA_LIB_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@
	$(AR) rcs $@ $^

# (testbed/build.mk, which sets SEUICC_LIB, is read after this file.)
$(BUILD)/bin/portdp-lpa: $(BUILD)/tools/lpa/main.o $(LPA_LIB) $(STATION_LIB) $(ES10_LIB) \
		$(BUILD)/libsoft-euicc.a $(BUILD)/librsp.a $(BTLINK_LIB) $(ACCEL_DEP)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(BUILD)/tools/lpa/main.o $(LPA_LIB) $(STATION_LIB) $(ES10_LIB) \
		$(SEUICC_LIB) $(BUILD)/librsp.a $(ACCEL_LIBS) -lpcsclite $(BTLINK_LIBS) -lcurl -ljansson

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

$(CTL_OBJS): CPPFLAGS += -Iappliance/inventory $(ACCEL_CPPFLAGS) -Iappliance -Iappliance/rsp

# The card commands (card*.c) use the dev backend and
# portdpd's config reader (install-cert --config).
$(BUILD)/bin/portdpctl: $(CTL_OBJS) $(INV_LIB) $(RSP_LIB) $(ACCEL_DEP) \
		$(BUILD)/appliance/server/config.o
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(CTL_OBJS) $(BUILD)/appliance/server/config.o $(INV_LIB) \
		$(RSP_LIB) $(ACCEL_LIBS) -lsqlite3 -lqrencode -lpng -lcurl -lyajl -lcrypto

PROGRAMS += $(BUILD)/bin/portdpctl
TESTS += tools/portdpctl/tests/test-portdpctl.sh tools/portdpctl/tests/test-orders.sh \
	tools/portdpctl/tests/test-transfer.sh
# --- end portdpctl ---



# --- line ---
# portdp-line: the factory line runner (many stations at once, plan, report).
LINE_SRCS := $(wildcard tools/line/*.c)
LINE_OBJS := $(LINE_SRCS:%.c=$(BUILD)/%.o)
$(LINE_OBJS): CPPFLAGS += -Ilibportdp-accel/include -Iappliance/rsp -Itestbed/soft-euicc \
	-Itools/es10 -Itools/station -Itools/lpa -Iappliance/inventory

# (testbed/build.mk, which sets SEUICC_LIB, is read after this file.)
$(BUILD)/bin/portdp-line: $(LINE_OBJS) $(LPA_LIB) $(STATION_LIB) $(ES10_LIB) \
		$(BUILD)/libsoft-euicc.a $(INV_LIB) $(BUILD)/librsp.a $(BTLINK_LIB) $(ACCEL_DEP)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(LINE_OBJS) $(LPA_LIB) $(STATION_LIB) $(ES10_LIB) $(SEUICC_LIB) \
		$(INV_LIB) $(BUILD)/librsp.a $(ACCEL_LIBS) -lpcsclite $(BTLINK_LIBS) -lcurl \
		-ljansson -lsqlite3 -lpthread

PROGRAMS += $(BUILD)/bin/portdp-line
# --- end line ---
