#!/bin/bash
# E2E flood (c): slowloris, request heads trickled one byte every 200 ms by
# 400 connections from 4 addresses. request_timeout_ms (first to last byte of
# one request) closes every one of them; a download succeeds meanwhile.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/flood-lib.sh"
flood_setup flood-loris "request_timeout_ms = 2000"

flood_start -m slowloris -n 400 --srcs 4 --interval 200 --hold 6
flood_download "download during slowloris"
flood_wait
opened=$(grep -oE 'opened=[0-9]+' "$FLOOD_OUT" | cut -d= -f2)
gone=$(grep -oE 'closed_by_server=[0-9]+' "$FLOOD_OUT" | cut -d= -f2)
[ "${opened:-0}" -eq 400 ] && [ "${gone:-0}" -eq 400 ]
tap $? "all trickling connections closed by portdpd: ${gone:-?} of ${opened:-?}"
rto=$(dpd_stat request_timeouts)
[ "$rto" -ge 400 ]
tap $? "request timeouts counted: $rto"
flood_back_to_baseline
flood_done
