#!/bin/bash
# E2E (e): garbage at every layer (TLS records, HTTP, JSON, base64, DER,
# oversized bodies) is answered with the right error and changes nothing;
# portdpd keeps serving real downloads afterwards.
set -u
. "$(dirname "$0")/lib.sh"
e2e_init garbage
E2E_DB=$E2E_DIR/inventory.db
PKI=$E2E_DIR/pki
make_pki "$PKI" -n 1
mapfile -t EIDS <"$PKI/euicc/list.txt"
euicc_dir "$PKI" "${EIDS[0]}" "$E2E_DIR/e0"
ctl init >/dev/null
ctl import --matching-id GB0 "$(ls "$TESTDATA"/ts48/*-UNIQUE.der | head -1)" >/dev/null 2>&1
PORT=$(free_port)
write_conf "$E2E_DIR/portdpd.conf" "$PORT" "$E2E_DB" "$PKI"
start_portdpd "$E2E_DIR/portdpd.conf" "$PORT"
tap $? "portdpd started"
BEFORE=$(ctl_snapshot)
URL=https://$SMDP_HOST:$PORT/gsma/rsp2/es9plus

# post FUNCTION BODY-FILE [curl options]: prints "HTTP-STATUS BODY".
post() {
	local fn=$1 body=$2
	shift 2
	curl -s --max-time 10 --cacert "$PKI/ci.pem" --resolve "$SMDP_HOST:$PORT:127.0.0.1" \
		-H 'Content-Type: application/json' -H 'X-Admin-Protocol: gsma/rsp/v2.2.2' \
		-A gsma-rsp-lpad --data-binary "@$body" -w '\n%{http_code}' "$@" "$URL/$fn" |
		awk '{l[NR]=$0} END {printf "%s", l[NR]; for (i = 1; i < NR; i++) printf " %s", l[i]; print ""}'
}

# expect NAME FUNCTION BODY PATTERN: the answer ("STATUS BODY") matches PATTERN.
expect() {
	local name=$1 fn=$2 body=$3 pat=$4 got
	printf '%s' "$body" >"$E2E_DIR/body"
	got=$(post "$fn" "$E2E_DIR/body")
	echo "$got" | grep -qE "$pat"
	tap $? "$name -> $(echo "$got" | cut -c1-150)"
}

FAILED='^200 .*"status" *: *"Failed"'
CH=$(head -c 16 /dev/urandom | base64)
expect "body is not JSON" initiateAuthentication 'hello{' \
	"$FAILED.*\"subjectCode\" *: *\"1.2\".*\"reasonCode\" *: *\"2.1\"|^400 "
expect "JSON array, not an object" initiateAuthentication '[1,2]' \
	"$FAILED.*\"reasonCode\" *: *\"2.1\"|^400 "
expect "mandatory field missing" initiateAuthentication \
	"{\"smdpAddress\":\"$SMDP_HOST\",\"euiccChallenge\":\"$CH\"}" \
	"$FAILED.*\"reasonCode\" *: *\"2.2\""
expect "bad base64" initiateAuthentication \
	"{\"smdpAddress\":\"$SMDP_HOST\",\"euiccChallenge\":\"***\",\"euiccInfo1\":\"AAAA\"}" \
	"$FAILED.*\"reasonCode\" *: *\"2.1\""
expect "garbage DER in euiccInfo1" initiateAuthentication \
	"{\"smdpAddress\":\"$SMDP_HOST\",\"euiccChallenge\":\"$CH\",\"euiccInfo1\":\"vyD/////\"}" \
	"$FAILED.*\"reasonCode\" *: *\"2.1\""
expect "truncated DER in authenticateServerResponse" authenticateClient \
	'{"transactionId":"00112233445566778899AABBCCDDEEFF","authenticateServerResponse":"vzgEoAIwAA=="}' \
	"$FAILED"
expect "unknown transactionId" getBoundProfilePackage \
	'{"transactionId":"00112233445566778899AABBCCDDEEFF","prepareDownloadResponse":"vyEXoRWAEAARIjNEVWZ3iJmqu8zd7v8CAQU="}' \
	"$FAILED.*\"subjectCode\" *: *\"8.10.1\""
expect "garbage pendingNotification" handleNotification '{"pendingNotification":"vzcBAA=="}' \
	"$FAILED|^204"
expect "unknown function" noSuchFunction '{}' '^404'

head -c 200000 /dev/zero | tr '\0' 'A' >"$E2E_DIR/big"
got=$(post initiateAuthentication "$E2E_DIR/big")
# 413, or the connection closed while curl was still sending (then curl saw no status)
echo "$got" | grep -qE '^(413|000)' && kill -0 "$DPD_PID"
tap $? "oversized body (200000 bytes) refused -> $(echo "$got" | cut -c1-60)"

got=$(curl -s --max-time 10 --cacert "$PKI/ci.pem" --resolve "$SMDP_HOST:$PORT:127.0.0.1" \
	-o /dev/null -w '%{http_code}' "$URL/initiateAuthentication")
[ "$got" = 405 ] || [ "$got" = 400 ]
tap $? "GET instead of POST -> $got"

# Raw TLS: a truncated request, then garbage instead of HTTP; then no TLS at all.
printf 'POST /gsma/rsp2/es9plus/initiateAuthentication HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\n\r\n{"smdp' |
	timeout 10 openssl s_client -quiet -connect "127.0.0.1:$PORT" -servername "$SMDP_HOST" \
		-CAfile "$PKI/ci.pem" >/dev/null 2>&1
head -c 4000 /dev/urandom | timeout 10 openssl s_client -quiet -connect "127.0.0.1:$PORT" \
	-servername "$SMDP_HOST" -CAfile "$PKI/ci.pem" >/dev/null 2>&1
head -c 4000 /dev/urandom | timeout 5 bash -c "cat >/dev/tcp/127.0.0.1/$PORT" 2>/dev/null
kill -0 "$DPD_PID"
tap $? "truncated HTTP, garbage HTTP and non-TLS bytes: portdpd still running"

[ "$BEFORE" = "$(ctl_snapshot)" ]
tap $? "inventory and audit log unchanged by all of it"
out=$E2E_DIR/out.der
lpa "$PORT" "$PKI" "$E2E_DIR/e0" --ac "$(ac "$PORT" GB0)" --out "$out" >/dev/null 2>&1 &&
	cmp -s "$out" "$(ls "$TESTDATA"/ts48/*-UNIQUE.der | head -1)"
tap $? "a real download still works afterwards"
stop_portdpd
tap_done
