#!/bin/sh
# btlink over a real RFCOMM link inside the VM guest (busybox sh, TAP): two
# virtual BR/EDR controllers (hci_vhci, joined by BlueZ's btvirt), the
# Port-DP+ side (btlink-rig serve: the btlink serve loop with the test
# handler) on channel 22 of one, the LPA side (btlink-rig transmit) connecting
# from the other: short, extended and long-answer APDUs, a handler failure,
# then a zero-length frame answered by its error frame. Runs in the PCIe boot
# only (it does not depend on the card).
# portdp.btlink_sizes=DATA,ANSWER on the guest's command line: the extended
# command's data and the long answer in bytes (default 4096,12000).
T=/tmp/btlink
# shellcheck source=testbed/e2e/guest-lib.sh
. /usr/lib/portdp-e2e/guest-lib.sh
SIZES="4096 12000"
for w in $(cat /proc/cmdline); do
	case $w in portdp.btlink_sizes=*,*) w=${w#*=}; SIZES="${w%,*} ${w#*,}" ;; esac
done
CH=22
pids=
finish() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	lib_finish
}

[ "${PORTDP_TRANSPORT:-pcie}" = usb ] && skip_all "runs in the PCIe boot"
command -v btvirt >/dev/null && command -v btlink-rig >/dev/null ||
	skip_all "no btvirt/btlink-rig in the guest"
modprobe hci_vhci 2>/dev/null
modprobe rfcomm 2>/dev/null
[ -c /dev/vhci ] || skip_all "no /dev/vhci (hci_vhci)"
rm -rf "$T"
mkdir -p "$T" && cd "$T" || exit 1

btvirt -B -l2 >btvirt.log 2>&1 &
pids="$pids $!"
i=0
while { [ ! -e /sys/class/bluetooth/hci0 ] || [ ! -e /sys/class/bluetooth/hci1 ]; } && [ $i -lt 100 ]; do
	sleep 0.1; i=$((i + 1))
done
[ -e /sys/class/bluetooth/hci1 ]
tap $? "two virtual BR/EDR controllers (hci_vhci + btvirt)"
[ -e /sys/class/bluetooth/hci1 ] || { sed 's/^/# /' btvirt.log; finish; }
btlink-rig up 0 && btlink-rig up 1
tap $? "hci0 and hci1 up, page scan on"
a0=$(btlink-rig addr 0)
a1=$(btlink-rig addr 1)
echo "# hci0 $a0, hci1 $a1"

: >serve.log
btlink-rig serve $CH 2 >serve.log 2>&1 &
srv=$!
pids="$pids $srv"
i=0
while ! grep -q listening serve.log && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
grep -q listening serve.log
tap $? "Port-DP+ side listens on RFCOMM channel $CH"

t0=$(awk '{ print $1 }' /proc/uptime)
# shellcheck disable=SC2086
timeout 120 btlink-rig transmit "$a0" $CH $SIZES >tx.log 2>&1
st=$?
t1=$(awk '{ print $1 }' /proc/uptime)
sed -n 's/^\(not \)*ok [0-9]* - /&/p; /^#/p' tx.log | while IFS= read -r l; do
	case $l in "# FIGURE"*) echo "$l" ;; "#"*) echo "$l" ;; "not ok"*) echo "# FAILED: ${l#not ok * - }" ;; esac
done
tap $st "LPA side over RFCOMM: $(grep -c '^ok' tx.log) of 5 checks ($(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s)"
[ $st -eq 0 ] || sed 's/^/# /' tx.log
timeout 30 btlink-rig garbage "$a0" $CH >bad.log 2>&1
st=$?
grep '^#' bad.log
tap $st "a zero-length frame over RFCOMM: error frame, link closed"
i=0
while [ "$(grep -c '^served' serve.log)" -lt 2 ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
sed 's/^/# serve: /' serve.log
grep -q '^served 4 rc 0' serve.log && grep -q '^served 0 rc -3' serve.log
tap $? "the server counted 4 APDUs, then ended the bad link with 'frame length 0'"

# ---- portdpd's card face on RFCOMM (card_bt), portdp-lpa --dp-card bt: ----
for p in portdpd portdp-lpa portdp-pki portdpctl; do
	command -v "$p" >/dev/null || { echo "# no $p in the guest: no download over Bluetooth"; finish; }
done
DCH=23
inv() { portdpctl -d "$T/inventory.db" "$@"; }
state() { inv list 2>/dev/null | awk -v m="$1" '$3 == m { print $2 }'; }
portdp-pki -n 2 pki >/dev/null 2>&1
inv init >/dev/null 2>&1
ok=0
i=0
for f in "$TS48"/*-UNIQUE.der; do
	[ $i -lt 3 ] || break
	if [ $i -eq 0 ]; then
		inv import --reuse after-delete --matching-id BT0 "$f" >/dev/null 2>&1 || ok=1
		bt0=$f
	elif [ $i -eq 1 ]; then
		inv import --matching-id BT1 "$f" >/dev/null 2>&1 || ok=1
	else
		inv import --matching-id JS0 "$f" >/dev/null 2>&1 || ok=1
		js0=$f
	fi
	i=$((i + 1))
done
tap $ok "test PKI and 3 TS.48 profiles in the kit's inventory (BT0 reusable after deletion)"
{ dp_soft_conf 127.0.0.1 1 "$T/inventory.db"; echo "card_bt = $DCH"; } >portdpd.conf
start_dpd portdpd.conf
st=$?
cpu() { awk '{ print $14 + $15 }' "/proc/$dpd/stat"; } # clock ticks (USER_HZ 100)
tap $st "portdpd started with its card face on RFCOMM channel $DCH"
[ $st -eq 0 ] || finish
for k in 1 2; do euicc $k "$T/euicc$k" >/dev/null; done
eid2=$(sed -n 2p pki/euicc/list.txt)
# blpa ARGS: portdp-lpa with the Port-DP+ on the other controller's RFCOMM channel.
blpa() { timeout 120 portdp-lpa --dp-card "bt:$a0@$DCH" --cacert pki/ci.pem "$@"; }
blpa offers >offers.log 2>&1
st=$?
sed 's/^/# /' offers.log
[ $st -eq 0 ] && grep -q "^Port-DP+ $HOST: 3 offers" offers.log && grep -q "^BT0 " offers.log
tap $? "offers over Bluetooth: the kit lists its 3 profiles"
c0=$(cpu)
t0=$(awk '{ print $1 }' /proc/uptime)
blpa --euicc "$T/euicc1" --offer BT0 --out "$T/bt0.der" -v >dl.log 2>&1
st=$?
t1=$(awk '{ print $1 }' /proc/uptime)
c1=$(cpu)
[ $st -eq 0 ] || sed 's/^/# /' dl.log
echo "# FIGURE bluetooth: $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", (b - a) * 1000 }') ms wall, $(((c1 - c0) * 10)) ms portdpd CPU for one download"
[ $st -eq 0 ] && cmp -s "$T/bt0.der" "$bt0" && [ "$(state BT0)" = installed ]
tap $? "download of BT0 over Bluetooth: installed, UPP byte-identical"
# The same download as JSON over HTTPS on loopback, for comparison (same portdpd, same run).
c0=$(cpu)
t0=$(awk '{ print $1 }' /proc/uptime)
timeout 120 portdp-lpa --euicc "$T/euicc1" --cacert pki/ci.pem --resolve "$HOST:443:127.0.0.1" \
	--ac "LPA:1\$$HOST\$JS0" --out "$T/js0.der" >js.log 2>&1
st=$?
t1=$(awk '{ print $1 }' /proc/uptime)
c1=$(cpu)
[ $st -eq 0 ] || sed 's/^/# /' js.log
echo "# FIGURE json-https: $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", (b - a) * 1000 }') ms wall, $(((c1 - c0) * 10)) ms portdpd CPU for one download"
[ $st -eq 0 ] && cmp -s "$T/js0.der" "$js0" && [ "$(state JS0)" = installed ]
tap $? "the same kind of download as JSON over HTTPS (loopback), for the comparison"
iccid=$(inv list 2>/dev/null | awk '$3 == "BT0" { print $1 }')
blpa --euicc "$T/euicc1" --delete "$iccid" >del.log 2>&1
st=$?
[ $st -eq 0 ] || sed 's/^/# /' del.log
[ $st -eq 0 ] && [ "$(state BT0)" = available ]
tap $? "deletion notification over Bluetooth: BT0 ($iccid) is $(state BT0) again"
blpa --euicc "$T/euicc2" --offer BT0 >reuse.log 2>&1 &&
	inv list 2>/dev/null | awk '$3 == "BT0"' | grep -q "installed.*$eid2"
tap $? "BT0 reused: installed on the second eUICC over Bluetooth"
timeout 30 btlink-rig garbage "$a0" $DCH >bad2.log 2>&1
tap $? "portdpd answers a zero-length frame with an error frame and closes the link"
blpa offers >/dev/null 2>&1
tap $? "and serves the next phone after it"
finish
