# appliance/: one block per room, each appends to LIBS/PROGRAMS/TESTS.

# --- rsp ---
# DER codec, SGP.22 message codecs, UPP header, BPP build and open.
RSP_LIB := $(BUILD)/librsp.a
RSP_CPPFLAGS := -Iappliance/rsp
# --- end rsp ---
