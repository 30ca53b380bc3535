#!/bin/bash
# E2E: portdpd as a systemd service sees it. sd_notify: READY=1 once it
# listens, RELOADING=1/READY=1 around a reload, STOPPING=1 on SIGTERM.
# SIGHUP reloads the TLS certificate and key (new handshakes get the new one;
# a download works after it); a bad file or key on reload keeps the running
# one and the log says why; a key that needs a restart is named.
set -u
. "$(dirname "$0")/lib.sh"
e2e_init reload
E2E_DB=$E2E_DIR/inventory.db
PKI=$E2E_DIR/pki
CONF=$E2E_DIR/portdpd.conf
LOG=$E2E_DIR/portdpd.log
make_pki "$PKI" -n 2
mapfile -t EIDS <"$PKI/euicc/list.txt"
ctl init >/dev/null
mapfile -t FILES < <(ls "$TESTDATA"/ts48/*-UNIQUE.der | head -2)
ctl import --matching-id R0 "${FILES[0]}" >/dev/null && ctl import --matching-id R1 "${FILES[1]}" >/dev/null
tap $? "2 profiles imported"

# The notify socket systemd would hold: every datagram, one per line.
NSOCK=$E2E_DIR/notify.sock
NLOG=$E2E_DIR/notify.log
python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
while True:
    m = s.recv(4096).decode()
    print(m.replace("\n", " "), flush=True)
' "$NSOCK" >"$NLOG" 2>&1 &
NPID=$!
trap 'kill $NPID 2>/dev/null; e2e_cleanup' EXIT
for _ in $(seq 50); do [ -S "$NSOCK" ] && break; sleep 0.1; done

PORT=$(free_port)
write_conf "$CONF" "$PORT" "$E2E_DB" "$PKI"
NOTIFY_SOCKET=$NSOCK start_portdpd "$CONF" "$PORT"
tap $? "portdpd started with NOTIFY_SOCKET"

# wait_for FILE REGEX: up to 5 s.
wait_for() {
	for _ in $(seq 50); do grep -qE "$2" "$1" && return 0; sleep 0.1; done
	return 1
}
wait_for "$NLOG" "^READY=1 STATUS=listening on 127.0.0.1:$PORT"
tap $? "READY=1 with the listening address ($(head -n 1 "$NLOG"))"

fingerprint() {
	echo | timeout 10 openssl s_client -connect "127.0.0.1:$PORT" -servername "$SMDP_HOST" \
		2>/dev/null | openssl x509 -noout -fingerprint -sha256 2>/dev/null
}
fp_old=$(fingerprint)
[ -n "$fp_old" ] && [ "$fp_old" = "$(openssl x509 -in "$PKI/dptls.pem" -noout -fingerprint -sha256)" ]
tap $? "serves the first certificate"

# A new TLS key and certificate from the same CI.
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$E2E_DIR/new-key.pem" 2>/dev/null &&
	openssl req -new -key "$E2E_DIR/new-key.pem" -subj "/O=Port-DP Test/CN=$SMDP_HOST" 2>/dev/null |
	HOST=$SMDP_HOST openssl x509 -req -CA "$PKI/ci.pem" -CAkey "$PKI/ci-key.pem" -set_serial 4242 \
		-days 30 -extfile "$E2E_ROOT/testbed/e2e/card/dp-cert-ext.cnf" -extensions tls \
		-out "$E2E_DIR/new.pem" 2>/dev/null && cat "$E2E_DIR/new.pem" "$PKI/ci.pem" >"$E2E_DIR/new-chain.pem"
tap $? "a second TLS certificate issued by the CI"
fp_new=$(openssl x509 -in "$E2E_DIR/new.pem" -noout -fingerprint -sha256)

# reload CONF-SED-EXPR: rewrite the file from the original, SIGHUP, wait for the log line.
cp "$CONF" "$CONF.orig"
reload() {
	local before
	sed "$1" "$CONF.orig" >"$CONF"
	before=$(grep -c 'reload' "$LOG")
	kill -HUP "$DPD_PID"
	for _ in $(seq 50); do
		[ "$(grep -c 'reload' "$LOG")" -gt "$before" ] && return 0
		sleep 0.1
	done
	return 1
}
reload "s|^tls_cert = .*|tls_cert = $E2E_DIR/new-chain.pem|; s|^tls_key = .*|tls_key = file:$E2E_DIR/new-key.pem|"
tap $? "SIGHUP: reloaded ($(grep reload "$LOG" | tail -n 1 | cut -c1-100))"
[ "$(fingerprint)" = "$fp_new" ]
tap $? "new handshakes get the new certificate"
grep -q '^RELOADING=1 MONOTONIC_USEC=[0-9]' "$NLOG" && [ "$(grep -c '^READY=1' "$NLOG")" -ge 2 ]
tap $? "RELOADING=1, then READY=1 again"
edir=$E2E_DIR/e0
euicc_dir "$PKI" "${EIDS[0]}" "$edir"
msg=$(lpa "$PORT" "$PKI" "$edir" --ac "$(ac "$PORT" R0)" --out "$E2E_DIR/out0.der" 2>&1) &&
	cmp -s "$E2E_DIR/out0.der" "${FILES[0]}"
r=$?
[ $r -ne 0 ] && echo "$msg" | sed 's/^/# /'
tap $r "a download after the reload (LPA verifies the new certificate)"

cp "$CONF" "$CONF.orig"
reload 's|^workers = .*|workers = many|'
grep -q 'reload: .*workers.*keeping the running configuration' "$LOG" && [ "$(fingerprint)" = "$fp_new" ]
tap $? "a bad file: the running configuration stays, the log says why"

reload "s|^tls_key = .*|tls_key = file:$E2E_DIR/missing-key.pem|"
grep -q 'reload: .*missing-key.pem.*keeping the running certificate' "$LOG" && [ "$(fingerprint)" = "$fp_new" ]
tap $? "a key that cannot be read: the running certificate stays, the log says why"

reload "s|^tls_key = .*|tls_key = file:$PKI/dptls-key.pem|"
grep -q 'reload: .*does not match' "$LOG" && [ "$(fingerprint)" = "$fp_new" ]
tap $? "a key that does not match the certificate: refused"

reload "s|^port = .*|port = 1|"
grep -q 'reload: port changed: restart portdpd' "$LOG" && [ "$(fingerprint)" = "$fp_new" ]
tap $? "a key that needs a restart is named; the daemon keeps its port"

edir=$E2E_DIR/e1
euicc_dir "$PKI" "${EIDS[1]}" "$edir"
msg=$(lpa "$PORT" "$PKI" "$edir" --ac "$(ac "$PORT" R1)" --out "$E2E_DIR/out1.der" 2>&1) &&
	cmp -s "$E2E_DIR/out1.der" "${FILES[1]}"
r=$?
[ $r -ne 0 ] && echo "$msg" | sed 's/^/# /'
tap $r "still serving after the refused reloads"

stop_portdpd
wait_for "$NLOG" '^STOPPING=1'
tap $? "SIGTERM: STOPPING=1"
tap_done
