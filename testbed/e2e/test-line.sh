#!/bin/bash
# E2E: a factory line. portdp-line drives 16 virtual PC/SC readers (a private
# pcscd + vsmartcard-vpcd) and 4 test modems (ptys answering AT+CCHO/CGLA/CCHC),
# each fed with software eUICCs one after the other by portdp-vcard, against
# portdpd over ES9+: a line of more than 200 chips.
#  - every chip ends with exactly one enabled profile; the inventory and the
#    report say the same; planned EIDs get their planned ICCIDs;
#  - a chip is pulled at each ES10 step (it comes back later and is finished);
#    allocations of pulled chips go back to stock at once;
#  - the runner is killed with -9 mid-run and restarted: no chip gets a second
#    profile;
#  - EIDs outside the EUM range are refused before any download;
#  - a modem whose chips answer garbage or wrong status words is taken out;
#  - bad plans (unknown ICCID, duplicates, bad lines) start nothing;
#  - a profile deleted on its chip is offered again and installed on another.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pcsc.sh"
e2e_init line
VC_PIDS=()
RUN_PID=
cleanup() {
	[ -n "$RUN_PID" ] && kill -9 "$RUN_PID" 2>/dev/null
	for p in "${VC_PIDS[@]}"; do kill "$p" 2>/dev/null; done
	pcsc_cleanup
	e2e_cleanup
}
trap cleanup EXIT
for b in portdp-bench portdp-vcard portdp-line; do
	[ -x "$BIN/$b" ] || { echo "Bail out! $BIN/$b not built"; exit 1; }
done
command -v pcscd >/dev/null && [ -e "$VPCD_SO" ] || {
	echo "1..0 # SKIP pcscd or vsmartcard-vpcd missing (tools/install-deps)"
	exit 0
}

READERS=16
MODEMS=4
PER_READER=12   # chips per reader, before the pulled ones come back
PER_MODEM=6
LINE=$((READERS * PER_READER + MODEMS * PER_MODEM))    # 216 chips on the line
OUTSIDE=2       # chips with EIDs beyond the configured EUM range
GARBAGE=3       # chips answering garbage, all on a fifth modem
TOTAL=$((LINE + OUTSIDE + GARBAGE + 1))                # + one chip for the reuse
B=$E2E_DIR/b
"$BIN/portdp-bench" setup --dir "$B" --profiles 280 --euiccs "$TOTAL" >/dev/null 2>&1
tap $? "setup: test PKI, $TOTAL eUICCs, 280 profiles"
E2E_DB=$B/inventory.db
PKI=$B/pki
mapfile -t EIDS <"$PKI/euicc/list.txt"
ident() { printf '%s/euiccs/%05d' "$B" "$1"; }
state() { printf '%s/state/%05d' "$E2E_DIR" "$1"; }
for ((i = 0; i < TOTAL; i++)); do mkdir -p "$(state "$i")"; done
e=$("$BIN/portdp-lpa" --euicc "$(ident 7)" --state "$(state 7)" eid)
[ "$e" = "${EIDS[7]}" ]
tap $? "identity dirs follow the PKI's EID list ($e)"

# A profile that may be used again once deleted, planned for the line's chip 20.
UPP=$(ls "$TESTDATA"/ts48/*-UNIQUE.der | head -1)
REUSE_ICCID=$(upp_iccid "$UPP")
ctl import --reuse after-delete --matching-id REUSE1 "$UPP" >/dev/null 2>&1
tap $? "a reusable profile imported: $REUSE_ICCID"

PORT=$(free_port)
sed "s/^port = .*/port = $PORT/" "$B/portdpd.conf" >"$E2E_DIR/portdpd.conf"
start_portdpd "$E2E_DIR/portdpd.conf" "$PORT"
tap $? "portdpd started"

# ---- the plan: chips 0..19 get the last 20 bench profiles, chip 20 REUSE1 ----------
mapfile -t AVAIL < <(ctl_iccids available | grep -v "^$REUSE_ICCID$")
PLAN=$E2E_DIR/plan.csv
{
	echo "eid,iccid"
	for i in $(seq 0 19); do echo "${EIDS[$i]},${AVAIL[$((${#AVAIL[@]} - 1 - i))]}"; done
	echo "${EIDS[20]},$REUSE_ICCID"
} >"$PLAN"
RANGE="${EIDS[0]}-${EIDS[$((LINE - 1))]}"
LINE_ARGS=(--smdp "$SMDP_HOST:$PORT" --resolve "$SMDP_HOST:$PORT:127.0.0.1"
	--cacert "$PKI/ci.pem" --inventory "$E2E_DB" --eum-range "$RANGE" --quiet)

# ---- bad plans: clear errors, nothing started ------------------------------------
before=$(ctl_snapshot)
bad_plan() {
	local name=$1 want=$2
	shift 2
	printf '%s\n' "$@" >"$E2E_DIR/bad-$name.csv"
	"$BIN/portdp-line" "${LINE_ARGS[@]}" --report "$E2E_DIR/badrep" --plan "$E2E_DIR/bad-$name.csv" \
		--station "pcsc:none" >"$E2E_DIR/bad-$name.out" 2>&1
	local rc=$?
	[ $rc -eq 2 ] && grep -q "$want" "$E2E_DIR/bad-$name.out" && grep -q "nothing started" \
		"$E2E_DIR/bad-$name.out" && ! ls "$E2E_DIR/badrep"/run-* >/dev/null 2>&1
	tap $? "bad plan ($name): exit $rc, '$(grep -m1 "$want" "$E2E_DIR/bad-$name.out")'"
}
bad_plan unknown-iccid "is not in the inventory" "${EIDS[0]},8944000000000000001"
bad_plan dup-eid "already assigned on line 1" "${EIDS[0]},${AVAIL[0]}" "${EIDS[0]},${AVAIL[1]}"
bad_plan dup-iccid "ICCID ${AVAIL[0]} already assigned" "${EIDS[0]},${AVAIL[0]}" "${EIDS[1]},${AVAIL[0]}"
bad_plan bad-line "is not 32 digits" "${EIDS[0]},${AVAIL[0]}" "hello,world" "${EIDS[2]},${AVAIL[2]}"
bad_plan outside "outside the EUM ranges" "${EIDS[$LINE]},${AVAIL[0]}"
[ "$(ctl_snapshot)" = "$before" ]
tap $? "the inventory did not change"

# ---- feeders ------------------------------------------------------------------------
start_pcscd "$E2E_DIR/pcsc" "$READERS"
tap $? "private pcscd with $READERS vpcd readers"

# Chips are dealt round robin: reader r gets chips r, r+20, r+40, ...; the
# modems the rest. Pulled chips come back at the end of their feeder's list.
FEEDERS=$((READERS + MODEMS))
declare -a LIST PULLS
for ((i = 0; i < LINE; i++)); do
	f=$((i % FEEDERS))
	LIST[$f]+="$(ident "$i") $(state "$i")"$'\n'
done
# feeder:position-in-its-list:TAG[:N] -- one pull at each ES10 step
PULLSPEC=(0:1:BF3E 1:1:BF2D 2:1:BF2E 3:1:BF20 4:1:BF38 5:1:BF21 6:1:BF36 7:1:86:3
	8:1:BF31 9:1:BF30 10:1:BF2D:2 11:2:BF28 16:1:BF21 17:1:86:2)
for p in "${PULLSPEC[@]}"; do
	f=${p%%:*}
	rest=${p#*:}
	k=${rest%%:*}
	PULLS[$f]+=" --pull $rest"
	# the pulled chip comes back as the last of its feeder
	LIST[$f]+="$(sed -n "$((k + 1))p" <<<"${LIST[$f]}")"$'\n'
done
for ((i = LINE; i < LINE + OUTSIDE; i++)); do
	LIST[$((i % READERS))]+="$(ident "$i") $(state "$i")"$'\n'
done
for ((f = 0; f < FEEDERS; f++)); do
	printf '%s' "${LIST[$f]}" >"$E2E_DIR/cards$f"
	if [ "$f" -lt "$READERS" ]; then
		# shellcheck disable=SC2086
		"$BIN/portdp-vcard" --cards "$E2E_DIR/cards$f" ${PULLS[$f]:-} vpcd \
			"${READER_PORTS[$f]}" >"$E2E_DIR/vcard$f.log" 2>&1 &
	else
		# shellcheck disable=SC2086
		"$BIN/portdp-vcard" --cards "$E2E_DIR/cards$f" ${PULLS[$f]:-} modem \
			"$E2E_DIR/modem$((f - READERS))" >"$E2E_DIR/vcard$f.log" 2>&1 &
	fi
	VC_PIDS+=($!)
done
STATIONS=()
for ((r = 0; r < READERS; r++)); do STATIONS+=(--station "pcsc:${READER_NAMES[$r]}"); done
for ((m = 0; m < MODEMS; m++)); do STATIONS+=(--station "at:$E2E_DIR/modem$m"); done
REP=$E2E_DIR/report

# ---- run 1, killed with -9 mid-run; run 2 to the end ------------------------------------
t0=$(date +%s)
"$BIN/portdp-line" "${LINE_ARGS[@]}" --plan "$PLAN" --report "$REP" "${STATIONS[@]}" \
	--idle-exit 6 >"$E2E_DIR/run1.out" 2>&1 &
RUN_PID=$!
rows() { cat "$REP"/run-*.csv 2>/dev/null | grep -c ',[0-9]*$'; }
for _ in $(seq 600); do
	[ "$(rows)" -ge 70 ] && break
	kill -0 "$RUN_PID" 2>/dev/null || break
	sleep 0.1
done
kill -9 "$RUN_PID" 2>/dev/null
wait "$RUN_PID" 2>/dev/null
RUN_PID=
killed_at=$(rows)
[ "$killed_at" -ge 70 ]
tap $? "run 1 killed with -9 after $killed_at chips"
# Run 2 has a fifth modem whose chips answer garbage, then wrong status words.
G0=$((LINE + OUTSIDE))
for ((i = G0; i < G0 + GARBAGE; i++)); do echo "$(ident "$i") $(state "$i")"; done >"$E2E_DIR/cardsG"
"$BIN/portdp-vcard" --cards "$E2E_DIR/cardsG" --garbage 0:junk --garbage 1:sw --garbage 2:short \
	modem "$E2E_DIR/modemG" >"$E2E_DIR/vcardG.log" 2>&1 &
VC_PIDS+=($!)
for _ in $(seq 50); do [ -L "$E2E_DIR/modemG" ] && break; sleep 0.1; done
timeout 600 "$BIN/portdp-line" "${LINE_ARGS[@]}" --plan "$PLAN" --report "$REP" "${STATIONS[@]}" \
	--station "at:$E2E_DIR/modemG" --idle-exit 6 >"$E2E_DIR/run2.out" 2>&1
rc=$?
t1=$(date +%s)
[ $rc -eq 1 ] && grep -q "OUT: taken out after 3 failures in a row" "$E2E_DIR/run2.out"
tap $? "run 2 ends (exit $rc, $((t1 - t0)) s): $(grep -m1 '^[0-9]* s  chips' "$E2E_DIR/run2.out")"
grep -q "^at:$E2E_DIR/modemG: installed 0 .* OUT: taken out after 3 failures" "$E2E_DIR/run2.out"
tap $? "the garbage modem's station was taken out with a clear message"
for ((f = 0; f < FEEDERS; f++)); do
	kill -0 "${VC_PIDS[$f]}" 2>/dev/null && { echo "# feeder $f not finished"; break; }
done
[ "$f" -eq "$FEEDERS" ]
tap $? "every feeder brought all its chips"

# ---- every chip: exactly one enabled profile; inventory and report agree ----------------
cat "$REP"/run-*.csv | grep -v '^time,' >"$E2E_DIR/all.csv"
ctl list 2>/dev/null >"$E2E_DIR/inv.txt"
bad=0
for ((i = 0; i < LINE; i++)); do
	eid=${EIDS[$i]}
	mapfile -t prof < <("$BIN/portdp-lpa" --euicc "$(ident "$i")" --state "$(state "$i")" list)
	if [ "${#prof[@]}" -ne 1 ] || [ "$(echo "${prof[0]}" | cut -d' ' -f2)" != enabled ]; then
		echo "# chip $i $eid: ${#prof[@]} profile(s): ${prof[*]}"
		bad=$((bad + 1))
		continue
	fi
	iccid=$(echo "${prof[0]}" | cut -d' ' -f1)
	inv=$(awk -v e="$eid" '$4 "" == e "" && $2 == "installed" {print $1}' "$E2E_DIR/inv.txt")
	last=$(awk -F, -v e="$eid" '$3 "" == e "" && ($6 == "installed" || $6 == "skipped") {r = $4} END {print r}' \
		"$E2E_DIR/all.csv")
	if [ "$inv" != "$iccid" ] || [ "$last" != "$iccid" ]; then
		echo "# chip $i $eid holds $iccid; inventory: '$inv'; report: '$last'"
		bad=$((bad + 1))
	fi
done
[ $bad -eq 0 ]
tap $? "$LINE chips: each holds exactly one enabled profile, the inventory and the report agree"
n_inst=$(awk '$2 == "installed"' "$E2E_DIR/inv.txt" | wc -l)
n_rep=$(awk -F, '$6 == "installed" {print $3}' "$E2E_DIR/all.csv" | sort -u | wc -l)
[ "$n_inst" -eq "$LINE" ] && [ "$n_rep" -le "$LINE" ]
tap $? "installed in the inventory: $n_inst; EIDs reported installed: $n_rep (others skipped after the kill)"
dup=$(awk -F, '$6 == "installed" {print $3}' "$E2E_DIR/all.csv" | sort | uniq -d | head -3)
[ -z "$dup" ]
tap $? "no EID was installed twice${dup:+: $dup}"
bad=0
for i in $(seq 0 20); do
	want=$(awk -F, -v e="${EIDS[$i]}" '$1 "" == e "" {print $2}' "$PLAN")
	got=$(awk -v e="${EIDS[$i]}" '$4 "" == e "" {print $1}' "$E2E_DIR/inv.txt")
	[ "$want" = "$got" ] || { echo "# planned $want for ${EIDS[$i]}, got $got"; bad=1; }
done
[ $bad -eq 0 ]
tap $? "the 21 planned EIDs got their planned ICCIDs"

# ---- pulled chips, refused chips --------------------------------------------------------
n_pulled=$(awk -F, '$6 == "pulled"' "$E2E_DIR/all.csv" | wc -l)
back=$(grep -c "back in stock" "$E2E_DIR/all.csv")
[ "$n_pulled" -ge 12 ] && [ "$back" -ge 2 ]
tap $? "$n_pulled chips pulled (one per ES10 step), $back allocations back in stock at once"
steps=$(awk -F, '$6 == "pulled" {print $8}' "$E2E_DIR/all.csv" | sed 's/;.*//; s/: transport.*//' |
	sort -u | tr '\n' '|')
miss=
for want in GetEID GetProfilesInfo "during authenticate" "during prepare" "during load" \
	EnableProfile ListNotification; do
	grep -q "$want" <<<"$steps" || miss+=" $want"
done
[ -z "$miss" ]
tap $? "pulled during: $steps${miss:+ (none during:$miss)}"
n_alloc=$(awk '$2 == "allocated"' "$E2E_DIR/inv.txt" | wc -l)
n_down=$(awk '$2 == "downloaded"' "$E2E_DIR/inv.txt" | wc -l)
echo "# inventory: $n_alloc allocated (killed run's sessions, they expire), $n_down downloaded (BPPs cut short)"
ok=0
for ((i = LINE; i < LINE + OUTSIDE; i++)); do
	grep -q ",${EIDS[$i]},,.*,refused,.*EUM ranges" "$E2E_DIR/all.csv" &&
		! grep -q "${EIDS[$i]}" "$E2E_DIR/inv.txt" && ok=$((ok + 1))
done
[ $ok -eq $OUTSIDE ]
tap $? "$ok chips outside the EUM range refused, nothing allocated to them"
for ((i = G0; i < G0 + GARBAGE; i++)); do
	grep -q "${EIDS[$i]}" "$E2E_DIR/inv.txt" && break
done
[ "$i" -eq $((G0 + GARBAGE)) ]
tap $? "garbage chips: nothing allocated; $(grep -c ',failed,' "$E2E_DIR/all.csv") failed rows"

# ---- delete on a chip, the profile offered again, installed on another chip --------------
R=$((TOTAL - 1))
"$BIN/portdp-lpa" --euicc "$(ident 20)" --state "$(state 20)" --cacert "$PKI/ci.pem" \
	--resolve "$SMDP_HOST:$PORT:127.0.0.1" disable "$REUSE_ICCID" >/dev/null 2>&1
out=$("$BIN/portdp-lpa" --euicc "$(ident 20)" --state "$(state 20)" --cacert "$PKI/ci.pem" \
	--resolve "$SMDP_HOST:$PORT:127.0.0.1" delete "$REUSE_ICCID" 2>&1)
rc=$?
[ $rc -eq 0 ] && [ "$(ctl_state REUSE1 | cut -d' ' -f1)" = available ]
tap $? "delete on chip 20: notification taken, REUSE1 is $(ctl_state REUSE1) again"
out=$("$BIN/portdp-lpa" --euicc "$(ident "$R")" --state "$(state "$R")" --cacert "$PKI/ci.pem" \
	--resolve "$SMDP_HOST:$PORT:127.0.0.1" --ac "LPA:1\$$SMDP_HOST:$PORT\$REUSE1" 2>&1)
rc=$?
[ $rc -eq 0 ] && [ "$(ctl_state REUSE1)" = "installed ${EIDS[$R]}" ]
tap $? "REUSE1 installed on another chip: $(ctl_state REUSE1)"

stop_pcscd
stop_portdpd
tap_done
