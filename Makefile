# Port-DP+ top-level build. `make` builds all user space into build/.
# Each room contributes a build.mk fragment; `make check` runs every test
# registered in TESTS (TAP producers) through testbed/tap-run.

BUILD    ?= build
# The release (debian/changelog carries the same; test-installed checks).
PORTDP_VERSION := 0.1.0
CC       ?= cc
CFLAGS   ?= -O2 -g
CFLAGS   += -std=gnu11 -Wall -Wextra -Werror=implicit-function-declaration \
            -D_GNU_SOURCE -fPIC -MMD -MP
LDFLAGS  ?=
# Root of the test data (testdata/ below it): the repository carries its own.
SHARED   ?= $(CURDIR)

PROGRAMS :=
LIBS     :=
TESTS    :=
# Tests that need root, QEMU or the kernel image (run last, still in `make check`).
VMTESTS  :=

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

all: $(LIBS) $(PROGRAMS)

deps:
	@tools/install-deps

check: deps
	@$(MAKE) --no-print-directory all
	@SHARED=$(SHARED) BUILD=$(BUILD) testbed/tap-run $(TESTS) $(VMTESTS)

demo: deps
	@$(MAKE) --no-print-directory all
	@SHARED=$(SHARED) BUILD=$(BUILD) testbed/demo/run-demo

# A factory line: virtual PC/SC readers and a test modem fed software eUICCs,
# portdp-line with its live display against portdpd (testbed/demo/run-line).
line-demo: deps
	@$(MAKE) --no-print-directory all
	@SHARED=$(SHARED) BUILD=$(BUILD) testbed/demo/run-line

clean:
	rm -rf $(BUILD)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(CPPFLAGS) -c $< -o $@

-include $(shell find $(BUILD) -name '*.d' -type f 2>/dev/null)
