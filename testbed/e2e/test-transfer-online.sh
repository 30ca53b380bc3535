#!/bin/bash
# E2E: online pull between two units (issue 11, UC4 online and UC5). The rack is a portdpd
# whose ES2+ listener also admits units of the unit CA (transfer_ca); the kit pulls with
# `portdpctl transfer pull` over mutual TLS (unit certificates and soft unit keys from
# portdp-pki --unit; the rack's stock from portdp-bench setup):
#  - a pull of N profiles end to end, the receipt back at the rack, then bindings of the
#    pulled profiles on the kit's own portdpd;
#  - the connection cut (cut-relay.py, real TLS through it) at many byte offsets of the
#    pull request, of its answer and of the receipt's exchange: the pull resumes with the
#    same request id, nothing lost or duplicated;
#  - kill -9 of the kit at every step of the pull and of the rack at every step of serving
#    it, each a case: afterwards, and after running the pull again, each ICCID is in exactly
#    one unit's stock, and `audit verify` passes on both units;
#  - refused, changing nothing: a client certificate of another CA, none, another unit
#    replaying the kit's request id, more than the rack has;
#  - `transfer sync` (UC5): an owed receipt, the audit export (verified by the rack), and
#    the kit's ES2+ progress queue drained by its portdpd to an operator's endpoint.
# Prints TAP.
set -u
. "$(dirname "$0")/lib.sh"
e2e_init transfer-online
RELAY=$E2E_ROOT/testbed/e2e/cut-relay.py
R=$E2E_DIR/rack
KB=$E2E_DIR/kitbench
KDB=$E2E_DIR/kit.db
RDB=$R/inventory.db
STOCK=160

OPS=$E2E_DIR/ops
"$BIN/portdp-pki" --unit rack --unit kit --unit kit2 "$E2E_DIR/u" >/dev/null &&
	"$BIN/portdp-pki" --unit kit "$E2E_DIR/other" >/dev/null && make_operator_pki "$OPS"
tap $? "unit CA, the units rack, kit, kit2; a kit of another CA; an operator CA"
U=$E2E_DIR/u/units
timeout 120 "$BIN/portdp-bench" setup --dir "$R" --profiles $STOCK --euiccs 1 --db-sync full \
	>/dev/null 2>&1 && "$BIN/portdpctl" -d "$KDB" init >/dev/null
tap $? "the rack's stock: $STOCK profiles (portdp-bench setup); an empty kit"
cp "$RDB" "$E2E_DIR/rack0.db" && cp "$KDB" "$E2E_DIR/kit0.db"
ALL=$(sqlite3 "$RDB" "SELECT iccid FROM profile ORDER BY iccid")

PORT=$(free_port)
XP=$(free_port)
while [ "$XP" = "$PORT" ]; do XP=$(free_port); done
sed "s/^port = .*/port = $PORT/" "$R/portdpd.conf" >"$E2E_DIR/rack.conf"
cat >>"$E2E_DIR/rack.conf" <<EOT
workers = 2
es2_port = $XP
es2_client_ca = $OPS/opca.pem
transfer_ca = $U/uca.pem
unit_cert = $U/rack.pem
audit_key = file:$U/rack-key.pem
es2_tls_cert = $U/rack.pem
es2_tls_key = file:$U/rack-key.pem
EOT
RACK_PID=
start_rack() { # [KILL_STEP]
	PORTDP_TEST_KILL_AT=${1:-} "$BIN/portdpd" -c "$E2E_DIR/rack.conf" --foreground \
		>>"$E2E_DIR/rack.log" 2>&1 &
	RACK_PID=$!
	for _ in $(seq 100); do
		ss -Htlnp "sport = :$XP" 2>/dev/null | grep -q "pid=$RACK_PID," && return 0
		kill -0 "$RACK_PID" 2>/dev/null || break
		sleep 0.1
	done
	tail -5 "$E2E_DIR/rack.log" | sed 's/^/#   /'
	return 1
}
stop_rack() { # kill -9 (or already dead): wait until its listeners are gone
	[ -n "$RACK_PID" ] || return 0
	kill -9 "$RACK_PID" 2>/dev/null
	wait "$RACK_PID" 2>/dev/null
	RACK_PID=
	for _ in $(seq 50); do
		ss -Htln "sport = :$XP" 2>/dev/null | grep -q . || ss -Htln "sport = :$PORT" |
			grep -q . || return 0
		sleep 0.1
	done
}
RELAY_PID=
RIG_PID=
cleanup() {
	[ -n "$RELAY_PID" ] && kill "$RELAY_PID" 2>/dev/null
	[ -n "$RIG_PID" ] && kill -9 "$RIG_PID" 2>/dev/null
	[ -n "$RACK_PID" ] && kill -9 "$RACK_PID" 2>/dev/null
	e2e_cleanup
}
trap cleanup EXIT

id_of() { echo --key "file:$1-key.pem" --cert "$1.pem" --ca "$U/uca.pem"; }
# shellcheck disable=SC2046
kit() { timeout "${PDP_TIMEOUT:-120}" "$BIN/portdpctl" -d "$KDB" "$@" $(id_of "$U/kit"); }
pull() { # [PORT] [portdpctl options]: the kit pulls
	local p=${1:-$XP}
	shift
	PDP_TIMEOUT=30 kit transfer pull --from "https://127.0.0.1:$p" "$@"
}
q() { sqlite3 "$1" "$2"; }
stock() { q "$1" "SELECT iccid FROM profile WHERE state <> 6 ORDER BY iccid"; }
snap() { q "$1" "SELECT group_concat(iccid || ':' || state, ',') FROM profile;
	SELECT count(*) FROM audit; SELECT count(*), count(receipt) FROM transfer_out"; }
# each ICCID in exactly one unit's stock; @1 = pending: or in a bundle the rack recorded for
# the kit (not imported there yet)
one_owner() {
	local r k both
	r=$(stock "$RDB")
	k=$(stock "$KDB")
	both=$(comm -12 <(echo "$r") <(echo "$k") | grep -c .)
	[ "$both" = 0 ] || { echo "# in both stocks: $both"; return 1; }
	[ "$(printf '%s\n%s\n' "$r" "$k" | grep . | sort -u | wc -l)" = "$(printf '%s\n%s\n' "$r" "$k" | grep -c .)" ] || return 1
	if [ "${1:-}" = pending ]; then
		local moving
		moving=$(q "$RDB" "SELECT p.iccid FROM profile p JOIN transfer_item i ON i.profile_id = p.id
			JOIN transfer_out o ON o.bundle_id = i.bundle_id WHERE o.receipt IS NULL" | sort)
		k=$(printf '%s\n%s\n' "$k" "$moving" | grep . | sort -u)
	fi
	[ "$(printf '%s\n%s\n' "$r" "$k" | grep . | sort -u)" = "$ALL" ] ||
		{ echo "# not every ICCID has one owner"; return 1; }
}
verify_both() {
	timeout 60 "$BIN/portdpctl" -d "$RDB" audit verify --cert "$U/rack.pem" >/dev/null &&
		timeout 60 "$BIN/portdpctl" -d "$KDB" audit verify --cert "$U/kit.pem" >/dev/null
}
settled() { # nothing pending: every bundle's receipt is at the rack, the kit's pull state gone
	[ "$(q "$RDB" "SELECT count(*) FROM transfer_out WHERE receipt IS NULL")" = 0 ] &&
		[ ! -e "$KDB.pull/request" ]
}

start_rack
tap $? "the rack's portdpd: ES2+ listener for operators and units (transfer_ca), audit_key, unit_cert"

# --- a pull end to end --------------------------------------------------------------------
pull "" --count 5 >"$E2E_DIR/out" 2>&1 && [ "$(stock "$KDB" | wc -l)" = 5 ] &&
	[ "$(q "$RDB" "SELECT count(*) FROM profile WHERE state = 6")" = 5 ] && settled && one_owner
tap $? "pull of 5: in the kit's stock, transferred at the rack, receipt back ($(head -c 90 "$E2E_DIR/out"))"
B1=$(q "$RDB" "SELECT lower(hex(bundle_id)) FROM transfer_out")
q "$RDB" "SELECT reason FROM audit_checkpoint" | grep -q "transfer out $B1" &&
	q "$KDB" "SELECT reason FROM audit_checkpoint" | grep -q "transfer in $B1"
tap $? "both units signed their audit head at the transfer"
verify_both
tap $? "audit verify passes on both units"

# --- refusals: each changes nothing --------------------------------------------------------
before=$(snap "$RDB")
kbefore=$(snap "$KDB")
pull "" --count 100000 --retries 0 >"$E2E_DIR/out" 2>&1
rc=$?
[ $rc -ne 0 ] && grep -q "only .* available" "$E2E_DIR/out" && [ "$(snap "$RDB")" = "$before" ] &&
	[ "$(snap "$KDB")" = "$kbefore" ] && [ ! -e "$KDB.pull/request" ]
tap $? "more than the rack has: refused, nothing changed ($(grep -o 'only.*' "$E2E_DIR/out" | head -1))"
# a client of another CA: no TLS session (it trusts our CA for the server)
cat "$U/uca.pem" "$E2E_DIR/other/units/uca.pem" >"$E2E_DIR/both.pem"
! timeout 60 "$BIN/portdpctl" -d "$E2E_DIR/kit0.db" transfer pull --from "https://127.0.0.1:$XP" \
	--count 1 --retries 0 --key "file:$E2E_DIR/other/units/kit-key.pem" \
	--cert "$E2E_DIR/other/units/kit.pem" --ca "$E2E_DIR/both.pem" >"$E2E_DIR/out" 2>&1 &&
	[ "$(snap "$RDB")" = "$before" ]
tap $? "a client certificate of another CA: refused, nothing changed ($(grep -o 'SSL.*\|TLS.*' "$E2E_DIR/out" | head -1 | cut -c1-70))"
rm -rf "$E2E_DIR/kit0.db.pull"
! curl -sS --max-time 10 -k -X POST -H 'Content-Type: application/json' \
	-H 'X-Admin-Protocol: gsma/rsp/v2.2.0' -d '{"requestId":"00000000000000000000000000000001","count":"1"}' \
	"https://127.0.0.1:$XP/portdp/transfer1/pull" >"$E2E_DIR/out" 2>&1 &&
	[ "$(snap "$RDB")" = "$before" ]
tap $? "no client certificate: no TLS session, nothing changed"
# kit2 replays the kit's request (id of bundle B1): refused, nothing sent or changed
r=$(curl -sS --max-time 10 --cacert "$U/uca.pem" -k --cert "$U/kit2.pem" --key "$U/kit2-key.pem" \
	-X POST -H 'Content-Type: application/json' -H 'X-Admin-Protocol: gsma/rsp/v2.2.0' \
	-d "{\"requestId\":\"$B1\",\"count\":\"5\"}" "https://127.0.0.1:$XP/portdp/transfer1/pull")
echo "# $r"
echo "$r" | grep -q '"status":"Refused".*belongs to another unit' && ! echo "$r" | grep -q bundle\" &&
	[ "$(snap "$RDB")" = "$before" ]
tap $? "another unit replaying the kit's request id: refused, nothing sent or changed"
# the kit replays its own finished request: no second set of profiles
r=$(curl -sS --max-time 10 -k --cert "$U/kit.pem" --key "$U/kit-key.pem" \
	-X POST -H 'Content-Type: application/json' -H 'X-Admin-Protocol: gsma/rsp/v2.2.0' \
	-d "{\"requestId\":\"$B1\",\"count\":\"5\"}" "https://127.0.0.1:$XP/portdp/transfer1/pull")
echo "$r" | grep -q '"received":true' && [ "$(snap "$RDB")" = "$before" ]
tap $? "the kit's own request again after its receipt: 'received', nothing exported again"
# an operator on the same listener: ES2+ is its, transfers are not
r=$(curl -sS --max-time 10 -k --cert "$OPS/opA.pem" --key "$OPS/opA-key.pem" \
	-X POST -H 'Content-Type: application/json' -H 'X-Admin-Protocol: gsma/rsp/v2.2.0' \
	-d '{"requestId":"00000000000000000000000000000002","count":"1"}' \
	"https://127.0.0.1:$XP/portdp/transfer1/pull")
echo "$r" | grep -q '"status":"Refused".*not a unit certificate' && [ "$(snap "$RDB")" = "$before" ]
tap $? "an operator's certificate on the transfer path: refused, nothing changed"
r=$(curl -sS --max-time 10 -k --cert "$U/kit.pem" --key "$U/kit-key.pem" \
	-X POST -H 'Content-Type: application/json' -H 'X-Admin-Protocol: gsma/rsp/v2.2.0' \
	-d '{"header":{"functionRequesterIdentifier":"kit","functionCallIdentifier":"k1"},"iccid":"1"}' \
	"https://127.0.0.1:$XP/gsma/rsp2/es2plus/downloadOrder")
echo "$r" | grep -q '"status":"Failed"' && [ "$(snap "$RDB")" = "$before" ]
tap $? "a unit's certificate on an ES2+ function: no such operator, nothing changed"
# a malformed receipt
r=$(curl -sS --max-time 10 -k --cert "$U/kit2.pem" --key "$U/kit2-key.pem" \
	-X POST -H 'Content-Type: application/json' -H 'X-Admin-Protocol: gsma/rsp/v2.2.0' \
	-d '{"receipt":"UERQWEZFUjE="}' "https://127.0.0.1:$XP/portdp/transfer1/receipt")
echo "$r" | grep -q '"status":"Refused"' && [ "$(snap "$RDB")" = "$before" ]
tap $? "a malformed receipt: refused, nothing changed"

# --- the connection cut at many byte offsets ---------------------------------------------
RP=$(free_port)
relay() { # CONN BYTES DIR
	[ -n "$RELAY_PID" ] && kill "$RELAY_PID" 2>/dev/null && wait "$RELAY_PID" 2>/dev/null
	: >"$E2E_DIR/relay.log"
	python3 "$RELAY" "$RP" "$XP" "$1" "$2" "$3" "$E2E_DIR/relay.log" >"$E2E_DIR/relay.out" 2>&1 &
	RELAY_PID=$!
	for _ in $(seq 50); do grep -q ready "$E2E_DIR/relay.out" 2>/dev/null && return 0; sleep 0.05; done
	return 1
}
# the sizes of one pull through the relay: connection 1 = the pull, 2 = the receipt
relay 0 0 req && pull "$RP" --count 1 >/dev/null 2>&1 && settled
tap $? "a pull through the relay (nothing cut)"
sleep 0.2
read -r _ _ _ REQ1 _ ANS1 _ < <(sed -n 1p "$E2E_DIR/relay.log")
read -r _ _ _ REQ2 _ ANS2 _ < <(sed -n 2p "$E2E_DIR/relay.log")
echo "# pull: $REQ1 bytes up, $ANS1 down; receipt: $REQ2 up, $ANS2 down"
offsets() { # TOTAL [tail]: 0, the first bytes, spread over it, near its end (the TLS
	# handshakes differ by a byte or two: ECDSA signatures; a bundle's size with its UPPs:
	# "tail" cuts count from the end, -N = N bytes before it, see cut-relay.py)
	local t=$1
	echo 0 1 5 $((t / 20)) $((t / 10)) $((t / 7)) $((t / 3)) $((t / 2)) $((2 * t / 3))
	if [ "${2:-}" = tail ]; then echo -- -2000 -100 -40 -5 -1; else echo $((t - 40)) $((t - 10)); fi
}
bad=0 cases=0
for spec in $(for o in $(offsets "$REQ1"); do echo "1:$o:req"; done
	for o in $(offsets "$ANS1" tail); do [ "$o" = -- ] || echo "1:$o:ans"; done
	for o in $(offsets "$REQ2"); do echo "2:$o:req"; done
	for o in $(offsets "$ANS2"); do echo "2:$o:ans"; done); do
	IFS=: read -r conn off dir <<<"$spec"
	relay "$conn" "$off" "$dir" || { bad=$((bad + 1)); continue; }
	n0=$(stock "$KDB" | wc -l)
	pull "$RP" --count 1 >"$E2E_DIR/out" 2>&1
	rc=$?
	cases=$((cases + 1))
	for _ in $(seq 20); do grep -q "cut" "$E2E_DIR/relay.log" && break; sleep 0.05; done
	[ "$off" -lt 0 ] && echo "# $spec: $(grep cut "$E2E_DIR/relay.log")"
	if ! grep -q "cut" "$E2E_DIR/relay.log"; then
		echo "# $spec: the relay cut nothing"
		bad=$((bad + 1))
	fi
	if [ $rc -ne 0 ] || ! settled || [ "$(stock "$KDB" | wc -l)" != $((n0 + 1)) ] || ! one_owner; then
		echo "# $spec: rc $rc, kit stock $n0 -> $(stock "$KDB" | wc -l)"
		sed 's/^/#   /' "$E2E_DIR/out" | tail -3
		bad=$((bad + 1))
	fi
done
[ $bad -eq 0 ] && [ $cases -ge 40 ]
tap $? "cut at $cases byte offsets of the pull's and the receipt's request and answer: resumed, one profile each, no loss, no duplicate"
verify_both
tap $? "audit verify passes on both units after the cuts"
# a refusal after an attempt without an answer: the kit cannot know that attempt did nothing
before=$(snap "$RDB")
relay 1 $((REQ1 / 2)) req && ! pull "$RP" --count 100000 >"$E2E_DIR/out" 2>&1 &&
	grep -q "the request is kept" "$E2E_DIR/out" && [ -e "$KDB.pull/request" ] &&
	[ "$(snap "$RDB")" = "$before" ] && rm "$KDB.pull/request"
tap $? "refused after an unanswered attempt: the request is kept for the operator, nothing changed"
kill "$RELAY_PID" 2>/dev/null
wait "$RELAY_PID" 2>/dev/null
RELAY_PID=

# --- kill -9 of the kit at every step ---------------------------------------------------------
for step in pull-recorded pull-fetched import-opened import-half import-before-commit \
	import-committed pull-imported pull-receipt-sent; do
	n0=$(stock "$KDB" | wc -l)
	PORTDP_TEST_KILL_AT=$step pull "" --count 3 >"$E2E_DIR/out" 2>&1
	rc=$?
	one_owner pending
	ok1=$?
	pull "" --count 3 >"$E2E_DIR/out2" 2>&1
	rc2=$?
	[ $rc = 137 ] && [ $ok1 = 0 ] && [ $rc2 = 0 ] && settled && one_owner &&
		[ "$(stock "$KDB" | wc -l)" = $((n0 + 3)) ] && verify_both
	tap $? "kill -9 of the kit at $step: one owner each; the pull again completes it (+3)"
done

# --- kill -9 of the rack at every step ------------------------------------------------------
for step in rack-pull-begin rack-pull-before-commit rack-pull-durable rack-receipt-before-commit \
	rack-receipt-durable; do
	n0=$(stock "$KDB" | wc -l)
	stop_rack
	start_rack "$step"
	pull "" --count 3 --retries 1 >"$E2E_DIR/out" 2>&1
	rc=$?
	for _ in $(seq 30); do kill -0 "$RACK_PID" 2>/dev/null || break; sleep 0.1; done
	kill -0 "$RACK_PID" 2>/dev/null
	dead=$?
	stop_rack
	one_owner pending
	ok1=$?
	start_rack && pull "" --count 3 >"$E2E_DIR/out2" 2>&1
	rc2=$?
	[ $rc != 0 ] && [ $dead != 0 ] && [ $ok1 = 0 ] && [ $rc2 = 0 ] && settled && one_owner &&
		[ "$(stock "$KDB" | wc -l)" = $((n0 + 3)) ] && verify_both
	tap $? "kill -9 of the rack at $step: one owner each; the pull again completes it (+3)"
	[ $rc2 = 0 ] || sed 's/^/#   /' "$E2E_DIR/out2" | tail -3
done

# --- UC5: what the kit owes, sent by transfer sync ----------------------------------------
PORTDP_TEST_KILL_AT=pull-imported pull "" --count 2 >/dev/null 2>&1
owed=$(q "$RDB" "SELECT count(*) FROM transfer_out WHERE receipt IS NULL")
kit transfer sync --to "https://127.0.0.1:$XP" --progress-wait 0 >"$E2E_DIR/out" 2>&1
rc=$?
sed 's/^/# /' "$E2E_DIR/out"
[ "$owed" = 1 ] && [ $rc = 0 ] && grep -q "receipts: 1 delivered" "$E2E_DIR/out" &&
	[ "$(q "$RDB" "SELECT count(*) FROM transfer_out WHERE receipt IS NULL")" = 0 ] &&
	grep -q "audit: delivered" "$E2E_DIR/out" && ls "$RDB.audit-in"/*.db >/dev/null 2>&1
tap $? "transfer sync: the owed receipt delivered, the audit export verified and kept by the rack"
# the pull's own state is finished by running it again (its receipt is there already)
pull "" --count 2 >/dev/null 2>&1 && settled && one_owner
tap $? "the interrupted pull then ends cleanly (receipt already at the rack)"
verify_both
tap $? "audit verify passes on both units at the end"

# --- bindings on the kit; UC5's progress queue drained before the kit goes ----------------
timeout 120 "$BIN/portdp-bench" setup --dir "$KB" --profiles 1 --euiccs 4 >/dev/null 2>&1 &&
	cp "$KDB" "$KB/inventory.db" && cp "$KDB.stock-key" "$KB/inventory.db.stock-key" &&
	rm -f "$KB/inventory.db-wal" "$KB/inventory.db-shm"
# reports the kit owes an operator (as ES2+ orders would have queued them), its endpoint down
RIG_PORT=$(free_port)
"$BIN/portdpctl" -d "$KB/inventory.db" operator add opA --cert "$OPS/opA.pem" \
		--url "https://127.0.0.1:$RIG_PORT/gsma/rsp2/es2plus/handleDownloadProgressInfo" >/dev/null &&
	for i in 1 2 3; do
		q "$KB/inventory.db" "INSERT INTO progress (operator, profile_id, body) SELECT 'opA', id,
			json_object('iccid', iccid, 'profileType', 't', 'notificationPointId', $i,
			'notificationPointStatus', json_object('status', 'Executed-Success'))
			FROM profile LIMIT 1" || exit 1
	done
tap $? "the kit owes an operator 3 progress reports"
KP=$(free_port)
sed "s/^port = .*/port = $KP/" "$KB/portdpd.conf" >"$E2E_DIR/kit.conf"
printf '%s\n' "progress_cert = $OPS/unit.pem" "progress_key = $OPS/unit-key.pem" \
	"progress_ca = $OPS/opca.pem" "progress_retry_max = 1" "progress_timeout = 3" >>"$E2E_DIR/kit.conf"
start_portdpd "$E2E_DIR/kit.conf" "$KP"
tap $? "the kit's portdpd serves the pulled stock (and sends progress reports)"
# shellcheck disable=SC2046
ksync() { timeout 60 "$BIN/portdpctl" -d "$KB/inventory.db" transfer sync \
	--to "https://127.0.0.1:$XP" $(id_of "$U/kit") "$@"; }
ksync --no-audit --progress-wait 2 >"$E2E_DIR/out" 2>&1
rc=$?
[ $rc = 1 ] && grep -q "3 progress reports still queued" "$E2E_DIR/out"
tap $? "transfer sync with the operator's endpoint down: fails, 3 reports still queued"
"$BIN/portdp-test-operator" --port "$RIG_PORT" --cert "$OPS/opsrv.pem" --key "$OPS/opsrv-key.pem" \
	--ca "$OPS/opca.pem" --log "$E2E_DIR/reports.log" --mode ok >>"$E2E_DIR/rig.log" 2>&1 &
RIG_PID=$!
ksync --progress-wait 30 >"$E2E_DIR/out" 2>&1
rc=$?
kill "$RIG_PID" 2>/dev/null
wait "$RIG_PID" 2>/dev/null
RIG_PID=
sed 's/^/# /' "$E2E_DIR/out"
[ $rc = 0 ] && grep -q "progress reports: none queued" "$E2E_DIR/out" &&
	[ "$(wc -l <"$E2E_DIR/reports.log")" = 3 ]
tap $? "transfer sync once the endpoint is up: receipts, audit, the 3 reports drained"
# until the stock is gone: every pulled profile bound, the rest answered "no profile"
PULLED=$(stock "$KDB" | wc -l)
timeout 60 "$BIN/portdp-bench" run --dir "$KB" --connect "127.0.0.1:$KP" --server-pid "$DPD_PID" \
	--concurrency 2 --duration 1 --default-smdp >"$E2E_DIR/bench.log" 2>&1
d=$(sed -n 's/^bindings: completed \([0-9]*\), failed.*/\1/p' "$E2E_DIR/bench.log")
sed 's/^/# /' "$E2E_DIR/bench.log" | grep -i "bindings\|sanity\|verification" | head -4
[ "$d" = "$PULLED" ] && grep -q "$PULLED of $PULLED completed bindings fully verified" "$E2E_DIR/bench.log" &&
	[ "$(q "$KB/inventory.db" "SELECT count(*) FROM profile WHERE state = 3")" = "$PULLED" ] &&
	[ "$(q "$KB/inventory.db" "SELECT count(*) FROM profile WHERE state = 0")" = 0 ]
tap $? "eUICCs bind every pulled profile on the kit ($d of $PULLED, each verified by its eUICC)"
stop_rack
stop_portdpd
tap_done
