# Port-DP+ top-level build. `make` builds all user space into build/.
# Each room contributes a build.mk fragment; `make check` runs every test
# registered in TESTS (TAP producers) through testbed/tap-run.

BUILD    ?= build
# The release (debian/changelog carries the same; test-installed checks).
PORTDP_VERSION := 0.1.0
CC       ?= cc

# A variable set on make's command line replaces every assignment to it in the
# makefiles, target-specific appends included: `make CFLAGS=-O0` used to drop
# -D_GNU_SOURCE and `make CPPFLAGS=-DX` every fragment's -I. The user's value
# becomes the starting point instead, and the fragments' appends stand.
define keep_user_flags
ifeq ($$(origin $(1)),command line)
USER_$(1) := $$($(1))
override undefine $(1)
$(1) := $$(USER_$(1))
endif
endef
$(foreach v,CFLAGS CPPFLAGS LDFLAGS,$(eval $(call keep_user_flags,$(v))))

# CFLAGS is the user's (optimisation, debug info, sanitizers); what the code
# needs to build at all is PORTDP_CFLAGS, which comes first on every compile.
CFLAGS   ?= -O2 -g
PORTDP_CFLAGS := -std=gnu11 -Wall -Wextra -Werror=implicit-function-declaration \
            -D_GNU_SOURCE -fPIC -MMD -MP
LDFLAGS  ?=
# A sanitizer in CFLAGS must reach every link too (its runtime).
LDFLAGS  += $(filter -fsanitize=% -fno-sanitize=% -fno-sanitize-recover% -shared-libsan,$(CFLAGS))
# Root of the test data (testdata/ below it): the repository carries its own.
SHARED   ?= $(CURDIR)

PROGRAMS :=
LIBS     :=
TESTS    :=
# Tests that need root, QEMU or the kernel image (run last, still in `make check`).
VMTESTS  :=
# The libFuzzer harnesses over their corpora (fuzz/; clang, own flags).
FUZZ_TESTS :=
# TESTS that the ASan+UBSan stage does not run again (each says why).
ASAN_SKIP :=

.PHONY: all deps check demo line-demo clean kernel
# Keep objects that pattern rules made on the way (no rebuilds, no surprise rm).
.SECONDARY:
all:

include libportdp-accel/build.mk
-include appliance/build.mk
-include tools/build.mk
-include testbed/build.mk
-include firmware/build.mk
-include kernel/kernel.mk
-include selftests/build.mk
include dist/install.mk
-include fuzz/build.mk

all: $(LIBS) $(PROGRAMS)

deps:
	@tools/install-deps

check: deps
	@$(MAKE) --no-print-directory all fuzz-build
	@SHARED=$(SHARED) BUILD=$(BUILD) testbed/tap-run $(TESTS) $(VMTESTS) $(FUZZ_TESTS)
	@$(MAKE) --no-print-directory check-asan

# The user-space unit and e2e tests once more on an ASan+UBSan build of
# everything (own build dir; the VM tests stay out: the guest has no sanitizer
# runtime). Any finding fails: UBSan does not recover, ASan stops at the first
# error, LeakSanitizer is on (suppressions: testbed/asan/lsan.supp, each
# explained there). A user's CFLAGS do not reach this build: it has its own.
ASAN_BUILD  ?= build-asan
ASAN_CFLAGS ?= -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
	       -fno-sanitize-recover=all
.PHONY: check-asan run-tests
check-asan: deps
	@$(MAKE) --no-print-directory BUILD=$(ASAN_BUILD) CFLAGS="$(ASAN_CFLAGS)" all
	@$(MAKE) --no-print-directory BUILD=$(ASAN_BUILD) CFLAGS="$(ASAN_CFLAGS)" run-tests \
		TAP_ENV="$$(testbed/asan/env)"

# The TESTS of this BUILD (check-asan runs it in its own build dir).
run-tests:
	@env $(TAP_ENV) SHARED=$(SHARED) BUILD=$(BUILD) testbed/tap-run $(filter-out $(ASAN_SKIP),$(TESTS))

demo: deps
	@$(MAKE) --no-print-directory all
	@SHARED=$(SHARED) BUILD=$(BUILD) testbed/demo/run-demo

# A factory line: virtual PC/SC readers and a test modem fed software eUICCs,
# portdp-line with its live display against portdpd (testbed/demo/run-line).
line-demo: deps
	@$(MAKE) --no-print-directory all
	@SHARED=$(SHARED) BUILD=$(BUILD) testbed/demo/run-line

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) build-cov

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(PORTDP_CFLAGS) $(CFLAGS) $(CPPFLAGS) -c $< -o $@

-include $(shell find $(BUILD) -name '*.d' -type f 2>/dev/null)
