# firmware/: the card. A transport-neutral core (libcardcore.a, mbedTLS) and
# the PCIe front end portdp-card-pcie (ivshmem server + BAR2 rings) and the
# USB front end portdp-card-usb (FunctionFS gadget daemon).

FW_CPPFLAGS := -Iinclude -Ifirmware/core -Ifirmware/frontend
FW_CORE_SRCS := $(wildcard firmware/core/*.c)
FW_CORE_OBJS := $(FW_CORE_SRCS:%.c=$(BUILD)/%.o)
# What both front ends share (frontend/: logging, options, opening the card).
FW_FE_OBJS := $(BUILD)/firmware/frontend/frontend.o
FW_PCIE_SRCS := $(wildcard firmware/pcie/*.c)
FW_PCIE_OBJS := $(FW_PCIE_SRCS:%.c=$(BUILD)/%.o)
FW_PCIE_LIB_OBJS := $(filter-out $(BUILD)/firmware/pcie/main.o,$(FW_PCIE_OBJS))
FW_LDLIBS := -lmbedcrypto

$(BUILD)/firmware/%.o: CPPFLAGS += $(FW_CPPFLAGS)

$(BUILD)/libcardcore.a: $(FW_CORE_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/bin/portdp-card-pcie: $(FW_PCIE_OBJS) $(FW_FE_OBJS) $(BUILD)/libcardcore.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(FW_LDLIBS)

# The USB front end runs inside the test guest as a FunctionFS gadget daemon:
# linked statically so the guest needs no libraries for it.
# (Not under a sanitizer, which cannot link statically: the ASan stage runs no guest.)
FW_USB_STATIC = $(if $(filter -fsanitize=%,$(LDFLAGS)),,-static)
FW_USB_SRCS := $(wildcard firmware/usb/*.c)
FW_USB_OBJS := $(FW_USB_SRCS:%.c=$(BUILD)/%.o)
FW_USB_LIB_OBJS := $(filter-out $(BUILD)/firmware/usb/main.o,$(FW_USB_OBJS))
$(BUILD)/bin/portdp-card-usb: $(FW_USB_OBJS) $(FW_FE_OBJS) $(BUILD)/libcardcore.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $(FW_USB_STATIC) -pthread -o $@ $^ $(FW_LDLIBS)

# Tests: cmocka (TAP), OpenSSL for cross-checks, jansson for bsp.json.
FW_TEST_NAMES := test-card-core test-card-keystore test-card-vectors test-card-fuzz test-card-ring \
		 test-card-usbfault test-card-upp test-card-reseal
FW_TESTS := $(FW_TEST_NAMES:%=$(BUILD)/tests/firmware/%)

$(BUILD)/tests/firmware/test-card-%: $(BUILD)/firmware/tests/test_card_%.o \
		$(BUILD)/firmware/tests/fw_test_util.o $(FW_PCIE_LIB_OBJS) $(FW_USB_LIB_OBJS) \
		$(BUILD)/libcardcore.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(FW_LDLIBS) -lcmocka -lcrypto -ljansson

# test-card-reseal checks the card's envelope against portdpctl's own (bundle_seal.c).
$(BUILD)/tests/firmware/test-card-reseal: $(BUILD)/tools/portdpctl/bundle_seal.o
$(BUILD)/firmware/tests/test_card_reseal.o: CPPFLAGS += -Itools/portdpctl

# test-card-ring starts the real binary.
$(BUILD)/tests/firmware/test-card-ring: | $(BUILD)/bin/portdp-card-pcie

LIBS += $(BUILD)/libcardcore.a
PROGRAMS += $(BUILD)/bin/portdp-card-pcie $(BUILD)/bin/portdp-card-usb
TESTS += $(FW_TESTS)
all: $(FW_TESTS)

.PHONY: firmware firmware-check
firmware: $(BUILD)/libcardcore.a $(BUILD)/bin/portdp-card-pcie $(BUILD)/bin/portdp-card-usb $(FW_TESTS)
firmware-check: firmware
	@SHARED=$(SHARED) BUILD=$(BUILD) testbed/tap-run $(FW_TESTS)
