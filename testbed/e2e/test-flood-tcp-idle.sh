#!/bin/bash
# E2E flood (b): raw TCP connections that never send a ClientHello. From one
# address (max_conns_per_ip), then from many (eviction of the oldest
# handshaking connection, then the handshake timeout closes the rest).
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/flood-lib.sh"
flood_setup flood-tcp "max_conns = 512" "max_conns_per_ip = 256" "handshake_timeout_ms = 3000"

flood_start -m tcp-idle -n 4100 --srcs 1 --hold 30
flood_download "download while one client opens 4100 silent TCP connections"
rej=$(dpd_stat rejected_per_ip)
[ "$rej" -ge 1000 ]
tap $? "rejected_per_ip: $rej"
kill "$FLOOD_PID" 2>/dev/null
wait "$FLOOD_PID" 2>/dev/null

flood_start -m tcp-idle -n 4100 --srcs 20 --hold 6
flood_download "download while 20 addresses hold 4100 silent TCP connections (table of 512)"
fds=$(dpd_fds)
[ "$fds" -le $((BASE_FDS + 512 + 8)) ]
tap $? "fds during the flood within max_conns (evicted ones give their fd back at once): $fds"
flood_wait
# Counted once every connection has arrived (a busy machine accepts the burst slowly).
ev=$(dpd_stat evicted_idle)
[ "$ev" -ge 500 ]
tap $? "oldest handshaking connections evicted to make room: $ev (rejected_full $(dpd_stat rejected_full))"
gone=$(grep -oE 'closed_by_server=[0-9]+' "$FLOOD_OUT" | cut -d= -f2)
opened=$(grep -oE 'opened=[0-9]+' "$FLOOD_OUT" | cut -d= -f2)
[ "${gone:-0}" -eq "${opened:-1}" ]
tap $? "every silent connection closed by portdpd within the hold: ${gone:-?} of ${opened:-?}"
hto=$(dpd_stat handshake_timeouts)
[ "$hto" -ge 1 ]
tap $? "handshake timeouts counted: $hto"
flood_back_to_baseline
flood_done
