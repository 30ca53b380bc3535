#!/bin/bash
# E2E: portdp-lpa reaches real-looking chips. Software eUICCs sit as cards in
# virtual PC/SC readers (a private pcscd + vsmartcard-vpcd) and behind a test
# modem (a pty answering AT+CCHO/CGLA/CCHC and AT+CSIM); the LPA downloads over
# ES9+ from portdpd and drives ES10 over APDUs: short and extended APDUs, the
# ES10c commands (list, enable, disable, delete with its notification), a card
# answering garbage, a card pulled in the middle of the download.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pcsc.sh"
e2e_init stations
VC_PIDS=()
cleanup() {
	for p in "${VC_PIDS[@]}"; do kill "$p" 2>/dev/null; done
	pcsc_cleanup
	e2e_cleanup
}
trap cleanup EXIT
for b in portdp-bench portdp-vcard; do
	[ -x "$BIN/$b" ] || { echo "Bail out! $BIN/$b not built"; exit 1; }
done
command -v pcscd >/dev/null && [ -e "$VPCD_SO" ] || {
	echo "1..0 # SKIP pcscd or vsmartcard-vpcd missing (tools/install-deps)"
	exit 0
}

B=$E2E_DIR/line
"$BIN/portdp-bench" setup --dir "$B" --profiles 12 --euiccs 8 >/dev/null 2>&1
tap $? "setup: test PKI, 8 eUICCs, 12 profiles"
E2E_DB=$B/inventory.db
PKI=$B/pki
PORT=$(free_port)
sed "s/^port = .*/port = $PORT/" "$B/portdpd.conf" >"$E2E_DIR/portdpd.conf"
start_portdpd "$E2E_DIR/portdpd.conf" "$PORT"
tap $? "portdpd started"
start_pcscd "$E2E_DIR/pcsc" 6
tap $? "private pcscd with 6 vpcd readers"

EIDS=()
for i in 0 1 2 3 4 5; do
	e=$B/euiccs/0000$i
	mkdir -p "$E2E_DIR/state/$i"
	EIDS+=("$("$BIN/portdp-lpa" --euicc "$e" --state "$E2E_DIR/state/$i" eid)")
	echo "$e $E2E_DIR/state/$i" >"$E2E_DIR/cards$i"
done

# vcard I MODE WHERE [options]: card I in a reader (vpcd PORT) or modem (modem LINK).
vcard() {
	local i=$1
	shift
	"$BIN/portdp-vcard" --cards "$E2E_DIR/cards$i" "$@" >>"$E2E_DIR/vcard$i.log" 2>&1 &
	VC_PIDS+=($!)
}

# slpa CHIP [args]: portdp-lpa on a chip spec.
slpa() {
	local chip=$1
	shift
	timeout 60 "$BIN/portdp-lpa" --chip "$chip" --cacert "$PKI/ci.pem" \
		--resolve "$SMDP_HOST:$PORT:127.0.0.1" "$@"
}

# wait_card I: until card I is in its reader and pcscd had time to see it (it polls
# every 0.4 s).
wait_card() {
	for _ in $(seq 50); do
		grep -q "^in " "$E2E_DIR/vcard$1.log" 2>/dev/null && { sleep 0.5; return 0; }
		sleep 0.1
	done
	return 1
}

# mid_of ICCID: its matching ID in the inventory.
mid_of() {
	ctl list 2>/dev/null | awk -v i="$1" '$1 "" == i "" {print $3}'
}

AC="LPA:1\$$SMDP_HOST:$PORT\$"

# -- PC/SC reader, short APDUs (the card's ATR does not announce extended length),
# the ES10c commands ---------------------------------------------------------------
R0=${READER_NAMES[0]}
vcard 0 --stay --no-extended vpcd "${READER_PORTS[0]}"
wait_card 0
out=$(slpa "pcsc:$R0" eid 2>&1)
[ "$out" = "${EIDS[0]}" ]
tap $? "GetEID through pcscd: $out"
out=$(slpa "pcsc:$R0" -v --ac "$AC" 2>"$E2E_DIR/lpa0.err")
rc=$?
ICCID0=$(echo "$out" | awk '/^installed/ {print $2}')
MID0=$(mid_of "$ICCID0")
[ $rc -eq 0 ] && [ -n "$ICCID0" ] && [ "$(ctl_state "$MID0")" = "installed ${EIDS[0]}" ]
tap $? "download through a PC/SC reader: $ICCID0 installed on ${EIDS[0]} (exit $rc)"
trips=$(grep -oE '^lpa: [0-9]+ APDU round trips' "$E2E_DIR/lpa0.err" | grep -oE '[0-9]+')
# PC/SC default: 255-byte STORE DATA blocks, Le on the last (about 75; 120-byte blocks
# without Le, as widely used LPAs send, take about 150)
[ "${trips:-0}" -gt 50 ] && [ "${trips:-0}" -lt 110 ] &&
	grep -q "^lpa: .*: T=1, short APDUs (card: ATR card capabilities without extended" "$E2E_DIR/lpa0.err"
tap $? "one download is $trips APDU round trips ($(grep -m1 -o 'short APDUs ([^;]*' "$E2E_DIR/lpa0.err"))"
slpa "pcsc:$R0" list >"$E2E_DIR/list0" 2>&1 && grep -q "^$ICCID0 disabled A0000005591010FFFFFFFF89" "$E2E_DIR/list0"
tap $? "list: $(head -1 "$E2E_DIR/list0")"
slpa "pcsc:$R0" enable "$ICCID0" >/dev/null 2>&1 && slpa "pcsc:$R0" list 2>&1 | grep -q "^$ICCID0 enabled"
tap $? "enable: the profile is enabled"
slpa "pcsc:$R0" delete "$ICCID0" >"$E2E_DIR/del0" 2>&1
rc=$?
[ $rc -eq 3 ] && grep -q "not in the state" "$E2E_DIR/del0"
tap $? "delete of the enabled profile refused (exit $rc)"
slpa "pcsc:$R0" disable "$ICCID0" >/dev/null 2>&1 && slpa "pcsc:$R0" delete "$ICCID0" >"$E2E_DIR/del0" 2>&1
rc=$?
[ $rc -eq 0 ] && grep -q "^notification [0-9]* for $ICCID0 sent to $SMDP_HOST" "$E2E_DIR/del0" &&
	[ "$(ctl_state "$MID0" | cut -d' ' -f1)" = deleted ] && ! slpa "pcsc:$R0" list 2>&1 | grep -q .
tap $? "disable + delete: the signed delete notification reached portdpd ($(ctl_state "$MID0"))"
slpa "pcsc:$R0" notify >"$E2E_DIR/notify0" 2>&1 && grep -q "no pending notifications" "$E2E_DIR/notify0"
tap $? "nothing pending on the chip"

# -- extended APDUs, chosen because the card's ATR announces them ---------------------
R1=${READER_NAMES[1]}
vcard 1 --stay vpcd "${READER_PORTS[1]}"
wait_card 1
slpa "pcsc:$R1" -v --ac "$AC" >"$E2E_DIR/out1" 2>"$E2E_DIR/lpa1.err"
rc=$?
trips=$(grep -oE '^lpa: [0-9]+ APDU round trips' "$E2E_DIR/lpa1.err" | grep -oE '[0-9]+')
[ $rc -eq 0 ] && [ "${trips:-999}" -lt 60 ] &&
	grep -q "^lpa: .*: T=1, extended-length APDUs (card: extended Lc/Le" "$E2E_DIR/lpa1.err"
tap $? "download with extended-length APDUs (not asked for): exit $rc, $trips round trips"

# -- the test modem: CCHO/CGLA/CCHC, then CSIM ----------------------------------------
vcard 2 --stay modem "$E2E_DIR/modem0"
for _ in $(seq 50); do [ -L "$E2E_DIR/modem0" ] && break; sleep 0.1; done
out=$(slpa "at:$E2E_DIR/modem0" --ac "$AC" 2>&1)
rc=$?
ICCID2=$(echo "$out" | awk '/^installed/ {print $2}')
[ $rc -eq 0 ] && [ -n "$ICCID2" ]
tap $? "download through the AT modem (CCHO/CGLA/CCHC): $ICCID2 (exit $rc)"
slpa "at-csim:$E2E_DIR/modem0" list 2>&1 | grep -q "^$ICCID2 disabled"
tap $? "list through AT+CSIM on the basic channel"

# -- a card answering garbage ---------------------------------------------------------
R2=${READER_NAMES[2]}
vcard 3 --stay --garbage 0:sw vpcd "${READER_PORTS[2]}"
wait_card 3 || true
before=$(ctl_snapshot)
slpa "pcsc:$R2" --ac "$AC" >"$E2E_DIR/out3" 2>&1
rc=$?
[ $rc -eq 3 ] && grep -q "6F00" "$E2E_DIR/out3" && [ "$(ctl_snapshot)" = "$before" ]
tap $? "a card answering 6F00: exit $rc, '$(grep -m1 6F00 "$E2E_DIR/out3")', inventory unchanged"
R4=${READER_NAMES[4]}
vcard 4 --stay --garbage 0:junk vpcd "${READER_PORTS[4]}"
wait_card 4 || true
slpa "pcsc:$R4" --ac "$AC" >"$E2E_DIR/out4" 2>&1
rc=$?
[ $rc -eq 3 ] && [ "$(ctl_snapshot)" = "$before" ]
tap $? "a card answering junk with 9000: exit $rc, $(grep -m1 'portdp-lpa' "$E2E_DIR/out4")"

# -- a card pulled during PrepareDownload -----------------------------------------------
R5=${READER_NAMES[5]}
vcard 5 --pull 0:BF21 vpcd "${READER_PORTS[5]}"
wait_card 5 || true
slpa "pcsc:$R5" --ac "$AC" >"$E2E_DIR/out5" 2>&1
rc=$?
[ $rc -eq 7 ] && grep -q "out 0 ${EIDS[5]} pulled" "$E2E_DIR/vcard5.log"
tap $? "card pulled at PrepareDownload: exit $rc ($(grep -m1 'portdp-lpa' "$E2E_DIR/out5"))"

stop_pcscd
stop_portdpd
tap_done
