#!/bin/bash
# E2E: ES2+ orders over mutual TLS on portdpd's second listener. An operator CA and client
# certificates (openssl), operators registered with portdpctl, owned profiles imported; then
# downloadOrder / confirmOrder / releaseProfile / cancelOrder with curl: good paths, a retry
# with the same functionCallIdentifier (same answer, nothing done twice), and the SGP.22
# codes of each refusal, which changes nothing. Clients without a certificate or with one of
# another CA get no TLS session. Then the soft eUICC downloads the released profile: its EID
# only, another EID with the same matching ID refused.
set -u
. "$(dirname "$0")/lib.sh"
e2e_init es2plus
E2E_DB=$E2E_DIR/inventory.db
PKI=$E2E_DIR/pki
OPS=$E2E_DIR/ops
make_pki "$PKI" -n 2
tap $? "test PKI"
mapfile -t EIDS <"$PKI/euicc/list.txt"
euicc_dir "$PKI" "${EIDS[0]}" "$E2E_DIR/e0"
euicc_dir "$PKI" "${EIDS[1]}" "$E2E_DIR/e1"

make_operator_pki "$OPS"
tap $? "portdp-pki: operator CA, client certificates (and a rogue CA)"

ctl init >/dev/null
ctl operator add opA --cert "$OPS/opA.pem" >/dev/null &&
	ctl operator add opB --cert "$OPS/opB.pem" >/dev/null
tap $? "operators opA and opB added from their certificates"
mapfile -t FILES < <(ls "$TESTDATA"/ts48/*-UNIQUE.der | head -6)
imp() { ctl import "$@" 2>/dev/null | awk '{print $1}'; }
A1=$(imp --owner opA --profile-type tA "${FILES[0]}")
A2=$(imp --owner opA --profile-type tA "${FILES[1]}")
A3=$(imp --owner opA --profile-type tA "${FILES[2]}")
B1=$(imp --owner opB --profile-type tB "${FILES[3]}")
D1=$(imp "${FILES[4]}")
A4=$(imp --owner opA --profile-type tA4 "${FILES[5]}")
[ -n "$A1" ] && [ -n "$A2" ] && [ -n "$A3" ] && [ -n "$B1" ] && [ -n "$D1" ] && [ -n "$A4" ]
tap $? "owned profiles imported ($A1 $A2 $A3 $A4 for opA, $B1 for opB), one direct ($D1)"

PORT=$(free_port)
ES2PORT=$(free_port)
write_conf "$E2E_DIR/portdpd.conf" "$PORT" "$E2E_DB" "$PKI"
{
	echo "es2_port = $ES2PORT"
	echo "es2_client_ca = $OPS/opca.pem"
} >>"$E2E_DIR/portdpd.conf"
start_portdpd "$E2E_DIR/portdpd.conf" "$PORT" &&
	for _ in $(seq 50); do ss -Htln "sport = :$ES2PORT" | grep -q . && break; sleep 0.1; done
tap $? "portdpd started with the ES2+ listener"

es2() { es2_call "$OPS" "$ES2PORT" "$@"; }
hdr() { es2_hdr "$@"; }
ok_ans() { echo "$1" | grep -q '"status":"Executed-Success"'; }
code_is() { echo "$1" | grep -q "\"subjectCode\":\"$2\",\"reasonCode\":\"$3\""; }
show() { echo "# $1"; }
snap() { ctl_snapshot; }

# downloadOrder by ICCID, linked to EID 0
body="$(hdr opA c1),\"iccid\":\"$A1\",\"eid\":\"${EIDS[0]}\"}"
r=$(es2 opA downloadOrder "$body"); show "$r"
ok_ans "$r" && echo "$r" | grep -q "\"iccid\":\"$A1\"" && echo "$r" | grep -q '"functionCallIdentifier":"c1"'
tap $? "downloadOrder: reserved $A1 for EID 0, iccid and functionCallIdentifier echoed"
before=$(snap)
r2=$(es2 opA downloadOrder "$body")
[ "$r2" = "$r" ] && [ "$(snap)" = "$before" ]
tap $? "the same call again: the same answer, nothing changed twice"
r=$(es2 opA downloadOrder "$(hdr opA c1),\"iccid\":\"$A2\"}"); show "$r"
code_is "$r" 1.6 3.3 && [ "$(snap)" = "$before" ]
tap $? "the same functionCallIdentifier for another request: 1.6/3.3, no change"

# refusals, each changing nothing
refused() { # NAME SUBJECT REASON CLIENT FUNCTION BODY
	local r
	r=$(es2 "$4" "$5" "$6"); show "$r"
	code_is "$r" "$2" "$3" && [ "$(snap)" = "$before" ]
	tap $? "$1: $2/$3, no change"
}
before=$(snap)
refused "unknown ICCID" 8.2.1 3.9 opA downloadOrder "$(hdr opA e1),\"iccid\":\"8999999999999999999\"}"
before=$(snap)
refused "another operator's profile" 8.2.1 1.2 opA downloadOrder "$(hdr opA e2),\"iccid\":\"$B1\"}"
before=$(snap)
refused "direct stock is no operator's" 8.2.1 1.2 opA downloadOrder "$(hdr opA e3),\"iccid\":\"$D1\"}"
before=$(snap)
refused "already ordered (wrong state)" 8.2.1 3.3 opA downloadOrder "$(hdr opA e4),\"iccid\":\"$A1\"}"
before=$(snap)
refused "release before confirm (wrong state)" 8.2.1 3.5 opA releaseProfile "$(hdr opA e5),\"iccid\":\"$A1\"}"
before=$(snap)
refused "confirm for another EID" 8.1.1 3.10 opA confirmOrder \
	"$(hdr opA e6),\"iccid\":\"$A1\",\"eid\":\"${EIDS[1]}\",\"releaseFlag\":true}"
before=$(snap)
refused "confirm without releaseFlag" 1.2 2.2 opA confirmOrder "$(hdr opA e7),\"iccid\":\"$A1\"}"
before=$(snap)
refused "confirm without iccid" 8.2.1 2.2 opA confirmOrder "$(hdr opA e8),\"releaseFlag\":true}"
before=$(snap)
refused "bad JSON" 1.2 2.1 opA downloadOrder "{\"header\":"
before=$(snap)
refused "functionRequesterIdentifier of another operator" 1.1 1.2 opA downloadOrder \
	"$(hdr opB e9),\"iccid\":\"$A2\"}"
before=$(snap)
refused "unknown profile type" 8.2.5 3.9 opA downloadOrder "$(hdr opA e10),\"profileType\":\"nope\"}"
before=$(snap)
refused "cancel with a bad finalProfileStatusIndicator" 1.2 2.1 opA cancelOrder \
	"$(hdr opA e11),\"iccid\":\"$A1\",\"finalProfileStatusIndicator\":\"Gone\"}"
for fn in confirmOrder cancelOrder releaseProfile; do
	before=$(snap)
	refused "$fn: unknown ICCID" 8.2.1 3.9 opA $fn \
		"$(hdr opA u-$fn),\"iccid\":\"8999999999999999999\",\"releaseFlag\":true,\"finalProfileStatusIndicator\":\"Available\"}"
	before=$(snap)
	refused "$fn: another operator's profile" 8.2.1 1.2 opA $fn \
		"$(hdr opA o-$fn),\"iccid\":\"$B1\",\"releaseFlag\":true,\"finalProfileStatusIndicator\":\"Available\"}"
done
before=$(snap)
refused "cancelOrder without finalProfileStatusIndicator" 8.2.1 2.2 opA cancelOrder \
	"$(hdr opA e12),\"iccid\":\"$A1\"}"
before=$(snap)
refused "cancelOrder for another EID" 8.1.1 3.10 opA cancelOrder \
	"$(hdr opA e13),\"iccid\":\"$A1\",\"eid\":\"${EIDS[1]}\",\"finalProfileStatusIndicator\":\"Available\"}"
before=$(snap)
refused "confirmOrder with an invalid matchingId" 8.2.6 2.1 opA confirmOrder \
	"$(hdr opA e14),\"iccid\":\"$A1\",\"matchingId\":\"bad id!\",\"releaseFlag\":true}"
before=$(snap)
refused "confirmOrder with a releaseFlag that is no boolean" 1.2 2.1 opA confirmOrder \
	"$(hdr opA e15),\"iccid\":\"$A1\",\"releaseFlag\":\"yes\"}"
before=$(snap)
refused "no header" 1.2 2.2 opA downloadOrder "{\"iccid\":\"$A2\"}"
before=$(snap)
refused "a certificate of the operator CA that names no operator" 1.1 1.1 unit downloadOrder \
	"$(hdr opA e16),\"iccid\":\"$A2\"}"
before=$(snap)
es2 none downloadOrder "$(hdr opA t1),\"iccid\":\"$A2\"}" >/dev/null
rc=$?
[ $rc -ne 0 ] && [ "$(snap)" = "$before" ]
tap $? "no client certificate: no TLS session (curl $rc), no change"
es2 opA2 downloadOrder "$(hdr opA t2),\"iccid\":\"$A2\"}" >/dev/null
rc=$?
[ $rc -ne 0 ] && [ "$(snap)" = "$before" ]
tap $? "client certificate of another CA: no TLS session (curl $rc), no change"

# confirm (no release), release, then the download
r=$(es2 opA confirmOrder "$(hdr opA c2),\"iccid\":\"$A1\",\"matchingId\":\"ES2-M1\",\"releaseFlag\":false}")
show "$r"
ok_ans "$r" && echo "$r" | grep -q '"matchingId":"ES2-M1"' && echo "$r" | grep -q "\"eid\":\"${EIDS[0]}\""
tap $? "confirmOrder: matchingId ES2-M1 for EID 0, not released"
msg=$(lpa "$PORT" "$PKI" "$E2E_DIR/e0" --ac "$(ac "$PORT" ES2-M1)" 2>&1); rc=$?
show "$(echo "$msg" | tail -1)"
[ $rc -ne 0 ] && echo "$msg" | grep -q "subjectCode 8.2 reasonCode 1.2" &&
	[ "$(ctl_state ES2-M1)" = "available -" ]
tap $? "not released yet: the download is refused (8.2/1.2)"
r=$(es2 opA releaseProfile "$(hdr opA c3),\"iccid\":\"$A1\"}"); show "$r"
ok_ans "$r"
tap $? "releaseProfile"
msg=$(lpa "$PORT" "$PKI" "$E2E_DIR/e1" --ac "$(ac "$PORT" ES2-M1)" 2>&1); rc=$?
show "$(echo "$msg" | tail -1)"
[ $rc -ne 0 ] && echo "$msg" | grep -q "subjectCode 8.1.1 reasonCode 3.8" &&
	[ "$(ctl_state ES2-M1)" = "available -" ]
tap $? "another EID with the matching ID: refused (8.1.1/3.8), nothing changed"
msg=$(lpa "$PORT" "$PKI" "$E2E_DIR/e0" --ac "$(ac "$PORT" ES2-M1)" 2>&1); rc=$?
show "$(echo "$msg" | tail -1)"
[ $rc -eq 0 ] && [ "$(ctl_state ES2-M1)" = "installed ${EIDS[0]}" ]
tap $? "EID 0 downloads and installs the released profile"

# cancelOrder: back to stock
r=$(es2 opA downloadOrder "$(hdr opA c4),\"profileType\":\"tA\"}"); show "$r"
ok_ans "$r" && echo "$r" | grep -q "\"iccid\":\"$A2\""
tap $? "downloadOrder by profile type takes the oldest unordered ($A2)"
r=$(es2 opA cancelOrder "$(hdr opA c5),\"iccid\":\"$A2\",\"finalProfileStatusIndicator\":\"Available\"}")
show "$r"
ok_ans "$r" && ctl show "$A2" | grep -q "order: *unordered"
tap $? "cancelOrder (Available): unordered again"
r=$(es2 opA downloadOrder "$(hdr opA c8),\"iccid\":\"$A2\"}") &&
	r=$(es2 opA confirmOrder "$(hdr opA c9),\"iccid\":\"$A2\",\"matchingId\":\"ES2-M1\",\"releaseFlag\":false}")
show "$r"
code_is "$r" 8.2.6 3.3
tap $? "confirmOrder with a matchingId in use: 8.2.6/3.3"
r=$(es2 opA confirmOrder "$(hdr opA c10),\"iccid\":\"$A2\",\"matchingId\":\"ES2-M2\",\"releaseFlag\":false}") &&
	r=$(es2 opA cancelOrder "$(hdr opA c11),\"iccid\":\"$A2\",\"matchingId\":\"ES2-MX\",\"finalProfileStatusIndicator\":\"Unavailable\"}")
show "$r"
code_is "$r" 8.2.6 3.10
tap $? "cancelOrder naming another matchingId: 8.2.6/3.10"
r=$(es2 opA cancelOrder "$(hdr opA c12),\"iccid\":\"$A2\",\"matchingId\":\"ES2-M2\",\"finalProfileStatusIndicator\":\"Unavailable\"}")
show "$r"
ok_ans "$r" && ctl show "$A2" | grep -q "order: *unavailable"
tap $? "cancelOrder (Unavailable) of a confirmed order: unavailable for good"
# Default SM-DP+ flow (no matching ID): the profile released for the EID comes first, even
# when direct stock is older; an EID with nothing pending gets direct stock.
r=$(es2 opA downloadOrder "$(hdr opA c6),\"iccid\":\"$A4\",\"eid\":\"${EIDS[1]}\"}") &&
	r=$(es2 opA confirmOrder "$(hdr opA c7),\"iccid\":\"$A4\",\"releaseFlag\":true}")
show "$r"
ok_ans "$r" && MID4=$(echo "$r" | grep -oE '"matchingId":"[^"]+"' | cut -d'"' -f4) && [ -n "$MID4" ]
tap $? "$A4 ordered for EID 1 and released at once, matchingId generated ($MID4)"
msg=$(lpa "$PORT" "$PKI" "$E2E_DIR/e1" --ac "$(ac "$PORT" "")" 2>&1); rc=$?
show "$(echo "$msg" | tail -1)"
[ $rc -eq 0 ] && echo "$msg" | tail -1 | grep -q "installed $A4 " &&
	[ "$(ctl_state "$MID4")" = "installed ${EIDS[1]}" ]
tap $? "EID 1 without matching ID gets its pre-assigned $A4 (not the older direct $D1)"
msg=$(lpa "$PORT" "$PKI" "$E2E_DIR/e0" --ac "$(ac "$PORT" "")" 2>&1); rc=$?
show "$(echo "$msg" | tail -1)"
[ $rc -eq 0 ] && echo "$msg" | tail -1 | grep -q "installed $D1 "
tap $? "EID 0 without matching ID, nothing pending for it: direct stock $D1"

# A confirmation code set by confirmOrder is what the eUICC's user must enter.
r=$(es2 opA downloadOrder "$(hdr opA c13),\"iccid\":\"$A3\"}") &&
	r=$(es2 opA confirmOrder "$(hdr opA c14),\"iccid\":\"$A3\",\"matchingId\":\"ES2-CC\",\"confirmationCode\":\"4321\",\"releaseFlag\":true}")
show "$r"
ok_ans "$r"
tap $? "confirmOrder with a confirmation code, released"
msg=$(lpa "$PORT" "$PKI" "$E2E_DIR/e1" --ac "$(ac "$PORT" ES2-CC)" --cc 9999 2>&1); rc=$?
show "$(echo "$msg" | tail -1)"
[ $rc -ne 0 ] && [ "$(ctl_state ES2-CC)" = "available -" ]
tap $? "a wrong confirmation code: no download"
msg=$(lpa "$PORT" "$PKI" "$E2E_DIR/e1" --ac "$(ac "$PORT" ES2-CC)" --cc 4321 2>&1); rc=$?
show "$(echo "$msg" | tail -1)"
[ $rc -eq 0 ] && [ "$(ctl_state ES2-CC)" = "installed ${EIDS[1]}" ]
tap $? "the operator's confirmation code: installed"

ctl audit 2>/dev/null | grep -c "es2 operator=opA client=127.0.0.1:" | sed 's/^/# audit rows by opA: /'
[ "$(ctl audit 2>/dev/null | grep -c 'es2 operator=opA client=127.0.0.1:')" -ge 5 ]
tap $? "order changes are in the audit log with the operator as actor"

# The ES2+ port is this daemon's too: a second portdpd (other ES9+ port, other inventory)
# asking for it is refused before it opens anything.
sed -e "s|^port = .*|port = $(free_port)|" -e "s|^db = .*|db = $E2E_DIR/other.db|" \
	"$E2E_DIR/portdpd.conf" >"$E2E_DIR/other.conf"
msg=$(timeout 10 "$BIN/portdpd" -c "$E2E_DIR/other.conf" --foreground 2>&1); rc=$?
show "$(echo "$msg" | tail -1)"
[ $rc -ne 0 ] && [ $rc -ne 124 ] && echo "$msg" | grep -q "127.0.0.1:$ES2PORT: another portdpd" &&
	[ ! -e "$E2E_DIR/other.db" ] && kill -0 "$DPD_PID"
tap $? "a second portdpd on the same ES2+ port is refused; the first runs on"

# SIGHUP reloads the ES2+ listener's certificate and key with the ES9+ ones.
es2_fp() {
	echo | timeout 10 openssl s_client -connect "127.0.0.1:$ES2PORT" -cert "$OPS/opA.pem" \
		-key "$OPS/opA-key.pem" 2>/dev/null | openssl x509 -noout -fingerprint -sha256 2>/dev/null
}
fp() { openssl x509 -in "$1" -noout -fingerprint -sha256; }
before=$(grep -c 'reloaded' "$E2E_DIR/portdpd.log")
{
	echo "es2_tls_cert = $OPS/opsrv.pem"
	echo "es2_tls_key = file:$OPS/opsrv-key.pem"
} >>"$E2E_DIR/portdpd.conf"
fp_es2_old=$(es2_fp)
kill -HUP "$DPD_PID"
for _ in $(seq 50); do
	[ "$(grep -c 'reloaded' "$E2E_DIR/portdpd.log")" -gt "$before" ] && break
	sleep 0.1
done
[ "$fp_es2_old" = "$(fp "$PKI/dptls.pem")" ] && [ "$(es2_fp)" = "$(fp "$OPS/opsrv.pem")" ]
tap $? "SIGHUP: the ES2+ listener serves its new certificate"

# Recorded answers are pruned by age (es2_call_retention): restarted with a 1 s retention,
# every answer recorded so far goes, and a new one goes a second or two after it is made.
calls() { sqlite3 "$E2E_DB" 'SELECT count(*) FROM es2_call'; }
calls_are() { [ "$(calls)" = "$1" ]; }
wait_calls() { for _ in $(seq 50); do calls_are "$1" && return 0; sleep 0.1; done; return 1; }
n=$(calls)
stop_portdpd
sed -i '/^es2_tls_/d' "$E2E_DIR/portdpd.conf"
echo "es2_call_retention = 1" >>"$E2E_DIR/portdpd.conf"
# Times are whole seconds and "older than 1 s" is time < now - 1: 2 s on, every one is.
sleep 2.1
start_portdpd "$E2E_DIR/portdpd.conf" "$PORT" &&
	for _ in $(seq 50); do ss -Htln "sport = :$ES2PORT" | grep -q . && break; sleep 0.1; done
wait_calls 0 && grep -q "es2: $n recorded answer(s) older than 1 s pruned" "$E2E_DIR/portdpd.log"
tap $? "es2_call_retention = 1: the $n recorded answers are pruned at start"
r=$(es2 opA releaseProfile "$(hdr opA prune1),\"iccid\":\"8999999999999999999\"}")
code_is "$r" 8.2.1 3.9 && calls_are 1 && wait_calls 0
tap $? "a new answer is recorded, then pruned once older than the retention"

stop_portdpd
tap_done
