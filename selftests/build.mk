# Port-DP+ driver selftests (kselftest format). They run inside the QEMU
# guest (tools/vm/run-vm-tests), which has no shared libraries: every binary
# is linked statically. kselftest_harness.h comes from Debian's linux-source
# tarball at build time and is never copied into the repository.
LINUX_SRC_TAR ?= /usr/src/linux-source-6.1.tar.xz
KSFT_INC      := $(BUILD)/kselftest/include
KSFT_STAMP    := $(KSFT_INC)/.extracted
ST_DIR        := $(BUILD)/selftests
ST_CPPFLAGS   := -I$(KSFT_INC) -Ikernel/include/uapi -Ilibportdp-accel/include -Iselftests
ST_CFLAGS     := -O2 -g -std=gnu11 -Wall -Wextra -Wno-unused-parameter -Wno-sign-compare -D_GNU_SOURCE -MMD -MP
ST_LDLIBS     := -static -lkcapi -luring -lcrypto -lpthread

# name:timeout-seconds, in the order the guest runs them (unload stays last).
ST_TESTS := portdp_ioctl_test:60 portdp_uring_test:60 portdp_afalg_test:60 \
	    portdp_recovery_test:60 portdp_unload_test:60

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

$(ST_DIR)/vm-tests.list: selftests/build.mk
	@mkdir -p $(dir $@)
	@printf '%s\n' $(foreach t,$(ST_TESTS),"$(abspath $(ST_DIR))/$(subst :, ,$(t))") >$@
