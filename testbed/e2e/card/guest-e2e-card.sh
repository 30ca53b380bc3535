#!/bin/sh
# The SM-DP+ end-to-end download on the card, inside the VM guest (busybox
# sh, TAP). Every key of portdpd lives in a card slot: DPauth (slot 10), DPpb
# (slot 11) and the TLS key (slot 12, through the portdp OpenSSL provider).
# Slots 10-13 are this test's own (the kernel selftests use 3-7, the
# portdpctl test 8-9, the provider test 19-21, test_dev 24-27). The
# keys are generated on the card, their CSRs signed there, certificates issued
# by a fresh test CI with the openssl CLI and installed with portdpctl. Then
# the TS.48 "UNIQUE" profiles are downloaded by portdp-lpa into a software
# eUICC, each recovered UPP compared byte for byte with its source, the
# inventory checked (installed after the notification), and the card's sysfs
# counters must show that the signatures, session key agreements and BSP
# seals happened on the card.
#
# CARD_E2E_PROFILES=N limits the run to the first N UNIQUE profiles (default:
# all of them).
PATH=/bin:/sbin:/usr/bin:/usr/sbin
DEV=${PORTDP_DEV:-/dev/portdp-accel0}
SYS=/sys/class/misc/$(basename "$DEV")
MODULES=${CARD_E2E_MODULES:-/usr/lib/portdp-e2e/ossl-modules}
TS48=${SHARED:-/shared}/ts48
export HOST=testsmdpplus1.example.com # also the TLS name in dp-cert-ext.cnf
PORT=18443
T=/tmp/e2e-card
n=0
failed=0
dpd=

tap() { # tap STATUS NAME
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=1; fi
}
bail() {
	echo "Bail out! $1"
	finish
}
card() { portdpctl card "$@" --dev "$DEV"; }
inv() { portdpctl -d "$T/inventory.db" "$@"; }
counter() { cat "$SYS/counters/$1" 2>/dev/null || echo 0; }
stop_dpd() {
	[ -n "$dpd" ] || return 0
	kill -TERM "$dpd" 2>/dev/null
	i=0
	while kill -0 "$dpd" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	kill -0 "$dpd" 2>/dev/null && { kill -9 "$dpd"; return 1; }
	dpd=
	return 0
}
finish() {
	stop_dpd
	for s in 10 11 12 13; do card destroy --slot $s >/dev/null 2>&1; done
	echo "1..$n"
	exit $failed
}

[ -c "$DEV" ] || { echo "1..0 # SKIP no $DEV"; exit 0; }
[ -d "$TS48" ] || { echo "1..0 # SKIP no TS.48 profiles in $TS48"; exit 0; }
rm -rf "$T"
mkdir -p "$T" || exit 1
cd "$T" || exit 1
for s in 10 11 12 13; do card destroy --slot $s >/dev/null 2>&1; done

# ---- keys and certificates ---------------------------------------------
portdp-pki -n 1 pki >/dev/null 2>&1
tap $? "test PKI (CI, EUM, one eUICC)"
ok=0
for s in 10 11 12; do card keygen --slot $s >/dev/null 2>&1 || ok=1; done
tap $ok "DPauth, DPpb and TLS keys generated in card slots 10, 11, 12"

card csr --slot 10 --subject "/O=Port-DP Test/CN=TEST SM-DP+" --out dpauth.csr >/dev/null &&
	card csr --slot 11 --subject "/O=Port-DP Test/CN=TEST SM-DP+" --out dppb.csr >/dev/null &&
	card csr --slot 12 --subject "/O=Port-DP Test/CN=$HOST" --out tls.csr >/dev/null &&
	openssl req -in dpauth.csr -verify -noout 2>/dev/null &&
	openssl req -in dppb.csr -verify -noout 2>/dev/null &&
	openssl req -in tls.csr -verify -noout 2>/dev/null
tap $? "CSRs signed on the card, each verified by openssl req -verify"

ok=0
for r in dpauth dppb tls; do
	openssl x509 -req -in $r.csr -CA pki/ci.pem -CAkey pki/ci-key.pem -CAcreateserial \
		-days 30 -sha256 -extfile /etc/portdp-dp-cert-ext.cnf -extensions $r -out $r-issued.pem \
		>/dev/null 2>&1 || ok=1
done
cat tls-issued.pem pki/ci.pem >tls-chain-issued.pem
openssl x509 -in dpauth-issued.pem -outform DER -out dpauth-issued.der 2>/dev/null || ok=1
tap $ok "the test CI issued DPauth, DPpb and TLS certificates (openssl x509 -req)"

cat >portdpd.conf <<EOF
listen = 127.0.0.1
port = $PORT
workers = 2
smdp_address = $HOST
accel = dev:$DEV
tls_cert = $T/tls-chain.pem
tls_key = portdp:dev=$DEV;slot=12
ossl_modules = $MODULES
dpauth_cert = $T/dpauth.der
dpauth_key = slot:10
dppb_cert = $T/dppb.pem
dppb_key = slot:11
ci_cert = $T/pki/ci.der
db = $T/inventory.db
EOF
card install-cert --slot 10 --cert dpauth-issued.der --config portdpd.conf --role dpauth \
	>/dev/null && card install-cert --slot 11 --cert dppb-issued.pem --config portdpd.conf \
	--role dppb >/dev/null && card install-cert --slot 12 --cert tls-chain-issued.pem \
	--config portdpd.conf --role tls >/dev/null
tap $? "portdpctl card install-cert put the three certificates where portdpd.conf points"

# ---- inventory ---------------------------------------------------------
inv init >/dev/null 2>&1
want=${CARD_E2E_PROFILES:-1000}
i=0
ok=0
: >profiles.txt
for f in "$TS48"/*-UNIQUE.der; do
	[ -f "$f" ] || continue
	[ $i -lt "$want" ] || break
	mid=$(printf 'CARD%02d' $i)
	inv import --matching-id "$mid" "$f" >/dev/null 2>&1 || ok=1
	echo "$mid $f" >>profiles.txt
	i=$((i + 1))
done
nprof=$i
[ $nprof -gt 0 ] && [ "$(inv list --state available 2>/dev/null | grep -c CARD)" -eq $nprof ]
tap $((ok + $?)) "imported $nprof TS.48 UNIQUE profiles"

# ---- portdpd on the card -------------------------------------------------
# A TLS key URI naming an empty slot must stop portdpd at start, with the cause.
sed "s|^tls_key = .*|tls_key = portdp:dev=$DEV;slot=13|" portdpd.conf >bad.conf
portdpd -c bad.conf --foreground >bad.log 2>&1
st=$?
[ $st -ne 0 ] && grep -q 'slot=13' bad.log && grep -q 'no such key' bad.log
st2=$?
[ $st2 -eq 0 ] || sed 's/^/# /' bad.log
tap $st2 "portdpd refuses a TLS key in an empty slot, naming it (status $st)"

sign0=$(counter ecdsa_sign)
sess0=$(counter session_create)
seal0=$(counter bsp_seal)
rsk0=$(counter session_replace_keys)
portdpd -c portdpd.conf --pidfile "$T/portdpd.pid" 2>dpd.err
st=$?
[ -f portdpd.pid ] && dpd=$(cat portdpd.pid)
tap $st "portdpd started: accel dev:, DP keys in slots 10/11, TLS key in slot 12"
[ $st -eq 0 ] || { sed 's/^/# /' dpd.err; bail "portdpd did not start"; }

# USB boot: the last two profiles are kept for the unplug-mid-download phase
# below (one cut by the unplug, one downloaded after the replug).
if [ "${PORTDP_TRANSPORT:-pcie}" = usb ] && [ "$nprof" -gt 2 ]; then
	tail -n 2 profiles.txt >cut.txt
	sed -i '$d' profiles.txt
	sed -i '$d' profiles.txt
	nprof=$((nprof - 2))
fi

eu=$T/euicc
eid=$(head -1 pki/euicc/list.txt)
mkdir -p "$eu"
cp "pki/euicc/$eid.der" "$eu/euicc.der"
cp "pki/euicc/$eid-key.pem" "$eu/euicc-key.pem"
cp pki/eum.der "$eu/eum.der"
cp pki/ci.der "$eu/ci.der"
t0=$(date +%s)
bad=0
while read -r mid f; do
	if ! timeout 120 portdp-lpa --euicc "$eu" --cacert pki/ci.pem \
		--resolve "$HOST:$PORT:127.0.0.1" --ac "LPA:1\$$HOST:$PORT\$$mid" \
		--out "$T/$mid.der" >lpa.log 2>&1; then
		bad=$((bad + 1))
		echo "# $mid ($f): $(tail -n 2 lpa.log | tr '\n' ' ')"
	elif ! cmp -s "$T/$mid.der" "$f"; then
		bad=$((bad + 1))
		echo "# $mid: recovered UPP differs from $f"
	fi
done <profiles.txt
t1=$(date +%s)
tap $bad "$nprof downloads over TLS on the card, each UPP byte-identical ($bad failed)"
echo "# $nprof downloads in $((t1 - t0)) s of guest time"

installed=$(inv list --state installed 2>/dev/null | grep -c CARD)
[ "$installed" -eq $nprof ]
tap $? "inventory: all $nprof installed (notifications handled)"
[ "$(inv list 2>/dev/null | grep -c " $eid ")" -eq $nprof ]
tap $? "inventory: every profile bound to EID $eid"

signs=$(($(counter ecdsa_sign) - sign0))
sess=$(($(counter session_create) - sess0))
seals=$(($(counter bsp_seal) - seal0))
rsk=$(($(counter session_replace_keys) - rsk0))
echo "# card counters over the downloads: ecdsa_sign +$signs, session_create +$sess," \
	"bsp_seal +$seals, session_replace_keys +$rsk"
# Per download: the TLS handshake (slot 12), InitiateAuthentication (DPauth),
# AuthenticateClient and the BPP (DPpb) sign on the card. The handshakes
# verified against a certificate for slot 12's key, which exists only there.
[ $signs -ge $((4 * nprof)) ]
tap $? "card signed (TLS, DPauth, DPpb twice): $signs signatures for $nprof downloads"
# Key agreement, the PPK replacement and every BSP segment (at least A0, A1,
# A2 and one A3 per BPP) happened on the card: the host never held the keys.
[ $sess -ge $nprof ] && [ $rsk -ge $nprof ] && [ $seals -ge $((4 * nprof)) ]
tap $? "sessions, PPKs and BSP seals on the card ($sess sessions, $rsk PPK replacements, $seals seals)"

first=$(inv list --state installed 2>/dev/null | awk '/CARD/ { print $1; exit }')
timeout 120 portdp-lpa --euicc "$eu" --cacert pki/ci.pem --resolve "$HOST:$PORT:127.0.0.1" \
	--delete "$first" >lpa.log 2>&1
tap $? "delete notification for $first signed by the eUICC, accepted by portdpd"
inv show "$first" 2>/dev/null | grep -qi deleted
tap $? "inventory shows $first deleted"

# ---- the field kit: the USB card unplugged mid-download ----------------
# The card goes while portdpd binds a profile (after the session key
# agreement): the download ends with an SGP.22 error, the profile is neither
# lost nor bound twice, and portdpd (same process, no restart) serves the
# next download once the card is back, under whatever node number it gets.
# (The cut profile stays allocated to its ES9+ session: the LPA's
# CancelSession reached portdpd while the card was away.)
if [ -s cut.txt ]; then
	read -r mid f <cut.txt
	read -r mid2 f2 <<EOF2
$(tail -n 1 cut.txt)
EOF2
	# The card stops at the download's first BSP seal (after the session key
	# agreement) and answers nothing more; the unplug comes once the driver
	# has sent that seal, so it lands mid-download however fast the machine
	# is (the unplug powers the card off, which ends the hang).
	seal=$(counter bsp_seal)
	/bin/usb-card ctl "hang-at 0x0041"
	timeout 120 portdp-lpa --euicc "$eu" --cacert pki/ci.pem \
		--resolve "$HOST:$PORT:127.0.0.1" --ac "LPA:1\$$HOST:$PORT\$$mid" \
		--out "$T/$mid.der" >cut-lpa.log 2>&1 &
	lpa=$!
	i=0
	while [ "$(counter bsp_seal)" = "$seal" ] && [ $i -lt 1200 ]; do
		sleep 0.05; i=$((i + 1))
	done
	/bin/usb-card unplug
	wait $lpa
	st=$?
	[ $st -ne 0 ] && grep -q 'subjectCode' cut-lpa.log && [ ! -s "$T/$mid.der" ]
	st2=$?
	[ $st2 -eq 0 ] || sed 's/^/# /' cut-lpa.log
	tap $st2 "card unplugged mid-download of $mid: the download ends with an SGP.22 error (lpa status $st)"
	kill -0 "$dpd" 2>/dev/null
	tap $? "portdpd still runs with the card gone"
	[ "$(inv list 2>/dev/null | grep -c "$mid")" -eq 1 ] &&
		! inv list --state installed 2>/dev/null | grep -q "$mid"
	tap $? "inventory: $mid once, not installed"
	/bin/usb-card plug
	node=$(/bin/usb-card wait-node 30)
	tap $? "the card is back as $node"
	DEV=/dev/$node
	SYS=/sys/class/misc/$node
	timeout 120 portdp-lpa --euicc "$eu" --cacert pki/ci.pem \
		--resolve "$HOST:$PORT:127.0.0.1" --ac "LPA:1\$$HOST:$PORT\$$mid2" \
		--out "$T/$mid2.der" >cut-lpa2.log 2>&1 && cmp -s "$T/$mid2.der" "$f2"
	ok=$?
	[ $ok -eq 0 ] || sed 's/^/# /' cut-lpa2.log
	tap $ok "portdpd serves $mid2 after the replug, without a restart (UPP byte-identical)"
	[ "$(inv list --state installed 2>/dev/null | grep -c "$mid2")" -eq 1 ] &&
		[ "$(inv list 2>/dev/null | grep "$mid2" | grep -c " $eid ")" -eq 1 ]
	tap $? "inventory: $mid2 installed once, bound to EID $eid"
	[ "$(inv list 2>/dev/null | grep -c "$mid")" -eq 1 ] &&
		! inv list --state installed 2>/dev/null | grep -q "$mid"
	st=$?
	inv list 2>/dev/null | grep "$mid" | sed 's/^/# after the replug: /'
	tap $st "inventory: the cut $mid is still there once, not installed"
fi

stop_dpd
tap $? "portdpd stops on SIGTERM"
state=$(cat "$SYS/state" 2>/dev/null)
[ "$state" = ready ]
tap $? "card still ready after the run (state $state)"
finish
