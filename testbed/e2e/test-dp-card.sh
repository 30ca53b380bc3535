#!/bin/bash
# E2E: the Port-DP+ as a card (docs/apdu-binding.md). portdpd's card face sits in a
# virtual PC/SC reader (a private pcscd + vsmartcard-vpcd, config card_vpcd); portdp-lpa
# finds it by AID, lists its offers, downloads one into a software eUICC over ES9+'s
# ASN.1 binding carried by APDUs, sends the deletion notification through the card and
# the freed profile goes to another eUICC; a held installation result is delivered the
# next time the card is in reach. Malformed APDUs get ISO 7816-4 status words and change
# nothing; a card pulled in the middle of a download leaves the profile to the session
# expiry, after which it downloads again. portdp-lpa finds the card in whichever reader
# holds it (an eUICC card in the other reader answers 6A82 to our AID) and downloads
# into that eUICC card. A card_nfc naming no NFC controller stops portdpd with the reason.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pcsc.sh"
e2e_init dpcard
VC_PID=
trap '[ -n "$VC_PID" ] && kill "$VC_PID" 2>/dev/null; pcsc_cleanup; e2e_cleanup' EXIT
command -v pcscd >/dev/null && [ -e "$VPCD_SO" ] || {
	echo "1..0 # SKIP pcscd or vsmartcard-vpcd missing (tools/install-deps)"
	exit 0
}
[ -x "$BIN/portdp-pcsc-apdu" ] || { echo "Bail out! $BIN/portdp-pcsc-apdu not built"; exit 1; }
E2E_DB=$E2E_DIR/inventory.db
PKI=$E2E_DIR/pki
make_pki "$PKI" -n 4
tap $? "test PKI with 4 eUICCs"
mapfile -t EIDS <"$PKI/euicc/list.txt"
for i in 0 1 2 3; do euicc_dir "$PKI" "${EIDS[$i]}" "$E2E_DIR/e$i"; done

ctl init >/dev/null
mapfile -t FILES < <(ls "$TESTDATA"/ts48/*-UNIQUE.der | head -3)
ctl import --matching-id K0 --reuse after-delete "${FILES[0]}" >/dev/null 2>&1 &&
	ctl import --matching-id K1 "${FILES[1]}" >/dev/null 2>&1 &&
	ctl import --matching-id K2 "${FILES[2]}" >/dev/null 2>&1
tap $? "3 profiles imported (K0 may be reused after a deletion)"
start_pcscd "$E2E_DIR/pcsc" 2
tap $? "private pcscd with 2 vpcd readers"
# The Port-DP+ in the second reader; the first gets an eUICC card later (section 6).
R=${READER_NAMES[1]}
PORT=$(free_port)
SESSION_TIMEOUT=4 # a pulled card's session ends by expiry within the test
write_conf "$E2E_DIR/portdpd.conf" "$PORT" "$E2E_DB" "$PKI"
echo "card_vpcd = ${READER_PORTS[1]}" >>"$E2E_DIR/portdpd.conf"
start_portdpd "$E2E_DIR/portdpd.conf" "$PORT"
tap $? "portdpd started with its card face in reader '$R'"
show() { echo "$1" | sed 's/^/# /'; }

# clpa [args]: portdp-lpa with the Port-DP+ card (HTTPS options for anything else).
clpa() {
	timeout 60 "$BIN/portdp-lpa" --dp-card "pcsc:$R" --cacert "$PKI/ci.pem" \
		--resolve "$SMDP_HOST:$PORT:127.0.0.1" "$@"
}
# The card comes into the reader once portdpd's thread reaches vpcd and pcscd polls it.
for _ in $(seq 50); do
	offers=$(clpa offers 2>&1) && break
	sleep 0.2
done
show "$offers"
echo "$offers" | grep -q "^Port-DP+ $SMDP_HOST: 3 offers" &&
	echo "$offers" | grep -q "^K0 $(upp_iccid "${FILES[0]}") class=" &&
	echo "$offers" | grep -q "^K2 $(upp_iccid "${FILES[2]}") class=.*name=\""
tap $? "offers: the card lists the 3 available profiles (matchingId, ICCID, class, names)"

# 1. Malformed APDUs: ISO 7816-4 status words, no change.
AID=F0504F5254445045533901
before=$(ctl_snapshot)
mapfile -t SW < <("$BIN/portdp-pcsc-apdu" "$R" \
	80E2910002E100 \
	00A404000B$AID \
	A0E2910002E100 \
	80E2910005E100 \
	80E2110001E1 80E291020100 \
	00C0000000 \
	80E29100023000 \
	80E2910007A205BF3902810100 \
	80E2910002E10000 \
	00A4040005F050000000 2>&1)
show "$(printf '%s\n' "${SW[@]}")"
[ "${SW[0]}" = 6985 ]
tap $? "STORE DATA before SELECT: 6985 (${SW[0]})"
[ "${SW[1]}" = 610F ] || [ "${SW[1]:0:2}" = 61 ] || [ "${SW[1]: -4}" = 9000 ]
tap $? "SELECT by our AID answers (${SW[1]})"
[ "${SW[2]}" = 6E00 ]
tap $? "wrong class (A0): 6E00 (${SW[2]})"
[ "${SW[3]}" = 6700 ]
tap $? "Lc longer than the data: 6700 (${SW[3]})"
[ "${SW[4]}" = 9000 ] && [ "${SW[5]}" = 6A86 ]
tap $? "STORE DATA block 2 after block 0: 6A86 (${SW[4]} ${SW[5]})"
[ "${SW[6]}" = 6985 ]
tap $? "GET RESPONSE with nothing pending: 6985 (${SW[6]})"
[ "${SW[7]}" = 6A80 ]
tap $? "a request that is neither A2 nor E1: 6A80 (${SW[7]})"
[ "${SW[8]}" = 6A80 ]
tap $? "a malformed RemoteProfileProvisioningRequest: 6A80 (${SW[8]})"
[ "${SW[9]:0:2}" = 61 ] || [ "${SW[9]: -4}" = 9000 ]
tap $? "the card still answers a good request after them (${SW[9]})"
[ "${SW[10]}" = 6A82 ]
tap $? "SELECT of another AID: 6A82 (${SW[10]})"
[ "$before" = "$(ctl_snapshot)" ]
tap $? "no malformed APDU changed the inventory or its audit"

# 2. A download through the card.
msg=$(clpa --euicc "$E2E_DIR/e0" --offer K0 --out "$E2E_DIR/k0.der" -v 2>&1)
rc=$?
[ $rc -eq 0 ] && cmp -s "$E2E_DIR/k0.der" "${FILES[0]}"
tap $? "download of offer K0 through the card: installed, UPP byte-identical"
[ $rc -eq 0 ] || show "$msg"
for fn in initiateAuthentication authenticateClient getBoundProfilePackage handleNotification; do
	echo "$msg" | grep -q "lpa: card $fn -> 0"
	tap $? "card path: $fn went through the card"
done
[ "$(ctl_state K0)" = "installed ${EIDS[0]}" ]
tap $? "inventory: K0 installed on ${EIDS[0]}"

# 3. The deletion notification through the card; K0 (reuse after-delete) goes to e1.
iccid=$(upp_iccid "${FILES[0]}")
msg=$(clpa --euicc "$E2E_DIR/e0" --delete "$iccid" -v 2>&1)
rc=$?
[ $rc -eq 0 ] && echo "$msg" | grep -q "lpa: card handleNotification -> 0, 0 bytes"
tap $? "delete of $iccid: its notification went through the card"
[ $rc -eq 0 ] || show "$msg"
[ "$(ctl_state K0)" = "available -" ]
tap $? "inventory: K0 available again"
clpa --euicc "$E2E_DIR/e1" --offer K0 >/dev/null 2>&1 && [ "$(ctl_state K0)" = "installed ${EIDS[1]}" ]
tap $? "K0 reused: installed on ${EIDS[1]} through the card"

# 4. The card leaves the phone's field after authenticateClient: K1 stays allocated
#    until the session expires, then downloads again.
clpa --euicc "$E2E_DIR/e2" --offer K1 --stop-after authenticateClient >/dev/null 2>&1
[ "$(ctl_state K1 | cut -d' ' -f1)" = allocated ]
tap $? "card pulled after authenticateClient: K1 allocated to the vanished session"
ok=1
for _ in $(seq 50); do
	[ "$(ctl_state K1)" = "available -" ] && { ok=0; break; }
	sleep 0.2
done
tap $ok "K1 released by the session expiry (session_timeout 4 s)"
msg=$(clpa --euicc "$E2E_DIR/e2" --offer K1 --hold-notifications 2>&1)
rc=$?
[ $rc -eq 0 ] && [ "$(ctl_state K1)" = "downloaded ${EIDS[2]}" ]
tap $? "K1 downloads again; its installation result held on the eUICC (card out of reach)"
[ $rc -eq 0 ] || show "$msg"

# 5. The held result is delivered the next time the card is in reach.
msg=$(clpa --euicc "$E2E_DIR/e2" notify 2>&1)
rc=$?
show "$msg"
[ $rc -eq 0 ] && [ "$(ctl_state K1)" = "installed ${EIDS[2]}" ]
tap $? "notify: the pending installation result went through the card, K1 installed"
# 6. portdp-lpa finds the Port-DP+ in any reader and downloads into an eUICC card that
#    sits in the other reader (a software eUICC as a vpcd card).
mkdir -p "$E2E_DIR/vc-state"
echo "$E2E_DIR/e3 $E2E_DIR/vc-state" >"$E2E_DIR/cards"
"$BIN/portdp-vcard" --cards "$E2E_DIR/cards" --stay vpcd "${READER_PORTS[0]}" \
	>"$E2E_DIR/vcard.log" 2>&1 &
VC_PID=$!
for _ in $(seq 50); do
	timeout 10 "$BIN/portdp-lpa" --chip "pcsc:${READER_NAMES[0]}" eid >/dev/null 2>&1 && break
	sleep 0.2
done
msg=$(timeout 60 "$BIN/portdp-lpa" --dp-card pcsc: --chip "pcsc:${READER_NAMES[0]}" \
	--offer K2 -v 2>&1)
rc=$?
[ $rc -eq 0 ] && [ "$(ctl_state K2)" = "installed ${EIDS[3]}" ]
tap $? "--dp-card pcsc: found the Port-DP+, K2 installed into the eUICC card of the other reader"
[ $rc -eq 0 ] || show "$msg"
"$E2E_ROOT/testbed/e2e/inventory-invariants" "$E2E_DB" >/dev/null
tap $? "inventory invariants hold"
stop_portdpd
kill "$VC_PID" 2>/dev/null
wait "$VC_PID" 2>/dev/null
VC_PID=

# 7. card_nfc that names no NFC controller: portdpd does not start, and says why.
sed -i '/^card_vpcd/d' "$E2E_DIR/portdpd.conf"
echo "card_nfc = pn532_uart:/dev/null" >>"$E2E_DIR/portdpd.conf"
timeout 30 "$BIN/portdpd" -c "$E2E_DIR/portdpd.conf" --foreground >"$E2E_DIR/nfc.log" 2>&1
rc=$?
show "$(grep card_nfc "$E2E_DIR/nfc.log")"
[ $rc -ne 0 ] && [ $rc -ne 124 ] && grep -q "card_nfc" "$E2E_DIR/nfc.log"
tap $? "card_nfc = pn532_uart:/dev/null: portdpd refuses to start (exit $rc) and names card_nfc"
stop_pcscd
tap_done
