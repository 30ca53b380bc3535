#!/bin/sh
# Sealed stock on the card, inside the VM guest (busybox sh, TAP): the stock key is
# generated in a card slot and never leaves it; portdpctl imports through the card's
# STOCK_WRAP; portdpd (stock_key = slot:17) hands each sealed UPP to the card, which unwraps
# it, checks its GCM tag and returns only the sealed 86 segments (UPP_OPEN/DATA/FINISH/SEAL).
# Checked: every download installs in the software eUICC byte for byte, through both driver
# paths (ioctl, then io_uring URING_CMD with accel dev:?sync=uring); the card's counters show
# one UPP opened and sealed there per download; no stock key file exists; no secret value of
# the profiles (Ki/OPc and keys of the TS.48 UNIQUE profiles, checked to be in the source
# files) is anywhere in portdpd's memory (/proc/PID/mem, portdp-memscan) after the bindings;
# a UPP whose sealed blob was altered in the database is refused and nothing is bound.
# Slots 14-17 are this test's own (see guest-e2e-card.sh for the others').
#
# CARD_SEAL_PROFILES=N: the first N UNIQUE profiles (default 6).
T=/tmp/sealed-card
SLOTS="14 15 16 17"
# shellcheck source=testbed/e2e/guest-lib.sh
. /usr/lib/portdp-e2e/guest-lib.sh
PORT=18453
STOCK=slot:17
export PORTDP_ACCEL="dev:$DEV"
inv() { portdpctl -d "$T/inventory.db" -k "$STOCK" "$@"; }

need_card
fresh_dir
free_slots

# ---- keys, certificates (as guest-e2e-card.sh) -------------------------
portdp-pki -n 1 pki >/dev/null 2>&1
tap $? "test PKI (CI, EUM, one eUICC)"
ok=0
dp_keygen 14 15 16 || ok=1
dp_csrs 14 15 16 || ok=1
dp_issue || ok=1
{ dp_card_conf $PORT 2 14 15 16 "$T/inventory.db"; echo "stock_key = $STOCK"; } >portdpd.conf
dp_install 14 15 16 portdpd.conf || ok=1
tap $ok "DPauth, DPpb, TLS keys in card slots 14-16, certificates issued and installed"

# ---- the stock key on the card, import through it ------------------------
wrap0=$(counter stock_wrap)
inv init >init.log 2>&1
st=$?
grep -q "made the stock key in $STOCK" init.log
tap $((st + $?)) "portdpctl -k $STOCK init makes the stock key on the card"
ls "$T"/*stock-key* >/dev/null 2>&1
[ $? -ne 0 ]
tap $? "no stock key file anywhere next to the inventory"
card list >list.log 2>&1
st=$?
grep -q "slot 17 .*stock" list.log
st2=$?
[ $st2 -eq 0 ] || sed 's/^/# /' list.log
tap $((st + st2)) "portdpctl card list shows slot 17 as a stock key"
import_ts48 SEAL "${CARD_SEAL_PROFILES:-6}"
ok=$?
wraps=$(($(counter stock_wrap) - wrap0))
[ $ok -eq 0 ] && [ $nprof -ge 4 ] && [ $wraps -eq $nprof ]
tap $? "imported $nprof profiles, each data key wrapped on the card ($wraps STOCK_WRAP)"

# ---- a portdpd whose stock_key names no stock key does not start --------
sed "s|^stock_key = .*|stock_key = slot:14|" portdpd.conf >bad.conf
portdpd -c bad.conf --foreground >bad.log 2>&1 &
bp=$!
i=0
while kill -0 $bp 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
kill -0 $bp 2>/dev/null && { kill -9 $bp; st=0; } || { wait $bp; st=$?; }
[ $st -ne 0 ] && grep -q "stock_key slot:14" bad.log
st2=$?
[ $st2 -eq 0 ] || sed 's/^/# /' bad.log
tap $st2 "portdpd refuses stock_key = slot:14 (an ECDSA key, no stock key), naming it"

# ---- downloads: ioctl, then io_uring ------------------------------------
eu=$T/euicc
euicc 1 "$eu" >/dev/null
# The last profile is kept for the tamper phase.
tail -n 1 profiles.txt >tamper.txt
sed -i '$d' profiles.txt
nbind=$((nprof - 1))
half=$((nbind / 2))
head -n $half profiles.txt >p-ioctl.txt
tail -n +$((half + 1)) profiles.txt >p-uring.txt
sed "s|^accel = .*|accel = dev:$DEV?sync=uring|" portdpd.conf >uring.conf

open0=$(counter upp_open)
fin0=$(counter upp_finish)
useal0=$(counter upp_seal)
for phase in ioctl uring; do
	conf=portdpd.conf
	[ $phase = uring ] && conf=uring.conf
	start_dpd $conf
	tap $? "portdpd started ($phase): stock_key = $STOCK, accel $(grep '^accel' $conf | cut -d' ' -f3)"
	[ -n "$dpd" ] || bail "portdpd did not start"
	bad=0
	cnt=0
	while read -r mid f; do
		cnt=$((cnt + 1))
		download "$mid" "$f" || {
			bad=$((bad + 1))
			echo "# $mid ($f): $(tail -n 2 "$T/lpa-$mid.log" | tr '\n' ' ')"
		}
	done <p-$phase.txt
	tap $bad "$cnt downloads ($phase): each UPP installed by the soft eUICC byte-identical"
	if [ $phase = uring ]; then
		# After the bindings, with portdpd still running: no secret of any profile in
		# its memory. The needles: the TS.48 UNIQUE values that are no trivial pattern.
		needles needles.hex
		srcs=$(cut -d' ' -f2 profiles.txt | tr '\n' ' ')
		portdp-memscan needles.hex -f $srcs >scan-src.log 2>&1
		[ $? -eq 1 ]
		tap $? "the search works: $(grep -c found scan-src.log) needles found in the source profiles"
		# ... and the memory search works: portdpd's DPpb certificate is in its memory.
		openssl x509 -in dppb-issued.pem -outform DER -out dppb-c.der 2>/dev/null
		od -An -tx1 -v dppb-c.der | tr -d ' \n' | cut -c 1-96 >cert.hex
		echo >>cert.hex
		portdp-memscan cert.hex "$dpd" >scan-cert.log 2>&1
		[ $? -eq 1 ]
		tap $? "the memory search works: it finds the DPpb certificate in portdpd's memory"
		portdp-memscan needles.hex "$dpd" >scan-dpd.log 2>&1
		st=$?
		sed 's/^/# /' scan-dpd.log
		[ $st -eq 0 ]
		tap $? "no secret value of the profiles in portdpd's memory (/proc/$dpd/mem, status $st)"
	fi
	stop_dpd
	tap $? "portdpd stops ($phase)"
done
opens=$(($(counter upp_open) - open0))
fins=$(($(counter upp_finish) - fin0))
useals=$(($(counter upp_seal) - useal0))
echo "# card counters: upp_open +$opens, upp_finish +$fins, upp_seal +$useals"
[ $opens -eq $nbind ] && [ $fins -eq $nbind ] && [ $useals -ge $nbind ]
tap $? "every UPP was opened on the card ($opens opened, $fins verified, $useals segments sealed there)"
installed=$(portdpctl -d "$T/inventory.db" list --state installed 2>/dev/null | grep -c SEAL)
[ "$installed" -eq $nbind ]
tap $? "inventory: $nbind installed"

# ---- a sealed blob altered in the database: refused, nothing bound -------
read -r mid f <tamper.txt
if command -v sqlite3 >/dev/null; then
	# What a disk-level edit would do (the triggers that keep a UPP immutable put back).
	sqlite3 "$T/inventory.db" "BEGIN; DROP TRIGGER upp_no_update;
		UPDATE upp SET der = substr(der, 1, 100) ||
			CASE WHEN substr(der, 101, 1) = x'00' THEN x'01' ELSE x'00' END ||
			substr(der, 102)
		WHERE profile_id = (SELECT id FROM profile WHERE matching_id = '$mid');
		CREATE TRIGGER upp_no_update BEFORE UPDATE ON upp
		BEGIN SELECT RAISE(ABORT, 'a stored UPP is immutable'); END; COMMIT;" 2>sql.err
	[ -s sql.err ] && sed 's/^/# sqlite3: /' sql.err
	start_dpd portdpd.conf
	fin1=$(counter upp_finish)
	useal1=$(counter upp_seal)
	err1=$(cat "$SYS/errors")
	download "$mid" "$f"
	st=$?
	grep -q subjectCode "$T/lpa-$mid.log"
	st2=$?
	# The UPP_SEALs were sent behind UPP_FINISH (one pipeline): the card refused them all.
	useals=$(($(counter upp_seal) - useal1))
	errs=$(($(cat "$SYS/errors") - err1))
	echo "# tampered $mid: upp_finish +$(($(counter upp_finish) - fin1)), upp_seal +$useals sent, card errors +$errs"
	[ $st -ne 0 ] && [ $st2 -eq 0 ] && [ ! -s "$T/$mid.der" ] &&
		[ "$(counter upp_finish)" -gt "$fin1" ] && [ $errs -ge $((useals + 1)) ]
	tap $? "a flipped byte in $mid's sealed UPP: the card refuses it at the tag and every segment after it"
	grep -q "does not open" "$T/dpd.err" "$T"/*.log 2>/dev/null ||
		tail -n 3 "$T/dpd.err" | sed 's/^/# /'
	stop_dpd
else
	echo "ok $((n + 1)) - # SKIP no sqlite3 in the guest for the tamper case"
	n=$((n + 1))
fi
card_ready
finish
