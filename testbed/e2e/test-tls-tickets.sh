#!/bin/bash
# E2E: what a full TLS handshake hands out, and that clients that resume can.
# TLS 1.3: exactly one session ticket after a full handshake, and a resumption
# with it is accepted (and still checks the server certificate chain on the
# full handshake); TLS 1.2: the session cache resumes by session id.
set -u
. "$(dirname "$0")/lib.sh"
e2e_init tls-tickets
E2E_DB=$E2E_DIR/inventory.db
PKI=$E2E_DIR/pki
CONF=$E2E_DIR/portdpd.conf
make_pki "$PKI" -n 1
ctl init >/dev/null
PORT=$(free_port)
write_conf "$CONF" "$PORT" "$E2E_DB" "$PKI"
start_portdpd "$CONF" "$PORT"
tap $? "portdpd started"

# client VERSION-OPTION [s_client options...]: one connection, held 1 s so tickets arrive.
client() {
	local v=$1
	shift
	(sleep 1) | timeout 10 openssl s_client -connect "127.0.0.1:$PORT" -servername "$SMDP_HOST" \
		-CAfile "$PKI/ci.pem" -verify_return_error -verify_hostname "$SMDP_HOST" "$v" "$@" 2>&1
}

out=$(client -tls1_3 -sess_out "$E2E_DIR/s13" -msg)
echo "$out" | grep -q "^Verification: OK" && echo "$out" | grep -q "^New, TLSv1.3"
tap $? "TLS 1.3 full handshake, the chain verified to the CI"
n=$(echo "$out" | grep -c "NewSessionTicket")
[ "$n" -eq 1 ]
tap $? "one NewSessionTicket after a full TLS 1.3 handshake ($n)"

out=$(client -tls1_3 -sess_in "$E2E_DIR/s13")
echo "$out" | grep -q "^Reused, TLSv1.3"
tap $? "TLS 1.3: the ticket resumes the session ($(echo "$out" | grep -E '^(New|Reused),' | head -n 1))"

out=$(client -tls1_2 -sess_out "$E2E_DIR/s12")
echo "$out" | grep -q "^New, TLSv1.2" && echo "$out" | grep -q "^Verification: OK"
tap $? "TLS 1.2 full handshake, the chain verified"
out=$(client -tls1_2 -sess_in "$E2E_DIR/s12")
echo "$out" | grep -q "^Reused, TLSv1.2"
tap $? "TLS 1.2: the session resumes ($(echo "$out" | grep -E '^(New|Reused),' | head -n 1))"

# A client that does not trust the CI still fails: nothing about resumption weakens the check.
out=$(client -tls1_3 -CAfile /dev/null)
! echo "$out" | grep -q "^Verification: OK"
tap $? "a client without the CI does not verify the server"

tap_done
