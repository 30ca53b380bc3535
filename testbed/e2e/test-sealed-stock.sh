#!/bin/bash
# E2E: the stock is sealed at rest and its secrets stay out of everything the appliance
# leaves behind (soft mode). Every TS.48 profile is copied with fresh random values in each
# secret field (upp-secrets --randomize: Ki/K and OPc, PINs, PUKs, CDMA keys, security domain
# keys, found by decoding the PEs), the copies are imported by portdp-bench setup, portdpd
# binds at least 100 of them to bench eUICCs, then none of those secret values (raw, or in
# hex either case) may appear in the inventory file, its WAL, portdpd's log, the output of
# portdpctl's reading commands, or a core dump of the running portdpd (gcore). The same
# search finds every value in the source files (it can fail), and finds the daemon's DPpb
# certificate in the core dump (the dump holds the daemon's memory).
set -u
. "$(dirname "$0")/lib.sh"
SECRETS=$(dirname "$0")/upp-secrets
e2e_init sealed-stock
[ -x "$BIN/portdp-bench" ] || { echo "Bail out! $BIN/portdp-bench not built"; exit 1; }
command -v gcore >/dev/null || { echo "Bail out! gcore (gdb) not installed: tools/install-deps"; exit 1; }

SRC=$E2E_DIR/ts48
B=$E2E_DIR/b
mkdir "$SRC"
"$SECRETS" --randomize "$SRC" "$TESTDATA"/ts48/*.der
tap $? "TS.48 profiles copied with fresh secrets ($(ls "$SRC" | wc -l) files)"
"$SECRETS" "$SRC"/*.der >"$E2E_DIR/secrets.hex"
n_secrets=$(wc -l <"$E2E_DIR/secrets.hex")
[ "$n_secrets" -ge 100 ]
tap $? "secret values decoded from the copies: $n_secrets"

# search FILE...: prints each FILE holding any secret (raw, hex, HEX). grep -F (one pass
# for all values) looks for those without a newline byte, Python for the few others.
python3 - "$E2E_DIR" <<'EOF'
import sys
d = sys.argv[1]
needles = set()
for line in open(d + "/secrets.hex"):
    v = bytes.fromhex(line.strip())
    needles |= {v, v.hex().encode(), v.hex().upper().encode()}
with open(d + "/needles.grep", "wb") as g, open(d + "/needles.nl", "w") as n:
    for x in sorted(needles):
        if b"\n" in x:
            n.write(x.hex() + "\n")
        else:
            g.write(x + b"\n")
EOF
search() {
	local f
	for f in "$@"; do
		[ -s "$f" ] || continue
		if LC_ALL=C grep -a -q -F -f "$E2E_DIR/needles.grep" "$f" ||
			python3 -c '
import mmap, sys
with open(sys.argv[2], "rb") as f:
    m = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    sys.exit(0 if any(m.find(bytes.fromhex(l)) >= 0 for l in open(sys.argv[1]).read().split()) else 1)
' "$E2E_DIR/needles.nl" "$f"; then
			echo "$f"
		fi
	done
}

# The search works: every source file holds some of the values.
found=$(search "$SRC"/*.der | wc -l)
[ "$found" -eq "$(ls "$SRC" | wc -l)" ]
tap $? "the search finds the secrets in each source file ($found)"

PROFILES=160
timeout 120 "$BIN/portdp-bench" setup --dir "$B" --ts48 "$SRC" --profiles $PROFILES --euiccs 4 \
	>"$E2E_DIR/setup.log" 2>&1
tap $? "bench setup: $PROFILES sealed profiles from the copies"
[ "$(stat -c %a "$B/inventory.db.stock-key")" = 600 ]
tap $? "the stock key was made 0600"
n=$(sqlite3 "$B/inventory.db" "SELECT count(*) FROM upp WHERE substr(der, 1, 4) = x'50445301'")
[ "$n" = $PROFILES ]
tap $? "every stored UPP is sealed ($n)"
out=$(search "$B/inventory.db" "$B/inventory.db-wal" "$E2E_DIR/setup.log")
[ -z "$out" ]
tap $? "after import: no secret in the database, its WAL or the setup log${out:+: $out}"

PORT=$(free_port)
sed "s/^port = .*/port = $PORT/" "$B/portdpd.conf" >"$E2E_DIR/portdpd.conf"
start_portdpd "$E2E_DIR/portdpd.conf" "$PORT"
tap $? "portdpd serves the sealed stock"

# Bindings until 100 are done (each run 2 s; 6 runs at most).
done_total=0
for run in 1 2 3 4 5 6; do
	timeout 60 "$BIN/portdp-bench" run --dir "$B" --connect "127.0.0.1:$PORT" \
		--server-pid "$DPD_PID" --concurrency 4 --duration 2 --keep-profiles \
		>"$E2E_DIR/bench-$run.log" 2>&1
	d=$(sed -n 's/^bindings: completed \([0-9]*\), failed \([0-9]*\).*/\1 \2/p' \
		"$E2E_DIR/bench-$run.log")
	[ "${d#* }" = 0 ] || { echo "# run $run: $d"; sed 's/^/#   /' "$E2E_DIR/bench-$run.log" | tail; break; }
	done_total=$((done_total + ${d% *}))
	[ "$done_total" -ge 100 ] && break
done
[ "$done_total" -ge 100 ]
tap $? "portdpd bound $done_total profiles (sealed UPPs opened, no failure)"

gcore -o "$E2E_DIR/core" "$DPD_PID" >"$E2E_DIR/gcore.log" 2>&1
CORE=$E2E_DIR/core.$DPD_PID
[ -s "$CORE" ]
tap $? "core dump of the running portdpd ($(($(stat -c %s "$CORE" 2>/dev/null || echo 0) / 1048576)) MiB)"
python3 - "$B/pki/dppb.der" "$CORE" <<'EOF'
import sys
sys.exit(0 if open(sys.argv[1], "rb").read() in open(sys.argv[2], "rb").read() else 1)
EOF
tap $? "the core dump holds the daemon's memory (its DPpb certificate is found)"

# portdpctl's reading commands, on every profile state there is now.
ctl_out=$E2E_DIR/portdpctl.out
{
	"$BIN/portdpctl" -d "$B/inventory.db" list
	"$BIN/portdpctl" -d "$B/inventory.db" audit
	for i in $("$BIN/portdpctl" -d "$B/inventory.db" list | awk 'NR <= 20 {print $1}'); do
		"$BIN/portdpctl" -d "$B/inventory.db" show "$i"
	done
} >"$ctl_out" 2>&1
[ -s "$ctl_out" ]
tap $? "portdpctl list, audit and show ran"

out=$(search "$CORE" "$B/inventory.db" "$B/inventory.db-wal" "$E2E_DIR/portdpd.log" \
	"$E2E_DIR"/bench-*.log "$ctl_out")
[ -z "$out" ]
tap $? "after the bindings: no secret in the core dump, database, WAL, logs or portdpctl output${out:+: $out}"
rm -f "$CORE"

stop_portdpd

# The key: another inventory's is refused at the start, and so is a readable one.
KEY=$B/inventory.db.stock-key
cp -p "$KEY" "$KEY.orig"
head -c 32 /dev/urandom >"$KEY"
out=$(timeout 20 "$BIN/portdpd" -c "$E2E_DIR/portdpd.conf" --foreground 2>&1)
[ $? -ne 0 ] && echo "$out" | grep -q "stock key does not open"
tap $? "portdpd refuses to start with another inventory's stock key"
mv "$KEY.orig" "$KEY"
chmod 640 "$KEY"
out=$(timeout 20 "$BIN/portdpd" -c "$E2E_DIR/portdpd.conf" --foreground 2>&1)
[ $? -ne 0 ] && echo "$out" | grep -q "stock key .*mode 0640"
tap $? "portdpd refuses a stock key group can read"
chmod 600 "$KEY"
start_portdpd "$E2E_DIR/portdpd.conf" "$PORT"
tap $? "and starts again with its own key, 0600"
stop_portdpd
tap_done
