#!/bin/bash
# The portdp provider under the stock openssl CLI, on the soft backend (any
# host): pkeyutl sign verified by the default provider, an X.509 certificate
# signed by the card key, s_server -key portdp:... with s_client over TLS 1.3
# and TLS 1.2 on 127.0.0.1, and bad URIs refused with a clear error.
# TAP output. Env: BUILD (default build), OPENSSL (default openssl).
set -u
top=$(cd "$(dirname "$0")/../../.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$top/$BUILD ;; esac
OPENSSL=${OPENSSL:-openssl}
export OPENSSL_MODULES=$BUILD/lib/ossl-modules
KEYTOOL=$BUILD/libportdp-accel/provider/tests/portdp-keytool
# Default first (README: "Provider order").
PROV="-provider default -provider portdp"

n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); echo "not ok $n - $1"; failed=1; }
check() { # check "name" command...
	local name=$1
	shift
	if "$@" >"$tmp/out" 2>&1; then ok "$name"; else notok "$name"; sed 's/^/# /' "$tmp/out"; fi
}

if [ ! -f "$OPENSSL_MODULES/portdp.so" ] || [ ! -x "$KEYTOOL" ]; then
	echo "1..0 # SKIP portdp.so or portdp-keytool not built"
	exit 1
fi
tmp=$(mktemp -d /tmp/portdp-cli-XXXXXX)
srv_pid=
cleanup() {
	[ -n "$srv_pid" ] && kill "$srv_pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

# The key is made through the provider itself (keymgmt gen into a soft file).
URI="portdp:soft;file=$tmp/card.pem"
check "keytool gen makes a P-256 key through the provider" \
	"$KEYTOOL" gen "$URI" prime256v1
cp "$tmp/out" "$tmp/pub.pem"

# 1. pkeyutl: sign a SHA-256 digest with the card key, verify with default only.
head -c 4096 /dev/urandom >"$tmp/msg"
"$OPENSSL" dgst -sha256 -binary -out "$tmp/dgst" "$tmp/msg"
check "pkeyutl -sign with the card key (portdp listed first)" \
	"$OPENSSL" pkeyutl -sign -inkey "$URI" -provider portdp -provider default \
	-in "$tmp/dgst" -out "$tmp/sig"
check "pkeyutl -verify with the default provider only" \
	"$OPENSSL" pkeyutl -verify -pubin -inkey "$tmp/pub.pem" -in "$tmp/dgst" \
	-sigfile "$tmp/sig"
printf 'x' | dd of="$tmp/dgst" bs=1 seek=3 conv=notrunc status=none
if "$OPENSSL" pkeyutl -verify -pubin -inkey "$tmp/pub.pem" -in "$tmp/dgst" \
	-sigfile "$tmp/sig" >/dev/null 2>&1; then
	notok "a changed digest does not verify"
else
	ok "a changed digest does not verify"
fi
check "dgst -sign (digest-sign flow) verified by default" bash -c \
	"'$OPENSSL' dgst -sha256 -sign '$URI' $PROV -out '$tmp/sig2' '$tmp/msg' &&
	 '$OPENSSL' dgst -sha256 -verify '$tmp/pub.pem' -signature '$tmp/sig2' '$tmp/msg'"
check "pkey -pubout exports the public key only" bash -c \
	"'$OPENSSL' pkey -in '$URI' $PROV -pubout | cmp - '$tmp/pub.pem'"
if "$OPENSSL" pkey -in "$URI" $PROV -out "$tmp/priv.pem" >/dev/null 2>&1; then
	notok "private key export refused"
else
	ok "private key export refused"
fi

# 2. A self-signed certificate made by the card key, then TLS with it.
check "req -x509 signed by the card key, verified by default" bash -c \
	"'$OPENSSL' req -new -x509 -key '$URI' $PROV -subj /CN=localhost -days 2 \
	   -out '$tmp/cert.pem' && '$OPENSSL' verify -CAfile '$tmp/cert.pem' '$tmp/cert.pem'"

# s_server with the card key; s_client checks the chain. Bounded by timeouts.
tls_round() { # tls_round name version server-provider-args...
	local name=$1 ver=$2 port
	shift 2
	port=$((20000 + RANDOM % 20000))
	timeout 20 "$OPENSSL" s_server -accept "127.0.0.1:$port" -naccept 1 -www \
		-cert "$tmp/cert.pem" -key "$URI" "$@" "$ver" >"$tmp/srv.log" 2>&1 &
	srv_pid=$!
	for _ in $(seq 50); do
		grep -q ACCEPT "$tmp/srv.log" 2>/dev/null && break
		sleep 0.1
	done
	printf 'GET / HTTP/1.0\r\n\r\n' | timeout 10 "$OPENSSL" s_client -brief \
		-connect "127.0.0.1:$port" -CAfile "$tmp/cert.pem" -verify_return_error \
		-groups P-256:X25519 -ign_eof "$ver" >"$tmp/cli.log" 2>&1
	wait "$srv_pid"
	srv_pid=
	if grep -q "Verification: OK" "$tmp/cli.log" && grep -q "Signature type: ECDSA" \
		"$tmp/cli.log" && grep -q "HTTP/1.0 200 ok" "$tmp/cli.log"; then
		ok "$name"
	else
		notok "$name"
		sed 's/^/# client: /' "$tmp/cli.log"
		sed 's/^/# server: /' "$tmp/srv.log"
	fi
}
tls_round "s_server -key portdp: TLS 1.3 handshake + HTTP" -tls1_3 $PROV
tls_round "s_server -key portdp: TLS 1.2 handshake + HTTP" -tls1_2 $PROV
# With portdp listed first the default provider must be preferred by property.
tls_round "TLS 1.2 with portdp first and -propquery ?provider=default" -tls1_2 \
	-provider portdp -provider default -propquery '?provider=default'

# 3. Bad URIs: refused before any key is touched, with the reason.
bad_uri() { # bad_uri uri reason
	if "$OPENSSL" pkeyutl -sign -inkey "$1" $PROV -in "$tmp/msg" \
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
bad_uri "portdp:soft;file=$tmp/missing.pem" "no such key"

echo "1..$n"
exit $failed
