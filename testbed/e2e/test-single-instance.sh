#!/bin/bash
# One portdpd per inventory: a second one on the inventory in use (also through
# another path to the same file) refuses to start, says who holds it, and the
# first keeps serving. portdpctl writes while portdpd runs (import, expire)
# leave a consistent inventory that the daemon serves from. The lock dies with
# its process: after a kill -9 the next portdpd starts.
set -u
. "$(dirname "$0")/lib.sh"
e2e_init single
E2E_DB=$E2E_DIR/inventory.db
PKI=$E2E_DIR/pki
make_pki "$PKI" -n 3
mapfile -t EIDS <"$PKI/euicc/list.txt"
for i in 0 1 2; do euicc_dir "$PKI" "${EIDS[$i]}" "$E2E_DIR/e$i"; done
mapfile -t FILES < <(ls "$TESTDATA"/ts48/*-UNIQUE.der | head -3)
ctl init >/dev/null && ctl import --matching-id S0 "${FILES[0]}" >/dev/null 2>&1 &&
	ctl import --matching-id S1 "${FILES[1]}" >/dev/null 2>&1
tap $? "inventory with 2 profiles"

PORT=$(free_port)
write_conf "$E2E_DIR/a.conf" "$PORT" "$E2E_DB" "$PKI"
start_portdpd "$E2E_DIR/a.conf" "$PORT"
tap $? "first portdpd serves on $PORT"
FIRST=$DPD_PID

# second CONF: runs a portdpd that must give up by itself (10 s at most).
second() {
	local port
	port=$(free_port)
	write_conf "$E2E_DIR/b.conf" "$port" "$1" "$PKI"
	B_OUT=$(timeout 10 "$BIN/portdpd" -c "$E2E_DIR/b.conf" --foreground 2>&1)
	B_RC=$?
	echo "$B_OUT" | sed 's/^/# second: /'
	B_PORT_OPEN=$(ss -Htln "sport = :$port" | wc -l)
}

second "$E2E_DB"
[ "$B_RC" -eq 1 ] && [ "$B_PORT_OPEN" -eq 0 ] &&
	echo "$B_OUT" | grep -q "is in use by another portdpd (pid $FIRST)"
tap $? "a second portdpd on the same inventory is refused and names the holder's pid"
ln -s "$E2E_DB" "$E2E_DIR/alias.db"
mkdir "$E2E_DIR/sub"
second "$E2E_DIR/sub/../alias.db"
[ "$B_RC" -eq 1 ] && echo "$B_OUT" | grep -q "in use by another portdpd"
tap $? "also through a symlink and '..' to the same file"
[ "$(ctl_state S0)" = "available -" ] && [ "$(ctl_state S1)" = "available -" ]
tap $? "the refused daemon changed nothing"

lpa "$PORT" "$PKI" "$E2E_DIR/e0" --ac "$(ac "$PORT" S0)" >/dev/null 2>&1 &&
	[ "$(ctl_state S0)" = "installed ${EIDS[0]}" ]
tap $? "the first portdpd still serves a download"

# portdpctl while portdpd runs: SQLite (WAL) serializes the writers, the
# database's own rules keep every transition legal.
ctl import --matching-id S2 "${FILES[2]}" >/dev/null 2>&1 && ctl expire >/dev/null &&
	[ "$(ctl_state S2)" = "available -" ]
tap $? "portdpctl import and expire while portdpd runs"
lpa "$PORT" "$PKI" "$E2E_DIR/e1" --ac "$(ac "$PORT" S2)" >/dev/null 2>&1 &&
	[ "$(ctl_state S2)" = "installed ${EIDS[1]}" ]
tap $? "the daemon serves the profile portdpctl imported meanwhile"
[ "$(sqlite3 "$E2E_DB" 'PRAGMA integrity_check')" = ok ]
tap $? "integrity_check ok with both writing"

crash_portdpd
start_portdpd "$E2E_DIR/a.conf" "$PORT"
tap $? "after kill -9 the lock is gone: the next portdpd starts"
lpa "$PORT" "$PKI" "$E2E_DIR/e2" --ac "$(ac "$PORT" S1)" >/dev/null 2>&1 &&
	[ "$(ctl_state S1)" = "installed ${EIDS[2]}" ]
tap $? "and serves"
stop_portdpd
tap_done
