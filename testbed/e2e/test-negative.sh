#!/bin/bash
# E2E (c): downloads that must fail, each with its SGP.22 code in the SM-DP+'s
# answer and the inventory (list + audit) unchanged: unknown matching ID,
# eUICC of an unknown CI, EID outside the EUM's range, wrong confirmation
# code; replays of a step are refused and change nothing either.
set -u
. "$(dirname "$0")/lib.sh"
e2e_init negative
E2E_DB=$E2E_DIR/inventory.db
PKI=$E2E_DIR/pki
make_pki "$PKI" -n 2 --outside 1 && make_pki "$E2E_DIR/other" -n 1 --ci-name "Other CI"
tap $? "two test PKIs (ours with one out-of-range eUICC, and a foreign CI)"
mapfile -t EIDS <"$PKI/euicc/list.txt"
OUT_EID=$(head -1 "$PKI/outside/list.txt")
FOREIGN_EID=$(head -1 "$E2E_DIR/other/euicc/list.txt")
euicc_dir "$PKI" "${EIDS[0]}" "$E2E_DIR/e0"
euicc_dir "$PKI" "${EIDS[1]}" "$E2E_DIR/e1"
euicc_dir "$PKI" "$OUT_EID" "$E2E_DIR/eout" outside
euicc_dir "$E2E_DIR/other" "$FOREIGN_EID" "$E2E_DIR/eforeign"

ctl init >/dev/null
mapfile -t FILES < <(ls "$TESTDATA"/ts48/*-UNIQUE.der | head -3)
ctl import --matching-id N0 "${FILES[0]}" >/dev/null 2>&1 &&
	ctl import --matching-id N1 --cc 2468 "${FILES[1]}" >/dev/null 2>&1 &&
	ctl import --matching-id N2 "${FILES[2]}" >/dev/null 2>&1
tap $? "3 profiles imported (N1 needs confirmation code 2468)"
PORT=$(free_port)
SESSION_TIMEOUT=3 # so an abandoned session ends soon
write_conf "$E2E_DIR/portdpd.conf" "$PORT" "$E2E_DB" "$PKI"
start_portdpd "$E2E_DIR/portdpd.conf" "$PORT"
tap $? "portdpd started"

# refused NAME EXPECTED-CODES EUICC-DIR LPA-ARGS...: the LPA fails, the
# SM-DP+'s answer carries "subjectCode S reasonCode R", the inventory is as before.
refused() {
	local name=$1 code=$2 edir=$3 before after msg rc
	shift 3
	before=$(ctl_snapshot)
	msg=$(lpa "$PORT" "$PKI" "$edir" "$@" 2>&1)
	rc=$?
	after=$(ctl_snapshot)
	echo "$msg" | sed 's/^/# /'
	[ $rc -eq 2 ] && echo "$msg" | grep -q "$code"
	tap $? "$name: refused with $code"
	[ "$before" = "$after" ]
	tap $? "$name: inventory and audit log unchanged"
}

refused "unknown matching ID" "subjectCode 8.2.6 reasonCode 3.8" "$E2E_DIR/e0" \
	--ac "$(ac "$PORT" NO-SUCH-ID)"
refused "eUICC of an unknown CI" "subjectCode 8.8.2 reasonCode 3.1" "$E2E_DIR/eforeign" \
	--ac "$(ac "$PORT" N0)"
refused "EID outside the EUM's range" "subjectCode 8.1.3 reasonCode 6.1" "$E2E_DIR/eout" \
	--ac "$(ac "$PORT" N0)"

# Wrong confirmation code: refused at getBoundProfilePackage; nothing is bound,
# and the LPA's cancelSession gives N1 back at once (the session lasts 3 s).
msg=$(lpa "$PORT" "$PKI" "$E2E_DIR/e0" --ac "$(ac "$PORT" N1)" --cc 1111 2>&1)
rc=$?
echo "$msg" | sed 's/^/# /'
[ $rc -eq 2 ] && echo "$msg" | grep -q "subjectCode 8.2.7 reasonCode 3.8"
tap $? "wrong confirmation code: refused with subjectCode 8.2.7 reasonCode 3.8"
! ctl list 2>/dev/null | grep -E " N1 " | grep -qE "downloaded|installed"
tap $? "wrong confirmation code: N1 not bound"
ctl list --state available 2>/dev/null | grep -q " N1 "
tap $? "wrong confirmation code: the LPA cancelled, N1 available again at once"
# A device that vanishes after authenticateClient sends no cancel: its session
# holds N1 until it expires; then N1 is available again.
lpa "$PORT" "$PKI" "$E2E_DIR/e0" --ac "$(ac "$PORT" N1)" --cc 2468 \
	--stop-after authenticateClient >/dev/null 2>&1
ctl list --state allocated 2>/dev/null | grep -q " N1 "
tap $? "abandoned after authenticateClient: N1 allocated"
for _ in $(seq 40); do
	ctl list --state available 2>/dev/null | grep -q " N1 " && break
	sleep 0.25
done
ctl list --state available 2>/dev/null | grep -q " N1 "
tap $? "the abandoned session expired: N1 available again, nothing bound"
lpa "$PORT" "$PKI" "$E2E_DIR/e0" --ac "$(ac "$PORT" N1)" --cc 2468 >/dev/null 2>&1
r=$?
[ $r -ne 0 ] && ctl show N1 2>&1 | sed 's/^/# /'
tap $r "the right confirmation code then installs N1"

# Replays: the same authenticateClient / getBoundProfilePackage body again.
for step in authenticateClient getBoundProfilePackage; do
	before=$(ctl list 2>/dev/null | grep -v " N0 \| N2 ")
	mid=N0
	[ $step = getBoundProfilePackage ] && mid=N2
	msg=$(lpa "$PORT" "$PKI" "$E2E_DIR/e1" --ac "$(ac "$PORT" $mid)" --replay $step 2>&1)
	rc=$?
	echo "$msg" | sed 's/^/# /'
	echo "$msg" | grep -qE "^replay $step: Failed subjectCode 8\.(10\.1 reasonCode 3\.9|2 reasonCode 3\.7)"
	tap $? "replayed $step refused ($(echo "$msg" | grep '^replay' | cut -d: -f2-))"
	[ $rc -eq 0 ] && [ "$before" = "$(ctl list 2>/dev/null | grep -v " N0 \| N2 ")" ]
	tap $? "replayed $step: the first download completes, other profiles untouched"
done
[ "$(ctl list 2>/dev/null | grep -cE "installed +N[02] +${EIDS[1]}")" -eq 2 ]
tap $? "N0 and N2 each bound once, to ${EIDS[1]}"
stop_portdpd
tap_done
