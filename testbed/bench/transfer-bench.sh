#!/bin/bash
# Online pull rate (docs/benchmarks.md): RUNS rounds, each with fresh inventories: a rack of
# N profiles (portdp-bench setup, db_sync = full) served by portdpd, an empty kit; then
#   online:  portdpctl transfer pull --count N (export at the rack, TLS, import, receipt)
#   offline: portdpctl transfer export --count N, then transfer import (the same steps,
#            files instead of HTTPS, no portdpd)
# interleaved in each round; prints each time and the medians in profiles/s.
# Usage: testbed/bench/transfer-bench.sh [N] [RUNS]   (soft keys; BUILD=build)
set -u
cd "$(dirname "$0")/../.." || exit 1
. testbed/e2e/lib.sh
N=${1:-1000}
RUNS=${2:-5}
e2e_init transfer-bench
"$BIN/portdp-pki" --unit rack --unit kit "$E2E_DIR/u" >/dev/null || exit 1
U=$E2E_DIR/u/units
id() { echo --key "file:$U/$1-key.pem" --cert "$U/$1.pem" --ca "$U/uca.pem"; }
now() { date +%s.%N; }
online=() offline=()
for r in $(seq "$RUNS"); do
	rm -rf "$E2E_DIR/R" "$E2E_DIR"/kit*.db* "$E2E_DIR"/rack2.db* "$E2E_DIR/b"*
	"$BIN/portdp-bench" setup --dir "$E2E_DIR/R" --profiles "$N" --euiccs 1 --db-sync full \
		>/dev/null 2>&1 || exit 1
	cp "$E2E_DIR/R/inventory.db" "$E2E_DIR/rack2.db" &&
		cp "$E2E_DIR/R/inventory.db.stock-key" "$E2E_DIR/rack2.db.stock-key"
	"$BIN/portdpctl" -d "$E2E_DIR/kit.db" init >/dev/null
	"$BIN/portdpctl" -d "$E2E_DIR/kit2.db" init >/dev/null
	PORT=$(free_port)
	XP=$(free_port)
	sed "s/^port = .*/port = $PORT/" "$E2E_DIR/R/portdpd.conf" >"$E2E_DIR/rack.conf"
	printf '%s\n' "workers = 2" "es2_port = $XP" "transfer_ca = $U/uca.pem" \
		"unit_cert = $U/rack.pem" "audit_key = file:$U/rack-key.pem" \
		"es2_tls_cert = $U/rack.pem" "es2_tls_key = file:$U/rack-key.pem" >>"$E2E_DIR/rack.conf"
	start_portdpd "$E2E_DIR/rack.conf" "$XP" || exit 1
	t0=$(now)
	# shellcheck disable=SC2046
	"$BIN/portdpctl" -d "$E2E_DIR/kit.db" transfer pull --from "https://127.0.0.1:$XP" \
		--count "$N" $(id kit) >/dev/null || exit 1
	t1=$(now)
	stop_portdpd
	# shellcheck disable=SC2046
	"$BIN/portdpctl" -d "$E2E_DIR/rack2.db" transfer export --to "$U/kit.pem" --count "$N" \
		-o "$E2E_DIR/b" $(id rack) >/dev/null &&
		"$BIN/portdpctl" -d "$E2E_DIR/kit2.db" transfer import "$E2E_DIR/b" $(id kit) >/dev/null ||
		exit 1
	t2=$(now)
	on=$(echo "$N / ($t1 - $t0)" | bc -l)
	off=$(echo "$N / ($t2 - $t1)" | bc -l)
	printf 'round %d: online %.2f s (%.0f profiles/s), offline export+import %.2f s (%.0f profiles/s)\n' \
		"$r" "$(echo "$t1 - $t0" | bc -l)" "$on" "$(echo "$t2 - $t1" | bc -l)" "$off"
	online+=("$on")
	offline+=("$off")
done
med() { printf '%s\n' "$@" | sort -g | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
mo=$(med "${online[@]}")
mf=$(med "${offline[@]}")
printf 'median of %d rounds, %d profiles: online pull %.0f profiles/s, offline export+import %.0f profiles/s (online/offline %.2f)\n' \
	"$RUNS" "$N" "$mo" "$mf" "$(echo "$mo / $mf" | bc -l)"
