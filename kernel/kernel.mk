# Port-DP+ kernel room: portdp_accel.ko, built out of tree against Debian's
# 6.1 headers in a mirror of symlinks under $(BUILD)/kmod so that no object
# lands in the source tree. `make kernel` builds it, `make kernel-check` runs
# the static checks (W=1 and sparse as errors, checkpatch).
# The installed Debian kernel, found (kernel/kver), never pinned.
KVER      ?= $(shell kernel/kver)
KDIR      ?= /lib/modules/$(KVER)/build
KMOD_DIR  ?= $(BUILD)/kmod
KMOD_SRCS := $(wildcard kernel/*.c kernel/*.h) kernel/Kbuild
# Test modules the guest selftests load (built with the driver, same checks).
KMOD_TEST_SRCS := $(wildcard selftests/kmod/*.c) selftests/kmod/Kbuild
KMOD_HDRS := $(wildcard include/*/*.h include/uapi/linux/*.h)
KMOD      := $(KMOD_DIR)/kernel/portdp_accel.ko
KMOD_TEST := $(KMOD_DIR)/selftests/kmod/portdp_akcipher_test.ko
KMOD_BACKLOG_TEST := $(KMOD_DIR)/selftests/kmod/portdp_backlog_test.ko
KMOD_PCIERR_TEST := $(KMOD_DIR)/selftests/kmod/portdp_pcierr_test.ko
LINUX_SRC_TAR ?= /usr/src/linux-source-6.1.tar.xz
KMOD_KCFLAGS ?= -Werror
# The test data directory as testbed/vm/run-vm-tests finds it (SHARED may be
# the data itself or its parent), for VM_GUEST_FILES entries (use with +=).
VM_TESTDATA = $(if $(wildcard $(SHARED)/sgp26),$(SHARED),$(SHARED)/testdata)

.PHONY: kernel kernel-module kernel-check kernel-mirror
kernel kernel-module: $(KMOD)
$(KMOD_TEST) $(KMOD_BACKLOG_TEST) $(KMOD_PCIERR_TEST): $(KMOD)

kernel-mirror:
	@mkdir -p $(KMOD_DIR)/kernel $(KMOD_DIR)/selftests/kmod
	@ln -sfn $(abspath Kbuild) $(KMOD_DIR)/Kbuild
	@for f in $(KMOD_SRCS) $(KMOD_TEST_SRCS); do ln -sfn $(abspath .)/$$f $(KMOD_DIR)/$$f; done
	@ln -sfn $(abspath include) $(KMOD_DIR)/include

$(KMOD): $(KMOD_SRCS) $(KMOD_TEST_SRCS) $(KMOD_HDRS) Kbuild kernel/kernel.mk
	@$(MAKE) --no-print-directory kernel-mirror
	$(MAKE) -C $(KDIR) M=$(abspath $(KMOD_DIR)) W=1 KCFLAGS="$(KMOD_KCFLAGS)" modules

# checkpatch.pl comes from Debian's linux-source tarball, extracted on demand.
CHECKPATCH := $(BUILD)/linux-src/scripts/checkpatch.pl
$(CHECKPATCH):
	@mkdir -p $(BUILD)/linux-src
	tar -xJf $(LINUX_SRC_TAR) -C $(BUILD)/linux-src --strip-components=1 \
		linux-source-6.1/scripts/checkpatch.pl linux-source-6.1/scripts/spelling.txt \
		linux-source-6.1/scripts/const_structs.checkpatch
	@touch $@

kernel-check: $(CHECKPATCH) kernel-mirror
	$(MAKE) -C $(KDIR) M=$(abspath $(KMOD_DIR)) W=1 C=2 KCFLAGS=-Werror \
		CF="-D__CHECK_ENDIAN__" modules 2>&1 | tee $(BUILD)/kmod/check.log
	@! grep -E 'warning:|error:' $(BUILD)/kmod/check.log
	$(CHECKPATCH) --no-tree --strict --show-types --ignore SPDX_LICENSE_TAG,FILE_PATH_CHANGES -f \
		$(filter %.c %.h,$(KMOD_SRCS) $(KMOD_TEST_SRCS)) include/uapi/linux/portdp_accel.h

# The driver's tests run in a QEMU guest with the card firmware on the host.
VMTESTS += testbed/vm/run-vm-tests

# The USB card runs in the guest: its firmware (static) and the gadget script.
VM_GUEST_FILES += $(BUILD)/bin/portdp-card-usb:/bin/portdp-card-usb testbed/vm/usb-card:/bin/usb-card

# The debug guest kernel (not in `make check`: it builds a kernel). `make
# debug-kernel-check` builds Debian's linux-source-6.1 with lockdep, KASAN,
# kmemleak, DEBUG_ATOMIC_SLEEP and debug objects (testbed/vm/build-debug-kernel,
# config testbed/vm/debug-kernel.config), the module against it, and runs the
# whole VM suite on it; TAP in $(DEBUG_KERNEL_DIR)/vm/result.tap, serial logs
# beside it. Under TCG with KASAN and lockdep the guest is several times
# slower: longer timeouts, more memory (KASAN's shadow).
DEBUG_KERNEL_DIR ?= $(BUILD)/debug-kernel
.PHONY: debug-kernel debug-kernel-check
debug-kernel:
	testbed/vm/build-debug-kernel $(DEBUG_KERNEL_DIR)

debug-kernel-check: debug-kernel
	@mkdir -p $(DEBUG_KERNEL_DIR)/vm
	KVER=$$(cat $(DEBUG_KERNEL_DIR)/release) KDIR=$(abspath $(DEBUG_KERNEL_DIR))/src \
	KMOD_DIR=$(abspath $(DEBUG_KERNEL_DIR))/kmod KMOD_KCFLAGS="-Werror -Wno-error=frame-larger-than=" \
	VM_KERNEL_IMAGE=$(DEBUG_KERNEL_DIR)/bzImage VM_MODROOT=$(abspath $(DEBUG_KERNEL_DIR))/root \
	VM_DIR=$(DEBUG_KERNEL_DIR)/vm VM_TIMEOUT=$${VM_TIMEOUT:-5400} VM_MEM=$${VM_MEM:-2G} \
	BUILD=$(BUILD) SHARED=$(SHARED) testbed/vm/run-vm-tests >$(DEBUG_KERNEL_DIR)/vm/result.tap; \
	rc=$$?; cat $(DEBUG_KERNEL_DIR)/vm/result.tap; exit $$rc
