#!/bin/sh
# portdpctl card on the real card, inside the VM guest (busybox sh, TAP):
# status from sysfs and the library, keygen/list/destroy on slots 8-9, a
# PKCS#10 request signed in slot 8 (checked by `openssl req -verify`, public
# key compared with the slot's), a certificate issued by a test CI with the
# openssl CLI, and install-cert that refuses the wrong slot and changes
# nothing. Slots 8-9 are this test's own (the kernel selftests use 3-7,
# test_dev 24-27, the provider test 19-21, guest-e2e-card.sh 10-13).
T=/tmp/ctl-card
SLOTS="8 9"
# shellcheck source=testbed/e2e/guest-lib.sh
. /usr/lib/portdp-e2e/guest-lib.sh
# The public key of slot N as hex, from `card list`.
slot_pub() { card list 2>/dev/null | awk -v s="$1" '$1 == "slot" && $2 == s { print $4 }'; }
# The EC point of a PEM public key / CSR / certificate as hex (last 65 bytes of the SPKI).
spki_point() { openssl pkey -pubin -outform DER 2>/dev/null | tail -c 65 | od -An -v -tx1 | tr -d ' \n'; }

fresh_dir
[ -c "$DEV" ] || skip_all "no $DEV"
free_slots

card status >status.txt 2>&1
st=$?
grep -q 'state *ready' status.txt && grep -q 'firmware' status.txt &&
	grep -q "serial *$(cat "$SYS/serial")" status.txt
tap $((st + $?)) "card status: sysfs state ready, firmware, serial as sysfs shows it"
# The transport of this boot (testbed/vm/run-vm-tests boots once per transport).
if [ "${PORTDP_TRANSPORT:-pcie}" = usb ]; then
	grep -q 'transport *usb' status.txt && grep -q 'link_speed *[a-z]*-speed' status.txt &&
		grep -q "link_plugs *$(cat "$SYS/link_plugs")" status.txt &&
		grep -q "link_unplugs *$(cat "$SYS/link_unplugs")" status.txt
	tap $? "card status: transport usb, link speed, plug and unplug counters"
else
	grep -q 'transport *pcie' status.txt && ! grep -q 'link_speed' status.txt
	tap $? "card status: transport pcie, no link counters"
fi

gen0=$(counter key_generate)
card keygen --slot 8 >gen8.txt 2>&1 && grep -q '^slot 8 *p256 *04' gen8.txt
tap $? "keygen --slot 8 (p256) on the card"
pub8=$(slot_pub 8)
[ "$(counter key_generate)" -gt "$gen0" ] && [ ${#pub8} -eq 130 ]
tap $? "the card counted the key generation; list shows slot 8's point"
card keygen --slot 8 >/dev/null 2>err.txt
st=$?
[ $st -eq 1 ] && grep -q 'holds a key already' err.txt && [ "$(slot_pub 8)" = "$pub8" ]
tap $? "keygen on a taken slot is refused and the key stays"
card keygen --slot 9 --curve bp256 >/dev/null 2>&1 && card list | grep -q '^slot 9 *bp256 *04'
tap $? "keygen --slot 9 --curve bp256"
card keygen --slot 99 >/dev/null 2>&1
[ $? -eq 1 ]
tap $? "keygen beyond the card's slots is refused"

card csr --slot 8 --subject "/O=Port-DP Test/CN=portdpctl card test" --out s8.csr >/dev/null 2>err.txt
tap $? "csr --slot 8 written"
openssl req -in s8.csr -verify -noout >verify.txt 2>&1 && grep -qi 'verify OK' verify.txt
tap $? "openssl req -verify accepts the card's signature"
openssl req -in s8.csr -noout -subject | grep -q 'CN *= *portdpctl card test'
tap $? "the request carries the subject"
[ "$(openssl req -in s8.csr -pubkey -noout | spki_point)" = "$pub8" ]
tap $? "the request's public key is slot 8's"
cp s8.csr s8.keep
card csr --slot 8 --subject "/CN=again" --out s8.csr >/dev/null 2>&1
st=$?
cmp -s s8.csr s8.keep && [ $st -eq 1 ]
tap $? "csr never overwrites an existing file"
card csr --slot 8 --subject "/XX=y" --out bad.csr >/dev/null 2>&1
st=$?
[ $st -eq 2 ] && [ ! -e bad.csr ]
tap $? "csr with an unknown subject attribute is a usage error"

portdp-pki pki >/dev/null 2>&1
cat >ext.cnf <<'EOF'
[tls]
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
keyUsage = critical, digitalSignature
extendedKeyUsage = critical, serverAuth, clientAuth
certificatePolicies = 2.23.146.1.2.1.3
subjectAltName = DNS:testsmdpplus1.example.com
EOF
openssl x509 -req -in s8.csr -CA pki/ci.pem -CAkey pki/ci-key.pem -CAcreateserial -days 30 \
	-sha256 -extfile ext.cnf -extensions tls -out s8.pem >/dev/null 2>&1
tap $? "the test CI issues a certificate for the request (openssl x509 -req)"

card install-cert --slot 9 --cert s8.pem --out installed.pem >/dev/null 2>err.txt
st=$?
[ $st -eq 1 ] && grep -q 'not the key in slot 9' err.txt && [ ! -e installed.pem ]
tap $? "install-cert refuses a certificate for another slot's key, writes nothing"
echo old >installed.pem
card install-cert --slot 8 --cert pki/dptls.pem --out installed.pem >/dev/null 2>&1
st=$?
[ $st -eq 1 ] && [ "$(cat installed.pem)" = old ]
tap $? "install-cert refuses a foreign certificate and leaves the old file"
card install-cert --slot 8 --cert s8.pem --out installed.pem >/dev/null 2>&1 &&
	cmp -s installed.pem s8.pem
tap $? "install-cert stores the matching certificate"

cat >portdpd.conf <<EOF
accel = dev:$DEV
tls_cert = $T/tls-chain.pem
tls_key = portdp:dev=$DEV;slot=8
dpauth_cert = $T/dpauth.der
dpauth_key = slot:9
EOF
card install-cert --slot 8 --cert s8.pem --config portdpd.conf --role tls >/dev/null 2>&1 &&
	cmp -s tls-chain.pem s8.pem
tap $? "install-cert --config --role tls writes the config's tls_cert"
card install-cert --slot 8 --cert s8.pem --config portdpd.conf --role dpauth >/dev/null 2>err.txt
st=$?
[ $st -eq 1 ] && grep -q 'not slot 8' err.txt && [ ! -e dpauth.der ]
tap $? "install-cert --role dpauth refuses when the config's dpauth_key is another slot"

card destroy --slot 9 >/dev/null 2>&1 && ! card list | grep -q '^slot 9 '
tap $? "destroy --slot 9 empties the slot"
card destroy --slot 9 >/dev/null 2>err.txt
st=$?
[ $st -eq 1 ] && grep -q 'no key' err.txt
tap $? "destroy on an empty slot fails (no key)"
card csr --slot 9 --subject "/CN=x" --out s9.csr >/dev/null 2>&1
st=$?
[ $st -eq 1 ] && [ ! -e s9.csr ]
tap $? "csr for an empty slot fails and writes nothing"
card destroy --slot 8 >/dev/null 2>&1
tap $? "clean up slot 8"
finish
