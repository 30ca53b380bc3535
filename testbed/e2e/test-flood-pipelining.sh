#!/bin/bash
# E2E flood (e): pipelining. Our choice (RFC 9112 9.3 allows either): several
# requests in one write are all answered, in order, on the same connection;
# a request that ends the connection (Connection: close, or an error) is the
# last one answered. 200 connections do this from 4 addresses while a
# download runs.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/flood-lib.sh"
flood_setup flood-pipe

H="Host: $SMDP_HOST\r\nX-Admin-Protocol: gsma/rsp/v2.2.2\r\nContent-Type: application/json\r\n"
# Three ES9+ requests the ES9+ layer answers 200 (with an SGP.22 error: they name no session).
req() { printf "POST /gsma/rsp2/es9plus/%s HTTP/1.1\r\n$H%bContent-Length: 2\r\n\r\n{}" "$1" "${2:-}"; }
{ req initiateAuthentication; req authenticateClient; req getBoundProfilePackage "Connection: close\r\n"; } >"$E2E_DIR/p3"
# Two good ones, then one with a bare LF: answered 200, 200, then 400 and closed.
{ req initiateAuthentication; req authenticateClient;
  printf "POST /gsma/rsp2/es9plus/x HTTP/1.1\n$H\r\n"; req handleNotification; } >"$E2E_DIR/perr"

"$FLOOD" -p "$PORT" -m raw --payload "$E2E_DIR/p3" -n 100 --srcs 4 >"$E2E_DIR/o3" 2>&1 &
P1=$!
"$FLOOD" -p "$PORT" -m raw --payload "$E2E_DIR/perr" -n 100 --srcs 4 >"$E2E_DIR/oerr" 2>&1 &
P2=$!
flood_download "download during pipelined requests"
wait $P1 $P2
n=$(grep -cx 'raw: 200 200 200 closed' "$E2E_DIR/o3")
[ "$n" -eq 100 ]
tap $? "3 pipelined requests, the last with Connection: close: 200 200 200 then close, $n of 100 ($(sort "$E2E_DIR/o3" | uniq -c | head -3 | tr '\n' ';'))"
n=$(grep -cx 'raw: 200 200 400 closed' "$E2E_DIR/oerr")
[ "$n" -eq 100 ]
tap $? "2 good then a bad one (bare LF) pipelined: 200 200 400 then close, the 4th unanswered, $n of 100 ($(sort "$E2E_DIR/oerr" | uniq -c | head -3 | tr '\n' ';'))"
flood_back_to_baseline
flood_done
