#!/bin/sh
# The portdp ENGINE under the stock openssl CLI, as engine-only programs use
# it (-engine portdp -keyform engine): pkeyutl sign verified without the
# engine (P-256 and brainpoolP256r1), ECDH equal to the peer's, a certificate
# signed by the key, s_server with s_client over TLS 1.3 and TLS 1.2 on
# 127.0.0.1, bad URIs refused with the reason. TAP output; POSIX sh (busybox
# in the VM).
#
# On the host it runs on the soft backend (key files in a temp dir); in the VM
# guest, guest_engine_test.sh runs it on card slots (PORTDP_TEST_URI,
# PORTDP_TEST_BP_URI, PORTDP_TEST_MISSING_URI). Keys are made by the
# provider's portdp-keytool: the engine has no key generation (a key is
# provisioned, then used).
# Env: BUILD (default build), OPENSSL, OPENSSL_ENGINES, OPENSSL_MODULES,
# PORTDP_KEYTOOL.
set -u
top=$(cd "$(dirname "$0")/../../.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$top/$BUILD ;; esac
OPENSSL=${OPENSSL:-openssl}
export OPENSSL_ENGINES=${OPENSSL_ENGINES:-$BUILD/lib/engines}
export OPENSSL_MODULES=${OPENSSL_MODULES:-$BUILD/lib/ossl-modules}
KEYTOOL=${PORTDP_KEYTOOL:-$BUILD/libportdp-accel/provider/tests/portdp-keytool}
ENG="-engine portdp -keyform engine"

n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); echo "not ok $n - $1"; failed=1; }
check() { # check "name" command...
	name=$1
	shift
	if "$@" >"$tmp/out" 2>&1; then ok "$name"; else notok "$name"; sed 's/^/# /' "$tmp/out"; fi
}

if [ ! -f "$OPENSSL_ENGINES/portdp.so" ] || [ ! -x "$KEYTOOL" ]; then
	echo "not ok 1 - portdp.so ($OPENSSL_ENGINES) or portdp-keytool ($KEYTOOL) missing"
	exit 1
fi
tmp=$(mktemp -d /tmp/portdp-eng-XXXXXX)
srv_pid=
cleanup() {
	[ -n "$srv_pid" ] && kill "$srv_pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
# The ASan stage: the instrumented engine in the stock openssl (see the
# provider's cli_test.sh).
if [ -n "${PORTDP_ASAN_RUNTIME:-}" ]; then
	printf '#!/bin/sh\nLD_PRELOAD=%s ASAN_OPTIONS="$ASAN_OPTIONS:detect_leaks=0" exec %s "$@"\n' \
		"$PORTDP_ASAN_RUNTIME" "$OPENSSL" >"$tmp/openssl"
	chmod +x "$tmp/openssl"
	OPENSSL=$tmp/openssl
fi

URI=${PORTDP_TEST_URI:-"portdp:soft;file=$tmp/card.pem"}
BP_URI=${PORTDP_TEST_BP_URI:-"portdp:soft;file=$tmp/card-bp.pem"}
MISSING_URI=${PORTDP_TEST_MISSING_URI:-"portdp:soft;file=$tmp/missing.pem"}

check "openssl engine -t: portdp loads and is available" sh -c \
	"'$OPENSSL' engine -t portdp | grep -q 'available'"
check "keytool gen: P-256 key at $URI" "$KEYTOOL" gen "$URI" prime256v1
cp "$tmp/out" "$tmp/pub.pem"
check "keytool gen: brainpoolP256r1 key at $BP_URI" "$KEYTOOL" gen "$BP_URI" brainpoolP256r1
cp "$tmp/out" "$tmp/bp-pub.pem"

# 1. pkeyutl -engine: sign a SHA-256 digest, verify without the engine.
head -c 4096 /dev/urandom >"$tmp/msg"
"$OPENSSL" dgst -sha256 -binary -out "$tmp/dgst" "$tmp/msg"
check "pkeyutl -engine portdp -keyform engine -sign" \
	"$OPENSSL" pkeyutl $ENG -sign -inkey "$URI" -in "$tmp/dgst" -out "$tmp/sig"
check "the signature verifies with the public key (no engine)" \
	"$OPENSSL" pkeyutl -verify -pubin -inkey "$tmp/pub.pem" -in "$tmp/dgst" -sigfile "$tmp/sig"
cp "$tmp/dgst" "$tmp/dgst2"
printf 'x' | dd of="$tmp/dgst2" bs=1 seek=3 conv=notrunc 2>/dev/null
if "$OPENSSL" pkeyutl -verify -pubin -inkey "$tmp/pub.pem" -in "$tmp/dgst2" \
	-sigfile "$tmp/sig" >"$tmp/out" 2>&1; then
	notok "a changed digest does not verify"
else
	ok "a changed digest does not verify"
fi
check "brainpoolP256r1: sign with the engine, verify without" sh -c \
	"'$OPENSSL' pkeyutl $ENG -sign -inkey '$BP_URI' -in '$tmp/dgst' -out '$tmp/bp-sig' &&
	 '$OPENSSL' pkeyutl -verify -pubin -inkey '$tmp/bp-pub.pem' -in '$tmp/dgst' \
	   -sigfile '$tmp/bp-sig'"
check "the engine's key has the public key of the slot" sh -c \
	"'$OPENSSL' pkey -engine portdp -inform engine -in '$URI' -pubout | cmp - '$tmp/pub.pem'"

# 2. ECDH (EC_KEY_METHOD compute_key): the card's Z equals the peer's.
check "pkeyutl -engine -derive: Z equals the peer's" sh -c \
	"'$OPENSSL' genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out '$tmp/peer.pem' &&
	 '$OPENSSL' pkey -in '$tmp/peer.pem' -pubout -out '$tmp/peer-pub.pem' &&
	 '$OPENSSL' pkeyutl $ENG -derive -inkey '$URI' -peerkey '$tmp/peer-pub.pem' \
	   -out '$tmp/z-card' &&
	 '$OPENSSL' pkeyutl -derive -inkey '$tmp/peer.pem' -peerkey '$tmp/pub.pem' \
	   -out '$tmp/z-peer' && cmp '$tmp/z-card' '$tmp/z-peer' && test -s '$tmp/z-card'"

# 3. A certificate signed by the key, then TLS with the engine's key.
check "req -x509 -engine portdp -keyform engine, verified without the engine" sh -c \
	"'$OPENSSL' req -new -x509 $ENG -key '$URI' -subj /CN=localhost -days 2 \
	   -out '$tmp/cert.pem' && '$OPENSSL' verify -CAfile '$tmp/cert.pem' '$tmp/cert.pem'"

tls_round() { # tls_round name version
	port=$((20000 + ($$ + n + 7) % 20000))
	: >"$tmp/srv.log"
	timeout 30 "$OPENSSL" s_server -accept "127.0.0.1:$port" -naccept 1 -www \
		-cert "$tmp/cert.pem" $ENG -key "$URI" "$2" >"$tmp/srv.log" 2>&1 &
	srv_pid=$!
	i=0
	while [ $i -lt 100 ] && ! grep -q ACCEPT "$tmp/srv.log" 2>/dev/null; do
		sleep 0.1
		i=$((i + 1))
	done
	printf 'GET / HTTP/1.0\r\n\r\n' | timeout 20 "$OPENSSL" s_client -brief \
		-connect "127.0.0.1:$port" -CAfile "$tmp/cert.pem" -verify_return_error \
		-groups P-256:X25519 -ign_eof "$2" >"$tmp/cli.log" 2>&1
	wait "$srv_pid"
	srv_pid=
	if grep -q "Verification: OK" "$tmp/cli.log" &&
		grep -q "Signature type: ECDSA" "$tmp/cli.log" &&
		grep -q "HTTP/1.0 200 ok" "$tmp/cli.log"; then
		ok "$1"
	else
		notok "$1"
		sed 's/^/# client: /' "$tmp/cli.log"
		sed 's/^/# server: /' "$tmp/srv.log" | tail -n 5
	fi
}
tls_round "s_server -engine portdp -keyform engine: TLS 1.3 handshake + HTTP" -tls1_3
tls_round "s_server -engine portdp -keyform engine: TLS 1.2 handshake + HTTP" -tls1_2

# 4. Bad URIs and a missing key: refused, with the reason.
bad_uri() { # bad_uri uri reason
	if "$OPENSSL" pkeyutl $ENG -sign -inkey "$1" -in "$tmp/dgst" \
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
bad_uri "pkcs11:object=x" "bad portdp URI"
bad_uri "$MISSING_URI" "cannot load key"

echo "1..$n"
exit $failed
