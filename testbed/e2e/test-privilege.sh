#!/bin/bash
# portdpd unprivileged: started as root with "user = nobody" it binds, opens
# its keys and inventory, then runs as nobody in every thread (no groups, no
# capabilities) and still serves a download; the inventory files belong to
# nobody, 0600. A missing user, a key file others can read (or another user
# owns) and a readable inventory each stop the start with a clear message.
# portdpctl's audit rows name the OS user who ran it. ES2+ too: the operators'
# listener answers as nobody, and the progress sender delivers with a client
# key only root can read (read before the drop); that key and the ES2+ TLS
# key are checked like the others. Needs root.
set -u
. "$(dirname "$0")/lib.sh"
if [ "$(id -u)" -ne 0 ]; then
	echo "1..0 # SKIP needs root (portdpd drops root here)"
	exit 0
fi
SVC=nobody
SVC_UID=$(id -u $SVC)
SVC_GID=$(id -g $SVC)
OTHER=daemon # a non-root user that is not the service user
e2e_init priv
chmod 711 "$E2E_DIR" # like /var/lib: the service user may pass, not list
PKI=$E2E_DIR/pki
DATA=$E2E_DIR/data
E2E_DB=$DATA/inventory.db
make_pki "$PKI" -n 2
mapfile -t EIDS <"$PKI/euicc/list.txt"
euicc_dir "$PKI" "${EIDS[0]}" "$E2E_DIR/e0"
euicc_dir "$PKI" "${EIDS[1]}" "$E2E_DIR/e1"
install -d -m 700 -o $SVC -g "$SVC_GID" "$DATA"
mapfile -t FILES < <(ls "$TESTDATA"/ts48/*-UNIQUE.der | head -3)
ctl init >/dev/null && ctl import --matching-id U0 "${FILES[0]}" >/dev/null 2>&1
tap $? "inventory made by root (root-owned, 0600)"

# ES2+: operator opA (its callback is portdp-test-operator), one profile it owns.
OPS=$E2E_DIR/ops
RIG_PORT=$(free_port)
RIG_PID=
cleanup_rig() { [ -n "$RIG_PID" ] && kill -9 "$RIG_PID" 2>/dev/null; e2e_cleanup; }
trap cleanup_rig EXIT
make_operator_pki "$OPS" &&
	ctl operator add opA --cert "$OPS/opA.pem" \
		--url "https://127.0.0.1:$RIG_PORT/gsma/rsp2/es2plus/handleDownloadProgressInfo" \
		>/dev/null &&
	P0=$(ctl import --owner opA --profile-type t "${FILES[2]}" 2>/dev/null | awk '{print $1}') &&
	[ -n "$P0" ] && [ "$(stat -c '%U %a' "$OPS/unit-key.pem")" = "root 600" ]
tap $? "operator opA, its profile $P0; the progress client key is root's, 0600"

PORT=$(free_port)
ES2PORT=$(free_port)
CONF=$E2E_DIR/portdpd.conf
write_conf "$CONF" "$PORT" "$E2E_DB" "$PKI"
{
	echo "user = $SVC"
	echo "es2_port = $ES2PORT"
	echo "es2_client_ca = $OPS/opca.pem"
	echo "progress_cert = $OPS/unit.pem"
	echo "progress_key = $OPS/unit-key.pem"
	echo "progress_ca = $OPS/opca.pem"
	echo "progress_retry_max = 1"
} >>"$CONF"

# refused NAME PATTERN [portdpd options]: the start fails, saying PATTERN, nothing listens.
refused() {
	local name=$1 pattern=$2 out rc
	shift 2
	out=$(timeout 10 "$BIN/portdpd" -c "$CONF" --foreground "$@" 2>&1)
	rc=$?
	echo "$out" | sed 's/^/# /'
	[ $rc -eq 1 ] && echo "$out" | grep -q -- "$pattern" &&
		! ss -Htln "sport = :$PORT" | grep -q .
	tap $? "$name"
}

refused "a missing service user is refused" "user no-such-portdp-user: no such user" \
	--user no-such-portdp-user
chmod 644 "$PKI/dptls-key.pem"
refused "a TLS key with mode 0644 is refused" "TLS key $PKI/dptls-key.pem: mode 0644"
chmod 600 "$PKI/dptls-key.pem"
chmod 640 "$PKI/dpauth-key.pem"
refused "a DPauth key with mode 0640 is refused" "DPauth key $PKI/dpauth-key.pem: mode 0640"
chmod 600 "$PKI/dpauth-key.pem"
chown $OTHER "$PKI/dppb-key.pem"
refused "a DPpb key owned by another user is refused" "owned by $OTHER, neither root nor $SVC"
chown root "$PKI/dppb-key.pem"
chmod 644 "$E2E_DB"
refused "an inventory others can read is refused" "inventory $E2E_DB: mode 0644"
OWNER_AFTER=$(stat -c %U "$E2E_DB")
chmod 600 "$E2E_DB"
chown $OTHER "$E2E_DB"
refused "an inventory another user owns is refused" "inventory $E2E_DB: owned by $OTHER, neither root nor $SVC"
chown root "$E2E_DB"
chmod 644 "$OPS/unit-key.pem"
refused "a progress client key with mode 0644 is refused" \
	"progress client key $OPS/unit-key.pem: mode 0644"
chmod 600 "$OPS/unit-key.pem"
cp "$CONF" "$CONF.orig"
cp -p "$PKI/dptls-key.pem" "$E2E_DIR/es2-key.pem"
chmod 640 "$E2E_DIR/es2-key.pem"
echo "es2_tls_key = file:$E2E_DIR/es2-key.pem" >>"$CONF"
refused "an ES2+ TLS key with mode 0640 is refused" "ES2+ TLS key $E2E_DIR/es2-key.pem: mode 0640"
cp "$CONF.orig" "$CONF"
[ "$OWNER_AFTER" = root ] && [ "$(stat -c %U "$E2E_DB")" = root ] &&
	[ "$(ctl_state U0)" = "available -" ]
tap $? "the refusals changed nothing"

# An appliance upgraded from running as root: a root portdpd killed mid-run
# leaves a root-owned -wal, -shm and lock beside the inventory.
grep -v "^user = " "$CONF" >"$E2E_DIR/root.conf"
# log_says PATTERN: the daemon logs it once started (it listens a moment before).
log_says() {
	for _ in $(seq 50); do
		grep -q "$1" "$E2E_DIR/portdpd.log" && return 0
		sleep 0.1
	done
	return 1
}
start_portdpd "$E2E_DIR/root.conf" "$PORT" && log_says "running as root: set user" &&
	crash_portdpd &&
	[ "$(stat -c %U "$E2E_DB-wal" "$E2E_DB-shm" "$E2E_DB.lock" | sort -u)" = root ]
tap $? "a root portdpd warns, and its kill -9 leaves root-owned -wal, -shm, lock"

start_portdpd "$CONF" "$PORT"
tap $? "portdpd started as root with user = $SVC"

# every_task_is_unprivileged: each thread of portdpd has uid/gid of the service
# user in all four slots, no supplementary group and no capability.
every_task_is_unprivileged() {
	local t bad=0 n=0
	for t in /proc/"$DPD_PID"/task/*; do
		n=$((n + 1))
		awk -v u="$SVC_UID" -v g="$SVC_GID" '
			/^Uid:/ { ok += ($2 == u && $3 == u && $4 == u && $5 == u) }
			/^Gid:/ { ok += ($2 == g && $3 == g && $4 == g && $5 == g) }
			/^Groups:/ { ok += (NF == 1) }
			/^Cap(Inh|Prm|Eff|Amb):/ { ok += ($2 ~ /^0+$/) }
			END { exit !(ok == 7) }' "$t/status" || {
			bad=$((bad + 1))
			grep -E '^(Name|Uid|Gid|Groups|Cap)' "$t/status" | sed 's/^/# /'
		}
	done
	echo "# $n threads checked"
	[ "$n" -ge 3 ] && [ "$bad" -eq 0 ]
}
# The drop follows the listen: wait for the line that says it happened.
log_says "running as $SVC (uid $SVC_UID, gid $SVC_GID)"
tap $? "the log says it runs as $SVC"
every_task_is_unprivileged
tap $? "every thread runs as $SVC ($SVC_UID:$SVC_GID), no groups, no capabilities"

lpa "$PORT" "$PKI" "$E2E_DIR/e0" --ac "$(ac "$PORT" U0)" >/dev/null 2>&1 &&
	[ "$(ctl_state U0)" = "installed ${EIDS[0]}" ]
tap $? "the unprivileged portdpd serves a download"
every_task_is_unprivileged
tap $? "still unprivileged after the download"

bad=0
for f in "$E2E_DB" "$E2E_DB-wal" "$E2E_DB-shm" "$E2E_DB.lock"; do
	s=$(stat -c '%U %a' "$f" 2>&1)
	echo "# $f: $s"
	[ "$s" = "$SVC 600" ] || bad=1
done
[ $bad -eq 0 ]
tap $? "inventory, its -wal, -shm and lock belong to $SVC, mode 0600"

# portdpctl run by the service user on the live inventory: its rows name it.
runuser -u $SVC -- "$BIN/portdpctl" -d "$E2E_DB" import --matching-id U1 "${FILES[1]}" \
	>/dev/null 2>&1 &&
	ctl audit | grep -E "^[0-9]+ .* -> available .* portdpctl uid=$SVC_UID\($SVC\) import$" |
	grep -q .
tap $? "portdpctl's audit row names the OS user who ran it (uid=$SVC_UID($SVC))"
ctl audit | grep -E " -> available .* portdpctl uid=0\(root\) import$" | grep -q .
tap $? "and root's import names root"
lpa "$PORT" "$PKI" "$E2E_DIR/e1" --ac "$(ac "$PORT" U1)" >/dev/null 2>&1 &&
	[ "$(ctl_state U1)" = "installed ${EIDS[1]}" ]
tap $? "the daemon serves what the service user imported"

# ES2+ as nobody: order and release P0 for EID 0, which downloads it; the sender delivers
# its three progress reports with the client key nobody cannot read.
"$BIN/portdp-test-operator" --port "$RIG_PORT" --cert "$OPS/opsrv.pem" \
	--key "$OPS/opsrv-key.pem" --ca "$OPS/opca.pem" --log "$E2E_DIR/reports.log" --mode ok \
	>>"$E2E_DIR/rig.log" 2>&1 &
RIG_PID=$!
r=$(es2_call "$OPS" "$ES2PORT" opA downloadOrder \
	"$(es2_hdr opA d0),\"iccid\":\"$P0\",\"eid\":\"${EIDS[0]}\"}") &&
	r=$(es2_call "$OPS" "$ES2PORT" opA confirmOrder \
		"$(es2_hdr opA c0),\"iccid\":\"$P0\",\"matchingId\":\"PR0\",\"releaseFlag\":true}")
echo "# $r"
echo "$r" | grep -q Executed-Success
tap $? "the unprivileged portdpd serves ES2+ (downloadOrder, confirmOrder with release)"
lpa "$PORT" "$PKI" "$E2E_DIR/e0" --ac "$(ac "$PORT" PR0)" >/dev/null 2>&1 &&
	[ "$(ctl_state PR0)" = "installed ${EIDS[0]}" ]
tap $? "the released profile installs on its EID"
reports() { cat "$E2E_DIR/reports.log" 2>/dev/null | wc -l; }
# Up to 60 s: under load a first POST can time out and wait for its retry.
for _ in $(seq 600); do
	[ "$(reports)" -ge 3 ] && break
	sleep 0.1
done
echo "# reports delivered: $(reports)"
[ "$(reports)" -eq 3 ]
tap $? "the progress sender (as $SVC) delivered the 3 reports over mutual TLS"
every_task_is_unprivileged
tap $? "still unprivileged after ES2+ and the deliveries"
stop_portdpd
tap_done
