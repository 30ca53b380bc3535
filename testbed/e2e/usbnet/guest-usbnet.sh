#!/bin/sh
# The kit by cable, inside the VM guest (busybox sh, TAP): portdp-usbnet makes
# a CDC-NCM gadget on dummy_hcd's UDC and serves DHCP + DNS on it; the guest's
# own USB host side binds cdc_ncm to it, and that interface is moved into a
# network namespace "phone" with its own /etc/hosts (no SM-DP+ name) and its
# own loopback, so everything the phone does crosses the USB link. There the
# phone takes an address by DHCP, resolves the SM-DP+ name through the kit's
# DNS, and portdp-lpa (no --resolve: an unmodified LPA) installs TS.48
# profiles from the kit's portdpd on port 443, sends a deletion notification,
# and the deleted profile (reuse after-delete) installs again on a second
# eUICC. Figures: wall time and portdpd CPU per download over the link
# against the same downloads over loopback, in one run (docs/benchmarks.md).
#
# Runs in the PCIe boot: in the USB boot dummy_hcd's only UDC is the card's.
# Downloads per path for the figures: 2 (the suite stays within its time);
# portdp.usbnet_n=N on the guest's command line for a measurement run
# (VM_APPEND of testbed/vm/run-vm-tests).
T=/tmp/usbnet
# shellcheck source=testbed/e2e/guest-lib.sh
. /usr/lib/portdp-e2e/guest-lib.sh
IP=/usr/local/sbin/ip	# iproute2 (netns); busybox's ip has none
KIT=192.168.7.1
N=2
for w in $(cat /proc/cmdline); do
	case $w in portdp.usbnet_n=[1-9]*) N=${w#*=} ;; esac
done
NS=phone
finish() {
	stop_dpd
	portdp-usbnet down --run-dir "$T/run" >/dev/null 2>&1
	$IP netns del $NS 2>/dev/null
	lib_finish
}
inv() { portdpctl -d "$T/inventory.db" "$@"; }
state() { inv list 2>/dev/null | awk -v m="$1" '$3 == m { print $2 }'; }
phone() { $IP netns exec $NS "$@"; }
# carrier_up IF: wait for the phone's interface IF to have carrier. The host side
# takes it from the gadget's NETWORK_CONNECTION notification, which the gadget
# (f_ncm, f_ecm) sends only when the host picks the data altsetting or the kit's
# interface opens or closes. Under dummy_hcd that notification is now and then
# lost before the host reads it (by the gadget's code, most likely its request ended
# with -ESHUTDOWN when the notify endpoint was reset: the gadget then sends nothing
# more), and the phone never gets carrier whatever its own side does (its down and
# up changed nothing in a test run; the kit's down and up brought the carrier at
# once). So the kit's interface goes down and up: the gadget announces its link again.
carrier_up() {
	for try in 1 2; do
		i=0
		while [ "$(phone cat "/sys/class/net/$1/carrier" 2>/dev/null)" != 1 ] && [ $i -lt 50 ]; do
			sleep 0.1; i=$((i + 1))
		done
		[ $i -lt 50 ] && return 0
		[ $try = 2 ] && break
		echo "# $1: no carrier after 5 s; the kit's $kif down and up (the gadget notifies again)"
		ip link set "$kif" down; ip link set "$kif" up
	done
	return 1
}
now() { awk '{ print $1 }' /proc/uptime; }
cpu() { awk '{ print $14 + $15 }' "/proc/$dpd/stat"; } # clock ticks (USER_HZ 100)
rxbytes() { cat "/sys/class/net/$1/statistics/rx_bytes"; }

[ "${PORTDP_TRANSPORT:-pcie}" = usb ] && skip_all "the USB boot's UDC is the card's"
[ -n "$(ls /sys/class/udc 2>/dev/null)" ] || skip_all "no UDC (dummy_hcd)"
for p in dnsmasq portdp-usbnet portdpd portdp-lpa $IP; do
	command -v "$p" >/dev/null || skip_all "no $p in the guest"
done
rm -rf "$T"
mkdir -p "$T/run" /run/netns /etc/netns/$NS || exit 1
cd "$T" || exit 1
# dnsmasq drops to nobody; the guest has only root.
grep -q '^nobody:' /etc/passwd || echo 'nobody:x:65534:65534:nobody:/nonexistent:/bin/false' >>/etc/passwd
grep -q '^nogroup:' /etc/group || echo 'nogroup:x:65534:' >>/etc/group
touch /etc/resolv.conf

# ---- the kit: PKI, inventory, portdpd on every address, port 443 ----------
portdp-pki -n 2 pki >/dev/null 2>&1
tap $? "test PKI (CI, EUM, two eUICCs, DP certificates for $HOST)"
inv init >/dev/null 2>&1
ok=0
i=0
for f in "$TS48"/*-UNIQUE.der; do
	[ $i -lt $((2 * N + 2)) ] || break
	if [ $i -eq 0 ]; then
		inv import --reuse after-delete --matching-id REUSE1 "$f" >/dev/null 2>&1 || ok=1
		echo "REUSE1 $f" >usb.txt
	elif [ $i -le $N ]; then
		inv import --matching-id "USB$i" "$f" >/dev/null 2>&1 || ok=1
		[ $i -lt $N ] && echo "USB$i $f" >>usb.txt
	else
		inv import --matching-id "LO$i" "$f" >/dev/null 2>&1 || ok=1
		echo "LO$i $f" >>lo.txt
	fi
	i=$((i + 1))
done
tap $ok "imported $i TS.48 profiles (REUSE1 reusable after deletion)"
dp_soft_conf 0.0.0.0 2 "$T/inventory.db" >portdpd.conf
start_dpd portdpd.conf
st=$?
tap $st "portdpd listens on port 443"
[ $st -eq 0 ] || bail "portdpd did not start"

# ---- the cable: the gadget, its address, DHCP + DNS ------------------------
# Bad options change nothing: no gadget is left behind.
portdp-usbnet up --address 192.168.7.300 --run-dir "$T/run" --background >bad.log 2>&1
st=$?
[ $st -ne 0 ] && grep -q "not an IPv4 address" bad.log && [ ! -d /sys/kernel/config/usb_gadget/portdp-net ]
tap $? "portdp-usbnet refuses a bad address, leaves no gadget (status $st)"
portdp-usbnet up --smdp-name "$HOST" --address $KIT --run-dir "$T/run" --background >up.log 2>&1
st=$?
sed 's/^/# /' up.log
tap $st "portdp-usbnet up: gadget bound, $KIT on the link, dnsmasq running"
[ $st -eq 0 ] || bail "no kit link"
kif=$(cat "$T/run/iface")
grep -q 'ncm.usb0' up.log
tap $? "the gadget is CDC-NCM"

# The USB host side of the same guest: the interface cdc_ncm made.
pif=
i=0
while [ -z "$pif" ] && [ $i -lt 100 ]; do
	for d in /sys/class/net/*; do
		drv=$(basename "$(readlink "$d/device/driver" 2>/dev/null)")
		[ "$drv" = cdc_ncm ] && pif=$(basename "$d")
	done
	[ -n "$pif" ] || { sleep 0.1; i=$((i + 1)); }
done
[ -n "$pif" ]
tap $? "host side: cdc_ncm bound, interface '$pif' (kit side '$kif')"
[ -n "$pif" ] || bail "no host-side interface"

# The phone: its own namespace, loopback, and no SM-DP+ name in its hosts.
$IP netns add $NS && $IP link set "$pif" netns $NS && phone ip link set lo up &&
	phone ip link set "$pif" up
tap $? "'$pif' moved into network namespace $NS"
printf '127.0.0.1\tlocalhost\n' >/etc/netns/$NS/hosts
: >/etc/netns/$NS/resolv.conf
cat >"$T/udhcpc.sh" <<'EOF'
#!/bin/sh
case $1 in
deconfig) ip addr flush dev "$interface"; ip link set "$interface" up ;;
bound | renew)
	ip addr flush dev "$interface"
	ip addr add "$ip/${mask:-24}" dev "$interface"
	for r in $router; do ip route add default via "$r" dev "$interface"; done
	: >/etc/resolv.conf
	for d in $dns; do echo "nameserver $d" >>/etc/resolv.conf; done
	echo "$ip router=$router dns=$dns" >"$LEASE_OUT"
	;;
esac
EOF
chmod +x "$T/udhcpc.sh"
carrier_up "$pif" || echo "# $pif: no carrier"
LEASE_OUT=$T/lease phone udhcpc -i "$pif" -s "$T/udhcpc.sh" -q -n -t 20 -T 1 >udhcpc.log 2>&1
st=$?
lease=$(cat "$T/lease" 2>/dev/null)
case $lease in 192.168.7.*" router= dns=$KIT") ;; *) st=1 ;; esac
tap $st "DHCP over the cable: $lease"
if [ $st -ne 0 ]; then
	sed 's/^/# /' udhcpc.log "$T/run/dnsmasq.log"
	{ phone $IP -s link show "$pif"; $IP -s link show "$kif"; $IP addr show "$kif"; } 2>&1 | sed 's/^/# /'
	bail "no DHCP lease"
fi
! phone ip route | grep -q '^default'
tap $? "no default route for the phone (its other networks stay its own)"

# DNS: the SM-DP+ name is the kit; other names are not answered.
ans=$(phone nslookup "$HOST" 2>&1)
echo "$ans" | grep -A3 "Name:.*$HOST" | grep -q "$KIT"
tap $? "the phone resolves $HOST to $KIT through the kit's DNS"
phone nslookup www.example.org >/dev/null 2>&1
[ $? -ne 0 ]
tap $? "other names are not answered"
phone wget -q -T 3 -O /dev/null "http://127.0.0.1:443/" 2>/dev/null
[ $? -ne 0 ]
tap $? "nothing of the kit is on the phone's loopback"

# ---- downloads through the cable, then over loopback (the figures) ------
eu1=$T/euicc1
eu2=$T/euicc2
eid1=$(euicc 1 "$eu1")
eid2=$(euicc 2 "$eu2")

# download WHERE LIST EUICC: every line "MID FILE" of LIST; WHERE phone|kit
download() {
	bad=0
	while read -r mid f; do
		if [ "$1" = phone ]; then
			phone timeout 120 portdp-lpa --euicc "$3" --cacert pki/ci.pem \
				--ac "LPA:1\$$HOST\$$mid" --out "$T/$mid.der" >"lpa-$mid.log" 2>&1
		else
			timeout 120 portdp-lpa --euicc "$3" --cacert pki/ci.pem \
				--ac "LPA:1\$$HOST\$$mid" --out "$T/$mid.der" >"lpa-$mid.log" 2>&1
		fi
		if [ $? -ne 0 ] || ! cmp -s "$T/$mid.der" "$f"; then
			bad=$((bad + 1))
			sed "s/^/# $mid: /" "lpa-$mid.log" | tail -n 3
		fi
	done <"$2"
	return $bad
}

# One loopback download first, not counted (first TLS handshake, caches);
# then the two paths alternate, each download timed alone.
head -n 1 lo.txt >warm.txt
download kit warm.txt "$eu1"
tap $? "warm-up download over loopback"
sed -i 1d lo.txt
: >fig.txt
rx0=$(rxbytes "$kif")
bad=0
k=1
while [ $k -le "$N" ]; do
	for path in phone kit; do
		if [ $path = phone ]; then sed -n "${k}p" usb.txt >one.txt; else sed -n "${k}p" lo.txt >one.txt; fi
		c0=$(cpu); t0=$(now)
		download $path one.txt "$eu1" || bad=$((bad + 1))
		t1=$(now); c1=$(cpu)
		echo "$path $t0 $t1 $c0 $c1" >>fig.txt
	done
	k=$((k + 1))
done
rx1=$(rxbytes "$kif")
tap $bad "$N downloads by the phone over the cable (ES9+ on port 443 by DNS name) and $N over loopback, alternating, UPPs byte-identical"
# An LPA's requests alone (AuthenticateClient carries the eUICC's certificates) are kilobytes.
[ $((rx1 - rx0)) -gt $((N * 4000)) ]
tap $? "the phone's requests crossed the USB link: $((rx1 - rx0)) bytes received on $kif"
ok=0
while read -r mid f; do [ "$(state "$mid")" = installed ] || ok=1; done <usb.txt
tap $ok "inventory: the $N profiles of the phone installed (notifications over the cable)"
awk '{ w[$1] += $3 - $2; c[$1] += $5 - $4; n[$1]++ }
END {
	printf "# FIGURE usb-ncm: %.0f ms wall, %.0f ms portdpd CPU per download (n=%d)\n", w["phone"] * 1000 / n["phone"], c["phone"] * 10 / n["phone"], n["phone"]
	printf "# FIGURE loopback: %.0f ms wall, %.0f ms portdpd CPU per download (n=%d)\n", w["kit"] * 1000 / n["kit"], c["kit"] * 10 / n["kit"], n["kit"]
}' fig.txt

# ---- deletion over the cable, and the reuse it allows --------------------
reuse_iccid=$(inv list 2>/dev/null | awk '$3 == "REUSE1" { print $1 }')
phone timeout 60 portdp-lpa --euicc "$eu1" --cacert pki/ci.pem delete "$reuse_iccid" >del.log 2>&1
st=$?
[ $st -eq 0 ] || sed 's/^/# /' del.log
[ $st -eq 0 ] && [ "$(state REUSE1)" = available ]
tap $? "deletion notification over the cable: REUSE1 ($reuse_iccid) is $(state REUSE1) again"
echo "REUSE1 $(awk '$1 == "REUSE1" { print $2 }' usb.txt)" >reuse.txt
download phone reuse.txt "$eu2" &&
	inv list 2>/dev/null | awk '$3 == "REUSE1"' | grep -q "installed.*$eid2"
tap $? "REUSE1 installed again over the cable, on the second eUICC"
inv list 2>/dev/null | awk '$3 == "REUSE1"' | grep -q "$eid1"
[ $? -ne 0 ]
tap $? "REUSE1 no longer bound to the first eUICC"

# ---- unplug: the link goes, dnsmasq and the gadget go with down -----------
kill "$dpd" 2>/dev/null
dpd=
portdp-usbnet down --run-dir "$T/run" >/dev/null 2>&1
[ ! -d /sys/kernel/config/usb_gadget/portdp-net ] && [ -z "$(phone ip link show "$pif" 2>/dev/null)" ]
tap $? "portdp-usbnet down: gadget removed, the phone's interface gone"
# ---- the fallback: CDC-ECM (hosts without an NCM driver) ----------------
portdp-usbnet up --function ecm --smdp-name "$HOST" --address $KIT --run-dir "$T/run" --background >ecm.log 2>&1
st=$?
grep -q 'ecm.usb0' ecm.log
tap $((st + $?)) "portdp-usbnet up --function ecm: a CDC-ECM gadget"
eif=
i=0
while [ -z "$eif" ] && [ $i -lt 100 ]; do
	for d in /sys/class/net/*; do
		[ "$(basename "$(readlink "$d/device/driver" 2>/dev/null)")" = cdc_ether ] && eif=$(basename "$d")
	done
	[ -n "$eif" ] || { sleep 0.1; i=$((i + 1)); }
done
# Only the binding: DHCP over ECM under dummy_hcd came up without carrier in 2 of 3 runs
# (the gadget's connect notification sent before the host side opens the interface is
# lost, and cdc_ether selects the data altsetting at bind, so no re-open brings it
# back). NCM, the default, carries the downloads above.
[ -n "$eif" ]
tap $? "host side: cdc_ether binds the ECM gadget ('$eif')"
portdp-usbnet down --run-dir "$T/run" >/dev/null 2>&1
[ ! -d /sys/kernel/config/usb_gadget/portdp-net ]
tap $? "portdp-usbnet down after ECM"
finish
