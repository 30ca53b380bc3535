#!/bin/bash
# E2E: a ProfileInstallationResult that reaches portdpd only after a kill -9 and a restart
# (its session and the session's copy of PK.EUICC are gone) is verified with the eUICC key
# the inventory kept and lands: the profile turns installed and the audit shows it. A
# result with a spoiled signature, or the same result again, changes nothing.
#
# The LPA installs with --hold-notifications (a device that lost its link right after
# loading the BPP): the eUICC keeps the result pending. `portdp-lpa notify` sends pending
# notifications later (ES10b ListNotification, ES9+ handleNotification, then
# RemoveNotificationFromList), and keeps them while the SM-DP+ is unreachable.
set -u
. "$(dirname "$0")/lib.sh"
e2e_init late-pir
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

# kill -9 and wait until the dead daemon's listening socket is gone: it may outlive the
# process for a moment (its io_uring is torn down asynchronously), and start_portdpd would
# take it for the new daemon's.
crash_and_wait() {
	crash_portdpd
	for _ in $(seq 50); do
		ss -Htln "sport = :$PORT" 2>/dev/null | grep -q . || break
		sleep 0.1
	done
}

# notify [ARGS]: portdp-lpa notify on the eUICC; its output goes to $E2E_DIR/notify.out.
notify() {
	lpa "$PORT" "$PKI" "$EDIR" --timeout 10 notify "$@" >"$E2E_DIR/notify.out" \
		2>>"$E2E_DIR/lpa.log"
}

# The LPA downloads; its eUICC installs; the result is not sent.
lpa "$PORT" "$PKI" "$EDIR" --ac "$(ac "$PORT" LATE)" --hold-notifications \
	--out "$E2E_DIR/upp.der" >"$E2E_DIR/hold.out" 2>>"$E2E_DIR/lpa.log"
rc=$?
[ $rc -eq 0 ] && grep -q "^notification [0-9]* (ProfileInstallationResult) held pending" \
	"$E2E_DIR/hold.out" && grep -q "^installed $ICCID on $EID" "$E2E_DIR/hold.out" &&
	cmp -s "$E2E_DIR/upp.der" "$UPP"
tap $? "the eUICC installed $ICCID and holds its result pending (exit $rc)"
[ "$(ctl_state LATE)" = "downloaded $EID" ]
tap $? "the profile is downloaded: $(ctl_state LATE)"

crash_and_wait
notify
rc=$?
[ $rc -ne 0 ] && [ "$(grep -c "kept pending" "$E2E_DIR/notify.out")" = 1 ]
tap $? "notify while portdpd is down: exit $rc, $(head -1 "$E2E_DIR/notify.out")"

start_portdpd "$E2E_DIR/portdpd.conf" "$PORT"
tap $? "kill -9 portdpd, restarted"

# Keep the eUICC's state as it is now: a device restored from this backup sends the same
# result again below.
cp -a "$EDIR" "$E2E_DIR/backup"

# The same result with one bit of its signature flipped (a test-only LPA option).
before=$(ctl_snapshot)
notify --spoil-signature
rc=$?
[ $rc -eq 5 ] && grep -q "spoiled signature: HTTP 204, kept pending" "$E2E_DIR/notify.out" &&
	[ "$(ctl_snapshot)" = "$before" ]
tap $? "result with a spoiled signature: exit $rc, inventory and audit unchanged"
grep -q "installation result for $ICCID (stored eUICC key): euiccSignPIR does not verify" \
	"$E2E_DIR/portdpd.log"
tap $? "portdpd logged why it ignored it"

notify
rc=$?
[ $rc -eq 0 ] && grep -q "accepted (HTTP 204), removed" "$E2E_DIR/notify.out" &&
	[ "$(ctl_state LATE)" = "installed $EID" ]
tap $? "after the restart the held-back result lands: exit $rc, $(ctl_state LATE)"
ctl audit 2>/dev/null | grep "$ICCID" | tail -1 | grep -q "downloaded.*installed.*es9"
tap $? "the audit shows it: $(ctl audit 2>/dev/null | grep "$ICCID" | tail -1)"
notify
rc=$?
[ $rc -eq 0 ] && grep -q "^no pending notifications" "$E2E_DIR/notify.out"
tap $? "nothing is left pending: exit $rc"

# Sent again from the backup (LPAs retry): nothing changes, also after another restart.
replay() {
	rm -rf "$E2E_DIR/replay"
	cp -a "$E2E_DIR/backup" "$E2E_DIR/replay"
	lpa "$PORT" "$PKI" "$EDIR" --state "$E2E_DIR/replay" --timeout 10 notify \
		>"$E2E_DIR/notify.out" 2>>"$E2E_DIR/lpa.log" &&
		grep -q "accepted (HTTP 204), removed" "$E2E_DIR/notify.out"
}
before=$(ctl_snapshot)
replay && [ "$(ctl_snapshot)" = "$before" ]
tap $? "the same result again: accepted, nothing changes"
crash_and_wait
start_portdpd "$E2E_DIR/portdpd.conf" "$PORT" &&
	replay && [ "$(ctl_snapshot)" = "$before" ]
tap $? "and after another kill -9 and restart: accepted, nothing changes"
stop_portdpd
tap_done
