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
T=/tmp/e2e-card
SLOTS="10 11 12 13"
# shellcheck source=testbed/e2e/guest-lib.sh
. /usr/lib/portdp-e2e/guest-lib.sh
PORT=18443
inv() { portdpctl -d "$T/inventory.db" "$@"; }

need_card
fresh_dir
free_slots

# ---- keys and certificates ---------------------------------------------
portdp-pki -n 1 pki >/dev/null 2>&1
tap $? "test PKI (CI, EUM, one eUICC)"
dp_keygen 10 11 12
tap $? "DPauth, DPpb and TLS keys generated in card slots 10, 11, 12"

dp_csrs 10 11 12 &&
	openssl req -in dpauth.csr -verify -noout 2>/dev/null &&
	openssl req -in dppb.csr -verify -noout 2>/dev/null &&
	openssl req -in tls.csr -verify -noout 2>/dev/null
tap $? "CSRs signed on the card, each verified by openssl req -verify"

dp_issue
tap $? "the test CI issued DPauth, DPpb and TLS certificates (openssl x509 -req)"

dp_card_conf $PORT 2 10 11 12 "$T/inventory.db" >portdpd.conf
dp_install 10 11 12 portdpd.conf
tap $? "portdpctl card install-cert put the three certificates where portdpd.conf points"

# ---- inventory ---------------------------------------------------------
inv init >/dev/null 2>&1
import_ts48 CARD "${CARD_E2E_PROFILES:-1000}"
ok=$?
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
start_dpd portdpd.conf
st=$?
tap $st "portdpd started: accel dev:, DP keys in slots 10/11, TLS key in slot 12"
[ $st -eq 0 ] || bail "portdpd did not start"

# USB boot: the last two profiles are kept for the unplug-mid-download phase
# below (one cut by the unplug, one downloaded after the replug).
if [ "${PORTDP_TRANSPORT:-pcie}" = usb ] && [ "$nprof" -gt 2 ]; then
	tail -n 2 profiles.txt >cut.txt
	sed -i '$d' profiles.txt
	sed -i '$d' profiles.txt
	nprof=$((nprof - 2))
fi

eu=$T/euicc
eid=$(euicc 1 "$eu")
t0=$(date +%s)
bad=0
while read -r mid f; do
	download "$mid" "$f" || {
		bad=$((bad + 1))
		echo "# $mid ($f): $(tail -n 2 "$T/lpa-$mid.log" | tr '\n' ' ')"
	}
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
	download "$mid2" "$f2"
	ok=$?
	[ $ok -eq 0 ] || sed 's/^/# /' "$T/lpa-$mid2.log"
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
card_ready
finish
