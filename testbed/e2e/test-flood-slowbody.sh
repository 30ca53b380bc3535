#!/bin/bash
# E2E flood (d): slow body, a whole head (Content-Length: 4000) then the body
# one byte every 200 ms, by 400 connections from 4 addresses.
# request_timeout_ms closes every one; a download succeeds meanwhile.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/flood-lib.sh"
flood_setup flood-slowbody "request_timeout_ms = 2000"

flood_start -m slowbody -n 400 --srcs 4 --interval 200 --hold 6
flood_download "download during the slow-body flood"
flood_wait
opened=$(grep -oE 'opened=[0-9]+' "$FLOOD_OUT" | cut -d= -f2)
gone=$(grep -oE 'closed_by_server=[0-9]+' "$FLOOD_OUT" | cut -d= -f2)
[ "${opened:-0}" -eq 400 ] && [ "${gone:-0}" -eq 400 ]
tap $? "all slow-body connections closed by portdpd: ${gone:-?} of ${opened:-?}"
rto=$(dpd_stat request_timeouts)
[ "$rto" -ge 400 ]
tap $? "request timeouts counted: $rto"
flood_back_to_baseline
flood_done
