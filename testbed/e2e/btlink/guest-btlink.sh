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
PATH=/bin:/sbin:/usr/bin:/usr/sbin
SIZES="4096 12000"
for w in $(cat /proc/cmdline); do
	case $w in portdp.btlink_sizes=*,*) w=${w#*=}; SIZES="${w%,*} ${w#*,}" ;; esac
done
CH=22
T=/tmp/btlink
n=0
failed=0
pids=

tap() {
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=1; fi
}
finish() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	echo "1..$n"
	exit $failed
}

[ "${PORTDP_TRANSPORT:-pcie}" = usb ] && { echo "1..0 # SKIP runs in the PCIe boot"; exit 0; }
command -v btvirt >/dev/null && command -v btlink-rig >/dev/null ||
	{ echo "1..0 # SKIP no btvirt/btlink-rig in the guest"; exit 0; }
modprobe hci_vhci 2>/dev/null
modprobe rfcomm 2>/dev/null
[ -c /dev/vhci ] || { echo "1..0 # SKIP no /dev/vhci (hci_vhci)"; exit 0; }
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
finish
