#!/bin/bash
# E2E: download progress reports to the operator, store and forward. Three profiles of
# operator opA are ordered over ES2+ and downloaded by the soft eUICC while the operator's
# endpoint (portdp-test-operator, real TLS with client certificates both ways) is down, then
# answers 500, then is slow; portdpd is killed -9 twice in between and the queue is paused
# and resumed. When the endpoint finally answers, every report (points 1, 3, 4 per profile)
# has arrived exactly once, in order; portdpctl queue shows pending reports and their age.
# Later enable, disable and delete on the eUICC report points 101, 102 and 5 with the eUICC's signed
# notification; the same enable notification sent again (from a copy of the eUICC's memory)
# is reported once.
set -u
. "$(dirname "$0")/lib.sh"
e2e_init progress
E2E_DB=$E2E_DIR/inventory.db
PKI=$E2E_DIR/pki
OPS=$E2E_DIR/ops
RIG=$BIN/portdp-test-operator
RIG_PID=
RIG_LOG=$E2E_DIR/reports.log
cleanup_rig() { [ -n "$RIG_PID" ] && kill -9 "$RIG_PID" 2>/dev/null; e2e_cleanup; }
trap cleanup_rig EXIT
[ -x "$RIG" ] || { echo "Bail out! $RIG not built"; exit 1; }

make_pki "$PKI" -n 2
tap $? "test PKI"
mapfile -t EIDS <"$PKI/euicc/list.txt"
euicc_dir "$PKI" "${EIDS[0]}" "$E2E_DIR/e0"
euicc_dir "$PKI" "${EIDS[1]}" "$E2E_DIR/e1"
make_operator_pki "$OPS"
tap $? "operator PKI (CA, clients, the unit's client certificate, the endpoint's certificate)"

RIG_PORT=$(free_port)
ctl init >/dev/null &&
	ctl operator add opA --cert "$OPS/opA.pem" \
		--url "https://127.0.0.1:$RIG_PORT/gsma/rsp2/es2plus/handleDownloadProgressInfo" \
		>/dev/null
tap $? "operator opA with its callback URL"
mapfile -t FILES < <(ls "$TESTDATA"/ts48/*-UNIQUE.der | head -3)
P=()
for f in "${FILES[@]}"; do P+=("$(ctl import --owner opA --profile-type t "$f" 2>/dev/null | awk '{print $1}')"); done
[ ${#P[@]} -eq 3 ] && [ -n "${P[2]}" ]
tap $? "three profiles of opA imported"

PORT=$(free_port)
ES2PORT=$(free_port)
write_conf "$E2E_DIR/portdpd.conf" "$PORT" "$E2E_DB" "$PKI"
cat >>"$E2E_DIR/portdpd.conf" <<CONF
es2_port = $ES2PORT
es2_client_ca = $OPS/opca.pem
progress_cert = $OPS/unit.pem
progress_key = $OPS/unit-key.pem
progress_ca = $OPS/opca.pem
progress_retry_max = 1
progress_timeout = 3
CONF
start_dpd() {
	start_portdpd "$E2E_DIR/portdpd.conf" "$PORT" &&
		for _ in $(seq 50); do ss -Htln "sport = :$ES2PORT" | grep -q . && break; sleep 0.1; done
}
start_dpd
tap $? "portdpd started"

es2() { es2_call "$OPS" "$ES2PORT" "$@"; }
order() { # N EID_INDEX: order, confirm and release P[N] for that EID with matching ID PR<N>
	local r
	r=$(es2 opA downloadOrder "$(es2_hdr opA d$1),\"iccid\":\"${P[$1]}\",\"eid\":\"${EIDS[$2]}\"}") &&
		r=$(es2 opA confirmOrder "$(es2_hdr opA c$1),\"iccid\":\"${P[$1]}\",\"matchingId\":\"PR$1\",\"releaseFlag\":true}") &&
		echo "$r" | grep -q Executed-Success
}
download() { # N EID_INDEX
	lpa "$PORT" "$PKI" "$E2E_DIR/e$2" --ac "$(ac "$PORT" "PR$1")" >>"$E2E_DIR/lpa.log" 2>&1
}
pending() { ctl queue 2>/dev/null | awk '$1 == "opA" {print $3}'; }
delivered() { [ -f "$RIG_LOG" ] && wc -l <"$RIG_LOG" || echo 0; }
start_rig() { # MODE [CERT KEY]: the endpoint's certificate, by default the operator's
	"$RIG" --port "$RIG_PORT" --cert "${2:-$OPS/opsrv.pem}" --key "${3:-$OPS/opsrv-key.pem}" \
		--ca "$OPS/opca.pem" --log "$RIG_LOG" --mode "$1" --delay-ms 1500 \
		>>"$E2E_DIR/rig.log" 2>&1 &
	RIG_PID=$!
	for _ in $(seq 50); do ss -Htln "sport = :$RIG_PORT" | grep -q . && return 0; sleep 0.1; done
	return 1
}
stop_rig() { [ -n "$RIG_PID" ] && kill -9 "$RIG_PID" 2>/dev/null; wait "$RIG_PID" 2>/dev/null; RIG_PID=; }
delivered_at_least() { [ "$(delivered)" -ge "$1" ]; }
pending_is() { [ "$(pending)" = "$1" ]; }
wait_for() { # SECONDS COMMAND...: until the command succeeds (evaluated each time)
	local t=$1
	shift
	for _ in $(seq $((t * 10))); do "$@" && return 0; sleep 0.1; done
	return 1
}

# 1. endpoint down: the reports of a whole download wait in the queue
order 0 0 && download 0 0
tap $? "P0 ordered, released and installed on EID 0 while the endpoint is down"
ctl queue | sed 's/^/# /'
[ "$(pending)" = 3 ]
tap $? "queue: 3 reports pending for opA (eligibility, BPP download, installation)"

# 1b. an endpoint whose certificate is not the operator's (the SM-DP+'s own, another CA):
# the sender opens no session with it, so no report reaches it and none leaves the queue
start_rig ok "$PKI/dptls-chain.pem" "$PKI/dptls-key.pem"
sleep 3
[ "$(pending)" = 3 ] && [ "$(delivered)" = 0 ] && [ ! -s "$E2E_DIR/reports.log.all" ]
tap $? "an endpoint with a certificate of another CA gets no report"
stop_rig

# 2. endpoint answers 500: nothing is taken off the queue
start_rig 500
wait_for 10 grep -q "^500 " "$E2E_DIR/reports.log.all"
tap $? "the endpoint answering 500 is tried"
sleep 1.5
[ "$(pending)" = 3 ] && [ "$(delivered)" = 0 ]
tap $? "after 500s the reports are all still queued"

# 3. kill -9 and restart: the queue survives; another download meanwhile
crash_portdpd
start_dpd && [ "$(pending)" = 3 ]
tap $? "portdpd killed -9 and restarted: 3 reports still queued"
order 1 1 && download 1 1 && [ "$(pending)" = 6 ]
tap $? "P1 installed on EID 1: 6 reports queued"

# 4. slow endpoint (1.5 s per report, under the 3 s timeout); kill -9 while it delivers
stop_rig
start_rig slow
wait_for 15 delivered_at_least 1
tap $? "slow endpoint: reports start to arrive"
crash_portdpd
start_dpd
tap $? "portdpd killed -9 in the middle of deliveries and restarted"

# 5. paused: nothing goes out, even to a healthy endpoint; P2 meanwhile
ctl queue pause opA
stop_rig
start_rig ok
order 2 0 && download 2 0
tap $? "P2 installed on EID 0 while the queue is paused"
n=$(delivered)
sleep 2
[ "$(delivered)" = "$n" ] && [ "$(pending)" -ge 3 ]
tap $? "paused: nothing delivered for 2 s, $(pending) pending"
ctl queue | sed 's/^/# /'
ctl queue | awk '$1 == "opA" {exit !($2 == "paused" && $4 >= 2)}'
tap $? "portdpctl queue shows opA paused and the oldest report's age"

# 6. resumed: everything arrives, once, in order
ctl queue resume opA
wait_for 30 pending_is 0
tap $? "resumed: the queue drains"
sed 's/^/# delivered: /' "$RIG_LOG"
[ -f "$RIG_LOG.dup" ] && sed 's/^/# resent (already had it): /' "$RIG_LOG.dup"
[ "$(delivered)" = 9 ] && [ -z "$(awk '{print $1}' "$RIG_LOG" | sort | uniq -d)" ]
tap $? "9 reports arrived, each exactly once (by functionCallIdentifier)"
seqs=$(awk '{n = split($1, a, "-"); print a[n]}' "$RIG_LOG")
[ "$seqs" = "$(echo "$seqs" | sort -n)" ]
tap $? "in the order they were queued"
expect=$(printf '1 %s\n3 %s\n4 %s\n' "${P[0]}" "${P[0]}" "${P[0]}" "${P[1]}" "${P[1]}" "${P[1]}" \
	"${P[2]}" "${P[2]}" "${P[2]}")
[ "$(awk '{print $2, $3}' "$RIG_LOG")" = "$expect" ]
tap $? "per profile: eligibility (1), BPP download (3), BPP installation (4)"
grep -c "^500 " "$E2E_DIR/reports.log.all" | sed 's/^/# answered 500: /'

# 7. later notifications from the eUICC (the profile asked for enable, disable and delete):
# a point per event (enable 101, disable 102, delete 5: es9_point_of_event()), with the signed
# notification, whose event must match the point
event_of() { # the event of the last report's resultData (otherSignedNotification)
	local id hex
	id=$(tail -1 "$RIG_LOG" | awk '{print $1}')
	hex=$(awk -v id="$id" '$1 == id {print $2}' "$RIG_LOG.data" | base64 -d | od -An -tx1 |
		tr -d ' \n')
	case "${hex:0:40}" in
	*81020640*) echo enable ;; *81020520*) echo disable ;; *81020410*) echo delete ;;
	*) echo "none ($hex)" ;;
	esac
}
reported() { # N EVENT POINT: the Nth report is POINT for P0, its notification that EVENT
	wait_for 15 delivered_at_least "$1" || return 1
	tail -1 "$RIG_LOG" | sed 's/^/# delivered: /'
	[ "$(delivered)" = "$1" ] && [ "$(tail -1 "$RIG_LOG" | awk '{print $2, $3}')" = "$3 ${P[0]}" ] &&
		[ "$(event_of)" = "$2" ] && pending_is 0
}
cp -a "$E2E_DIR/e0" "$E2E_DIR/e0.copy"
lpa "$PORT" "$PKI" "$E2E_DIR/e0" enable "${P[0]}" >>"$E2E_DIR/lpa.log" 2>&1 && reported 10 enable 101
tap $? "enable of P0 on the eUICC: report point 101 with the enable notification"
# the copy of the eUICC's memory makes the same notification (same seqNumber) again
lpa "$PORT" "$PKI" "$E2E_DIR/e0.copy" enable "${P[0]}" >>"$E2E_DIR/lpa.log" 2>&1 &&
	sleep 2 && [ "$(delivered)" = 10 ] && pending_is 0 &&
	grep -q "enable notification [0-9]* for ${P[0]} from ${EIDS[0]}: already taken" "$E2E_DIR/portdpd.log"
tap $? "the same enable notification sent again: taken (204), reported once"
lpa "$PORT" "$PKI" "$E2E_DIR/e0" disable "${P[0]}" >>"$E2E_DIR/lpa.log" 2>&1 && reported 11 disable 102
tap $? "disable of P0: report point 102 with the disable notification"
lpa "$PORT" "$PKI" "$E2E_DIR/e0" --delete "${P[0]}" >>"$E2E_DIR/lpa.log" 2>&1 && reported 12 delete 5
tap $? "delete of P0 on the eUICC: report point 5 with the delete notification"
[ "$(sqlite3 "$E2E_DB" 'SELECT count(*) FROM euicc_notification')" = 2 ]
tap $? "the inventory recorded the enable and the disable once each"

stop_rig
stop_portdpd
tap_done
