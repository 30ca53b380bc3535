#!/bin/bash
# E2E: a ProfileInstallationResult that reaches portdpd only after a kill -9 and a restart
# (its session and the session's copy of PK.EUICC are gone) is verified with the eUICC key
# the inventory kept and lands: the profile turns installed and the audit shows it. A
# result with a spoiled signature, or the same result again, changes nothing.
#
# The LPA is stopped for good right after its eUICC loaded the BPP (a gdb breakpoint on
# seuicc_load_bpp, then kill): the eUICC keeps the result as a pending notification in its
# state directory (notifications/<seq>.der, tools/euicc/soft_euicc.h), which this test then
# sends as an LPA does, ES9+ handleNotification over TLS (portdp-lpa has no command that
# sends pending notifications).
set -u
. "$(dirname "$0")/lib.sh"
e2e_init late-pir
if ! command -v gdb >/dev/null || ! command -v curl >/dev/null; then
	echo "1..0 # SKIP gdb and curl needed (tools/install-deps)"
	exit 0
fi
E2E_DB=$E2E_DIR/inventory.db
PKI=$E2E_DIR/pki
make_pki "$PKI" -n 1
EID=$(head -1 "$PKI/euicc/list.txt")
EDIR=$E2E_DIR/e0
ctl init >/dev/null
UPP=$(ls "$TESTDATA"/ts48/*-UNIQUE.der | head -1)
ctl import --matching-id LATE "$UPP" >/dev/null 2>&1
ICCID=$(upp_iccid "$UPP")
euicc_dir "$PKI" "$EID" "$EDIR"
PORT=$(free_port)
write_conf "$E2E_DIR/portdpd.conf" "$PORT" "$E2E_DB" "$PKI"
start_portdpd "$E2E_DIR/portdpd.conf" "$PORT"
tap $? "portdpd started"

# state MID -> "STATE EID" (EID "-" when none)
state_of() {
	ctl list 2>/dev/null | awk -v m="$1" '$3 == m {print $2, ($4 ~ /^[0-9]+$/ ? $4 : "-")}'
}

# kill -9 and start again. The dead daemon's listening socket may outlive it for a moment
# (its io_uring is torn down asynchronously): wait until it is gone, or start_portdpd would
# take it for the new daemon's.
crash_and_restart() {
	crash_portdpd
	for _ in $(seq 50); do
		ss -Htln "sport = :$PORT" 2>/dev/null | grep -q . || break
		sleep 0.1
	done
	start_portdpd "$E2E_DIR/portdpd.conf" "$PORT"
}

# send_notification FILE: POST it as ES9+ handleNotification; prints the HTTP status.
send_notification() {
	printf '{"pendingNotification":"%s"}' "$(base64 -w0 "$1")" >"$E2E_DIR/pir.json"
	curl -sS -o /dev/null -w '%{http_code}' --max-time 10 --cacert "$PKI/ci.pem" \
		--resolve "$SMDP_HOST:$PORT:127.0.0.1" -H 'Content-Type: application/json' \
		-H 'X-Admin-Protocol: gsma/rsp/v2.2.2' --data-binary "@$E2E_DIR/pir.json" \
		"https://$SMDP_HOST:$PORT/gsma/rsp2/es9plus/handleNotification" 2>>"$E2E_DIR/curl.log"
}

# The LPA downloads; its eUICC installs; the LPA dies before it sends the result.
timeout 60 gdb -nx -q -batch -iex 'set debuginfod enabled off' \
	-ex 'break seuicc_load_bpp' -ex run -ex finish -ex kill \
	--args "$BIN/portdp-lpa" --euicc "$EDIR" --cacert "$PKI/ci.pem" \
	--resolve "$SMDP_HOST:$PORT:127.0.0.1" --ac "$(ac "$PORT" LATE)" >"$E2E_DIR/gdb.log" 2>&1
PIRS=("$EDIR"/notifications/*.der)
[ ${#PIRS[@]} -eq 1 ] && [ -s "${PIRS[0]}" ] && [ -s "$EDIR/profiles/$ICCID.upp" ]
tap $? "the eUICC installed $ICCID and holds its result as a pending notification"
PIR=${PIRS[0]}
[ "$(state_of LATE)" = "downloaded $EID" ]
tap $? "the profile is downloaded: $(state_of LATE)"

crash_and_restart
tap $? "kill -9 portdpd, restarted"

# The same result with one bit of its signature (the last bytes of the DER) flipped.
BAD=$E2E_DIR/bad-pir.der
cp "$PIR" "$BAD"
size=$(stat -c %s "$BAD")
last=$(od -An -tu1 -j $((size - 1)) -N1 "$BAD" | tr -d ' ')
printf "$(printf '\\%03o' $((last ^ 1)))" |
	dd of="$BAD" bs=1 seek=$((size - 1)) conv=notrunc status=none
before=$(ctl_snapshot)
code=$(send_notification "$BAD")
[ "$code" = 204 ] && [ "$(ctl_snapshot)" = "$before" ]
tap $? "result with a spoiled signature: HTTP $code, inventory and audit unchanged"
grep -q "installation result for $ICCID (stored eUICC key): euiccSignPIR does not verify" \
	"$E2E_DIR/portdpd.log"
tap $? "portdpd logged why it ignored it"

code=$(send_notification "$PIR")
[ "$code" = 204 ] && [ "$(state_of LATE)" = "installed $EID" ]
tap $? "the held-back result after the restart: HTTP $code, $(state_of LATE)"
ctl audit 2>/dev/null | grep "$ICCID" | tail -1 | grep -q "downloaded.*installed.*es9"
tap $? "the audit shows it: $(ctl audit 2>/dev/null | grep "$ICCID" | tail -1)"

# Sent again (LPAs retry): nothing changes, also after another restart.
before=$(ctl_snapshot)
code=$(send_notification "$PIR")
[ "$code" = 204 ] && [ "$(ctl_snapshot)" = "$before" ]
tap $? "the same result again: HTTP $code, nothing changes"
crash_and_restart
code=$(send_notification "$PIR")
[ "$code" = 204 ] && [ "$(ctl_snapshot)" = "$before" ]
tap $? "and after another kill -9 and restart: HTTP $code, nothing changes"
stop_portdpd
tap_done
