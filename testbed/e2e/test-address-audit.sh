#!/bin/bash
# smdpAddress is ours only with no port or a port this daemon serves: an LPA
# that reaches portdpd under our name with another port (a forwarder, another
# server's address) gets 8.8.1/3.8 and changes nothing; the served port, and
# a public port named in smdp_address, are accepted. Audit rows of a download
# carry its transactionId and the LPA's IP:port; portdpctl's carry its user.
set -u
. "$(dirname "$0")/lib.sh"
e2e_init addr
E2E_DB=$E2E_DIR/inventory.db
PKI=$E2E_DIR/pki
make_pki "$PKI" -n 2
mapfile -t EIDS <"$PKI/euicc/list.txt"
euicc_dir "$PKI" "${EIDS[0]}" "$E2E_DIR/e0"
euicc_dir "$PKI" "${EIDS[1]}" "$E2E_DIR/e1"
mapfile -t FILES < <(ls "$TESTDATA"/ts48/*-UNIQUE.der | head -2)
ctl init >/dev/null && ctl import --matching-id A0 "${FILES[0]}" >/dev/null 2>&1 &&
	ctl import --matching-id A1 "${FILES[1]}" >/dev/null 2>&1
tap $? "inventory with 2 profiles"
PORT=$(free_port)
OTHER=$(free_port)
while [ "$OTHER" = "$PORT" ]; do OTHER=$(free_port); done
write_conf "$E2E_DIR/portdpd.conf" "$PORT" "$E2E_DB" "$PKI"
start_portdpd "$E2E_DIR/portdpd.conf" "$PORT"
tap $? "portdpd on $PORT"

# via EUICC PORT AC [options]: the LPA dials our daemon whatever port the AC names.
via() {
	timeout 60 "$BIN/portdp-lpa" --euicc "$E2E_DIR/e$1" --cacert "$PKI/ci.pem" \
		--connect-to "$SMDP_HOST:$2:127.0.0.1:$PORT" --ac "$3" "${@:4}"
}

before=$(ctl_snapshot)
msg=$(via 0 "$OTHER" "$(ac "$OTHER" A0)" 2>&1)
rc=$?
echo "$msg" | sed 's/^/# /'
[ $rc -ne 0 ] && echo "$msg" | grep -q "initiateAuthentication.*subjectCode 8.8.1 reasonCode 3.8"
tap $? "smdpAddress $SMDP_HOST:$OTHER (a port we do not serve): 8.8.1/3.8"
[ "$before" = "$(ctl_snapshot)" ]
tap $? "the inventory and audit log are unchanged"

log=$(via 0 "$PORT" "$(ac "$PORT" A0)" -v 2>&1)
rc=$?
echo "$log" | grep "^lpa: \(POST\|transactionId\)" | sed "s/^/# /"
[ $rc -eq 0 ] && [ "$(ctl_state A0)" = "installed ${EIDS[0]}" ]
tap $? "smdpAddress $SMDP_HOST:$PORT (the served port): installed"

# The audit rows of that download name the transactionId the LPA was given and
# the address it sent each request from (its own log says both).
TID=$(echo "$log" | sed -n 's/^lpa: transactionId \([0-9A-F]\{32\}\)$/\1/p')
rows=$(ctl audit | grep -E " (allocated|downloaded|installed) +${EIDS[0]} ")
echo "$rows" | sed 's/^/# /'
bad=0
for fn in authenticateClient getBoundProfilePackage handleNotification; do
	from=$(echo "$log" | sed -n "s/^lpa: POST .*\/$fn -> HTTP 20[04].* (from \(.*\))$/\1/p" | tail -1)
	case $fn in
	authenticateClient) to=allocated ;;
	getBoundProfilePackage) to=downloaded ;;
	*) to=installed ;;
	esac
	echo "# $fn from $from"
	echo "$rows" | grep -qE -- "-> $to +${EIDS[0]} es9 tid=$TID client=$from *$" || bad=1
done
[ -n "$TID" ] && [ "$(echo "$rows" | wc -l)" -eq 3 ] && [ $bad -eq 0 ]
tap $? "allocated, downloaded, installed rows: es9 tid=<the LPA's transactionId> client=<its IP:port>"
ctl audit | grep -E " -> available .* portdpctl uid=0\(root\) import$" | grep -q .
tap $? "portdpctl's import rows name the tool and its OS user"

# A public port forwarded to us is served once smdp_address names it.
stop_portdpd
sed -i "s/^smdp_address = .*/smdp_address = $SMDP_HOST:$OTHER/" "$E2E_DIR/portdpd.conf"
start_portdpd "$E2E_DIR/portdpd.conf" "$PORT"
via 1 "$OTHER" "$(ac "$OTHER" A1)" >/dev/null 2>&1 && [ "$(ctl_state A1)" = "installed ${EIDS[1]}" ]
tap $? "smdp_address = $SMDP_HOST:$OTHER: that port is served too"
stop_portdpd
tap_done
