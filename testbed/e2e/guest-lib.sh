# shellcheck shell=sh disable=SC3043 # busybox sh has local
# Shared parts of the VM guest e2e tests (busybox sh, TAP), sourced by them:
#   . /usr/lib/portdp-e2e/guest-lib.sh
# (shipped there by testbed/build.mk). Before sourcing, a test sets T (its work
# directory) and, for a card test, SLOTS (the card slots it owns: emptied by
# free_slots and again by finish). A test with more to undo defines its own
# finish after sourcing and ends it with lib_finish.
#
# DEV is the card's node: the first /dev/portdp-accel* (a USB card replugged
# by an earlier test comes back as portdp-accel1), or $PORTDP_DEV.
PATH=/bin:/sbin:/usr/bin:/usr/sbin
DEV=${PORTDP_DEV:-$(ls /dev/portdp-accel* 2>/dev/null | head -n 1)}
DEV=${DEV:-/dev/portdp-accel0}
SYS=/sys/class/misc/$(basename "$DEV")
MODULES=${CARD_E2E_MODULES:-/usr/lib/portdp-e2e/ossl-modules}
TS48=${SHARED:-/shared}/ts48
export HOST=testsmdpplus1.example.com # also the TLS name in dp-cert-ext.cnf
n=0
failed=0
dpd=

tap() { # tap STATUS NAME
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=1; fi
}
skip_all() { # skip_all WHY: the whole test is skipped
	echo "1..0 # SKIP $1"
	exit 0
}
lib_finish() {
	stop_dpd
	free_slots
	echo "1..$n"
	exit $failed
}
finish() { lib_finish; }
bail() {
	echo "Bail out! $1"
	finish
}
card() { portdpctl card "$@" --dev "$DEV"; }
counter() { cat "$SYS/counters/$1" 2>/dev/null || echo 0; }
free_slots() {
	local s
	for s in $SLOTS; do card destroy --slot "$s" >/dev/null 2>&1; done
}
# need_card: skip the test without a card node or the TS.48 profiles
need_card() {
	[ -c "$DEV" ] || skip_all "no $DEV"
	[ -d "$TS48" ] || skip_all "no TS.48 profiles in $TS48"
}
# fresh_dir: an empty $T, the cwd
fresh_dir() {
	rm -rf "$T"
	mkdir -p "$T" || exit 1
	cd "$T" || exit 1
}

# start_dpd CONF [NAME]: portdpd in the background, pid file $T/NAME.pid, its
# stderr in $T/NAME.err (NAME: dpd); dpd set to its pid. portdpd's status,
# its stderr printed as comments when it did not start.
start_dpd() {
	local st name=${2:-dpd}
	portdpd -c "$1" --pidfile "$T/$name.pid" 2>"$T/$name.err"
	st=$?
	dpd=
	[ $st -eq 0 ] && [ -f "$T/$name.pid" ] && dpd=$(cat "$T/$name.pid")
	[ $st -eq 0 ] || sed 's/^/# /' "$T/$name.err"
	return $st
}
# stop_dpd: SIGTERM, up to 10 s to end, then SIGKILL (status 1)
stop_dpd() {
	local i=0
	[ -n "$dpd" ] || return 0
	kill -TERM "$dpd" 2>/dev/null
	while kill -0 "$dpd" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	kill -0 "$dpd" 2>/dev/null && { kill -9 "$dpd"; return 1; }
	dpd=
	return 0
}

# ---- portdpd's keys on the card ------------------------------------------
# dp_keygen DPAUTH DPPB TLS: the three keys generated in those slots
dp_keygen() {
	local s ok=0
	for s in "$@"; do card keygen --slot "$s" >/dev/null 2>&1 || ok=1; done
	return $ok
}
# dp_csrs DPAUTH DPPB TLS: dpauth.csr, dppb.csr, tls.csr signed on the card
dp_csrs() {
	card csr --slot "$1" --subject "/O=Port-DP Test/CN=TEST SM-DP+" --out dpauth.csr >/dev/null &&
		card csr --slot "$2" --subject "/O=Port-DP Test/CN=TEST SM-DP+" --out dppb.csr >/dev/null &&
		card csr --slot "$3" --subject "/O=Port-DP Test/CN=$HOST" --out tls.csr >/dev/null
}
# dp_issue: the test CI (pki/) issues dpauth-issued.der, dppb-issued.pem and
# tls-chain-issued.pem (with the CI) for the three CSRs
dp_issue() {
	local r ok=0
	for r in dpauth dppb tls; do
		openssl x509 -req -in $r.csr -CA pki/ci.pem -CAkey pki/ci-key.pem -CAcreateserial \
			-days 30 -sha256 -extfile /etc/portdp-dp-cert-ext.cnf -extensions $r \
			-out $r-issued.pem >/dev/null 2>&1 || ok=1
	done
	cat tls-issued.pem pki/ci.pem >tls-chain-issued.pem
	openssl x509 -in dpauth-issued.pem -outform DER -out dpauth-issued.der 2>/dev/null || ok=1
	return $ok
}
# dp_card_conf PORT WORKERS DPAUTH DPPB TLS DB: portdpd.conf lines for keys in those slots
dp_card_conf() {
	cat <<EOF
listen = 127.0.0.1
port = $1
workers = $2
smdp_address = $HOST
accel = dev:$DEV
tls_cert = $T/tls-chain.pem
tls_key = portdp:dev=$DEV;slot=$5
ossl_modules = $MODULES
dpauth_cert = $T/dpauth.der
dpauth_key = slot:$3
dppb_cert = $T/dppb.pem
dppb_key = slot:$4
ci_cert = $T/pki/ci.der
db = $6
EOF
}
# dp_soft_conf LISTEN WORKERS DB: portdpd.conf lines for the key files of
# portdp-pki (pki/), port 443
dp_soft_conf() {
	cat <<EOF
listen = $1
port = 443
workers = $2
smdp_address = $HOST
tls_cert = $T/pki/dptls-chain.pem
tls_key = file:$T/pki/dptls-key.pem
accel = soft:
db = $3
dpauth_cert = $T/pki/dpauth.der
dpauth_key = file:$T/pki/dpauth-key.pem
dppb_cert = $T/pki/dppb.der
dppb_key = file:$T/pki/dppb-key.pem
ci_cert = $T/pki/ci.der
EOF
}
# dp_install DPAUTH DPPB TLS CONF: the issued certificates where CONF points
dp_install() {
	card install-cert --slot "$1" --cert dpauth-issued.der --config "$4" --role dpauth \
		>/dev/null && card install-cert --slot "$2" --cert dppb-issued.pem --config "$4" \
		--role dppb >/dev/null && card install-cert --slot "$3" --cert tls-chain-issued.pem \
		--config "$4" --role tls >/dev/null
}

# ---- profiles and eUICCs ----------------------------------------------------
# import_ts48 PREFIX MAX: the first MAX TS.48 UNIQUE profiles imported by the
# test's inv() as PREFIX00, PREFIX01...; "MID FILE" lines in profiles.txt;
# nprof their count; status 1 when an import failed
import_ts48() {
	local f mid i=0 ok=0
	: >profiles.txt
	for f in "$TS48"/*-UNIQUE.der; do
		[ -f "$f" ] || continue
		[ $i -lt "$2" ] || break
		mid=$(printf '%s%02d' "$1" $i)
		inv import --matching-id "$mid" "$f" >/dev/null 2>&1 || ok=1
		echo "$mid $f" >>profiles.txt
		i=$((i + 1))
	done
	nprof=$i
	return $ok
}
# euicc K DIR: the software eUICC of the Kth EID of pki/ in DIR; prints the EID
euicc() {
	local eid
	eid=$(sed -n "${1}p" pki/euicc/list.txt)
	mkdir -p "$2"
	cp "pki/euicc/$eid.der" "$2/euicc.der"
	cp "pki/euicc/$eid-key.pem" "$2/euicc-key.pem"
	cp pki/eum.der pki/ci.der "$2/"
	echo "$eid"
}
# download MID FILE: portdp-lpa with $eu from portdpd on 127.0.0.1:$PORT; 0
# when installed and byte-identical to FILE (log in $T/lpa-MID.log)
download() {
	timeout 120 portdp-lpa --euicc "$eu" --cacert pki/ci.pem \
		--resolve "$HOST:$PORT:127.0.0.1" --ac "LPA:1\$$HOST:$PORT\$$1" \
		--out "$T/$1.der" >"$T/lpa-$1.log" 2>&1 && cmp -s "$T/$1.der" "$2"
}
# needles FILE: TS.48 UNIQUE secret values that are no trivial pattern, for portdp-memscan
needles() {
	cat >"$1" <<EOF
99aabbccddeeff101122334455667788
66778899aabbccdd1122334455eeff10
112233445566778899aabbccddeeff10
8008101820283038404880889098a0a8b0
108008101820283038404880889098a0a8b0
EOF
}
# card_ready: a TAP line, the card's state is still ready
card_ready() {
	local state
	state=$(cat "$SYS/state" 2>/dev/null)
	[ "$state" = ready ]
	tap $? "card still ready after the run (state $state)"
}
