#!/bin/bash
# portdpctl card on the host, where there is no card: every bad argument is a
# usage error (status 2) caught before the card is asked, a missing card is a
# clear failure (status 1), and nothing is written either way. The commands
# themselves run on the card in the VM guest (guest-portdpctl-card.sh).
set -u
top=$(cd "$(dirname "$0")/../../.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$top/$BUILD ;; esac
CTL=$BUILD/bin/portdpctl
[ -x "$CTL" ] || { echo "Bail out! $CTL not built"; exit 1; }
T=$(mktemp -d /tmp/portdp-cardargs-XXXXXX)
trap 'rm -rf "$T"' EXIT
NODEV=/dev/portdp-accel-none
n=0
failed=0

# expect STATUS MESSAGE-PATTERN NAME -- ARGS...: status and stderr of one run.
expect() {
	local want=$1 pat=$2 name=$3 out rc
	shift 4
	out=$("$CTL" card "$@" 2>&1 >/dev/null)
	rc=$?
	n=$((n + 1))
	if [ "$rc" -eq "$want" ] && grep -q -- "$pat" <<<"$out"; then
		echo "ok $n - $name"
	else
		echo "# status $rc (want $want): $out"
		echo "not ok $n - $name"
		failed=1
	fi
}

expect 2 "usage: portdpctl card" "no subcommand prints the card usage" --
expect 2 "unknown subcommand" "unknown subcommand" -- frobnicate
expect 2 "slot is required" "keygen needs --slot" -- keygen
expect 2 "want a slot number" "slot 256 is no slot number" -- keygen --slot 256
expect 2 "want a slot number" "slot -1 is no slot number" -- destroy --slot -1
expect 2 "want a slot number" "slot 3x is no slot number" -- destroy --slot 3x
expect 2 "want p256 or bp256" "unknown curve" -- keygen --slot 1 --curve p384
expect 2 "want /dev/NAME" "device outside /dev" -- status --dev /tmp/card
expect 2 "want /dev/NAME" "device path with .." -- status --dev /dev/../etc/passwd
expect 2 "no --slot here" "list takes no --slot" -- list --slot 1
expect 2 "subject is required" "csr needs --subject" -- csr --slot 1 --out "$T/a.csr"
expect 2 "want /KEY=VALUE" "csr subject without a leading /" -- csr --slot 1 --subject CN=x --out "$T/a.csr"
expect 2 "no KEY=VALUE" "csr subject with an empty value" -- csr --slot 1 --subject /CN= --out "$T/a.csr"
expect 2 "not accepted" "csr subject with an unknown attribute" -- csr --slot 1 --subject /XYZ=1 --out "$T/a.csr"
expect 2 "give --out DEST" "install-cert needs --out or --config" -- install-cert --slot 1 --cert /dev/null
expect 2 "give --out DEST" "install-cert --config needs --role" -- install-cert --slot 1 --cert x --config y
expect 2 "want tls, dpauth or dppb" "install-cert unknown role" -- install-cert --slot 1 --cert x --config y --role web
expect 1 "no PEM or DER X.509" "install-cert refuses a file that is no certificate" -- install-cert --slot 1 --cert /etc/hostname --out "$T/c.pem"
expect 1 "no such card" "keygen without a card fails clearly" -- keygen --slot 1 --dev "$NODEV"
expect 1 "no such card" "status without a card fails clearly" -- status --dev "$NODEV"
expect 1 "no such card" "csr without a card fails clearly" -- csr --slot 1 --subject /CN=x --out "$T/a.csr" --dev "$NODEV"
n=$((n + 1))
if [ -z "$(ls -A "$T")" ]; then echo "ok $n - nothing was written"; else echo "not ok $n - nothing was written"; failed=1; fi
n=$((n + 1))
"$CTL" -h | grep -q "card SUBCOMMAND" && echo "ok $n - portdpctl -h lists the card command" ||
	{ echo "not ok $n - portdpctl -h lists the card command"; failed=1; }
echo "1..$n"
exit $failed
