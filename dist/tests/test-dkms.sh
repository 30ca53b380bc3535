#!/bin/bash
# The driver as the portdp-accel-dkms package ships it: the DKMS source tree
# from `make install-dkms` is added, built and installed by dkms itself for
# the installed Debian kernel (kernel/kver), with private dkms, source and
# module trees (the machine's /var/lib/dkms and /lib/modules are not used).
# The module dkms builds is the one the VM suite loads: same code (.text),
# same symbols, same modinfo as build/kmod/kernel/portdp_accel.ko.
set -u
. "$(dirname "$0")/../../testbed/e2e/lib.sh"
TAP_N=0
KVER=$("$E2E_ROOT/kernel/kver") || { echo "1..0 # SKIP no Debian kernel with headers"; exit 0; }
command -v dkms >/dev/null || { echo "1..0 # SKIP dkms not installed"; exit 0; }
E2E_DIR=$(mktemp -d /tmp/portdp-dkms-XXXXXX)
trap e2e_cleanup EXIT
VERSION=$(sed -n 's/^PORTDP_VERSION := //p' "$E2E_ROOT/Makefile")
ROOT=$E2E_DIR/root
TREES=(--sourcetree "$ROOT/usr/src" --dkmstree "$E2E_DIR/dkms" --installtree "$E2E_DIR/modules")
mkdir -p "$E2E_DIR/dkms" "$E2E_DIR/modules/$KVER"

make -s -C "$E2E_ROOT" BUILD="$BUILD" DESTDIR="$ROOT" install-dkms >"$E2E_DIR/install.log" 2>&1 &&
	[ -f "$ROOT/usr/src/portdp-accel-$VERSION/dkms.conf" ]
tap $? "make install-dkms: /usr/src/portdp-accel-$VERSION with dkms.conf"

dkms_run() {
	dkms "$@" -m portdp-accel -v "$VERSION" "${TREES[@]}" >>"$E2E_DIR/dkms.log" 2>&1 ||
		{ tail -n 15 "$E2E_DIR/dkms.log" | sed 's/^/# /'; return 1; }
}
dkms_run add
tap $? "dkms add"
dkms_run build -k "$KVER"
tap $? "dkms build for $KVER"
dkms_run install -k "$KVER" --no-depmod
KO=$E2E_DIR/modules/$KVER/updates/dkms/portdp_accel.ko
[ -f "$KO" ] && [ "$(modinfo -F vermagic "$KO" | cut -d' ' -f1)" = "$KVER" ]
tap $? "dkms install: updates/dkms/portdp_accel.ko for $KVER"
dkms status -m portdp-accel "${TREES[@]}" 2>/dev/null | grep -q "portdp-accel/$VERSION, $KVER, .*: installed"
tap $? "dkms status: installed"

# The module the VM suite loads (kernel/kernel.mk), built if it is not yet.
make -s -C "$E2E_ROOT" BUILD="$BUILD" kernel >"$E2E_DIR/kernel.log" 2>&1
REF=$BUILD/kmod/kernel/portdp_accel.ko
text() { objcopy -O binary -j .text "$1" /dev/stdout; }
info() { modinfo "$1" | grep -vE '^(filename|sig|signer|signature)|^[[:space:]]'; }
[ -f "$REF" ] && cmp -s <(text "$REF") <(text "$KO") &&
	diff -q <(nm "$REF" | awk '{print $NF}' | sort) <(nm "$KO" | awk '{print $NF}' | sort) >/dev/null &&
	diff -q <(info "$REF") <(info "$KO") >/dev/null
tap $? "same code, symbols and modinfo as $REF (the VM suite's)"
dkms_run remove --all
tap $? "dkms remove"
tap_done
