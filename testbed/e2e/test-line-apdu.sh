#!/bin/bash
# E2E: PC/SC stations choose the APDU length per card, as ISO 7816-4 lets a card say:
#  - a card whose ATR announces extended Lc/Le (card capabilities), in a reader that
#    carries it (T=1, the vpcd driver reports no limit): extended-length APDUs;
#  - a card whose ATR does not announce it: short APDUs (255-byte blocks + Le);
#  - a card announcing it but offering T=0 only: short (T=0 carries no extended APDU
#    without ENVELOPE);
#  - --no-extended: short whatever the card says;
#  - a card whose ATR does not say (no card capabilities): the station reads its
#    EF.ATR/INFO (2F01): its 7F66 allows 4096-byte data fields, so extended, in
#    4096-byte blocks; without that file, short.
# And the benchmark's accounting of the software eUICC's own CPU (PORTDP_EUICC_CPU)
# comes out of a feeder and of an in-process runner.
# Each choice is in the runner's line.log; the report's APDU count per download shows it.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pcsc.sh"
e2e_init line-apdu
VC_PIDS=()
cleanup() {
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

PER=2 # chips per reader
B=$E2E_DIR/b
"$BIN/portdp-bench" setup --dir "$B" --profiles 16 --euiccs $((6 * PER + 1)) >/dev/null 2>&1
tap $? "setup: test PKI, $((6 * PER + 1)) eUICCs, 16 profiles"
E2E_DB=$B/inventory.db
PORT=$(free_port)
sed "s/^port = .*/port = $PORT/" "$B/portdpd.conf" >"$E2E_DIR/portdpd.conf"
start_portdpd "$E2E_DIR/portdpd.conf" "$PORT"
tap $? "portdpd started"
start_pcscd "$E2E_DIR/pcsc" 6
tap $? "private pcscd with 6 vpcd readers"

# reader r: its chips, its card options (EF.ATR/INFO: commands up to 4105 bytes,
# responses up to 4098: 4096-byte data fields)
CARD_OPTS=("" "--no-extended" "--t0" "" "--atr-plain --ef-atr 7F66080202100902021002"
	"--atr-plain")
for r in 0 1 2 3 4 5; do
	: >"$E2E_DIR/cards$r"
	for ((k = 0; k < PER; k++)); do
		i=$((r * PER + k))
		mkdir -p "$E2E_DIR/state/$i"
		printf '%s/euiccs/%05d %s/state/%d\n' "$B" "$i" "$E2E_DIR" "$i" >>"$E2E_DIR/cards$r"
	done
	# shellcheck disable=SC2086
	PORTDP_EUICC_CPU=$E2E_DIR/euicc-vc$r "$BIN/portdp-vcard" --cards "$E2E_DIR/cards$r" ${CARD_OPTS[$r]} vpcd "${READER_PORTS[$r]}" \
		>"$E2E_DIR/vcard$r.log" 2>&1 &
	VC_PIDS+=($!)
done

ARGS=(--smdp "$SMDP_HOST:$PORT" --resolve "$SMDP_HOST:$PORT:127.0.0.1" --cacert "$B/pki/ci.pem"
	--quiet --idle-exit 8)
# Runner A decides (readers 0-2, 4, 5); runner B is told --no-extended (reader 3).
timeout 180 "$BIN/portdp-line" "${ARGS[@]}" --report "$E2E_DIR/repA" --count $((5 * PER)) \
	--station "pcsc:${READER_NAMES[0]}" --station "pcsc:${READER_NAMES[1]}" \
	--station "pcsc:${READER_NAMES[2]}" --station "pcsc:${READER_NAMES[4]}" \
	--station "pcsc:${READER_NAMES[5]}" >"$E2E_DIR/runA.out" 2>&1 &
A=$!
timeout 180 "$BIN/portdp-line" "${ARGS[@]}" --report "$E2E_DIR/repB" --count "$PER" --no-extended \
	--station "pcsc:${READER_NAMES[3]}" >"$E2E_DIR/runB.out" 2>&1
rcB=$?
wait "$A"
rcA=$?
cat "$E2E_DIR"/rep[AB]/run-*.csv | grep -v '^time,' >"$E2E_DIR/all.csv"
n=$(grep -c ',installed,' "$E2E_DIR/all.csv")
[ $rcA -eq 0 ] && [ $rcB -eq 0 ] && [ "$n" -eq $((6 * PER)) ]
tap $? "both runners end (exit $rcA, $rcB): $n of $((6 * PER)) chips installed"

# check R WANT_LOG LO HI WHAT: reader R's line.log line and its downloads' APDU counts.
check() {
	local r=$1 want=$2 lo=$3 hi=$4 what=$5 log counts ok=0
	log=$(cat "$E2E_DIR"/rep[AB]/line.log | grep -F "station pcsc:${READER_NAMES[$r]}: ")
	counts=$(awk -F, -v s="pcsc:${READER_NAMES[$r]}" '$2 == s && $6 == "installed" {print $NF}' \
		"$E2E_DIR/all.csv" | tr '\n' ' ')
	grep -q -- "$want" <<<"$log" || ok=1
	[ "$(wc -w <<<"$counts")" -eq "$PER" ] || ok=1
	for c in $counts; do [ "$c" -ge "$lo" ] && [ "$c" -le "$hi" ] || ok=1; done
	[ $ok -eq 0 ] || echo "# log: $log"
	tap $ok "$what: APDUs per download: $counts"
}
check 0 "T=1, extended-length APDUs (card: extended Lc/Le in the ATR" 20 45 \
	"card announcing extended Lc/Le, T=1: extended"
check 1 "T=1, short APDUs (card: ATR card capabilities without extended Lc/Le" 55 110 \
	"card without extended Lc/Le: short"
check 2 "T=0, short APDUs (card: extended Lc/Le .*T=0 carries short APDUs only" 55 110 \
	"card with extended Lc/Le but T=0 only: short"
check 3 "short APDUs (.*forced by --no-extended), STORE DATA blocks of 255 + Le" 55 110 \
	"--no-extended on a card announcing extended: short"
# two more APDUs per download: SELECT EF.ATR/INFO, READ BINARY
check 4 "T=1, extended-length APDUs (card: EF.ATR/INFO 7F66, command APDUs up to 4105 bytes, responses up to 4098; .*STORE DATA blocks of 4096" \
	22 47 "ATR without card capabilities, EF.ATR/INFO 7F66 for 4096 bytes: extended"
check 5 "T=1, short APDUs (card: no card capabilities in the ATR, no EF.ATR/INFO;" 57 112 \
	"ATR without card capabilities, no EF.ATR/INFO: short"
ext=$(awk -F, -v s="pcsc:${READER_NAMES[0]}" '$2 == s && $6 == "installed" {t += $NF; n++}
	END {printf "%.1f", t / n}' "$E2E_DIR/all.csv")
short=$(awk -F, -v s="pcsc:${READER_NAMES[1]}" '$2 == s && $6 == "installed" {t += $NF; n++}
	END {printf "%.1f", t / n}' "$E2E_DIR/all.csv")
echo "# APDU round trips per download: extended $ext, short $short"

# euicc_cpu FILE CALLS_MIN WHAT: "OPEN_S ES10_S CALLS", both times > 0, enough calls.
euicc_cpu() {
	local f=$1 min=$2 what=$3
	awk -v min="$min" 'NF == 3 && $1 > 0 && $2 > 0 && $3 >= min {ok = 1} END {exit !ok}' "$f" \
		2>/dev/null
	tap $? "$what: eUICC CPU $(cat "$f" 2>/dev/null)"
}
# a download alone is 24 ES10 commands per chip
euicc_cpu "$E2E_DIR/euicc-vc0" $((24 * PER)) "PORTDP_EUICC_CPU from a feeder ($PER cards)"
i=$((6 * PER))
mkdir -p "$E2E_DIR/state/$i"
printf '%s/euiccs/%05d %s/state/%d\n' "$B" "$i" "$E2E_DIR" "$i" >"$E2E_DIR/cards-inproc"
PORTDP_EUICC_CPU=$E2E_DIR/euicc-inproc timeout 60 "$BIN/portdp-line" "${ARGS[@]}" \
	--report "$E2E_DIR/repC" --station "inproc:$E2E_DIR/cards-inproc" >"$E2E_DIR/runC.out" 2>&1
[ "$(cat "$E2E_DIR"/repC/run-*.csv | grep -c ',installed,')" -eq 1 ]
tap $? "an in-process station installs its chip"
euicc_cpu "$E2E_DIR/euicc-inproc" 24 "PORTDP_EUICC_CPU from an in-process runner (1 chip)"

stop_pcscd
stop_portdpd
tap_done
