#!/bin/bash
# E2E: the inventory's filesystem (a small tmpfs, or with DISK_FS=ext4 a
# loop-mounted ext4 image) fills up while portdp-bench
# downloads run. Every failure must be an SGP.22 answer (no HTTP error, hang or
# dropped connection), portdpd must live on, nothing may be lost (the
# invariants hold, every completed binding is installed, exactly the BPPs whose
# handleNotification failed stay 'downloaded'), and once the filler is gone the
# next downloads succeed without a restart.
set -u
. "$(dirname "$0")/lib.sh"
INVARIANTS=$(dirname "$0")/inventory-invariants
CONC=8
PROFILES=4000
e2e_init disk-full
[ -x "$BIN/portdp-bench" ] || { echo "Bail out! $BIN/portdp-bench not built"; exit 1; }
FS=${DISK_FS:-tmpfs}
if [ "$(id -u)" -ne 0 ]; then
	echo "1..0 # SKIP mounting a $FS needs root"
	exit 0
fi
if [ "$FS" = ext4 ] && ! { command -v mkfs.ext4 && losetup -f; } >/dev/null 2>&1; then
	echo "1..0 # SKIP no mkfs.ext4 (e2fsprogs) or no free loop device"
	exit 0
fi
SMALL=$E2E_DIR/small
disk_cleanup() {
	[ -n "$DPD_PID" ] && kill -9 "$DPD_PID" 2>/dev/null && wait "$DPD_PID" 2>/dev/null
	DPD_PID=
	mountpoint -q "$SMALL" && umount "$SMALL"
	e2e_cleanup
}
# mount_small KIB: an empty filesystem of that size on $SMALL.
mount_small() {
	case $FS in
	tmpfs) mount -t tmpfs -o "size=${1}k,mode=0700" portdp-disk-full "$SMALL" ;;
	ext4)
		# + inode tables, bitmaps and a 4 MiB journal
		truncate -s "$(($1 * 23 / 20 + 4096))k" "$E2E_DIR/small.img" &&
			mkfs.ext4 -q -F -m 0 -J size=4 "$E2E_DIR/small.img" &&
			mount -o loop "$E2E_DIR/small.img" "$SMALL" && chmod 0700 "$SMALL"
		;;
	*) return 1 ;;
	esac
}
trap disk_cleanup EXIT

B=$E2E_DIR/b
"$BIN/portdp-bench" setup --dir "$B" --profiles $PROFILES --euiccs $CONC >"$E2E_DIR/setup.log" 2>&1
tap $? "bench: $PROFILES profiles, $CONC eUICCs, db_sync full"
# Room for the database and a few MiB of WAL: the WAL must grow before the fill.
kib=$(($(du -k "$B/inventory.db" | cut -f1) + 8192))
# The stock key goes with it (portdpd looks for <db>.stock-key).
mkdir "$SMALL" && mount_small $kib && mv "$B/inventory.db" "$B/inventory.db.stock-key" "$SMALL/"
tap $? "inventory on a ${kib} KiB $FS"
E2E_DB=$SMALL/inventory.db
PORT=$(free_port)
# The bench reads the inventory path from its own config too.
sed -i "s|^db = .*|db = $E2E_DB|" "$B/portdpd.conf"
sed "s/^port = .*/port = $PORT/" "$B/portdpd.conf" >"$E2E_DIR/portdpd.conf"
start_portdpd "$E2E_DIR/portdpd.conf" "$PORT"
tap $? "portdpd started"

# bench N DURATION: a run without matching IDs (failed attempts use up no profile).
bench() {
	timeout 120 "$BIN/portdp-bench" run --dir "$B" --connect "127.0.0.1:$PORT" \
		--server-pid "$DPD_PID" --concurrency $CONC --default-smdp --duration "$2" \
		--csv "$E2E_DIR/run-$1.csv" >"$E2E_DIR/bench-$1.log" 2>&1
}
show() {
	grep -E '^(bindings|first failure|sanity)|portdp-bench:' "$E2E_DIR/bench-$1.log" |
		sed 's/^/#   /'
}

bench 1 0.5
rc=$?
[ $rc -eq 0 ] || show 1
tap $rc "before: $(bench_field "$E2E_DIR/bench-1.log" completed) downloads, no failure"

commit_failures() {
	grep -c 'group commit of .* failed' "$E2E_DIR/portdpd.log"
}
before=$(commit_failures)
bench 2 2.5 &
BENCH=$!
sleep 0.5
dd if=/dev/zero of="$SMALL/fill" bs=64k 2>/dev/null
avail=$(df -k --output=avail "$SMALL" | tail -1 | tr -d ' ')
for _ in $(seq 40); do
	[ "$(commit_failures)" -gt "$before" ] && break
	sleep 0.05
done
sleep 0.5
full=$(($(commit_failures) - before))
rm -f "$SMALL/fill"
wait $BENCH
show 2
[ "$avail" -lt 100 ] && [ "$full" -gt 0 ]
tap $? "the filesystem filled up (${avail} KiB left) and $full group commits failed"
k=$(bench_field "$E2E_DIR/bench-2.log" completed)
f=$(bench_field "$E2E_DIR/bench-2.log" failed)
s=$(bench_field "$E2E_DIR/bench-2.log" status)
[ "${f:-0}" -gt 0 ] && [ "${s:-x}" = "$f" ]
tap $? "while full: every failed download got an SGP.22 answer ($s of $f; $k completed)"
grep -q '^first failure: SM-DP+ answered Failed 1.2/4.2' "$E2E_DIR/bench-2.log"
tap $? "the answer is an execution error (1.2/4.2)"
kill -0 "$DPD_PID" 2>/dev/null
tap $? "portdpd lives on"

bench 3 0.5
rc=$?
[ $rc -eq 0 ] || show 3
tap $rc "space back: $(bench_field "$E2E_DIR/bench-3.log" completed) downloads, no failure, no restart"

# What the failed handleNotifications left: BPPs out, their results not stored.
hn=0
for n in 1 2 3; do
	v=$(bench_field "$E2E_DIR/bench-$n.log" HN)
	hn=$((hn + ${v:-0}))
done
stop_portdpd
# A start on a full disk: refused, saying why (it cannot even create the WAL).
dd if=/dev/zero of="$SMALL/fill" bs=4k 2>/dev/null
start_portdpd "$E2E_DIR/portdpd.conf" "$PORT" >/dev/null
rc=$?
[ $rc -ne 0 ] && grep -q 'cannot open inventory: .*inventory.db: .*\(full\|I/O error\)' \
	"$E2E_DIR/portdpd.log"
tap $? "on a full disk portdpd refuses to start: $(grep -o 'cannot open inventory.*' \
	"$E2E_DIR/portdpd.log" | tail -1)"
[ $rc -eq 0 ] && stop_portdpd
rm -f "$SMALL/fill"
# Restart recovery releases what sessions cut short by the full disk held.
start_portdpd "$E2E_DIR/portdpd.conf" "$PORT" && stop_portdpd
tap $? "with space back portdpd restarts and stops"
out=$("$INVARIANTS" "$E2E_DB" --no-alloc --expect $PROFILES)
tap $? "after: $out"
echo "$out" | grep -v '^inventory invariants' | sed 's/^/#   /'
wrong=$(client_installs_wrong "$E2E_DB" "$E2E_DIR"/run-*.csv)
[ -z "$wrong" ]
tap $? "every completed download is 'installed' for its EID, none twice"
[ -n "$wrong" ] && echo "$wrong" | head -20 | sed 's/^/#   /'
dl=$(sqlite3 -readonly "$E2E_DB" "SELECT count(*) FROM profile WHERE state = 2")
[ "$dl" -eq "$hn" ]
tap $? "'downloaded' are exactly the BPPs whose handleNotification failed ($dl, $hn)"
tap_done
