#!/bin/bash
# Transfers between units (issue 11, UC4) with portdpctl on real inventory files, unit
# certificates from portdp-pki --unit and soft unit keys. A rack exports to a kit:
#  - a bundle moves its profiles (state "transferred" at the source, available at the
#    destination), a signed receipt comes back, audit verify passes on both;
#  - refused with a clear message and no change: a tampered byte anywhere (every 97th byte
#    and the last), a truncated file (several cuts), a replay, another unit's bundle, an
#    unknown signer (a unit of another CA), an ICCID already in stock;
#  - a lost bundle is issued again until its receipt is back; a return bundle brings a
#    profile back to the rack;
#  - kill -9 (SIGKILL at a named step, PORTDP_TEST_KILL_AT) of the exporting or importing
#    side at every step: no ICCID is ever in both stocks, the operator's recovery (re-issue,
#    import again) ends with each ICCID in exactly one stock, and audit verify passes on both.
# Prints TAP.
set -u
cd "$(dirname "$0")/../../.." || exit 1
BUILD=${BUILD:-build}
SHARED=${SHARED:-.}
CTL=$BUILD/bin/portdpctl
PKI=$BUILD/bin/portdp-pki
TS48=$SHARED/testdata/ts48
TMP=$(mktemp -d /tmp/portdp-transfer.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
TAP_N=0 TAP_FAILED=0
tap() {
	TAP_N=$((TAP_N + 1))
	if [ "$1" -eq 0 ]; then echo "ok $TAP_N - $2"; else
		echo "not ok $TAP_N - $2"
		TAP_FAILED=$((TAP_FAILED + 1))
	fi
}

"$PKI" --unit rack --unit kit --unit stranger "$TMP/pki" >/dev/null &&
	"$PKI" --unit rack "$TMP/other" >/dev/null
tap $? "unit CA and unit certificates from portdp-pki --unit"
U=$TMP/pki/units
id() { echo --key "file:$U/$1-key.pem" --cert "$U/$1.pem" --ca "$U/uca.pem"; }
# shellcheck disable=SC2046
rack() { timeout 60 "$CTL" -d "$TMP/rack.db" "$@" $(id rack); }
# shellcheck disable=SC2046
kit() { timeout 60 "$CTL" -d "$TMP/kit.db" "$@" $(id kit); }
q() { sqlite3 "$1" "$2"; }
# what a unit could bind, and what it shows to an operator
stock() { q "$1" "SELECT iccid FROM profile WHERE state <> 6 ORDER BY iccid"; }
snap() { q "$1" "SELECT group_concat(iccid || state, ',') FROM profile; SELECT count(*) FROM audit"; }
verify_both() {
	timeout 60 "$CTL" -d "$TMP/rack.db" audit verify --cert "$U/rack.pem" >/dev/null &&
		timeout 60 "$CTL" -d "$TMP/kit.db" audit verify --cert "$U/kit.pem" >/dev/null
}

mapfile -t UPPS < <(ls "$TS48"/*-UNIQUE.der)
"$CTL" -d "$TMP/rack.db" init >/dev/null && "$CTL" -d "$TMP/kit.db" init >/dev/null &&
	"$CTL" -d "$TMP/rack.db" import "${UPPS[@]}" >"$TMP/imported" 2>/dev/null
tap $? "two inventories, ${#UPPS[@]} profiles at the rack"
cp "$TMP/rack.db" "$TMP/rack0.db" && cp "$TMP/kit.db" "$TMP/kit0.db"
ALL=$(stock "$TMP/rack.db")

# --- a transfer, its receipt ------------------------------------------------------------
rack transfer export --to "$U/kit.pem" --count 4 -o "$TMP/b1" >"$TMP/out" 2>&1 &&
	[ "$(q "$TMP/rack.db" 'SELECT count(*) FROM profile WHERE state = 6')" = 4 ]
tap $? "export: 4 profiles leave the rack's stock ($(head -c 80 "$TMP/out"))"
B1=$(q "$TMP/rack.db" "SELECT lower(hex(bundle_id)) FROM transfer_out")
# the rack's checkpoint covers the rows that moved them
q "$TMP/rack.db" "SELECT reason FROM audit_checkpoint" | grep -q "transfer out $B1"
tap $? "the audit head is signed at the export"
rack transfer export --to "$U/kit.pem" --count 1 -o "$TMP/b1" >/dev/null 2>&1
tap $((!$?)) "an existing bundle file is never overwritten"
cp "$TMP/b1" "$TMP/b1.orig"

# --- refusals: each changes nothing ------------------------------------------------------
before=$(snap "$TMP/kit.db")
len=$(stat -c %s "$TMP/b1")
bad=0 n=0
# every 7th byte of the header and certificate, 40 spread over the sealed UPPs, the signature
for off in $(seq 0 7 700) $(seq 700 $((len / 40)) $((len - 70))) $(seq $((len - 70)) 5 $((len - 1))) \
	$((len - 1)); do
	cp "$TMP/b1.orig" "$TMP/t"
	printf "$(printf '\\x%02x' $((($(od -An -tu1 -j"$off" -N1 "$TMP/t") ^ 0x5a) & 255)))" |
		dd of="$TMP/t" bs=1 seek="$off" conv=notrunc status=none
	kit transfer import "$TMP/t" >"$TMP/out" 2>&1 && bad=$((bad + 1))
	grep -q "refused, nothing changed" "$TMP/out" || bad=$((bad + 1))
	n=$((n + 1))
done
[ $bad -eq 0 ] && [ "$(snap "$TMP/kit.db")" = "$before" ]
tap $? "a changed byte anywhere is refused, nothing changed ($n positions)"
bad=0
for cut in 0 7 8 40 300 $((len / 2)) $((len - 64)) $((len - 1)); do
	head -c $cut "$TMP/b1.orig" >"$TMP/t"
	kit transfer import "$TMP/t" >"$TMP/out" 2>&1 && bad=$((bad + 1))
	grep -q "refused, nothing changed: truncated\|not a Port-DP\|item count" "$TMP/out" ||
		bad=$((bad + 1))
done
cat "$TMP/b1.orig" "$TMP/b1.orig" >"$TMP/t"
kit transfer import "$TMP/t" >/dev/null 2>&1 && bad=$((bad + 1))
[ $bad -eq 0 ] && [ "$(snap "$TMP/kit.db")" = "$before" ]
tap $? "a truncated (or lengthened) file is refused, nothing changed"

# another unit's bundle
rack transfer export --to "$U/stranger.pem" --count 1 -o "$TMP/bs" >/dev/null 2>&1 &&
	! kit transfer import "$TMP/bs" >"$TMP/out" 2>&1 &&
	grep -q "is for another unit" "$TMP/out" && [ "$(snap "$TMP/kit.db")" = "$before" ]
tap $? "another unit's bundle is refused: $(cut -c1-90 "$TMP/out")"

# an unknown signer: a unit of another CA (it trusts both CAs to name our kit)
cat "$TMP/other/units/uca.pem" "$U/uca.pem" >"$TMP/both.pem"
"$CTL" -d "$TMP/other.db" init >/dev/null && "$CTL" -d "$TMP/other.db" import "${UPPS[0]}" >/dev/null 2>&1 &&
	"$CTL" -d "$TMP/other.db" transfer export --to "$U/kit.pem" --count 1 -o "$TMP/bo" \
		--key "file:$TMP/other/units/rack-key.pem" --cert "$TMP/other/units/rack.pem" \
		--ca "$TMP/both.pem" >/dev/null &&
	! kit transfer import "$TMP/bo" >"$TMP/out" 2>&1 && grep -q "unknown signer" "$TMP/out" &&
	[ "$(snap "$TMP/kit.db")" = "$before" ]
tap $? "an unknown signer is refused: $(cut -c1-90 "$TMP/out")"

# an ICCID already in stock: the kit has one of the bundle's profiles already
DUP=$(q "$TMP/rack.db" "SELECT p.iccid FROM profile p JOIN transfer_item i ON i.profile_id = p.id
	WHERE i.bundle_id = x'$B1' LIMIT 1")
DUPFILE=$(grep "^$DUP " "$TMP/imported" | awk '{ print $3 }')
cp "$TMP/kit.db" "$TMP/kitdup.db"
if [ -n "$DUPFILE" ]; then
	"$CTL" -d "$TMP/kitdup.db" import "$DUPFILE" >/dev/null 2>&1
	b=$(snap "$TMP/kitdup.db")
	# shellcheck disable=SC2046
	! timeout 60 "$CTL" -d "$TMP/kitdup.db" transfer import "$TMP/b1" $(id kit) >"$TMP/out" 2>&1 &&
		grep -q "ICCID $DUP is already in stock" "$TMP/out" && [ "$(snap "$TMP/kitdup.db")" = "$b" ]
	tap $? "an ICCID already in stock is refused, nothing added: $(cut -c1-100 "$TMP/out")"
else
	tap 1 "an ICCID already in stock (no UPP file found for $DUP)"
fi

# --- import, replay, receipt, re-issue -----------------------------------------------------
kit transfer import "$TMP/b1" >"$TMP/out" 2>&1 &&
	[ "$(stock "$TMP/kit.db" | wc -l)" = 4 ] && [ -s "$TMP/b1.receipt" ]
tap $? "import: 4 profiles in the kit's stock, a signed receipt written"
after=$(snap "$TMP/kit.db")
! kit transfer import "$TMP/b1" >"$TMP/out" 2>&1 && grep -q "imported before (replay)" "$TMP/out" &&
	[ "$(snap "$TMP/kit.db")" = "$after" ]
tap $? "a replay is refused, nothing changed"
rm "$TMP/b1" && rack transfer reissue "$B1" -o "$TMP/b1" >/dev/null && cmp -s "$TMP/b1" "$TMP/b1.orig"
tap $? "a lost bundle is issued again, byte for byte"
rack transfer receipt "$TMP/b1.receipt" >/dev/null && rm "$TMP/b1" &&
	! rack transfer reissue "$B1" -o "$TMP/b1" >"$TMP/out" 2>&1 && grep -q "received" "$TMP/out"
tap $? "once the receipt is back, the bundle is not issued again"
! rack transfer receipt "$TMP/bo" >/dev/null 2>&1
tap $? "a bundle is not taken as a receipt"

# --- return --------------------------------------------------------------------------------
RET=$(stock "$TMP/kit.db" | head -1)
kit transfer export --to "$U/rack.pem" --return --iccid "$RET" -o "$TMP/r1" >/dev/null &&
	rack transfer import "$TMP/r1" >/dev/null &&
	[ "$(q "$TMP/rack.db" "SELECT state FROM profile WHERE iccid = '$RET'")" = 0 ] &&
	[ "$(q "$TMP/kit.db" "SELECT state FROM profile WHERE iccid = '$RET'")" = 6 ]
tap $? "a return bundle brings $RET back to the rack's stock (transferred at the kit)"
# ... and it can go to the kit again: the kit takes back the ICCID it returned to the rack
rack transfer export --to "$U/kit.pem" --iccid "$RET" -o "$TMP/again" >/dev/null &&
	kit transfer import "$TMP/again" >"$TMP/out" 2>&1 &&
	[ "$(q "$TMP/rack.db" "SELECT state FROM profile WHERE iccid = '$RET'")" = 6 ] &&
	[ "$(q "$TMP/kit.db" "SELECT state FROM profile WHERE iccid = '$RET'")" = 0 ]
tap $? "the returned $RET goes to the kit again: in its stock, transferred at the rack ($(cut -c1-60 "$TMP/out"))"
# and back once more, so the rest of the test finds the stock as before
kit transfer export --to "$U/rack.pem" --return --iccid "$RET" -o "$TMP/r2" >/dev/null &&
	rack transfer import "$TMP/r2" >/dev/null &&
	[ "$(q "$TMP/rack.db" "SELECT state FROM profile WHERE iccid = '$RET'")" = 0 ]
tap $? "and returned again: $RET back at the rack"
# the rack never sent the stranger anything: its "return" is refused
"$CTL" -d "$TMP/str.db" init >/dev/null && "$CTL" -d "$TMP/str.db" import "${UPPS[5]}" >/dev/null 2>&1
X=$(q "$TMP/str.db" "SELECT iccid FROM profile")
# shellcheck disable=SC2046
timeout 60 "$CTL" -d "$TMP/str.db" transfer export --to "$U/rack.pem" --return --iccid "$X" \
	-o "$TMP/rs" $(id stranger) >/dev/null && b=$(snap "$TMP/rack.db") &&
	! rack transfer import "$TMP/rs" >"$TMP/out" 2>&1 && [ "$(snap "$TMP/rack.db")" = "$b" ]
tap $? "a return of a profile never sent to its signer is refused: $(cut -c1-90 "$TMP/out")"
# stock the bundle cannot carry stays: a profile that needs a confirmation code
"$CTL" -d "$TMP/cc.db" init >/dev/null && "$CTL" -d "$TMP/cc.db" import --cc 1234 "${UPPS[3]}" >/dev/null 2>&1
X=$(q "$TMP/cc.db" "SELECT iccid FROM profile")
# shellcheck disable=SC2046
! timeout 60 "$CTL" -d "$TMP/cc.db" transfer export --to "$U/kit.pem" --iccid "$X" -o "$TMP/cc1" \
	$(id rack) >"$TMP/out" 2>&1 && grep -q "confirmation code" "$TMP/out" &&
	! timeout 60 "$CTL" -d "$TMP/cc.db" transfer export --to "$U/kit.pem" --count 1 -o "$TMP/cc1" \
		$(id rack) >/dev/null 2>&1 && [ ! -e "$TMP/cc1" ] &&
	[ "$(q "$TMP/cc.db" "SELECT state FROM profile")" = 0 ]
tap $? "a profile with a confirmation code does not move: $(cut -c1-80 "$TMP/out")"
verify_both
tap $? "audit verify passes on both units"

# --- kill -9 at every step -----------------------------------------------------------------
one_owner() { # no ICCID in both stocks; with @1 = final, each in exactly one
	local r k
	r=$(stock "$TMP/rack.db")
	k=$(stock "$TMP/kit.db")
	[ -z "$(comm -12 <(echo "$r") <(echo "$k") | grep .)" ] || return 1
	[ "$1" = final ] || return 0
	[ "$(sort <(echo "$r") <(echo "$k") | grep . | sort -u)" = "$ALL" ] &&
		[ "$(printf '%s\n%s\n' "$r" "$k" | grep -c .)" = "$(echo "$ALL" | wc -l)" ]
}
recover() { # what an operator does: the recorded bundle written again if lost, imported
	local id
	for id in $(q "$TMP/rack.db" "SELECT lower(hex(bundle_id)) FROM transfer_out WHERE receipt IS NULL"); do
		[ -s "$TMP/k" ] || { rm -f "$TMP/k.tmp"; rack transfer reissue "$id" -o "$TMP/k" >/dev/null || return 1; }
		kit transfer import "$TMP/k" >/dev/null 2>&1 ||
			grep -q . "$TMP/k.receipt" || return 1
		rack transfer receipt "$TMP/k.receipt" >/dev/null || return 1
	done
}
for step in export-signed export-before-commit export-committed export-half-written export-done \
	import-opened import-half import-before-commit import-committed; do
	cp "$TMP/rack0.db" "$TMP/rack.db" && cp "$TMP/kit0.db" "$TMP/kit.db" &&
		rm -f "$TMP/rack.db-wal" "$TMP/rack.db-shm" "$TMP/kit.db-wal" "$TMP/kit.db-shm" \
			"$TMP/k" "$TMP/k.tmp" "$TMP/k.receipt"
	case $step in
	export-*)
		PORTDP_TEST_KILL_AT=$step rack transfer export --to "$U/kit.pem" --count 6 \
			-o "$TMP/k" >/dev/null 2>&1
		;;
	import-*)
		rack transfer export --to "$U/kit.pem" --count 6 -o "$TMP/k" >/dev/null &&
			PORTDP_TEST_KILL_AT=$step kit transfer import "$TMP/k" >/dev/null 2>&1
		;;
	esac
	rc=$?
	ok=0
	[ $rc -eq 137 ] || ok=1
	one_owner now || ok=2
	verify_both || ok=3
	recover || ok=4
	one_owner final || ok=5
	verify_both || ok=6
	tap $ok "kill -9 at $step: never in two stocks, recovered to exactly one, audit verifies"
done

echo "1..$TAP_N"
[ "$TAP_FAILED" -eq 0 ]
