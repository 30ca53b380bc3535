#!/bin/bash
# E2E: kill -9 portdpd at random moments under portdp-bench load, restart it,
# go on; then check the inventory (inventory-invariants.sql) and that every
# binding the client completed is installed on its eUICC's EID.
#   SOAK_CYCLES (10; `make soak`: 100), SOAK_CONCURRENCY (16), SOAK_PROFILES
#   (enough for the cycles), SOAK_CHECK_EVERY. Each cycle: restart (its recovery
#   must leave no allocation; one start in four is first killed 0-80 ms in), the
#   bench starts, 50-600 ms later kill -9; the bench must see no failure other
#   than lost connections (--crash-ok).
set -u
. "$(dirname "$0")/lib.sh"
INVARIANTS=$(dirname "$0")/inventory-invariants
CYCLES=${SOAK_CYCLES:-10}
CONC=${SOAK_CONCURRENCY:-16}
PROFILES=${SOAK_PROFILES:-$((CYCLES * 300 + 2000))}
# The whole invariant check after every EVERY-th restart (it reads the whole audit log);
# the others only check that recovery left no allocation.
EVERY=${SOAK_CHECK_EVERY:-$([ "$CYCLES" -le 20 ] && echo 1 || echo 10)}
e2e_init crash-load
[ -x "$BIN/portdp-bench" ] || { echo "Bail out! $BIN/portdp-bench not built"; exit 1; }
B=$E2E_DIR/b
E2E_DB=$B/inventory.db
"$BIN/portdp-bench" setup --dir "$B" --profiles "$PROFILES" --euiccs "$CONC" >"$E2E_DIR/setup.log" 2>&1
tap $? "bench: $PROFILES profiles, $CONC eUICCs, db_sync full"
PORT=$(free_port)
sed "s/^port = .*/port = $PORT/" "$B/portdpd.conf" >"$E2E_DIR/portdpd.conf"
out=$("$INVARIANTS" "$E2E_DB" --no-alloc --expect "$PROFILES")
tap $? "before: $out"

# bench_run N [options]: one portdp-bench run against the daemon, in the background (BENCH_PID).
bench_run() {
	local n=$1
	shift
	timeout 180 "$BIN/portdp-bench" run --dir "$B" --connect "127.0.0.1:$PORT" \
		--server-pid "$DPD_PID" --concurrency "$CONC" --csv "$E2E_DIR/run-$n.csv" "$@" \
		>"$E2E_DIR/bench-$n.log" 2>&1 &
	BENCH_PID=$!
}

# kill_while_starting: kill -9 within 0-80 ms of the start: during the open, the schema check
# or the restart recovery (the daemon listens only after them).
kill_while_starting() {
	"$BIN/portdpd" -c "$E2E_DIR/portdpd.conf" --foreground >>"$E2E_DIR/portdpd.log" 2>&1 &
	DPD_PID=$!
	DPD_PORT=$PORT
	sleep "$(printf '0.%03d' $((RANDOM % 80)))"
	crash_portdpd
}

completed=0 cut=0 bad_restart=0 bad_bench=0 no_flight=0 start_kills=0
for c in $(seq "$CYCLES"); do
	# One cycle in four, a kill during the start first.
	if [ $((RANDOM % 4)) -eq 0 ]; then
		kill_while_starting
		start_kills=$((start_kills + 1))
	fi
	if ! start_portdpd "$E2E_DIR/portdpd.conf" "$PORT"; then
		tap 1 "cycle $c: portdpd restarts"
		break
	fi
	# Recovery runs before the daemon listens: nothing of a dead session is held now.
	if [ $((c % EVERY)) -ne 0 ]; then
		out=$(sqlite3 -readonly "$E2E_DB" "SELECT 'allocation survived: ' || count(*)
			FROM profile WHERE state = 1 HAVING count(*) > 0" 2>&1)
		[ -z "$out" ]
	else
		out=$("$INVARIANTS" "$E2E_DB" --no-alloc --expect "$PROFILES")
	fi
	if [ $? -ne 0 ]; then
		echo "# cycle $c, after the restart:"
		echo "$out" | sed 's/^/#   /'
		bad_restart=$((bad_restart + 1))
	fi
	bench_run "$c" --duration 60 --crash-ok
	for _ in $(seq 100); do
		grep -qs '^portdp-bench run:' "$E2E_DIR/bench-$c.log" && break
		sleep 0.05
	done
	sleep "$(printf '0.%03d' $((50 + RANDOM % 550)))"
	crash_portdpd
	wait "$BENCH_PID"
	rc=$?
	log=$E2E_DIR/bench-$c.log
	k=$(bench_field "$log" completed) f=$(bench_field "$log" failed) a=$(bench_field "$log" away)
	completed=$((completed + ${k:-0}))
	cut=$((cut + ${a:-0}))
	[ "${a:-0}" -gt 0 ] || no_flight=$((no_flight + 1))
	if [ "$rc" -ne 0 ] || [ -z "$k" ] || [ "${f:-1}" -ne 0 ]; then
		echo "# cycle $c: bench exit $rc, completed ${k:-?}, failed ${f:-?}:"
		grep -E '^(bindings|first failure|sanity)|portdp-bench:' "$log" | sed 's/^/#   /'
		bad_bench=$((bad_bench + 1))
	fi
done
tap $bad_restart "$CYCLES restarts after kill -9 ($start_kills more kills while starting): no allocation survived recovery, invariants held (checked every $EVERY; $bad_restart cycles failed)"
tap $bad_bench "$CYCLES bench runs: only lost connections, no other failure ($bad_bench runs failed)"
[ "$no_flight" -eq 0 ]
tap $? "every kill cut bindings in flight ($cut cut, $completed completed; $no_flight kills cut none)"

# Service after the crashes: a clean run completes bindings without a failure.
start_portdpd "$E2E_DIR/portdpd.conf" "$PORT"
tap $? "portdpd restarts after $CYCLES kills"
bench_run final --duration 1
wait "$BENCH_PID"
rc=$?
k=$(bench_field "$E2E_DIR/bench-final.log" completed)
f=$(bench_field "$E2E_DIR/bench-final.log" failed)
[ "$rc" -eq 0 ] && [ "${k:-0}" -gt 0 ] && [ "${f:-1}" -eq 0 ]
tap $? "then a clean run: ${k:-?} completed, ${f:-?} failed, bench sanity checks OK"
[ "$rc" -eq 0 ] || grep -E '^(bindings|first failure|sanity)|portdp-bench:' \
	"$E2E_DIR/bench-final.log" | sed 's/^/#   /'
completed=$((completed + ${k:-0}))
stop_portdpd

out=$("$INVARIANTS" "$E2E_DB" --no-alloc --expect "$PROFILES")
tap $? "after: $out"
echo "$out" | grep -v '^inventory invariants' | sed 's/^/#   /'
# The audit's SHA-256 chain links every row written across the kills (a row of a
# transaction lost by a kill must not leave a gap or a fork).
out=$("$BIN/portdpctl" -d "$E2E_DB" audit verify 2>&1)
tap $? "$(echo "$out" | tail -1)"

# The client's side: every binding it completed is installed, on the EID that took it, once.
rows=$(cat "$E2E_DIR"/run-*.csv | grep -vc '^thread,')
[ "$rows" -eq "$completed" ]
tap $? "the client's csv holds every completed binding ($rows rows, $completed completed)"
wrong=$(client_installs_wrong "$E2E_DB" "$E2E_DIR"/run-*.csv)
[ -z "$wrong" ]
tap $? "every completed binding is 'installed' for its EID in the inventory, none twice"
[ -n "$wrong" ] && echo "$wrong" | head -20 | sed 's/^/#   /'
installed=$(sqlite3 -readonly "$E2E_DB" "SELECT count(*) FROM profile WHERE state = 3")
[ "$installed" -ge "$completed" ] && [ "$installed" -le $((completed + cut)) ]
tap $? "installed $installed: at least the $completed completed, at most those plus the $cut cut"
n=$(grep -c 'fsync of the inventory WAL failed\|group commit .* failed' "$E2E_DIR/portdpd.log")
[ "$n" -eq 0 ]
tap $? "no failed commit or fsync in portdpd's log ($n)"
tap_done
