#!/bin/bash
# Proximity benchmark: one portdpd, three ways for an LPA to reach it, in the same run:
#   json   ES9+ JSON over HTTPS            (portdp-lpa --binding json)
#   asn1   ES9+ ASN.1 over HTTPS (SGP.22 6.6, portdp-lpa --binding asn1)
#   card   ES9+ ASN.1 in APDUs to portdpd's card face in a vpcd reader
#          (portdp-lpa --dp-card: libpcsclite -> pcscd -> vpcd -> portdpd's card thread),
#          short APDUs (blocks of 120, GET RESPONSE of 256: what NFC allows)
#   card-ext  the same with extended-length APDUs (portdp-lpa --extended)
# Each path runs N whole downloads (authentication, BPP, installation result) one after
# the other, each by its own portdp-lpa run with the software eUICC in-process. Reported
# per download: wall time of the portdp-lpa run (process start included, the same for all
# paths) and the CPU portdpd spent (utime + stime from /proc), and for the card path the
# CPU of pcscd too. The paths alternate in rounds so a slow moment of the machine falls on
# all of them.
#
#   testbed/bench/proximity-bench.sh [N]        (default 30)
# env: SHARED, BUILD. Prints a table (and TAP-free lines starting with "path").
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../e2e/lib.sh"
. "$HERE/../e2e/pcsc.sh"
N=${1:-30}
e2e_init prox-bench
trap 'pcsc_cleanup; e2e_cleanup' EXIT
# portdp-bench setup: test PKI, 4 eUICC identity dirs, 4N profiles (TS.48 UPPs with fresh
# ICCIDs, matchingIds BENCH_MID_FMT), portdpd.conf.
B=$E2E_DIR/b
"$BIN/portdp-bench" setup --dir "$B" --profiles $((4 * N)) --euiccs 4 >/dev/null 2>&1 ||
	{ echo "portdp-bench setup failed"; exit 1; }
E2E_DB=$B/inventory.db
PKI=$B/pki
PATHS=(json asn1 card card-ext)
MID_FMT=BENCH%07u # testbed/bench/bench.h
start_pcscd "$E2E_DIR/pcsc" 2 >/dev/null || exit 1
R=${READER_NAMES[0]}
PORT=$(free_port)
sed "s/^port = .*/port = $PORT/" "$B/portdpd.conf" >"$E2E_DIR/portdpd.conf"
echo "card_vpcd = ${READER_PORTS[0]}" >>"$E2E_DIR/portdpd.conf"
start_portdpd "$E2E_DIR/portdpd.conf" "$PORT" || exit 1
sleep 1

# CPU ns of portdpd: its threads live as long as it does, so their schedstat sum is exact.
cpu_ns() { cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{s += $1} END {print s + 0}'; }
# pcscd starts a thread per client: utime + stime of the process (clock ticks) keeps those.
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
now_ms() { date +%s%3N; }
HZ=$(getconf CLK_TCK)
declare -A WALL CPU PCPU
for p in "${PATHS[@]}"; do WALL[$p]=0 CPU[$p]=0 PCPU[$p]=0; done
PCSCD=$(pgrep -P "$PCSC_PID" pcscd || echo "$PCSC_PID")
k=0
for ((r = 0; r < N; r++)); do
	for pi in 0 1 2 3; do
		p=${PATHS[$pi]}
		case $p in
		json) args=(--binding json) ;;
		asn1) args=(--binding asn1) ;;
		card) args=(--dp-card "pcsc:$R") ;;
		card-ext) args=(--dp-card "pcsc:$R" --extended) ;;
		esac
		c0=$(cpu_ns "$DPD_PID") p0=$(ticks "$PCSCD") t0=$(now_ms)
		mkdir -p "$E2E_DIR/state$pi"
		timeout 60 "$BIN/portdp-lpa" --euicc "$B/euiccs/0000$pi" --state "$E2E_DIR/state$pi" --cacert "$PKI/ci.pem" \
			--resolve "$SMDP_HOST:$PORT:127.0.0.1" "${args[@]}" \
			--ac "$(ac "$PORT" "$(printf "$MID_FMT" $((k + 1)))")" >/dev/null 2>&1 ||
			{ echo "$p download $k failed"; exit 1; }
		t1=$(now_ms) c1=$(cpu_ns "$DPD_PID") p1=$(ticks "$PCSCD")
		WALL[$p]=$((WALL[$p] + t1 - t0))
		CPU[$p]=$((CPU[$p] + c1 - c0))
		PCPU[$p]=$((PCPU[$p] + p1 - p0))
		k=$((k + 1))
	done
done
[ "$(ctl_count installed)" -eq $((4 * N)) ] || { echo "not all installed"; exit 1; }
printf '%-6s %10s %14s %22s %20s\n' path downloads "wall ms/dl" "portdpd CPU ms/dl" "pcscd CPU ms/dl"
for p in "${PATHS[@]}"; do
	printf 'path %-8s %3d %14.1f %22.2f %20.2f\n' "$p" "$N" "$(echo "${WALL[$p]} / $N" | bc -l)" \
		"$(echo "${CPU[$p]} / 1000000 / $N" | bc -l)" "$(echo "${PCPU[$p]} * 1000 / $HZ / $N" | bc -l)"
done
