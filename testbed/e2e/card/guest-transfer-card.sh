#!/bin/sh
# Transfers between units on the card path, inside the VM guest (busybox sh, TAP). Three
# units: "rack" and "kit" are card units (stock key and unit key in card slots: rack 19/20,
# kit 21/22; the UPPs open only on the card), "soft" a soft unit (key files). Checked:
#  - rack -> kit: export re-seals every stored UPP on the card for the kit (the driver's
#    reseal_* counters: one RESEAL_OPEN and RESEAL_FINISH per profile), the kit's import
#    re-seals every envelope on the card into its own stock (again one per profile) and
#    wraps nothing on the host; the receipt goes back to the rack;
#  - a pulled profile binds at the kit (portdpd, stock_key = slot:21, DP keys in slots 18, 23,
#    30): the soft eUICC installs it byte for byte;
#  - a return bundle brings a profile from the kit back to the rack's stock;
#  - card <-> soft: the soft unit imports a bundle of the rack (its soft code opens what the
#    card sealed) and the kit imports one of the soft unit (the card opens what soft sealed);
#  - refused, nothing changed: a changed byte, a truncated file, a replay, another unit's
#    bundle;
#  - no transfer opened a UPP on the host: the card path refuses it (inv_get_upp), and no
#    secret of the profiles is in the inventories, their WAL, or the bundles.
# Slots 18-23 and 30 are this test's own (see guest-e2e-card.sh for the others').
T=/tmp/transfer-card
SLOTS="18 19 20 21 22 23 30"
# shellcheck source=testbed/e2e/guest-lib.sh
. /usr/lib/portdp-e2e/guest-lib.sh
PORT=18463
export PORTDP_ACCEL="dev:$DEV"
U=$T/pki/units
rack() { timeout 120 portdpctl -d "$T/rack.db" -k slot:19 "$@" --key slot:20 --cert "$T/rack.pem" --ca "$U/uca.pem"; }
kit() { timeout 120 portdpctl -d "$T/kit.db" -k slot:21 "$@" --key slot:22 --cert "$T/kit.pem" --ca "$U/uca.pem"; }
soft() { timeout 120 portdpctl -d "$T/soft.db" "$@" --key "file:$U/soft-key.pem" --cert "$U/soft.pem" --ca "$U/uca.pem" --accel soft:; }
q() { sqlite3 "$1" "$2"; }
avail() { q "$1" "SELECT count(*) FROM profile WHERE state = 0"; }
snap() { q "$1" "SELECT group_concat(iccid || state, ',') FROM profile; SELECT count(*) FROM audit"; }
now_ms() { awk '{ printf "%d", $1 * 1000 }' /proc/uptime; }
reseals() { echo "$(counter reseal_open) $(counter reseal_finish)"; }
# moved N BEFORE: N more RESEAL_OPEN and RESEAL_FINISH than BEFORE ("open finish")
moved() {
	set -- "$1" $2 $(reseals)
	[ $(($4 - $2)) -eq "$1" ] && [ $(($5 - $3)) -eq "$1" ]
}

need_card
[ -r "$SYS/counters/reseal_open" ] || skip_all "the driver has no reseal counters"
fresh_dir
free_slots

# ---- units: the unit CA, the soft unit, two card units ----------------------
portdp-pki -n 1 --unit soft --unit soft2 pki >/dev/null 2>&1
tap $? "test PKI: CI, EUM, one eUICC, the unit CA and the soft unit"
ok=0
for u in rack:20 kit:22; do
	name=${u%%:*}
	slot=${u#*:}
	card keygen --slot "$slot" >/dev/null 2>&1 &&
		card csr --slot "$slot" --subject "/O=Port-DP Test/CN=unit $name" --out $name.csr \
			>/dev/null &&
		openssl x509 -req -in $name.csr -CA "$U/uca.pem" -CAkey "$U/uca-key.pem" \
			-CAcreateserial -days 30 -sha256 -out $name.pem >/dev/null 2>&1 || ok=1
done
tap $ok "card units: unit keys in slots 20 (rack) and 22 (kit), certificates by the unit CA"

portdpctl -d rack.db -k slot:19 init >/dev/null 2>&1 &&
	portdpctl -d kit.db -k slot:21 init >/dev/null 2>&1 &&
	portdpctl -d soft.db init >/dev/null 2>&1
tap $? "three inventories: rack (stock key slot 19), kit (slot 21), soft (key file)"
inv() { portdpctl -d "$T/rack.db" -k slot:19 "$@"; }
import_ts48 XFER 1000
[ $? -eq 0 ] && [ "$nprof" -ge 6 ]
tap $? "the rack imports $nprof profiles (sealed under its card stock key)"
# the needles: TS.48 UNIQUE secret values (as guest-sealed-card.sh)
needles needles.hex
portdp-memscan needles.hex -f "$TS48"/*-UNIQUE.der >scan-src.log 2>&1
[ $? -eq 1 ]
tap $? "the search works: $(grep -c found scan-src.log) needles found in the source profiles"

# ---- rack -> kit on the card ---------------------------------------------------
r0=$(reseals)
w0=$(counter stock_wrap)
rack transfer export --to kit.pem --count 3 -o b1 >out 2>&1
st=$?
[ $st -eq 0 ] || sed 's/^/# /' out
moved 3 "$r0" && [ "$(q rack.db 'SELECT count(*) FROM profile WHERE state = 6')" = 3 ]
tap $((st + $?)) "export rack -> kit: 3 profiles re-sealed on the card ($(($(counter reseal_finish) - ${r0#* })) RESEAL_FINISH), transferred at the rack"
r0=$(reseals)
kit transfer import b1 >out 2>&1
st=$?
[ $st -eq 0 ] || sed 's/^/# /' out
moved 3 "$r0" && [ "$(avail kit.db)" = 3 ] && [ "$(counter stock_wrap)" = "$w0" ] && [ -s b1.receipt ]
tap $((st + $?)) "import at the kit: 3 envelopes re-sealed on the card into its stock (no STOCK_WRAP, no UPP on the host), receipt written"
rack transfer receipt b1.receipt >/dev/null 2>&1
tap $? "the rack takes the kit's receipt"
r0=$(reseals)
portdpctl -d kit.db -k slot:21 audit verify --cert kit.pem >/dev/null 2>&1 &&
	portdpctl -d rack.db -k slot:19 audit verify --cert rack.pem >/dev/null 2>&1
tap $? "audit verify passes on both card units"

# ---- refusals: nothing changes, nothing reaches the card -------------------------
before=$(snap kit.db)
cp b1 b1.orig
len=$(stat -c %s b1)
bad=0
for off in 0 9 200 $((len / 3)) $((len / 2)) $((len - 80)) $((len - 1)); do
	cp b1.orig t
	printf "$(printf '\\%03o' $((($(od -An -tu1 -j"$off" -N1 t) ^ 0x5a) & 255)))" |
		dd of=t bs=1 seek="$off" conv=notrunc 2>/dev/null
	kit transfer import t >out 2>&1 && bad=$((bad + 1))
	grep -q "refused, nothing changed" out || bad=$((bad + 1))
done
for cut in 0 40 $((len / 2)) $((len - 1)); do
	head -c $cut b1.orig >t
	kit transfer import t >out 2>&1 && bad=$((bad + 1))
done
kit transfer import b1 >out 2>&1 && bad=$((bad + 1))
grep -q "replay" out || bad=$((bad + 1))
[ $bad -eq 0 ] && [ "$(snap kit.db)" = "$before" ] && moved 0 "$r0"
tap $? "a changed byte, a truncated file, a replay: refused, nothing changed ($bad wrong)"
rack transfer export --to "$U/soft.pem" --count 1 -o bs >/dev/null 2>&1
r0=$(reseals)
kit transfer import bs >out 2>&1
st=$?
[ $st -ne 0 ] && grep -q "for another unit" out && [ "$(snap kit.db)" = "$before" ] && moved 0 "$r0"
tap $? "another unit's bundle is refused at the kit: $(cut -c1-80 out)"

# ---- card -> soft and soft -> card ------------------------------------------------
soft transfer import bs >out 2>&1
st=$?
[ $st -ne 0 ] && sed 's/^/# /' out
[ "$(avail soft.db)" = 1 ]
tap $((st + $?)) "the soft unit imports the rack's bundle: its soft code opens what the card sealed"
soft transfer export --to kit.pem --count 1 -o bk >/dev/null 2>&1
r0=$(reseals)
kit transfer import bk >out 2>&1
st=$?
[ $st -ne 0 ] && sed 's/^/# /' out
moved 1 "$r0" && [ "$(avail kit.db)" = 4 ]
tap $((st + $?)) "the kit imports the soft unit's bundle: the card opens what soft sealed"

# ---- a pulled profile binds at the kit -------------------------------------------------
ok=0
dp_keygen 18 23 30 || ok=1
dp_csrs 18 23 30 || ok=1
dp_issue || ok=1
{ dp_card_conf $PORT 1 18 23 30 "$T/kit.db"; echo "stock_key = slot:21"; } >portdpd.conf
dp_install 18 23 30 portdpd.conf || ok=1
tap $ok "the kit's DPauth, DPpb, TLS keys in card slots 18, 23, 30"
eu=$T/euicc
euicc 1 "$eu" >/dev/null
mid=$(q kit.db "SELECT matching_id FROM profile WHERE state = 0 ORDER BY id LIMIT 1")
iccid=$(q kit.db "SELECT iccid FROM profile WHERE matching_id = '$mid'")
# the source file: the one the rack imported under that ICCID
src=$(awk -v m="$(q rack.db "SELECT matching_id FROM profile WHERE iccid = '$iccid'")" \
	'$1 == m { print $2 }' profiles.txt)
start_dpd portdpd.conf
o0=$(counter upp_open)
download "$mid" "$src"
st=$?
[ $st -eq 0 ] || tail -n 3 "$T/lpa-$mid.log" | sed 's/^/# /'
[ "$(counter upp_open)" -gt "$o0" ]
tap $((st + $?)) "a pulled profile ($iccid) binds at the kit: opened on the card, installed byte for byte"
stop_dpd

# ---- online: the kit pulls from the rack's portdpd, every key on the card ------------------
# The rack's portdpd serves transfers (transfer_ca) and re-seals what it serves on the card
# (stock key slot 19, unit key slot 20 signs the bundle); the kit's unit key (slot 22) signs
# its TLS client handshake through the portdp OpenSSL engine; the kit re-seals on import.
XP=$((PORT + 2))
sed -e "s|^port = .*|port = $((PORT + 1))|" -e "s|^db = .*|db = $T/rack.db|" \
	-e "s|^stock_key = .*|stock_key = slot:19|" portdpd.conf >rack.conf
cat >>rack.conf <<EOF
es2_port = $XP
transfer_ca = $U/uca.pem
audit_key = slot:20
unit_cert = $T/rack.pem
db_sync = full
EOF
r0=$(reseals)
a0=$(avail kit.db)
start_dpd rack.conf rack
st=$?
OPENSSL_ENGINES=/usr/lib/portdp/engines timeout 120 portdpctl -d kit.db -k slot:21 transfer pull \
	--from "https://127.0.0.1:$XP" --count 1 --key slot:22 --cert kit.pem --ca "$U/uca.pem" \
	--server-ca pki/ci.pem --retries 2 >pull.out 2>&1
st=$((st + $?))
[ $st -eq 0 ] || sed 's/^/# /' pull.out
stop_dpd
moved 2 "$r0" && [ "$(avail kit.db)" = $((a0 + 1)) ]
tap $((st + $?)) "online pull over mutual TLS with card keys: the kit's key signs its handshake (engine), rack and kit re-seal on the card"

# ---- a return: kit -> rack ---------------------------------------------------------------
# the kit's first profiles came in b1 from the rack (the first of them is bound now)
ret=$(q kit.db "SELECT iccid FROM profile WHERE state = 0 ORDER BY id LIMIT 1")
r0=$(reseals)
kit transfer export --to rack.pem --return --iccid "$ret" -o r1 >out 2>&1 &&
	rack transfer import r1 >>out 2>&1
st=$?
[ $st -eq 0 ] || sed 's/^/# /' out
moved 2 "$r0" && [ "$(q rack.db "SELECT state FROM profile WHERE iccid = '$ret'")" = 0 ] &&
	[ "$(q kit.db "SELECT state FROM profile WHERE iccid = '$ret'")" = 6 ]
tap $((st + $?)) "a return bundle brings $ret back to the rack's stock (re-sealed and checked on the card)"

# ---- portdpctl's own memory: stopped once every UPP of a bundle is in hand ---------------
# scan_stopped STEP CMD...: run CMD with PORTDP_TEST_STOP_AT=STEP, scan its memory when it
# stops there, let it go on; prints portdp-memscan's status (0 nothing found, 1 found)
scan_stopped() {
	step=$1
	shift
	PORTDP_TEST_STOP_AT=$step "$@" >stop.out 2>&1 &
	p=$!
	i=0
	while [ "$(awk '{ print $3 }' /proc/$p/stat 2>/dev/null)" != T ] && [ $i -lt 600 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	portdp-memscan needles.hex "$p" >scan-$step.log 2>&1
	echo $?
	kill -CONT "$p" 2>/dev/null
	wait "$p"
}
softid() { echo --key "file:$U/$1-key.pem" --cert "$U/$1.pem" --ca "$U/uca.pem" --accel soft:; }
portdpctl -d softsrc.db init >/dev/null 2>&1 && portdpctl -d soft2.db init >/dev/null 2>&1 &&
	portdpctl -d softsrc.db import "$TS48"/*-UNIQUE.der >/dev/null 2>&1
# shellcheck disable=SC2046
portdpctl -d softsrc.db transfer export --to "$U/soft2.pem" --count 2 -o bs2 $(softid soft) \
	>/dev/null 2>&1
# shellcheck disable=SC2046
st=$(scan_stopped import-opened portdpctl -d soft2.db transfer import bs2 $(softid soft2))
[ "$st" = 1 ] && [ "$(avail soft2.db)" = 2 ]
tap $? "the memory search works: a soft unit's portdpctl holds the UPPs it imports (status $st)"
id2=$(q rack.db "SELECT iccid FROM profile WHERE state = 0 AND iccid <> '$ret' ORDER BY id LIMIT 2")
args=$(for i in $id2; do printf -- '--iccid %s ' "$i"; done)
# shellcheck disable=SC2086
st=$(scan_stopped export-signed portdpctl -d rack.db -k slot:19 transfer export --to kit.pem \
	$args -o b2 --key slot:20 --cert rack.pem --ca "$U/uca.pem")
st2=$(scan_stopped import-opened portdpctl -d kit.db -k slot:21 transfer import b2 --key slot:22 \
	--cert kit.pem --ca "$U/uca.pem")
sed 's/^/# /' scan-export-signed.log scan-import-opened.log
[ "$st" = 0 ] && [ "$st2" = 0 ] && [ "$(avail kit.db)" -ge 2 ]
tap $? "no secret of the profiles in the card units' portdpctl memory, export and import (status $st, $st2)"

# ---- rates: every profile left at the rack to the kit, on the card; the same on soft -------
# (one round each, in this order, in the same guest: a figure for docs/transfers.md)
soft2() { timeout 300 portdpctl -d "$T/soft2.db" "$@" --key "file:$U/soft2-key.pem" --cert "$U/soft2.pem" --ca "$U/uca.pem" --accel soft:; }
softsrc() { timeout 300 portdpctl -d "$T/softsrc.db" "$@" --key "file:$U/soft-key.pem" --cert "$U/soft.pem" --ca "$U/uca.pem" --accel soft:; }
# (not the returned one: the kit would take it back as a return, not as new stock)
sel=$(q rack.db "SELECT iccid FROM profile WHERE state = 0 AND iccid <> '$ret'")
m=$(echo "$sel" | grep -c .)
args=$(for i in $sel; do printf -- '--iccid %s ' "$i"; done)
ok=0
r0=$(reseals)
t0=$(now_ms)
# shellcheck disable=SC2086
rack transfer export --to kit.pem $args -o bm >/dev/null 2>&1 || ok=1
t1=$(now_ms)
kit transfer import bm >/dev/null 2>&1 || ok=1
t2=$(now_ms)
softsrc transfer export --to "$U/soft2.pem" --count "$m" -o bsm >/dev/null 2>&1 || ok=1
t3=$(now_ms)
soft2 transfer import bsm >/dev/null 2>&1 || ok=1
t4=$(now_ms)
rate() { awk -v n="$1" -v ms="$2" 'BEGIN { printf "%.1f/s (%d ms)", ms ? n * 1000 / ms : 0, ms }'; }
echo "# rates ($m profiles of ~12 KB, $PORTDP_TRANSPORT card): card export $(rate $m $((t1 - t0))), card import $(rate $m $((t2 - t1))); soft export $(rate $m $((t3 - t2))), soft import $(rate $m $((t4 - t3)))"
[ $ok -eq 0 ] && moved $((2 * m)) "$r0" && [ "$(avail soft2.db)" = $((m + 2)) ]
tap $? "$m more profiles rack -> kit on the card ($((2 * m)) re-seals) and softsrc -> soft2 on soft"

# ---- nothing in clear -------------------------------------------------------------------
hits=0
for f in rack.db rack.db-wal kit.db kit.db-wal b1 b2 bk r1 bm; do
	[ -f "$f" ] || continue
	portdp-memscan needles.hex -f "$f" >scan.log 2>&1
	[ $? -eq 1 ] && { hits=$((hits + 1)); sed 's/^/# /' scan.log; }
done
[ $hits -eq 0 ]
tap $? "no secret of the profiles in the inventories, their WAL, or the bundles"
card_ready
finish
