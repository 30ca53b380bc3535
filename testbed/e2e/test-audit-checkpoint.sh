#!/bin/bash
# E2E: the tamper-evident audit under portdpd. With audit_key (the unit key, a key file in
# soft mode) and audit_interval = 1, portdpd signs the head of the audit chain while it
# serves: after downloads (and a kill -9 and restart), `portdpctl audit verify --cert` passes
# with periodic checkpoints signed by that unit, an export verifies the same, and a row
# changed behind the library's back is named.
set -u
. "$(dirname "$0")/lib.sh"
e2e_init audit-checkpoint
E2E_DB=$E2E_DIR/inventory.db
PKI=$E2E_DIR/pki
make_pki "$PKI" -n 2 --unit kit
EDIR=$E2E_DIR/e
ctl init >/dev/null
mapfile -t UPPS < <(ls "$TESTDATA"/ts48/*-UNIQUE.der | head -4)
for i in 0 1 2 3; do ctl import --matching-id "AUD$i" "${UPPS[$i]}" >/dev/null 2>&1; done
PORT=$(free_port)
write_conf "$E2E_DIR/portdpd.conf" "$PORT" "$E2E_DB" "$PKI"
{
	echo "audit_key = file:$PKI/units/kit-key.pem"
	echo "audit_interval = 1"
} >>"$E2E_DIR/portdpd.conf"
start_portdpd "$E2E_DIR/portdpd.conf" "$PORT"
tap $? "portdpd started with an audit key"

n=0
for i in 0 1; do
	EID=$(sed -n "$((i + 1))p" "$PKI/euicc/list.txt")
	euicc_dir "$PKI" "$EID" "$EDIR$i"
	lpa "$PORT" "$PKI" "$EDIR$i" --ac "$(ac "$PORT" "AUD$i")" >/dev/null 2>>"$E2E_DIR/lpa.log" &&
		n=$((n + 1))
done
[ $n = 2 ]
tap $? "two profiles downloaded and installed"
checkpoints() { sqlite3 "$E2E_DB" "SELECT count(*) FROM audit_checkpoint WHERE reason = 'periodic'"; }
head_signed() {
	[ "$(sqlite3 "$E2E_DB" "SELECT max(head_seq) FROM audit_checkpoint")" = \
		"$(sqlite3 "$E2E_DB" "SELECT max(seq) FROM audit")" ]
}
for _ in $(seq 50); do head_signed && break; sleep 0.1; done
head_signed && [ "$(checkpoints)" -ge 1 ]
tap $? "portdpd signed the head periodically ($(checkpoints) checkpoints)"
c1=$(checkpoints)
sleep 2.5
[ "$(checkpoints)" = "$c1" ]
tap $? "no new checkpoint while the chain did not move"

crash_portdpd
start_portdpd "$E2E_DIR/portdpd.conf" "$PORT"
EID=$(sed -n 2p "$PKI/euicc/list.txt")
lpa "$PORT" "$PKI" "$EDIR""1" --ac "$(ac "$PORT" AUD2)" >/dev/null 2>>"$E2E_DIR/lpa.log"
tap $? "after kill -9 and a restart, a third download"
for _ in $(seq 50); do head_signed && break; sleep 0.1; done
stop_portdpd
ctl audit verify --cert "$PKI/units/kit.pem" >"$E2E_DIR/verify.out" 2>&1 && head_signed
tap $? "$(cat "$E2E_DIR/verify.out")"
ctl audit export "$E2E_DIR/audit.export" >/dev/null &&
	ctl audit verify --cert "$PKI/units/kit.pem" --export "$E2E_DIR/audit.export" >/dev/null
tap $? "the audit export verifies the same"
sqlite3 "$E2E_DB" "DROP TRIGGER audit_no_update; UPDATE audit SET eid = NULL WHERE seq = 6"
! ctl audit verify --cert "$PKI/units/kit.pem" >"$E2E_DIR/verify.out" 2>&1 &&
	grep -q "FAILED at row 6:" "$E2E_DIR/verify.out"
tap $? "a changed row is named: $(cat "$E2E_DIR/verify.out")"
tap_done
