#!/bin/bash
# Smoke test of portdp-bench (TAP): setup 10000 profiles, run 2 s against a
# portdpd it starts itself, expect completed bindings, no failures, and the
# inventory checks passing; then 1 s with --verify-every 4, which must say how
# many bindings were fully verified; then 1 s each of --connection per-call,
# per-binding and keep-alive (handshakes counted, the crypto floor and summary). The
# profiles outnumber what 5 s can bind on a fast machine (~2k/s). Also: a second
# setup in the same dir is refused.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
export SHARED=${SHARED:-$ROOT}
BIN=$BUILD/bin
N=0
FAILED=0

tap() {
	N=$((N + 1))
	if [ "$1" -eq 0 ]; then echo "ok $N - $2"; else echo "not ok $N - $2"; FAILED=$((FAILED + 1)); fi
}

for b in portdp-bench portdpd portdp-pki; do
	[ -x "$BIN/$b" ] || { echo "Bail out! $BIN/$b not built"; exit 1; }
done
DIR=$(mktemp -d /tmp/portdp-bench-smoke-XXXXXX)
trap 'rm -rf "$DIR"' EXIT

out=$(timeout 60 "$BIN/portdp-bench" setup --dir "$DIR/b" --profiles 10000 --euiccs 8 \
	--db-sync normal 2>&1)
tap $? "setup: 10000 profiles, 8 eUICCs"
echo "$out" | sed 's/^/# /'

timeout 10 "$BIN/portdp-bench" setup --dir "$DIR/b" --profiles 10 --euiccs 1 >/dev/null 2>&1
[ $? -eq 1 ]
tap $? "setup refuses a directory that already holds a bench"

timeout 10 "$BIN/portdp-bench" run --dir "$DIR/b" --concurrency 9 --duration 1 >/dev/null 2>&1
[ $? -eq 1 ]
tap $? "run refuses more concurrent downloads than eUICCs"

out=$(timeout 60 "$BIN/portdp-bench" run --dir "$DIR/b" --concurrency 8 --duration 2 \
	--workers 2 --csv "$DIR/run.csv" 2>&1)
rc=$?
echo "$out" | sed 's/^/# /'
tap $rc "run: 2 s, 8 concurrent downloads, exit status 0"

done_n=$(echo "$out" | sed -n 's/^bindings: completed \([0-9]*\), failed \([0-9]*\).*/\1/p')
fail_n=$(echo "$out" | sed -n 's/^bindings: completed \([0-9]*\), failed \([0-9]*\).*/\2/p')
[ "${done_n:-0}" -gt 0 ] && [ "${fail_n:-1}" -eq 0 ]
tap $? "bindings completed (${done_n:-?}) and none failed (${fail_n:-?})"

[ "$(echo "$out" | grep -c '^sanity: .*: OK$')" -eq 3 ]
tap $? "inventory: installed count matches, nothing bound twice, ICCIDs on their EIDs"

rows=$(($(wc -l <"$DIR/run.csv") - 1))
[ "$rows" -eq "${done_n:-0}" ]
tap $? "csv has one row per completed binding ($rows)"

all=$(echo "$out" | sed -n 's/^client verification: \([0-9]*\) of \([0-9]*\) .*/\1 \2/p')
[ -n "$all" ] && [ "${all% *}" = "${all#* }" ]
tap $? "default run: every completed binding fully verified ($all)"

out=$(timeout 60 "$BIN/portdp-bench" run --dir "$DIR/b" --concurrency 8 --duration 1 \
	--workers 2 --verify-every 4 2>&1)
rc=$?
echo "$out" | sed 's/^/# /'
tap $rc "run --verify-every 4: exit status 0 (no failures, sanity checks OK)"

echo "$out" | grep -q '^client: 1 in 4 bindings fully verified.* NOT verified'
tap $? "--verify-every 4 says what the client did not verify"

[ "$(echo "$out" | grep -c '^sanity: .*: OK$')" -eq 3 ]
tap $? "--verify-every 4: inventory checks hold for every binding"

v=$(echo "$out" | sed -n 's/^client verification: \([0-9]*\) of \([0-9]*\) .*/\1 \2/p')
full=${v% *}
total=${v#* }
# Each slot's binding 1, 5, 9, ...: between a quarter and a quarter plus one per slot.
[ -n "$v" ] && [ "$full" -lt "$total" ] && [ $((4 * full)) -ge "$total" ] &&
	[ $((4 * full)) -le $((total + 4 * 8)) ]
tap $? "--verify-every 4: $full of $total bindings fully verified (1 in 4 per slot)"

# The connection modes: a new TLS connection per call, per binding, kept (1 s each, one portdpd).
out=$(timeout 60 "$BIN/portdp-bench" run --dir "$DIR/b" --concurrency 4 --duration 1 \
	--workers 2 --connection all 2>&1)
rc=$?
echo "$out" | sed 's/^/# /'
tap $rc "run --connection all: exit status 0 (no failures, sanity checks OK)"

[ "$(echo "$out" | grep -c '^sanity: .*: OK$')" -eq 9 ]
tap $? "--connection: inventory checks hold in all three phases"

echo "$out" | grep -q '^connections: per-call: [0-9]* TLS handshakes (4.00 per binding, 0 resumed)' &&
	echo "$out" | grep -q '^connections: per-binding: [0-9]* TLS handshakes (1.00 per binding, 0 resumed)'
tap $? "per-call: 4 full handshakes per binding, per-binding: 1, none resumed"

echo "$out" | grep -q '^crypto floor (.*): one binding [0-9.]* ms' &&
	echo "$out" | grep -q "^crypto floor: one TLS 1.3 full handshake's server crypto [0-9.]* ms" &&
	echo "$out" | grep -q '^per-call: server CPU per binding [0-9.]* ms = [0-9.]*x' &&
	echo "$out" | grep -qE '^  per-call +[0-9]+ +[0-9.]+ +4.00 '
tap $? "--connection: the crypto floor, the summary and the per-handshake figure are printed"

timeout 10 "$BIN/portdp-bench" run --dir "$DIR/b" --concurrency 1 --duration 1 \
	--connection per-request >/dev/null 2>&1
[ $? -eq 2 ]
tap $? "run refuses an unknown --connection mode"

echo "1..$N"
[ "$FAILED" -eq 0 ]
