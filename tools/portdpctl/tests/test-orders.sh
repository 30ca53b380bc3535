#!/bin/bash
# portdpctl for ES2+ on a real inventory file: operators (from a certificate, from a
# subject; refused duplicates), owned imports (--owner/--profile-type; an unknown owner
# refused with nothing stored), the order commands and their refusals (nothing changed),
# the audit rows, and the progress queue view. Prints TAP.
set -u
cd "$(dirname "$0")/../../.." || exit 1
BUILD=${BUILD:-build}
SHARED=${SHARED:-.}
CTL=$BUILD/bin/portdpctl
TS48=$SHARED/testdata/ts48
TMP=$(mktemp -d /tmp/portdpctl-orders.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
DB=$TMP/inv.db
EID=89049032123451234512345678901235
n=0 failed=0
tap() { n=$((n + 1)); if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else failed=1; echo "not ok $n - $2"; fi; }
ctl() { timeout 30 "$CTL" -d "$DB" "$@"; }
snap() { ctl list 2>&1; ctl audit 2>&1; }

[ -x "$CTL" ] && [ -x "$BUILD/bin/portdp-pki" ] || { echo "Bail out! build first"; exit 1; }
"$BUILD/bin/portdp-pki" -n 0 --operator opA "$TMP/pki" >/dev/null
ctl init >/dev/null
ctl operator add opA --cert "$TMP/pki/operators/opA.pem" --url https://127.0.0.1:9/x >/dev/null &&
	ctl operator add opB --subject "CN=opB,O=Test Operator" >/dev/null
tap $? "operators added from a certificate and from a subject"
ctl operator list | grep -q "^opA .*CN=opA,O=Test Operator"
tap $? "operator list shows opA with its certificate's subject"
ctl operator add opC --subject "CN=opB,O=Test Operator" >/dev/null 2>&1
[ $? -eq 1 ] && ! ctl operator list | grep -q "^opC"
tap $? "a taken subject is refused"
mapfile -t FILES < <(ls "$TS48"/*-UNIQUE.der | head -3)
before=$(snap)
ctl import --owner nobody "${FILES[0]}" >/dev/null 2>&1
[ $? -eq 1 ] && [ "$(snap)" = "$before" ]
tap $? "import for an unknown operator: refused, nothing stored"
A=$(ctl import --owner opA --profile-type tA "${FILES[0]}" 2>/dev/null | awk '{print $1}')
B=$(ctl import --owner opA --profile-type tA "${FILES[1]}" 2>/dev/null | awk '{print $1}')
D=$(ctl import "${FILES[2]}" 2>/dev/null | awk '{print $1}')
ctl show "$A" | grep -q "owner: *opA" && ctl show "$A" | grep -q "order: *unordered" &&
	ctl show "$D" | grep -q "order: *direct"
tap $? "owned profiles are unordered, the other one direct stock"

before=$(snap)
for args in "release-profile $A" "confirm-order $A --release" "cancel-order $A --available" \
	"download-order $D" "download-order $A --eid 123"; do
	# shellcheck disable=SC2086
	ctl $args >/dev/null 2>&1 && { echo "# accepted: $args"; false; }
done
[ "$(snap)" = "$before" ]
tap $? "wrong state, direct stock and a bad EID are refused, nothing changed"
ctl download-order "$A" --eid "$EID" | grep -q "reserved .* $EID"
tap $? "download-order ICCID --eid"
ctl confirm-order "$A" --matching-id CTL-1 --cc 1234 | grep -q "confirmed *CTL-1"
tap $? "confirm-order with matching ID and confirmation code, not released"
ctl release-profile "$A" | grep -q "released *CTL-1"
tap $? "release-profile"
ctl download-order --owner opA --type tA | grep -q "^$B *reserved"
tap $? "download-order by owner and profile type takes the next unordered one"
ctl cancel-order "$B" --unavailable | grep -q "unavailable"
tap $? "cancel-order --unavailable"
ctl audit | grep -c "portdpctl.*order " | grep -qx 5
tap $? "five order changes in the audit log"
ctl queue | grep -qE "^opA +active +0 +0"
tap $? "queue: opA active, nothing pending"
ctl queue pause opA && ctl queue | grep -qE "^opA +paused" && ctl queue resume opA
tap $? "queue pause/resume"
echo "1..$n"
exit $failed
