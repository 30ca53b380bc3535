# shellcheck shell=bash
# Shared part of the flood tests (test-flood-*.sh): one portdpd with short
# limits, a legitimate full download (portdp-lpa) while portdp-flood attacks
# from 127.0.0.2.., and portdpd's RSS and fd count back to their baseline
# afterwards. Source after lib.sh.
#
# Bounds: fds exactly back to the baseline; RSS within FLOOD_RSS_SLACK_KB
# (6 MiB) of the baseline, which is taken after one warm-up download (SQLite
# cache, TLS context, session state of a download all in place). Both are
# polled for up to 10 s after the attacker is gone.

FLOOD=${FLOOD:-$BUILD/testbed/e2e/portdp-flood}
FLOOD_RSS_SLACK_KB=${FLOOD_RSS_SLACK_KB:-6144}
FLOOD_PROFILES=${FLOOD_PROFILES:-4}
FLOOD_NEXT=0

# flood_setup NAME [extra portdpd.conf lines...]: PKI, inventory, portdpd, warm-up.
flood_setup() {
	local name=$1 i f
	shift
	e2e_init "$name"
	[ -x "$FLOOD" ] || { echo "Bail out! $FLOOD not built"; exit 1; }
	E2E_DB=$E2E_DIR/inventory.db
	PKI=$E2E_DIR/pki
	make_pki "$PKI" -n "$FLOOD_PROFILES"
	mapfile -t EIDS <"$PKI/euicc/list.txt"
	ctl init >/dev/null
	i=0
	for f in $(ls "$TESTDATA"/ts48/*-UNIQUE.der | head -"$FLOOD_PROFILES"); do
		ctl import --matching-id "F$i" "$f" >/dev/null 2>&1
		euicc_dir "$PKI" "${EIDS[$i]}" "$E2E_DIR/e$i"
		i=$((i + 1))
	done
	PORT=$(free_port)
	write_conf "$E2E_DIR/portdpd.conf" "$PORT" "$E2E_DB" "$PKI"
	for line in "$@"; do echo "$line" >>"$E2E_DIR/portdpd.conf"; done
	start_portdpd "$E2E_DIR/portdpd.conf" "$PORT"
	tap $? "portdpd started ($*)"
	flood_download "warm-up download"
	BASE_RSS=$(dpd_rss)
	BASE_FDS=$(dpd_fds)
	echo "# baseline: RSS $BASE_RSS kB, $BASE_FDS fds"
}

dpd_rss() { awk '/^VmRSS/ {print $2}' "/proc/$DPD_PID/status"; }
dpd_fds() { ls "/proc/$DPD_PID/fd" | wc -l; }

# flood_download NAME: the next profile, downloaded in full by portdp-lpa (30 s at most).
flood_download() {
	local i=$FLOOD_NEXT t0 rc
	FLOOD_NEXT=$((FLOOD_NEXT + 1))
	t0=$(date +%s%N)
	timeout 30 "$BIN/portdp-lpa" --euicc "$E2E_DIR/e$i" --cacert "$PKI/ci.pem" \
		--resolve "$SMDP_HOST:$PORT:127.0.0.1" --ac "$(ac "$PORT" "F$i")" \
		>"$E2E_DIR/lpa$i.log" 2>&1
	rc=$?
	[ $rc -eq 0 ] && [ "$(ctl_state "F$i")" = "installed ${EIDS[$i]}" ]
	tap $? "$1: F$i installed in $((($(date +%s%N) - t0) / 1000000)) ms (lpa rc $rc, $(ctl_state "F$i"))"
	[ $rc -eq 0 ] || sed 's/^/#   /' "$E2E_DIR/lpa$i.log" | tail -n 5
}

# flood_start ARGS...: portdp-flood in the background; waits (60 s at most) for "ready".
flood_start() {
	FLOOD_OUT=$E2E_DIR/flood.$RANDOM.out
	"$FLOOD" -p "$PORT" "$@" >"$FLOOD_OUT" 2>&1 &
	FLOOD_PID=$!
	for _ in $(seq 600); do
		grep -q '^ready' "$FLOOD_OUT" && break
		kill -0 "$FLOOD_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "# attacker: $(head -1 "$FLOOD_OUT"); portdpd now RSS $(dpd_rss) kB, $(dpd_fds) fds"
}

flood_wait() {
	wait "$FLOOD_PID"
	echo "# attacker: $(tail -1 "$FLOOD_OUT")"
}

# dpd_stat NAME: one counter from portdpd's SIGUSR1 stats line (the latest).
dpd_stat() {
	local before
	before=$(grep -c 'stats:' "$E2E_DIR/portdpd.log")
	kill -USR1 "$DPD_PID"
	for _ in $(seq 50); do
		[ "$(grep -c 'stats:' "$E2E_DIR/portdpd.log")" -gt "$before" ] && break
		sleep 0.02
	done
	grep 'stats:' "$E2E_DIR/portdpd.log" | tail -1 | grep -oE "$1=[0-9]+" | cut -d= -f2
}

# flood_back_to_baseline: fds back exactly, RSS within the slack, polled for 10 s.
flood_back_to_baseline() {
	local rss fds
	for _ in $(seq 100); do
		rss=$(dpd_rss)
		fds=$(dpd_fds)
		[ "$fds" -eq "$BASE_FDS" ] && [ "$rss" -le $((BASE_RSS + FLOOD_RSS_SLACK_KB)) ] && break
		sleep 0.1
	done
	[ "$fds" -eq "$BASE_FDS" ]
	tap $? "fds back to baseline: $fds (baseline $BASE_FDS)"
	[ "$rss" -le $((BASE_RSS + FLOOD_RSS_SLACK_KB)) ]
	tap $? "RSS back near baseline: $rss kB (baseline $BASE_RSS kB, bound +$FLOOD_RSS_SLACK_KB kB)"
	[ "$(dpd_stat open_conns)" -eq 0 ]
	tap $? "no connection left open"
}

# flood_done: graceful stop, then the TAP plan.
flood_done() {
	stop_portdpd
	tap_done
}
