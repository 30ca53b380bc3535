# fuzz/: libFuzzer harnesses of every parser of outside input (test rigs,
# not product code). Built with clang (-fsanitize=fuzzer,address,undefined)
# from the product sources, in objects of their own under $(BUILD)/fuzz/.
# `make check` replays each corpus and fuzzes each harness briefly
# (FUZZ_CHECK_SECONDS); `make fuzz` runs long campaigns (FUZZ_SECONDS).
# See fuzz/README.md.

FUZZ_CC  ?= clang
FUZZ_DIR := $(BUILD)/fuzz
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS := -std=gnu11 -O1 -g -fno-omit-frame-pointer -D_GNU_SOURCE -Wall -Wextra \
	$(FUZZ_SAN) -fsanitize=fuzzer-no-link -MMD -MP
FUZZ_CPPFLAGS := -Ifuzz/harness -Iappliance/rsp -Ilibportdp-accel/include -Ilibportdp-accel/src \
	-Iinclude -Iinclude/uapi -Ifirmware/core -Itools/es10 -Itools/portdpctl
FUZZ_LD := $(FUZZ_CC) -fsanitize=fuzzer $(FUZZ_SAN)
FUZZ_CHECK_SECONDS ?= 3
FUZZ_SECONDS ?= 600

# Product sources, instrumented (the shortest-stem rule beats $(BUILD)/%.o).
$(FUZZ_DIR)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_CPPFLAGS) -c $< -o $@

fuzz_objs = $(patsubst %.c,$(FUZZ_DIR)/obj/%.o,$(1))
FUZZ_RSP_OBJS := $(call fuzz_objs,appliance/rsp/der.c $(wildcard appliance/rsp/sgp22_*.c) \
	appliance/rsp/upp.c)
FUZZ_ACCEL_A := $(FUZZ_DIR)/libaccel.a
FUZZ_FW_A := $(FUZZ_DIR)/libcardcore.a

$(FUZZ_ACCEL_A): $(call fuzz_objs,$(wildcard libportdp-accel/src/*.c))
$(FUZZ_FW_A): $(call fuzz_objs,$(wildcard firmware/core/*.c))
$(FUZZ_ACCEL_A) $(FUZZ_FW_A):
	@mkdir -p $(dir $@)
	rm -f $@
	$(AR) rcs $@ $^

# One harness per parser: name, its objects, its libraries.
FUZZ_SGP22_MSGS := euicc_info1 auth_server_resp prepare_download_resp pending_notification pir \
	cancel_session_resp all
FUZZ_NAMES := b64 json http config upp bpp x509 card es10 at es9_asn1 bundle $(FUZZ_SGP22_MSGS:%=sgp22_%)
FUZZ_BINS := $(FUZZ_NAMES:%=$(FUZZ_DIR)/fuzz_%)

$(FUZZ_DIR)/fuzz_b64: $(call fuzz_objs,fuzz/harness/fuzz_b64.c appliance/rsp/b64.c)
$(FUZZ_DIR)/fuzz_b64: FUZZ_LIBS := -lcrypto
$(FUZZ_DIR)/fuzz_json: $(call fuzz_objs,fuzz/harness/fuzz_json.c appliance/rsp/json_obj.c)
$(FUZZ_DIR)/fuzz_json: FUZZ_LIBS := -lyajl -ljansson -lm
$(FUZZ_DIR)/fuzz_http: $(call fuzz_objs,fuzz/harness/fuzz_http.c appliance/server/http.c)
$(FUZZ_DIR)/fuzz_http: FUZZ_LIBS := -lhttp_parser
$(FUZZ_DIR)/fuzz_config: $(call fuzz_objs,fuzz/harness/fuzz_config.c appliance/server/config.c)
$(FUZZ_DIR)/fuzz_upp: $(call fuzz_objs,fuzz/harness/fuzz_upp.c) $(FUZZ_RSP_OBJS)
$(FUZZ_DIR)/fuzz_bpp: $(call fuzz_objs,fuzz/harness/fuzz_bpp.c appliance/rsp/bpp_open.c) \
	$(FUZZ_RSP_OBJS) $(FUZZ_ACCEL_A)
$(FUZZ_DIR)/fuzz_bpp: FUZZ_LIBS := -ljansson -luring -lkcapi -lcrypto -lpthread
$(FUZZ_DIR)/fuzz_x509: $(call fuzz_objs,fuzz/harness/fuzz_x509.c) $(FUZZ_ACCEL_A)
$(FUZZ_DIR)/fuzz_x509: FUZZ_LIBS := -luring -lkcapi -lcrypto -lpthread
$(FUZZ_DIR)/fuzz_card: $(call fuzz_objs,fuzz/harness/fuzz_card.c) $(FUZZ_FW_A)
$(FUZZ_DIR)/fuzz_card: FUZZ_LIBS := -lmbedcrypto
$(FUZZ_DIR)/fuzz_bundle: $(call fuzz_objs,fuzz/harness/fuzz_bundle.c tools/portdpctl/bundle.c)
$(FUZZ_DIR)/fuzz_es10: $(call fuzz_objs,fuzz/harness/fuzz_es10.c tools/es10/es10_link.c \
	tools/es10/es10_card.c tools/es10/apdu.c)
# The AT modem link: the harness compiles tools/station/at.c in itself.
$(FUZZ_DIR)/fuzz_at: $(call fuzz_objs,fuzz/harness/fuzz_at.c)
$(FUZZ_DIR)/obj/fuzz/harness/fuzz_at.o: FUZZ_CPPFLAGS += -Itools/station -Itools/es10
# ES9+'s ASN.1 binding: portdpd's request decoder and portdp-lpa's answer decoder.
$(FUZZ_DIR)/fuzz_es9_asn1: $(call fuzz_objs,fuzz/harness/fuzz_es9_asn1.c fuzz/harness/fuzz_es9_asn1_lpa.c \
	appliance/es9/asn1.c \
	appliance/es9/request.c appliance/es9/codec.c appliance/es9/status_codes.c \
	appliance/rsp/json_obj.c appliance/rsp/b64.c tools/lpa/es9_asn1.c) $(FUZZ_RSP_OBJS)
$(FUZZ_DIR)/fuzz_es9_asn1: FUZZ_LIBS := -lyajl -ljansson -lcrypto -lm
$(FUZZ_DIR)/obj/fuzz/harness/fuzz_es9_asn1.o: FUZZ_CPPFLAGS += -Iappliance/es9
$(FUZZ_DIR)/obj/fuzz/harness/fuzz_es9_asn1_lpa.o: FUZZ_CPPFLAGS += -Itools/lpa

# The SGP.22 harness, once per message (FUZZ_MSG picks the decoder).
FUZZ_SGP22_BINS := $(FUZZ_SGP22_MSGS:%=$(FUZZ_DIR)/fuzz_sgp22_%)
FUZZ_SGP22_OBJS := $(FUZZ_SGP22_MSGS:%=$(FUZZ_DIR)/obj/fuzz/harness/fuzz_sgp22_%.o)
$(FUZZ_SGP22_OBJS): $(FUZZ_DIR)/obj/fuzz/harness/fuzz_sgp22_%.o: fuzz/harness/fuzz_sgp22.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_CPPFLAGS) -DFUZZ_MSG=$* -c $< -o $@
$(FUZZ_SGP22_BINS): $(FUZZ_DIR)/fuzz_sgp22_%: $(FUZZ_DIR)/obj/fuzz/harness/fuzz_sgp22_%.o \
		$(FUZZ_RSP_OBJS)

$(FUZZ_BINS):
	$(FUZZ_LD) -o $@ $(filter %.o,$^) $(filter %.a,$^) $(FUZZ_LIBS)

# Seeds from real messages (fuzz/seeds/mkseeds.c; output committed).
FUZZ_MKSEEDS := $(FUZZ_DIR)/mkseeds
$(FUZZ_MKSEEDS): fuzz/seeds/mkseeds.c appliance/rsp/tests/samples.c appliance/rsp/tests/testutil.c \
		$(RSP_LIB) $(BUILD)/libportdp-accel.a
	@mkdir -p $(dir $@)
	$(CC) $(PORTDP_CFLAGS) $(CFLAGS) -Iappliance/rsp -Iappliance/rsp/tests -Iinclude \
		-Ilibportdp-accel/include -o $@ $(filter %.c,$^) $(RSP_LIBS) -ljansson -lcmocka

.PHONY: fuzz fuzz-build fuzz-check fuzz-seeds fuzz-coverage
fuzz-build: $(FUZZ_BINS)
fuzz-seeds: $(FUZZ_MKSEEDS)
	SHARED=$(SHARED) $(FUZZ_MKSEEDS) fuzz/corpus
fuzz-check: fuzz-build
	@SHARED=$(SHARED) BUILD=$(BUILD) testbed/tap-run fuzz/run-fuzz
# Long campaigns: new inputs go to $(BUILD)/fuzz/work/<name> (merge the
# useful ones into fuzz/corpus by hand, see fuzz/README.md).
fuzz: fuzz-build
	@FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_WORK=$(FUZZ_DIR)/work SHARED=$(SHARED) BUILD=$(BUILD) \
		fuzz/run-fuzz $(FUZZ_ONLY)

# Line/branch coverage of each parser by its corpus (llvm-cov; build-cov/).
fuzz-coverage:
	@SHARED=$(SHARED) fuzz/coverage $(FUZZ_ONLY)

# `make check` builds them (fuzz-build; not part of `all`, which stays gcc
# only) and runs fuzz/run-fuzz after the other tests.
# (FUZZ_TESTS, not TESTS: the harnesses carry their own sanitizers, so the
# ASan stage does not run them again.)
FUZZ_TESTS += fuzz/run-fuzz

-include $(shell find $(FUZZ_DIR) -name '*.d' 2>/dev/null)
