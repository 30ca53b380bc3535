#!/bin/bash
# E2E: one portdpd per address:port. A second portdpd on the same
# address:port (same or another inventory, or a wildcard address covering
# it) refuses to start with a clear message, and the first keeps serving. A
# process that joins the listening sockets with SO_REUSEPORT anyway (same
# user) can bind and listen, but is handed no connection.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/flood-lib.sh"
flood_setup second

# second_portdpd NAME CONF: must exit non-zero within 10 s, saying why.
second_portdpd() {
	local log=$E2E_DIR/second.log rc
	timeout 10 "$BIN/portdpd" -c "$2" --foreground >"$log" 2>&1
	rc=$?
	[ $rc -ne 0 ] && [ $rc -ne 124 ] && grep -qE "$3" "$log"
	tap $? "$1: refused (rc $rc): $(grep -E "$3" "$log" | head -1 | cut -c1-160)"
}

# A session of the first daemon holds an allocation: the refused second one must not touch it.
lpa "$PORT" "$PKI" "$E2E_DIR/e3" --ac "$(ac "$PORT" F3)" --stop-after authenticateClient \
	>/dev/null 2>&1
[ "$(ctl_state F3)" = "allocated ${EIDS[3]}" ]
tap $? "a session of the first portdpd holds F3: $(ctl_state F3)"
second_portdpd "second portdpd, same config" "$E2E_DIR/portdpd.conf" \
	"127.0.0.1:$PORT: another portdpd is already serving"
mkdir -p "$E2E_DIR/other"
E2E_DB=$E2E_DIR/other/inventory.db ctl init >/dev/null
write_conf "$E2E_DIR/other.conf" "$PORT" "$E2E_DIR/other/inventory.db" "$PKI"
second_portdpd "second portdpd, other inventory" "$E2E_DIR/other.conf" \
	"127.0.0.1:$PORT: another portdpd is already serving"
sed 's/^listen = .*/listen = 0.0.0.0/' "$E2E_DIR/other.conf" >"$E2E_DIR/wild.conf"
second_portdpd "second portdpd on 0.0.0.0, same port" "$E2E_DIR/wild.conf" \
	"0.0.0.0:$PORT: address and port in use by another process"
kill -0 "$DPD_PID"
tap $? "the first portdpd still runs"
[ "$(ctl_state F3)" = "allocated ${EIDS[3]}" ]
tap $? "its session's allocation untouched (no restart recovery ran): $(ctl_state F3)"
flood_download "the first portdpd still serves"

# An intruder joins the SO_REUSEPORT group while 300 connections and a download arrive.
"$FLOOD" -p "$PORT" -m intrude --hold 6 >"$E2E_DIR/intruder.out" 2>&1 &
IP=$!
for _ in $(seq 50); do grep -q listening "$E2E_DIR/intruder.out" && break; sleep 0.1; done
echo "# $(head -1 "$E2E_DIR/intruder.out")"
"$FLOOD" -p "$PORT" -m tcp-idle -n 300 --srcs 3 --hold 1 >"$E2E_DIR/probe.out" 2>&1
flood_download "download while another process listens on the same port with SO_REUSEPORT"
wait $IP
acc=$(grep -oE 'accepted=[0-9]+' "$E2E_DIR/intruder.out" | cut -d= -f2)
[ "${acc:-1}" -eq 0 ]
tap $? "the intruder got none of the connections: $(tail -1 "$E2E_DIR/intruder.out")"
[ "$(dpd_stat accepted)" -ge 300 ]
tap $? "portdpd accepted them all: accepted=$(dpd_stat accepted)"
flood_back_to_baseline
flood_done
