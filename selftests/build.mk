# Port-DP+ driver selftests (kselftest format). They run inside the QEMU
# guest (testbed/vm/run-vm-tests), which has no shared libraries: every binary
# is linked statically. kselftest_harness.h comes from Debian's linux-source
# tarball at build time and is never copied into the repository.
LINUX_SRC_TAR ?= /usr/src/linux-source-6.1.tar.xz
KSFT_INC      := $(BUILD)/kselftest/include
KSFT_STAMP    := $(KSFT_INC)/.extracted
ST_DIR        := $(BUILD)/selftests
ST_CPPFLAGS   := -I$(KSFT_INC) -Iinclude/uapi -Iinclude -Ilibportdp-accel/include \
		 -Iselftests
ST_CFLAGS     := -O2 -g -std=gnu11 -Wall -Wextra -Wno-unused-parameter -Wno-sign-compare -D_GNU_SOURCE -MMD -MP
ST_LDLIBS     := -static -lkcapi -luring -lcrypto -lpthread

# In the order the guest runs them (unload stays last), each with the timeout
# of selftests/settings (the USB unplug test, which skips outside the USB
# boot, has its own: its replug cycles take long under TCG) (kselftest's form; selftests/config lists the kernel
# options they need).
ST_TIMEOUT := $(shell sed -n 's/^timeout=//p' selftests/settings)
ST_TESTS := $(addsuffix :$(ST_TIMEOUT),portdp_ioctl_test portdp_uring_test portdp_afalg_test \
	    portdp_akcipher_sign_test portdp_backlog_test portdp_recovery_test portdp_pcierr_test) \
	    portdp_usb_unplug_test:240 portdp_usb_pm_test:$(ST_TIMEOUT) portdp_unload_test:$(ST_TIMEOUT)

ST_NAMES := $(foreach t,$(ST_TESTS),$(word 1,$(subst :, ,$(t))))
ST_BINS  := $(addprefix $(ST_DIR)/,$(ST_NAMES))
ST_COMMON_OBJS := $(ST_DIR)/portdp_common.o

.PHONY: vm-selftests
.SECONDARY: $(ST_BINS:%=%.o) $(ST_COMMON_OBJS)
vm-selftests: $(ST_BINS) $(ST_DIR)/vm-tests.list

$(KSFT_STAMP):
	@mkdir -p $(KSFT_INC)
	tar -xJf $(LINUX_SRC_TAR) -C $(KSFT_INC) --strip-components=4 \
		linux-source-6.1/tools/testing/selftests/kselftest.h \
		linux-source-6.1/tools/testing/selftests/kselftest_harness.h
	@touch $@

$(ST_DIR)/%.o: selftests/%.c $(KSFT_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(ST_CFLAGS) $(ST_CPPFLAGS) -c $< -o $@

$(ST_DIR)/%: $(ST_DIR)/%.o $(ST_COMMON_OBJS) $(BUILD)/libportdp-accel.a
	$(CC) -o $@ $^ $(ST_LDLIBS)

# Guest tests and files of every room (VM_GUEST_TESTS += path:timeout,
# VM_GUEST_FILES += host-path:guest-path; documented in testbed/vm/run-vm-tests).
# This fragment is included last, so every room's entries are known here and
# their paths can be prerequisites: built when make has a rule, else they must
# exist. The lists are rewritten on every run because they follow variables.
VM_GUEST_TESTS ?=
VM_GUEST_FILES ?=
# The harness checks its own promises first (libraries, loopback, TLS by name).
VM_GUEST_TESTS := selftests/guest_env_test.sh:30 $(VM_GUEST_TESTS)
VM_GUEST_FILES += /usr/bin/openssl:/usr/bin/openssl
# The test module portdp_akcipher_sign_test loads (kernel/kernel.mk builds it).
VM_GUEST_FILES += $(KMOD_TEST):/lib/portdp-test/portdp_akcipher_test.ko \
	$(KMOD_BACKLOG_TEST):/lib/portdp-test/portdp_backlog_test.ko \
	$(KMOD_PCIERR_TEST):/lib/portdp-test/portdp_pcierr_test.ko
VM_TESTS_ALL := $(addprefix $(ST_DIR)/,$(ST_TESTS)) $(VM_GUEST_TESTS)
vm_host_path = $(abspath $(firstword $(subst :, ,$(1))))
vm_second    = $(word 2,$(subst :, ,$(1)))

.PHONY: vm-guest FORCE
vm-guest: vm-selftests $(ST_DIR)/vm-files.list \
	  $(foreach t,$(VM_GUEST_TESTS),$(firstword $(subst :, ,$(t)))) \
	  $(foreach f,$(VM_GUEST_FILES),$(firstword $(subst :, ,$(f))))

$(ST_DIR)/vm-tests.list: FORCE
	@mkdir -p $(dir $@)
	@printf '%s\n' $(foreach t,$(VM_TESTS_ALL),"$(call vm_host_path,$(t)) $(call vm_second,$(t))") >$@

$(ST_DIR)/vm-files.list: FORCE
	@mkdir -p $(dir $@)
	@: >$@
	@$(foreach f,$(VM_GUEST_FILES),printf '%s %s\n' "$(call vm_host_path,$(f))" "$(call vm_second,$(f))" >>$@;)
