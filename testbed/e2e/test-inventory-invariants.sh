#!/bin/bash
# The inventory invariant checker (inventory-invariants + .sql) itself: it
# passes a clean inventory with a full history, and catches each violation
# planted in a copy (the schema's guard triggers dropped to plant it).
set -u
. "$(dirname "$0")/lib.sh"
INVARIANTS=$(dirname "$0")/inventory-invariants
e2e_init invariants
E2E_DB=$E2E_DIR/clean.db
ctl init >/dev/null
mapfile -t FILES < <(ls "$TESTDATA"/ts48/*-UNIQUE.der | head -4)
ctl import --reuse after-delete "${FILES[@]}" >/dev/null 2>&1
EID_A=89049032123451234512345678901235
EID_B=89049032123451234512345678901236
KEY="x'04$(printf '0%.0s' {1..128})'"

# A full legal history through SQL: the schema's own triggers judge each step. (The sqlite3
# shell has no portdp_audit_link, so the audit chain's trigger goes first: the rows it writes
# stay unlinked, which audit verify would name; the invariants checked here do not look.)
sqlite3 "$E2E_DB" "
DROP TRIGGER audit_chain_link;
UPDATE profile SET state = 1, eid = '$EID_A', transaction_id = x'01', deadline = 9 WHERE id = 1;
UPDATE profile SET state = 2, deadline = NULL, euicc_curve = 1, euicc_pub = $KEY WHERE id = 1;
UPDATE profile SET state = 3 WHERE id = 1;
UPDATE profile SET state = 4 WHERE id = 1;
UPDATE profile SET state = 0, eid = NULL, transaction_id = NULL, euicc_curve = NULL,
  euicc_pub = NULL WHERE id = 1;
UPDATE profile SET state = 1, eid = '$EID_B', transaction_id = x'02', deadline = 9 WHERE id = 1;
UPDATE profile SET state = 2, deadline = NULL, euicc_curve = 1, euicc_pub = $KEY WHERE id = 1;
UPDATE profile SET state = 1, eid = '$EID_A', transaction_id = x'03', deadline = 9 WHERE id = 2;
UPDATE profile SET state = 0, eid = NULL, transaction_id = NULL, deadline = NULL WHERE id = 2;
UPDATE profile SET state = 1, eid = '$EID_A', transaction_id = x'04', deadline = 9 WHERE id = 3;
UPDATE profile SET state = 2, deadline = NULL, euicc_curve = 1, euicc_pub = $KEY WHERE id = 3;
UPDATE profile SET state = 0, eid = NULL, transaction_id = NULL, euicc_curve = NULL,
  euicc_pub = NULL, last_detail = 'bppCommandId 3 errorReason 1' WHERE id = 3;"
tap $? "a legal history: downloads, install, delete, re-offer, release, install failure"
out=$("$INVARIANTS" "$E2E_DB" --no-alloc --expect 4)
tap $? "it passes: $out"

# plant NAME EXPECTED-CHECK [runner options] <<<SQL: the checker must name the violation.
plant() {
	local name=$1 want=$2 db=$E2E_DIR/$1.db out
	shift 2
	cp "$E2E_DB" "$db"
	sqlite3 "$db" "$(cat)" || { tap 1 "$name: planted"; return; }
	out=$("$INVARIANTS" "$db" "$@")
	[ $? -eq 1 ] && echo "$out" | grep -q "^$want"
	tap $? "$name: caught as '$want'"
	echo "$out" | sed 's/^/#   /'
}

plant allocated "allocation survived" --no-alloc <<EOF
UPDATE profile SET state = 1, eid = '$EID_A', transaction_id = x'09', deadline = 9 WHERE id = 4;
EOF
out=$("$INVARIANTS" "$E2E_DIR/allocated.db")
tap $? "an allocation is fine while a daemon may hold it (no --no-alloc)"
plant count "total" --expect 5 </dev/null
plant forbidden "forbidden transition" <<EOF
DROP TRIGGER profile_state_machine;
UPDATE profile SET state = 3, eid = '$EID_A' WHERE id = 4;
EOF
plant unaudited "chain end" <<EOF
DROP TRIGGER profile_audit_transition;
UPDATE profile SET state = 1, eid = '$EID_A', transaction_id = x'09', deadline = 9 WHERE id = 4;
EOF
plant gap "chain broken" <<EOF
DROP TRIGGER audit_no_delete;
DELETE FROM audit WHERE seq = (SELECT min(seq) FROM audit WHERE profile_id = 1 AND to_state = 3);
EOF
plant two-eids "two EIDs" <<EOF
DROP TRIGGER profile_holder_fixed;
UPDATE profile SET state = 3, eid = '$EID_A' WHERE id = 1;
EOF
plant re-offered "downloaded twice" <<EOF
DROP TRIGGER profile_state_machine;
DROP TRIGGER profile_euicc_key_follows_state;
DROP TRIGGER profile_euicc_key_fixed;
UPDATE profile SET state = 1, deadline = 9 WHERE id = 1;
UPDATE profile SET state = 2, deadline = NULL WHERE id = 1;
EOF
plant expired-download "came back unreported" <<EOF
UPDATE profile SET state = 0, eid = NULL, transaction_id = NULL, euicc_curve = NULL,
  euicc_pub = NULL, last_detail = 'expired' WHERE id = 1;
EOF
plant renamed "iccid" <<EOF
DROP TRIGGER audit_no_update;
UPDATE audit SET iccid = '8900000000000000001' WHERE seq = 1;
EOF
plant no-upp "upp" <<EOF
DROP TRIGGER upp_no_delete;
DELETE FROM upp WHERE profile_id = 2;
EOF
# A torn page: integrity_check (or SQLite itself) must say so.
cp "$E2E_DB" "$E2E_DIR/torn.db"
pgsz=$(sqlite3 "$E2E_DB" "PRAGMA page_size")
root=$(sqlite3 "$E2E_DB" "SELECT rootpage FROM sqlite_schema WHERE name = 'audit'")
dd if=/dev/urandom of="$E2E_DIR/torn.db" bs="$pgsz" seek=$((root - 1)) count=1 conv=notrunc \
	2>/dev/null
out=$("$INVARIANTS" "$E2E_DIR/torn.db")
tap $([ $? -eq 1 ]; echo $?) "a torn page of the audit table is caught"
echo "$out" | head -3 | sed 's/^/#   /'
tap_done
