#!/bin/bash
# E2E (d): kill -9 portdpd at several points of downloads, restart it, and
# check the inventory: no profile lost, none bound to two EIDs, allocations of
# dead sessions back to available, handed-out (downloaded) ones not.
set -u
. "$(dirname "$0")/lib.sh"
e2e_init crash
E2E_DB=$E2E_DIR/inventory.db
PKI=$E2E_DIR/pki
N=8
make_pki "$PKI" -n $N
mapfile -t EIDS <"$PKI/euicc/list.txt"
ctl init >/dev/null
mapfile -t FILES < <(ls "$TESTDATA"/ts48/*-UNIQUE.der | head -$N)
for i in "${!FILES[@]}"; do
	ctl import --matching-id "C$i" "${FILES[$i]}" >/dev/null 2>&1
	euicc_dir "$PKI" "${EIDS[$i]}" "$E2E_DIR/e$i"
done
[ "$(ctl_count)" -eq $N ]
tap $? "$N profiles imported"
PORT=$(free_port)
write_conf "$E2E_DIR/portdpd.conf" "$PORT" "$E2E_DB" "$PKI"
start_portdpd "$E2E_DIR/portdpd.conf" "$PORT"
tap $? "portdpd started"

# wait_state MID "STATE EID": restart recovery may finish just after the port opens.
wait_state() {
	for _ in $(seq 20); do
		[ "$(ctl_state "$1")" = "$2" ] && return 0
		sleep 0.1
	done
	return 1
}

crash_and_restart() {
	crash_portdpd
	start_portdpd "$E2E_DIR/portdpd.conf" "$PORT"
}

# invariants: all profiles there, none allocated after a restart, no EID on
# two profiles (each eUICC here asks for one profile only).
invariants() {
	local total dup alloc
	for _ in $(seq 20); do
		[ "$(ctl_count allocated)" -eq 0 ] && break
		sleep 0.1
	done
	total=$(ctl_count)
	alloc=$(ctl_count allocated)
	dup=$(ctl list 2>/dev/null | awk '$4 ~ /^[0-9]{32}$/ {print $4}' | sort | uniq -d | wc -l)
	[ "$total" -eq $N ] && [ "$alloc" -eq 0 ] && [ "$dup" -eq 0 ]
	tap $? "$1: $total/$N profiles, $alloc allocated, $dup EIDs bound twice"
}

lpa "$PORT" "$PKI" "$E2E_DIR/e0" --ac "$(ac "$PORT" C0)" --stop-after initiateAuthentication \
	>/dev/null 2>&1
crash_and_restart
tap $? "kill -9 after initiateAuthentication, restarted"
[ "$(ctl_state C0)" = "available -" ]
tap $? "C0 available ($(ctl_state C0))"

lpa "$PORT" "$PKI" "$E2E_DIR/e1" --ac "$(ac "$PORT" C1)" --stop-after authenticateClient \
	>/dev/null 2>&1
[ "$(ctl_state C1)" = "allocated ${EIDS[1]}" ]
tap $? "after authenticateClient C1 is allocated to ${EIDS[1]}"
crash_and_restart
tap $? "kill -9 after authenticateClient, restarted"
wait_state C1 "available -"
tap $? "allocation of the dead session released: C1 $(ctl_state C1)"

lpa "$PORT" "$PKI" "$E2E_DIR/e2" --ac "$(ac "$PORT" C2)" --stop-after getBoundProfilePackage \
	>/dev/null 2>&1
crash_and_restart
tap $? "kill -9 after getBoundProfilePackage, restarted"
[ "$(ctl_state C2)" = "downloaded ${EIDS[2]}" ]
tap $? "the handed-out BPP stays bound: C2 $(ctl_state C2)"
invariants "after three crashes"

# Several downloads in flight, killed at a random moment.
pids=()
for i in 3 4 5 6 7; do
	lpa "$PORT" "$PKI" "$E2E_DIR/e$i" --ac "$(ac "$PORT" "C$i")" --timeout 5 \
		>"$E2E_DIR/lpa$i.log" 2>&1 &
	pids+=($!)
done
sleep "0.0$((RANDOM % 8 + 2))"
crash_and_restart
tap $? "kill -9 with 5 downloads in flight, restarted"
wait "${pids[@]}" 2>/dev/null
invariants "after the crash in flight"
for i in 3 4 5 6 7; do
	s=$(ctl_state "C$i")
	case $s in
	"available -" | "downloaded ${EIDS[$i]}" | "installed ${EIDS[$i]}") r=0 ;;
	*) r=1 ;;
	esac
	tap $r "C$i: $s"
done

# Whatever is available again installs now (on the eUICC that asked for it).
left=0
for i in $(seq 0 $((N - 1))); do
	[ "$(ctl_state "C$i")" = "available -" ] || continue
	rm -rf "$E2E_DIR/e$i/profiles" "$E2E_DIR/e$i/notifications"
	lpa "$PORT" "$PKI" "$E2E_DIR/e$i" --ac "$(ac "$PORT" "C$i")" >/dev/null 2>&1 ||
		left=$((left + 1))
done
tap $left "every released profile installs after the crashes ($left failed)"
bound=$(( $(ctl_count installed) + $(ctl_count downloaded) ))
[ "$bound" -eq $N ]
tap $? "all $N profiles bound exactly once (installed or downloaded)"
stop_portdpd
out=$("$(dirname "$0")/inventory-invariants" "$E2E_DB" --no-alloc --expect $N)
tap $? "the audit history after the crashes: $out"
echo "$out" | grep -v '^inventory invariants' | sed 's/^/#   /'
tap_done
