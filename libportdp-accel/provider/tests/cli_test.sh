#!/bin/sh
# The portdp provider under the stock openssl CLI: a key generated through the
# provider, pkeyutl sign verified by the default provider, ECDH equal to the
# default provider's, an X.509 certificate signed by the card key, s_server
# -key portdp:... with s_client over TLS 1.3 and TLS 1.2 on 127.0.0.1, and bad
# URIs refused with a clear error. TAP output; POSIX sh (busybox in the VM).
#
# On the host it runs on the soft backend (key files in a temp dir); the VM
# guest test (guest_provider_test.sh) runs the same checks on card slots by
# setting PORTDP_TEST_URI / PORTDP_TEST_BP_URI / PORTDP_TEST_MISSING_URI.
# Env: BUILD (default build), OPENSSL (default openssl), OPENSSL_MODULES,
# PORTDP_KEYTOOL.
set -u
top=$(cd "$(dirname "$0")/../../.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$top/$BUILD ;; esac
OPENSSL=${OPENSSL:-openssl}
export OPENSSL_MODULES=${OPENSSL_MODULES:-$BUILD/lib/ossl-modules}
KEYTOOL=${PORTDP_KEYTOOL:-$BUILD/libportdp-accel/provider/tests/portdp-keytool}
# Default first (README: "Provider order").
PROV="-provider default -provider portdp"

n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); echo "not ok $n - $1"; failed=1; }
check() { # check "name" command...
	name=$1
	shift
	if "$@" >"$tmp/out" 2>&1; then ok "$name"; else notok "$name"; sed 's/^/# /' "$tmp/out"; fi
}
fails() { # fails "name" command...: the command must fail
	name=$1
	shift
	if "$@" >"$tmp/out" 2>&1; then notok "$name"; else ok "$name"; fi
}

if [ ! -f "$OPENSSL_MODULES/portdp.so" ] || [ ! -x "$KEYTOOL" ]; then
	echo "not ok 1 - portdp.so ($OPENSSL_MODULES) or portdp-keytool ($KEYTOOL) missing"
	exit 1
fi
tmp=$(mktemp -d /tmp/portdp-cli-XXXXXX)
srv_pid=
cleanup() {
	[ -n "$srv_pid" ] && kill "$srv_pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
# Under the ASan+UBSan stage of `make check` (testbed/asan/env) the module is
# instrumented and the stock openssl is not: the sanitizer runtime is preloaded
# into openssl so the module runs checked. Leak detection is off for openssl
# alone (its own exit-time allocations); the module's leaks are checked in
# test_provider and portdp-keytool, which are ours.
if [ -n "${PORTDP_ASAN_RUNTIME:-}" ]; then
	printf '#!/bin/sh\nLD_PRELOAD=%s ASAN_OPTIONS="$ASAN_OPTIONS:detect_leaks=0" exec %s "$@"\n' \
		"$PORTDP_ASAN_RUNTIME" "$OPENSSL" >"$tmp/openssl"
	chmod +x "$tmp/openssl"
	OPENSSL=$tmp/openssl
fi

URI=${PORTDP_TEST_URI:-"portdp:soft;file=$tmp/card.pem"}
BP_URI=${PORTDP_TEST_BP_URI:-"portdp:soft;file=$tmp/card-bp.pem"}
MISSING_URI=${PORTDP_TEST_MISSING_URI:-"portdp:soft;file=$tmp/missing.pem"}

# Keys are made through the provider itself (keymgmt gen), then found by URI.
check "keytool gen: P-256 key at $URI" "$KEYTOOL" gen "$URI" prime256v1
cp "$tmp/out" "$tmp/pub.pem"
check "keytool gen: brainpoolP256r1 key at $BP_URI" "$KEYTOOL" gen "$BP_URI" brainpoolP256r1
cp "$tmp/out" "$tmp/bp-pub.pem"
check "keytool pub: the store gives back the same public key" \
	sh -c "'$KEYTOOL' pub '$URI' | cmp - '$tmp/pub.pem'"
fails "keytool gen refuses to overwrite a key" "$KEYTOOL" gen "$URI" prime256v1

# 1. pkeyutl: sign a SHA-256 digest with the card key, verify with default only.
head -c 4096 /dev/urandom >"$tmp/msg"
"$OPENSSL" dgst -sha256 -binary -out "$tmp/dgst" "$tmp/msg"
check "pkeyutl -sign with the card key (portdp listed first)" \
	"$OPENSSL" pkeyutl -sign -inkey "$URI" -provider portdp -provider default \
	-in "$tmp/dgst" -out "$tmp/sig"
check "pkeyutl -verify with the default provider only" \
	"$OPENSSL" pkeyutl -verify -pubin -inkey "$tmp/pub.pem" -in "$tmp/dgst" \
	-sigfile "$tmp/sig"
cp "$tmp/dgst" "$tmp/dgst2"
printf 'x' | dd of="$tmp/dgst2" bs=1 seek=3 conv=notrunc 2>/dev/null
fails "a changed digest does not verify" \
	"$OPENSSL" pkeyutl -verify -pubin -inkey "$tmp/pub.pem" -in "$tmp/dgst2" \
	-sigfile "$tmp/sig"
check "brainpoolP256r1: pkeyutl -sign, verified by default" sh -c \
	"'$OPENSSL' pkeyutl -sign -inkey '$BP_URI' $PROV -in '$tmp/dgst' -out '$tmp/bp-sig' &&
	 '$OPENSSL' pkeyutl -verify -pubin -inkey '$tmp/bp-pub.pem' -in '$tmp/dgst' \
	   -sigfile '$tmp/bp-sig'"
check "dgst -sign (digest-sign flow) verified by default" sh -c \
	"'$OPENSSL' dgst -sha256 -sign '$URI' $PROV -out '$tmp/sig2' '$tmp/msg' &&
	 '$OPENSSL' dgst -sha256 -verify '$tmp/pub.pem' -signature '$tmp/sig2' '$tmp/msg'"
check "pkey -pubout exports the public key" sh -c \
	"'$OPENSSL' pkey -in '$URI' $PROV -pubout | cmp - '$tmp/pub.pem'"
fails "private key export refused" "$OPENSSL" pkey -in "$URI" $PROV -out "$tmp/priv.pem"

# 2. ECDH: the card's Z equals the one the peer computes with the default provider.
check "ECDH: pkeyutl -derive with the card key = default provider's Z" sh -c \
	"'$OPENSSL' genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out '$tmp/peer.pem' &&
	 '$OPENSSL' pkey -in '$tmp/peer.pem' -pubout -out '$tmp/peer-pub.pem' &&
	 '$OPENSSL' pkeyutl -derive -inkey '$URI' $PROV -peerkey '$tmp/peer-pub.pem' \
	   -out '$tmp/z-card' &&
	 '$OPENSSL' pkeyutl -derive -inkey '$tmp/peer.pem' -peerkey '$tmp/pub.pem' \
	   -out '$tmp/z-peer' && cmp '$tmp/z-card' '$tmp/z-peer' && test -s '$tmp/z-card'"

# 3. A self-signed certificate made by the card key, then TLS with it.
check "req -x509 signed by the card key, verified by default" sh -c \
	"'$OPENSSL' req -new -x509 -key '$URI' $PROV -subj /CN=localhost -days 2 \
	   -out '$tmp/cert.pem' && '$OPENSSL' verify -CAfile '$tmp/cert.pem' '$tmp/cert.pem'"

# s_server with the card key; s_client checks the chain. Bounded by timeouts.
tls_round() { # tls_round name version server-provider-args...
	name=$1
	ver=$2
	shift 2
	port=$((20000 + ($$ + n) % 20000))
	# Empty the log here: the background job truncates it only when it gets to
	# run, and the wait below must not see the previous round's ACCEPT.
	: >"$tmp/srv.log"
	timeout 30 "$OPENSSL" s_server -accept "127.0.0.1:$port" -naccept 1 -www \
		-cert "$tmp/cert.pem" -key "$URI" "$@" "$ver" >"$tmp/srv.log" 2>&1 &
	srv_pid=$!
	i=0
	while [ $i -lt 100 ] && ! grep -q ACCEPT "$tmp/srv.log" 2>/dev/null; do
		sleep 0.1
		i=$((i + 1))
	done
	printf 'GET / HTTP/1.0\r\n\r\n' | timeout 20 "$OPENSSL" s_client -brief \
		-connect "127.0.0.1:$port" -CAfile "$tmp/cert.pem" -verify_return_error \
		-groups P-256:X25519 -ign_eof "$ver" >"$tmp/cli.log" 2>&1
	wait "$srv_pid"
	srv_pid=
	if grep -q "Verification: OK" "$tmp/cli.log" &&
		grep -q "Signature type: ECDSA" "$tmp/cli.log" &&
		grep -q "HTTP/1.0 200 ok" "$tmp/cli.log"; then
		ok "$name"
	else
		notok "$name"
		sed 's/^/# client: /' "$tmp/cli.log"
		sed 's/^/# server: /' "$tmp/srv.log" | tail -n 5
	fi
}
tls_round "s_server -key portdp: TLS 1.3 handshake + HTTP" -tls1_3 $PROV
tls_round "s_server -key portdp: TLS 1.2 handshake + HTTP" -tls1_2 $PROV
# With portdp listed first the default provider must be preferred by property.
tls_round "TLS 1.2 with portdp first and -propquery ?provider=default" -tls1_2 \
	-provider portdp -provider default -propquery '?provider=default'

# 4. Bad URIs: refused before any key is touched, with the reason.
bad_uri() { # bad_uri uri reason
	if "$OPENSSL" pkeyutl -sign -inkey "$1" $PROV -in "$tmp/dgst" \
		-out "$tmp/badsig" >"$tmp/out" 2>&1; then
		notok "bad URI $1 refused"
	elif grep -q "$2" "$tmp/out"; then
		ok "bad URI $1 refused: $2"
	else
		notok "bad URI $1 refused with '$2'"
		sed 's/^/# /' "$tmp/out"
	fi
}
bad_uri "portdp:soft;slot=2" "not on the soft backend"
bad_uri "portdp:slot=1;file=/x.pem" "name exactly one key"
bad_uri "portdp:dev=relative;slot=1" "absolute device path"
bad_uri "portdp:dev=/dev/portdp-nonexistent;slot=1" "accelerator not available"
bad_uri "$MISSING_URI" "no such key"

echo "1..$n"
exit $failed
