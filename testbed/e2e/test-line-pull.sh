#!/bin/bash
# E2E: a chip pulled mid-download at a station of portdp-line in its default mode (no
# --inventory: the runner may run where the inventory is not) has its allocation back in
# stock at once, not at the session's expiry: the station sends ES9+.CancelSession with the
# eUICC's error answer (undefinedError; the chip is gone, nothing can sign), which portdpd
# takes while no BPP is out. One test modem (pty), three chips; chip 0 is pulled at
# PrepareDownload (after authenticateClient allocated its profile) and comes back last.
set -u
. "$(dirname "$0")/lib.sh"
e2e_init line-pull
VC_PID=
cleanup() {
	[ -n "$VC_PID" ] && kill "$VC_PID" 2>/dev/null
	e2e_cleanup
}
trap cleanup EXIT
for b in portdp-bench portdp-vcard portdp-line; do
	[ -x "$BIN/$b" ] || { echo "Bail out! $BIN/$b not built"; exit 1; }
done

B=$E2E_DIR/b
"$BIN/portdp-bench" setup --dir "$B" --profiles 4 --euiccs 3 >/dev/null 2>&1
tap $? "setup: test PKI, 3 eUICCs, 4 profiles"
E2E_DB=$B/inventory.db
PKI=$B/pki
mapfile -t EIDS <"$PKI/euicc/list.txt"
ident() { printf '%s/euiccs/%05d' "$B" "$1"; }
state() { printf '%s/state/%05d' "$E2E_DIR" "$1"; }

PORT=$(free_port)
# A session (and its allocation) would wait 10 minutes for its expiry.
sed -e "s/^port = .*/port = $PORT/" -e '/^session_timeout/d' "$B/portdpd.conf" >"$E2E_DIR/portdpd.conf"
echo "session_timeout = 600" >>"$E2E_DIR/portdpd.conf"
start_portdpd "$E2E_DIR/portdpd.conf" "$PORT"
tap $? "portdpd started (session_timeout 600 s)"

for i in 0 1 2 0; do echo "$(ident "$i") $(state "$i")"; mkdir -p "$(state "$i")"; done >"$E2E_DIR/cards"
"$BIN/portdp-vcard" --cards "$E2E_DIR/cards" --pull 0:BF21 modem "$E2E_DIR/modem" \
	>"$E2E_DIR/vcard.log" 2>&1 &
VC_PID=$!
for _ in $(seq 50); do [ -L "$E2E_DIR/modem" ] && break; sleep 0.1; done
REP=$E2E_DIR/report
t0=$(date +%s)
timeout 120 "$BIN/portdp-line" --smdp "$SMDP_HOST:$PORT" --resolve "$SMDP_HOST:$PORT:127.0.0.1" \
	--cacert "$PKI/ci.pem" --quiet --report "$REP" --station "at:$E2E_DIR/modem" \
	--idle-exit 4 >"$E2E_DIR/run.out" 2>&1
rc=$?
t1=$(date +%s)
cat "$REP"/run-*.csv | grep -v '^time,' >"$E2E_DIR/all.csv"
sed 's/^/# /' "$E2E_DIR/all.csv"
[ $rc -eq 1 ] && [ "$(awk -F, '$6 == "pulled"' "$E2E_DIR/all.csv" | wc -l)" = 1 ]
tap $? "the line ran (exit $rc: one chip pulled, $((t1 - t0)) s)"
awk -F, -v e="${EIDS[0]}" '$3 "" == e "" && $6 == "pulled"' "$E2E_DIR/all.csv" |
	grep -q "during prepare.*session cancelled, its profile back in stock"
tap $? "chip 0 pulled during PrepareDownload: its session cancelled, the profile back in stock"
[ "$(ctl_iccids allocated | wc -l)" = 0 ] &&
	ctl audit 2>/dev/null | grep -q "cancelSession, eUICC error 127"
tap $? "no allocation left (long before the 600 s expiry); audit: released by cancelSession"
ctl list 2>/dev/null >"$E2E_DIR/inv.txt"
bad=0
for i in 0 1 2; do
	mapfile -t prof < <("$BIN/portdp-lpa" --euicc "$(ident "$i")" --state "$(state "$i")" list)
	iccid=$(echo "${prof[0]:-}" | cut -d' ' -f1)
	inv=$(awk -v e="${EIDS[$i]}" '$4 "" == e "" && $2 == "installed" {print $1}' "$E2E_DIR/inv.txt")
	if [ "${#prof[@]}" -ne 1 ] || [ "$(echo "${prof[0]}" | cut -d' ' -f2)" != enabled ] ||
		[ "$inv" != "$iccid" ]; then
		echo "# chip $i: ${prof[*]:-nothing}; inventory: '$inv'"
		bad=1
	fi
done
[ $bad -eq 0 ] && [ "$(awk '$2 == "installed"' "$E2E_DIR/inv.txt" | wc -l)" = 3 ] &&
	[ "$(ctl_iccids available | wc -l)" = 1 ]
tap $? "every chip (the pulled one back at the end) holds one enabled profile; 1 left in stock"

stop_portdpd
tap_done
