# libportdp-accel: the crypto API (soft backend over OpenSSL 3), SCP03t and
# SGP.22 certificate checks. Dependents link $(ACCEL_LIBS) and compile with
# $(ACCEL_CPPFLAGS).

ACCEL_CPPFLAGS := -Ilibportdp-accel/include
ACCEL_LIBS := $(BUILD)/libportdp-accel.a -lcrypto

ACCEL_SRCS := $(wildcard libportdp-accel/src/*.c)
ACCEL_OBJS := $(ACCEL_SRCS:%.c=$(BUILD)/%.o)

$(ACCEL_OBJS): CPPFLAGS += $(ACCEL_CPPFLAGS) -Ilibportdp-accel/src

$(BUILD)/libportdp-accel.a: $(ACCEL_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@
	$(AR) rcs $@ $^

LIBS += $(BUILD)/libportdp-accel.a
