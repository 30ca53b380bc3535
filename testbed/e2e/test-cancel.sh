#!/bin/bash
# E2E: Common Cancel Session. A download the user declines after
# authenticateClient is cancelled by the eUICC's signed CancelSessionResponse:
# the profile is available again at once (no wait for session expiry) and the
# audit names cancelSession. Cancels with a spoiled signature or an unknown
# transactionId get their SGP.22 codes and change nothing (the real cancel
# after them still finds the session). Then the profile installs.
set -u
. "$(dirname "$0")/lib.sh"
e2e_init cancel
E2E_DB=$E2E_DIR/inventory.db
PKI=$E2E_DIR/pki
make_pki "$PKI" -n 1
tap $? "test PKI"
EID=$(head -1 "$PKI/euicc/list.txt")
euicc_dir "$PKI" "$EID" "$E2E_DIR/e0"

ctl init >/dev/null
mapfile -t FILES < <(ls "$TESTDATA"/ts48/*-UNIQUE.der | head -3)
ctl import --matching-id C0 "${FILES[0]}" >/dev/null 2>&1 &&
	ctl import --matching-id C1 "${FILES[1]}" >/dev/null 2>&1 &&
	ctl import --matching-id C2 --cc 1357 "${FILES[2]}" >/dev/null 2>&1
tap $? "3 profiles imported (C2 needs confirmation code 1357)"
PORT=$(free_port)
SESSION_TIMEOUT=600 # a release seen below is the cancel's, never an expiry's
write_conf "$E2E_DIR/portdpd.conf" "$PORT" "$E2E_DB" "$PKI"
start_portdpd "$E2E_DIR/portdpd.conf" "$PORT"
tap $? "portdpd started"

cancel_audits() { # audit rows naming cancelSession (all profiles)
	ctl audit 2>/dev/null | grep -c "cancelSession"
}
show() { echo "$1" | sed 's/^/# /'; }

# 1. Declined by the user: exit 6, cancel accepted, C0 available at once.
msg=$(lpa "$PORT" "$PKI" "$E2E_DIR/e0" --ac "$(ac "$PORT" C0)" --reject 2>&1)
rc=$?
show "$msg"
[ $rc -eq 6 ] && echo "$msg" | grep -q "cancelSession (endUserRejection): accepted"
tap $? "declined download: the SM-DP+ accepted cancelSession (endUserRejection)"
[ "$(ctl_state C0)" = "available -" ]
tap $? "declined download: C0 is available again immediately"
ctl audit 2>/dev/null | grep "cancelSession reason 0" | sed 's/^/# /'
[ "$(ctl audit 2>/dev/null | grep -c 'cancelSession reason 0')" -eq 1 ]
tap $? "the audit shows the release by cancelSession reason 0"

# 2. Spoiled cancels first: each refused with its code, the real one still works.
for spoil in signature transaction; do
	case $spoil in
	signature) code="subjectCode 8.1 reasonCode 6.1" ;;
	transaction) code="subjectCode 8.10.1 reasonCode 3.9" ;;
	esac
	before=$(cancel_audits)
	msg=$(lpa "$PORT" "$PKI" "$E2E_DIR/e0" --ac "$(ac "$PORT" C1)" --reject \
		--spoil-cancel $spoil 2>&1)
	rc=$?
	show "$msg"
	echo "$msg" | grep "spoiled cancelSession ($spoil)" | grep -q "$code"
	tap $? "cancel with a wrong $spoil: refused with $code"
	# Had the spoiled cancel ended the session, the real one would find none.
	[ $rc -eq 6 ] && echo "$msg" | grep -q "cancelSession (endUserRejection): accepted" &&
		[ "$(cancel_audits)" -eq $((before + 1)) ] && [ "$(ctl_state C1)" = "available -" ]
	tap $? "cancel with a wrong $spoil changed nothing: one release, by the real cancel"
done

# 3. No confirmation code given: cancelled (endUserRejection), C2 available.
msg=$(lpa "$PORT" "$PKI" "$E2E_DIR/e0" --ac "$(ac "$PORT" C2)" 2>&1)
rc=$?
show "$msg"
[ $rc -eq 1 ] && echo "$msg" | grep -q "cancelSession (endUserRejection): accepted" &&
	[ "$(ctl_state C2)" = "available -" ]
tap $? "missing confirmation code: cancelled, C2 available again"

# 4. Wrong confirmation code: refused by the SM-DP+, then cancelled.
msg=$(lpa "$PORT" "$PKI" "$E2E_DIR/e0" --ac "$(ac "$PORT" C2)" --cc 1111 2>&1)
rc=$?
show "$msg"
[ $rc -eq 2 ] && echo "$msg" | grep -q "subjectCode 8.2.7 reasonCode 3.8" &&
	echo "$msg" | grep -q "cancelSession (endUserRejection): accepted" &&
	[ "$(ctl_state C2)" = "available -" ]
tap $? "wrong confirmation code: refused 8.2.7/3.8, cancelled, C2 available again"

# 5. A vanished LPA (--stop-after) does not cancel: the session holds C1.
lpa "$PORT" "$PKI" "$E2E_DIR/e0" --ac "$(ac "$PORT" C1)" --stop-after authenticateClient \
	>/dev/null 2>&1
[ $? -eq 5 ] && [ "$(ctl_state C1)" = "allocated $EID" ]
tap $? "--stop-after authenticateClient sends no cancel: C1 stays allocated"

# 6. The declined profiles then install.
for mid in C0 C2; do
	cc=
	[ $mid = C2 ] && cc="--cc 1357"
	# shellcheck disable=SC2086
	msg=$(lpa "$PORT" "$PKI" "$E2E_DIR/e0" --ac "$(ac "$PORT" $mid)" $cc 2>&1)
	rc=$?
	show "$msg"
	[ $rc -eq 0 ] && [ "$(ctl_state $mid)" = "installed $EID" ]
	tap $? "$mid, declined before, now downloads and installs"
done

stop_portdpd
tap_done
