#!/bin/bash
# E2E flood (f): request-smuggling material (RFC 9112). Each payload goes in
# one write on its own TLS connection, 20 times each from 4 addresses, all at
# once while a download runs; each must be answered 400 (411 for chunked
# bodies, which ES9+ never uses) and the connection closed, with nothing
# after it answered. A good request first, then the smuggled one: 200, then
# 400 and closed.
set -u
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/flood-lib.sh"
flood_setup flood-smuggle

P=/gsma/rsp2/es9plus/initiateAuthentication
A="X-Admin-Protocol: gsma/rsp/v2.2.2\r\nContent-Type: application/json\r\n"
GOOD="POST $P HTTP/1.1\r\nHost: $SMDP_HOST\r\n${A}Content-Length: 2\r\n\r\n{}"
# The second request a front proxy might see inside the first one's body.
INNER="POST $P HTTP/1.1\r\nHost: $SMDP_HOST\r\n${A}Content-Length: 2\r\n\r\n{}"
declare -A CASES=(
	[obsfold-te]="POST $P HTTP/1.1\r\nHost: $SMDP_HOST\r\n${A}Transfer-Encoding: identity\r\n chunked\r\nContent-Length: 2\r\n\r\n{}$INNER"
	[obsfold-other]="POST $P HTTP/1.1\r\nHost: $SMDP_HOST\r\n${A}X-A: b\r\n\tc\r\nContent-Length: 2\r\n\r\n{}"
	[bare-lf]="POST $P HTTP/1.1\nHost: $SMDP_HOST\n${A}Content-Length: 2\n\n{}"
	[bare-lf-one-line]="POST $P HTTP/1.1\r\nHost: $SMDP_HOST\r\n${A}X-A: b\nContent-Length: 2\r\n\r\n{}"
	[dup-host]="POST $P HTTP/1.1\r\nHost: $SMDP_HOST\r\nHost: evil.example\r\n${A}Content-Length: 2\r\n\r\n{}"
	[dup-host-same]="POST $P HTTP/1.1\r\nHost: $SMDP_HOST\r\nHost: $SMDP_HOST\r\n${A}Content-Length: 2\r\n\r\n{}"
	[dup-cl]="POST $P HTTP/1.1\r\nHost: $SMDP_HOST\r\n${A}Content-Length: 2\r\nContent-Length: 200\r\n\r\n{}$INNER"
	[dup-cl-same]="POST $P HTTP/1.1\r\nHost: $SMDP_HOST\r\n${A}Content-Length: 2\r\nContent-Length: 2\r\n\r\n{}"
	[cl-te]="POST $P HTTP/1.1\r\nHost: $SMDP_HOST\r\n${A}Content-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n$INNER"
	[te-cl]="POST $P HTTP/1.1\r\nHost: $SMDP_HOST\r\n${A}Transfer-Encoding: chunked\r\nContent-Length: 6\r\n\r\n0\r\n\r\n$INNER"
	[space-before-colon]="POST $P HTTP/1.1\r\nHost: $SMDP_HOST\r\n${A}Transfer-Encoding : chunked\r\nContent-Length: 2\r\n\r\n{}"
)
declare -A EXPECT=(
	[chunk-bad-size]="411 closed" [chunk-overflow]="411 closed" [chunk-negative]="411 closed"
)
CASES[chunk-bad-size]="POST $P HTTP/1.1\r\nHost: $SMDP_HOST\r\n${A}Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n"
CASES[chunk-overflow]="POST $P HTTP/1.1\r\nHost: $SMDP_HOST\r\n${A}Transfer-Encoding: chunked\r\n\r\nfffffffffffffffff\r\n{}\r\n0\r\n\r\n"
CASES[chunk-negative]="POST $P HTTP/1.1\r\nHost: $SMDP_HOST\r\n${A}Transfer-Encoding: chunked\r\n\r\n-2\r\n{}\r\n0\r\n\r\n"

pids=()
for c in "${!CASES[@]}"; do
	printf "%b" "${CASES[$c]}" >"$E2E_DIR/c-$c"
	"$FLOOD" -p "$PORT" -m raw --payload "$E2E_DIR/c-$c" -n 20 --srcs 4 >"$E2E_DIR/o-$c" 2>&1 &
	pids+=($!)
	# The same after one good request on the connection.
	{ printf "%b" "$GOOD"; cat "$E2E_DIR/c-$c"; } >"$E2E_DIR/g-$c"
	"$FLOOD" -p "$PORT" -m raw --payload "$E2E_DIR/g-$c" -n 20 --srcs 4 >"$E2E_DIR/og-$c" 2>&1 &
	pids+=($!)
done
flood_download "download during the smuggling flood"
wait "${pids[@]}"
for c in $(printf '%s\n' "${!CASES[@]}" | sort); do
	want=${EXPECT[$c]:-400 closed}
	n=$(grep -cx "raw: $want" "$E2E_DIR/o-$c")
	[ "$n" -eq 20 ]
	tap $? "$c: $want, $n of 20 ($(sort "$E2E_DIR/o-$c" | uniq -c | head -2 | tr '\n' ';'))"
	n=$(grep -cx "raw: 200 $want" "$E2E_DIR/og-$c")
	[ "$n" -eq 20 ]
	tap $? "good request then $c: 200 $want, $n of 20"
done
[ "$(dpd_stat http_errors)" -ge $((2 * 20 * ${#CASES[@]})) ]
tap $? "http_errors counted: $(dpd_stat http_errors)"
flood_back_to_baseline
flood_done
