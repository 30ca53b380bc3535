#!/bin/bash
# E2E (b): eUICCs made by portdp-pki install profiles (two each), one with a
# confirmation code; a delete notification; a second eUICC cannot take a
# profile that is already bound.
set -u
. "$(dirname "$0")/lib.sh"
e2e_init generated
E2E_DB=$E2E_DIR/inventory.db
PKI=$E2E_DIR/pki
make_pki "$PKI" -n 3
tap $? "portdp-pki: CI, EUM, 3 eUICCs, DPauth, DPpb, TLS"
mapfile -t EIDS <"$PKI/euicc/list.txt"

ctl init >/dev/null
mapfile -t FILES < <(ls "$TESTDATA"/ts48/*-UNIQUE.der | head -6)
ok=0
for i in "${!FILES[@]}"; do
	cc=()
	[ "$i" -eq 5 ] && cc=(--cc 7391)
	ctl import --matching-id "G$i" "${cc[@]}" "${FILES[$i]}" >/dev/null 2>&1 && ok=$((ok + 1))
done
[ "$ok" -eq 6 ]
tap $? "6 profiles imported (one needs a confirmation code)"

PORT=$(free_port)
write_conf "$E2E_DIR/portdpd.conf" "$PORT" "$E2E_DB" "$PKI"
start_portdpd "$E2E_DIR/portdpd.conf" "$PORT"
tap $? "portdpd started"

for i in "${!FILES[@]}"; do
	eid=${EIDS[$((i / 2))]}
	edir=$E2E_DIR/e/$eid
	euicc_dir "$PKI" "$eid" "$edir"
	cc=()
	[ "$i" -eq 5 ] && cc=(--cc 7391)
	msg=$(lpa "$PORT" "$PKI" "$edir" --ac "$(ac "$PORT" "G$i")" "${cc[@]}" \
		--out "$E2E_DIR/out$i.der" 2>&1) && cmp -s "$E2E_DIR/out$i.der" "${FILES[$i]}"
	r=$?
	[ $r -ne 0 ] && echo "# $msg"
	tap $r "G$i -> eUICC $eid: installed, UPP identical${cc:+ (confirmation code)}"
	ctl list 2>/dev/null | grep -E "installed +G$i +$eid" -q
	tap $? "inventory: G$i installed on $eid"
done

# Already bound: another eUICC asking for G0 is refused.
edir=$E2E_DIR/e/${EIDS[2]}
msg=$(lpa "$PORT" "$PKI" "$edir" --ac "$(ac "$PORT" G0)" 2>&1)
[ $? -eq 2 ] && echo "$msg" | grep -q "subjectCode 8.2"
tap $? "a bound profile is refused to another eUICC ($(echo "$msg" | tail -n 1))"

iccid=$(upp_iccid "${FILES[0]}")
msg=$(lpa "$PORT" "$PKI" "$E2E_DIR/e/${EIDS[0]}" --delete "$iccid" 2>&1) &&
	ctl show "$iccid" 2>/dev/null | grep -qi deleted
r=$?
[ $r -ne 0 ] && { echo "$msg"; ctl show "$iccid"; } | sed 's/^/# /'
tap $r "delete on the eUICC -> signed notification -> inventory shows deleted"
stop_portdpd
tap_done
