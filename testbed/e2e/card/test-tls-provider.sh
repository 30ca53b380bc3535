#!/bin/bash
# portdpd with its TLS key behind the "portdp" OpenSSL provider, on the host:
# the provider's soft form (portdp:soft;file=...) stands in for a card slot
# (the card itself is tested in the VM guest, guest-e2e-card.sh). A full
# download over that TLS, and every bad configuration refused at start with
# a message that names the cause.
set -u
. "$(dirname "$0")/../lib.sh"
e2e_init tlsprov
MODULES=${E2E_OSSL_MODULES:-$BUILD/lib/ossl-modules}
[ -f "$MODULES/portdp.so" ] || { echo "Bail out! $MODULES/portdp.so not built"; exit 1; }
E2E_DB=$E2E_DIR/inventory.db
PKI=$E2E_DIR/pki
make_pki "$PKI" -n 1
tap $? "test PKI"
ctl init >/dev/null
UPP=$TESTDATA/ts48/TS48V1-A-UNIQUE.der
ctl import --matching-id TLSPROV1 "$UPP" >/dev/null
tap $? "one TS.48 profile imported"

PORT=$(free_port)
CONF=$E2E_DIR/portdpd.conf
# conf TLS_KEY [MODULES]: the e2e configuration with another TLS key line.
conf() {
	write_conf "$CONF" "$PORT" "$E2E_DB" "$PKI"
	sed -i "s|^tls_key = .*|tls_key = $1|" "$CONF"
	echo "ossl_modules = ${2:-$MODULES}" >>"$CONF"
}

# refused NAME EXPECTED-MESSAGE TLS_KEY [MODULES]: portdpd must not start.
refused() {
	local name=$1 want=$2 out
	conf "$3" "${4:-}"
	out=$(timeout 20 "$BIN/portdpd" -c "$CONF" --foreground 2>&1)
	local rc=$?
	if [ "$rc" -eq 0 ] || [ "$rc" -eq 124 ] || ! grep -q -- "$want" <<<"$out"; then
		echo "# status $rc, output: $out"
		tap 1 "$name"
	else
		tap 0 "$name"
	fi
}

refused "portdpd refuses a portdp: URI the provider rejects" "bad portdp URI" \
	"portdp:soft;file=$PKI/dptls-key.pem;colour=blue"
refused "portdpd refuses a TLS key that does not match the certificate" "does not match" \
	"portdp:soft;file=$PKI/dpauth-key.pem"
refused "portdpd refuses a missing key file behind the provider" "cannot open key\|no private key" \
	"portdp:soft;file=$E2E_DIR/no-such-key.pem"
refused "portdpd names the provider it could not load" "cannot load OpenSSL provider portdp" \
	"portdp:soft;file=$PKI/dptls-key.pem" "$E2E_DIR/empty-modules"
refused "portdpd refuses a key URI scheme it does not know" "want file:/path or portdp:" \
	"pkcs11:token=x"

conf "portdp:soft;file=$PKI/dptls-key.pem"
start_portdpd "$CONF" "$PORT"
tap $? "portdpd started with its TLS key through the portdp provider"

EDIR=$E2E_DIR/eu
euicc_dir "$PKI" "$(head -1 "$PKI/euicc/list.txt")" "$EDIR"
out=$E2E_DIR/out.der
lpa "$PORT" "$PKI" "$EDIR" --ac "$(ac "$PORT" TLSPROV1)" --out "$out" >/dev/null 2>&1 &&
	cmp -s "$out" "$UPP"
tap $? "download over TLS signed by the provider key, UPP byte-identical"

# The server's certificate is what the LPA saw: check the handshake once more
# with the openssl CLI against the CI, so the key really signed for it.
echo | timeout 10 openssl s_client -connect "127.0.0.1:$PORT" -servername "$SMDP_HOST" \
	-CAfile "$PKI/ci.pem" -verify_return_error -brief >"$E2E_DIR/sclient.log" 2>&1
tap $? "openssl s_client: handshake verified against the test CI"
[ "$(ctl_count installed)" -eq 1 ]
tap $? "inventory shows the profile installed"
stop_portdpd
tap_done
