#!/bin/bash
# E2E flood (a): idle TLS connections. One client address holding thousands
# (max_conns_per_ip stops it at 256), then many addresses filling the whole
# table (the oldest idle connection gives way to each new one). A legitimate
# download succeeds during each; RSS and fds return to baseline afterwards.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/flood-lib.sh"
flood_setup flood-tls "max_conns = 512" "max_conns_per_ip = 256" "idle_timeout_ms = 60000"

flood_start -m tls-idle -n 4096 --srcs 1 --hold 30
opened=$(grep -oE 'opened=[0-9]+' "$FLOOD_OUT" | cut -d= -f2)
[ "${opened:-0}" -eq 256 ]
tap $? "one address: 256 of 4096 idle TLS connections held (max_conns_per_ip), got ${opened:-none}"
flood_download "download while one client holds 256 idle TLS connections"
[ "$(dpd_stat rejected_per_ip)" -ge 3840 ]
tap $? "rejected_per_ip counts the refused ones: $(dpd_stat rejected_per_ip)"
kill "$FLOOD_PID" 2>/dev/null
wait "$FLOOD_PID" 2>/dev/null

flood_start -m tls-idle -n 2048 --srcs 16 --hold 30
flood_download "download while 16 addresses hold 2048 idle TLS connections (table of 512)"
ev=$(dpd_stat evicted_idle)
[ "$ev" -ge 1536 ]
tap $? "oldest idle connections evicted to make room: $ev"
[ "$(dpd_stat open_conns)" -le 512 ]
tap $? "open connections within max_conns: $(dpd_stat open_conns)"
kill "$FLOOD_PID" 2>/dev/null
wait "$FLOOD_PID" 2>/dev/null
flood_back_to_baseline
flood_done
