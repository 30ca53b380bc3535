#!/bin/bash
# portdpctl end to end on a real inventory file and the TS.48 UPPs: init,
# import, duplicates and garbage refused with nothing stored, list, show,
# activation codes (text, terminal QR, PNG decoded back with zbarimg),
# audit, expire, usage errors. Prints TAP.
set -u
cd "$(dirname "$0")/../../.." || exit 1
BUILD=${BUILD:-build}
SHARED=${SHARED:-.}
CTL=$BUILD/bin/portdpctl
TS48=$SHARED/testdata/ts48
TMP=$(mktemp -d /tmp/portdpctl-test.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
DB=$TMP/inv.db
n=0 failed=0

ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=1; echo "not ok $n - $1"; }
check() { # check NAME COMMAND...: ok when the command succeeds
	local name=$1; shift
	if "$@"; then ok "$name"; else not_ok "$name"; fi
}
ctl() { timeout 30 "$CTL" -d "$DB" "$@"; }
profiles() { ctl list 2>/dev/null | tail -n +2 | wc -l; }
audit_rows() { ctl audit 2>/dev/null | tail -n +2 | wc -l; }

echo "1..25"
if [ ! -x "$CTL" ] || [ ! -d "$TS48" ]; then
	echo "not ok 1 - need $CTL and $TS48"
	exit 1
fi

# 1-2: no inventory is created by accident, init creates one
ctl list >/dev/null 2>"$TMP/err"; rc=$?
check "list on a missing inventory fails (1) and creates nothing" \
	test "$rc" -eq 1 -a ! -e "$DB"
# shellcheck disable=SC2317 # called through check
quiet_init() { ctl init >/dev/null; }
check "init creates the inventory" quiet_init

# 3-5: import every TS.48 file with a unique ICCID
mapfile -t UNIQUE < <(ls "$TS48"/*-UNIQUE.der)
ctl import --sp "GSMA TS.48" "${UNIQUE[@]}" >"$TMP/import.out" 2>"$TMP/import.err"; rc=$?
check "import of ${#UNIQUE[@]} TS.48 UPPs succeeds" test "$rc" -eq 0 -a "${#UNIQUE[@]}" -ge 18
check "import prints ICCID and matching ID per file" \
	test "$(grep -cE '^89[0-9]{17,18} +[0-9A-Z-]{23} ' "$TMP/import.out")" -eq "${#UNIQUE[@]}"
check "the ICCID is read from the ProfileHeader" \
	grep -qE '^8949449999999990023 .*TS48V1-A-UNIQUE.der$' "$TMP/import.out"

# 6-7: list
ctl list >"$TMP/list.out" 2>/dev/null
check "list shows every imported profile" test "$(profiles)" -eq "${#UNIQUE[@]}"
all_listed=0
while read -r iccid mid _; do
	grep -qE "^$iccid +available +$mid +- +operational +GSMA Generic eUICC Test Profile$" \
		"$TMP/list.out" || all_listed=1
done <"$TMP/import.out"
check "list rows carry ICCID, state, matching ID, EID, class, name" test "$all_listed" -eq 0

# 8-10: duplicates and garbage change nothing
before_rows=$(audit_rows)
ctl import "$TS48/TS48V1-A-UNIQUE.der" >/dev/null 2>"$TMP/dup.err"; rc=$?
check "duplicate ICCID is refused (exit 1, says why)" \
	test "$rc" -eq 1 -a "$(grep -c 'duplicate ICCID 8949449999999990023' "$TMP/dup.err")" -eq 1
head -c 5000 "$TS48/TS48v1_A.der" >"$TMP/truncated.der"
printf 'this is not a profile package' >"$TMP/garbage.der"
ctl import "$TMP/truncated.der" "$TMP/garbage.der" >/dev/null 2>"$TMP/garbage.err"; rc=$?
check "truncated and garbage files are refused (exit 1)" \
	test "$rc" -eq 1 -a "$(grep -c 'does not parse' "$TMP/garbage.err")" -eq 2
check "refused imports stored nothing (profiles and audit unchanged)" \
	test "$(profiles)" -eq "${#UNIQUE[@]}" -a "$(audit_rows)" -eq "$before_rows"

# 11-12: a mixed batch keeps the good file only
ctl import "$TMP/garbage.der" "$TS48/TS48v1_A.der" >"$TMP/mixed.out" 2>/dev/null; rc=$?
check "mixed batch: exit 1, the good file imported" \
	test "$rc" -eq 1 -a "$(grep -c '^89000123456789012341 ' "$TMP/mixed.out")" -eq 1
check "mixed batch: one profile more" test "$(profiles)" -eq $(( ${#UNIQUE[@]} + 1 ))

# 13-15: options, show, activation code with confirmation code
ctl import --matching-id CC-PROFILE-1 --cc 1234 --class test --name "Field kit" \
	--reuse after-delete "$TS48/TS48v2_SAIP2.1_NoBERTLV.der" >/dev/null 2>&1
ctl show CC-PROFILE-1 >"$TMP/show.out" 2>&1
check "show by matching ID reports the import options" \
	test "$(grep -cE '^(iccid: +89000123456789012358|profile_class: +test|profile_name: +Field kit|reuse: +after-delete|confirmation: +required|state: +available)$' "$TMP/show.out")" -eq 6
check "show by ICCID finds the same profile" \
	test "$(ctl show 89000123456789012358 2>/dev/null | grep -c 'matching_id: *CC-PROFILE-1')" -eq 1
# shellcheck disable=SC2016 # the dollars are literal
check "ac with a confirmation code: LPA:1\$host\$matchingId\$\$1" \
	test "$(ctl ac CC-PROFILE-1 --host smdp.example.com 2>/dev/null)" = 'LPA:1$smdp.example.com$CC-PROFILE-1$$1'

# 16-19: activation code without confirmation code, terminal QR, PNG
mid=$(awk '$1 == "8949449999999990023" { print $2 }' "$TMP/import.out")
want="LPA:1\$testsmdpplus1.example.com:8443\$$mid"
ctl ac 8949449999999990023 --host testsmdpplus1.example.com:8443 --qr --png "$TMP/ac.png" \
	>"$TMP/ac.out" 2>/dev/null; rc=$?
check "ac prints LPA:1\$host\$matchingId" test "$rc" -eq 0 -a "$(head -n 1 "$TMP/ac.out")" = "$want"
check "ac --qr draws the code with UTF-8 half blocks" \
	test "$(tail -n +2 "$TMP/ac.out" | grep -c '█')" -ge 15
check "ac --png writes a PNG image" \
	test "$(head -c 8 "$TMP/ac.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a -a \
	"$(file -b "$TMP/ac.png" | grep -c '^PNG image data')" -eq 1
if command -v zbarimg >/dev/null; then
	check "the PNG decodes back to the activation code" \
		test "$(zbarimg -q --raw "$TMP/ac.png" 2>/dev/null)" = "$want"
else
	n=$((n + 1)); echo "ok $n # SKIP zbarimg not installed (tools/install-deps)"
fi

# 20-21: audit
total=$(( ${#UNIQUE[@]} + 2 ))
check "audit shows one import row per stored profile" \
	test "$(ctl audit 2>/dev/null | grep -c " -  *-> available .* portdpctl uid=$(id -u)($(id -un))  *import$")" -eq "$total"
check "audit --since skips older rows" \
	test "$(ctl audit --since $((total - 1)) 2>/dev/null | tail -n +2 | wc -l)" -eq 1

check "a new inventory is readable by its owner only (UPPs carry keys)" \
	test "$(stat -c %a "$DB")" = 600

# 23: expire, re-init keeps data
check "expire releases nothing here and re-init keeps the data" \
	test "$(ctl expire 2>/dev/null)" = "released 0 expired allocations" -a \
	"$(ctl init 2>/dev/null)" = "inventory ready, $total profiles"

# 24-25: usage errors exit 2, failures exit 1
usage_ok=0
for args in "" "bogus" "import --class gold x.der" "ac CC-PROFILE-1" \
	"ac CC-PROFILE-1 --host bad\$host" "list --state sleeping" "audit --since -4" \
	"show"; do
	# shellcheck disable=SC2086
	timeout 30 "$CTL" -d "$DB" $args >/dev/null 2>&1
	[ $? -eq 2 ] || { usage_ok=1; echo "# '$args' did not exit 2"; }
done
check "usage errors exit 2" test "$usage_ok" -eq 0
ctl show NO-SUCH-PROFILE >/dev/null 2>&1; rc=$?
check "unknown profile exits 1" test "$rc" -eq 1

exit $failed
