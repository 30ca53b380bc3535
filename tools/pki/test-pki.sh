#!/bin/sh
# TAP test of portdp-pki: the files it promises, 1000 eUICCs in seconds with
# valid EIDs, and chains that stock `openssl verify` accepts (TLS, DP certs).
BUILD=${BUILD:-build}
PKI=$BUILD/bin/portdp-pki
n=0
fail=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() { n=$((n + 1)); fail=1; echo "not ok $n - $1"; }
check() { desc=$1; shift; if "$@" >/dev/null 2>&1; then ok "$desc"; else nok "$desc"; fi; }

echo "1..18"
[ -x "$PKI" ] || { for i in $(seq 1 15); do echo "not ok $i - $PKI missing"; done; exit 1; }
dir=$(mktemp -d /tmp/portdp-test-pki-XXXXXX)
trap 'rm -rf "$dir"' EXIT

check "--help documents the output files" sh -c "'$PKI' --help | grep -q 'euicc/EID.der'"
check "bad curve is refused" sh -c "! '$PKI' --curve p384 '$dir/x'"
check "bad EID prefix is refused" sh -c "! '$PKI' --eid-prefix 89a '$dir/x'"
check "bad SAN is refused, nothing written" sh -c "! '$PKI' --san mail:x '$dir/x' && [ ! -e '$dir/x' ]"

start=$(date +%s)
if timeout 60 "$PKI" -n 1000 "$dir/p" >/dev/null; then ok "1000 eUICCs generated"; else nok "1000 eUICCs generated"; fi
secs=$(( $(date +%s) - start ))
if [ "$secs" -le 10 ]; then ok "1000 eUICCs took ${secs}s (<= 10)"; else nok "1000 eUICCs took ${secs}s"; fi

count=$(ls "$dir/p/euicc/" | grep -c '^[0-9]\{32\}\.der$')
[ "$count" = 1000 ] && [ "$(wc -l <"$dir/p/euicc/list.txt")" = 1000 ] \
	&& ok "1000 eUICC certs and list.txt" || nok "found $count eUICC certs"

# Each EID mod 97 must be 1 (check digits), computed digit by digit.
bad=$(awk '{ r = 0; for (i = 1; i <= length($0); i++) r = (r * 10 + substr($0, i, 1)) % 97;
	if (r != 1 || length($0) != 32) print }' "$dir/p/euicc/list.txt" | wc -l)
[ "$bad" = 0 ] && ok "every EID has valid check digits" || nok "$bad EIDs with bad check digits"

check "openssl verify: TLS cert for localhost and 127.0.0.1" \
	openssl verify -CAfile "$dir/p/ci.pem" -purpose sslserver -verify_hostname localhost \
	-verify_ip 127.0.0.1 "$dir/p/dptls.pem"
check "openssl verify: DPauth and DPpb" \
	openssl verify -CAfile "$dir/p/ci.pem" "$dir/p/dpauth.pem" "$dir/p/dppb.pem"

"$PKI" --curve bp256 --san DNS:smdp.example.test "$dir/q" >/dev/null 2>&1
check "custom SAN: verify for smdp.example.test" \
	openssl verify -CAfile "$dir/q/ci.pem" -verify_hostname smdp.example.test "$dir/q/dptls.pem"
check "custom SAN: localhost no longer matches" sh -c \
	"! openssl verify -CAfile '$dir/q/ci.pem' -verify_hostname localhost '$dir/q/dptls.pem'"
# Private keys are the owner's alone, in directories only the owner can enter;
# a key left 0644 by an earlier run is cut back to 0600 when rewritten.
loose=$(find "$dir/p" "$dir/q" -name '*-key.pem' -perm /077 | wc -l)
keys=$(find "$dir/p" -name '*-key.pem' | wc -l)
[ "$loose" = 0 ] && [ "$keys" -ge 1005 ] && ok "$keys private keys, none readable by group/other" \
	|| nok "$loose of the private keys are readable by group/other"
dirs=$(find "$dir/p" "$dir/q" -type d ! -perm 700 | wc -l)
[ "$dirs" = 0 ] && ok "output directories are 0700" || nok "$dirs output directories are not 0700"
chmod 644 "$dir/q/dptls-key.pem"
"$PKI" --curve bp256 "$dir/q" >/dev/null 2>&1
[ "$(stat -c %a "$dir/q/dptls-key.pem")" = 600 ] && ok "a rewritten 0644 key becomes 0600" \
	|| nok "a rewritten 0644 key stays $(stat -c %a "$dir/q/dptls-key.pem")"
"$PKI" -n 0 --operator opA --operator opB "$dir/o" >/dev/null 2>&1
check "--operator: operator clients and the unit verify as TLS clients under opca" \
	openssl verify -CAfile "$dir/o/operators/opca.pem" -purpose sslclient \
	"$dir/o/operators/opA.pem" "$dir/o/operators/opB.pem" "$dir/o/operators/unit.pem"
check "--operator: the operators' server verifies for 127.0.0.1" \
	openssl verify -CAfile "$dir/o/operators/opca.pem" -purpose sslserver -verify_ip 127.0.0.1 \
	"$dir/o/operators/opsrv.pem"
check "--operator: a bad name is refused" sh -c "! '$PKI' --operator 'a b' '$dir/r'"
exit $fail
