# shellcheck shell=bash
# Shared helpers of the end-to-end tests and the demo: a temp dir, a test PKI,
# software eUICC identity dirs, one portdpd on a free 127.0.0.1 port over TLS,
# and TAP output. Source it; call e2e_init first. Everything started here is
# stopped by the EXIT trap.

E2E_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$E2E_ROOT/$BUILD ;; esac
SHARED=${SHARED:-$E2E_ROOT}
# E2E_BIN: run the suite on other binaries (dist/tests/test-installed.sh: the installed ones).
BIN=${E2E_BIN:-$BUILD/bin}
TESTDATA=$SHARED/testdata
SMDP_HOST=testsmdpplus1.example.com
TAP_N=0
TAP_FAILED=0
DPD_PID=
E2E_DIR=

e2e_cleanup() {
	[ -n "$DPD_PID" ] && kill -9 "$DPD_PID" 2>/dev/null
	[ -n "$E2E_DIR" ] && [ -z "${E2E_KEEP:-}" ] && rm -rf "$E2E_DIR"
}

e2e_init() {
	E2E_DIR=$(mktemp -d "/tmp/portdp-$1-XXXXXX")
	trap e2e_cleanup EXIT
	for b in portdpd portdpctl portdp-pki portdp-lpa; do
		[ -x "$BIN/$b" ] || { echo "Bail out! $BIN/$b not built"; exit 1; }
	done
}

# ok CONDITION-EXIT-STATUS NAME
tap() {
	TAP_N=$((TAP_N + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $TAP_N - $2"
	else
		echo "not ok $TAP_N - $2"
		TAP_FAILED=$((TAP_FAILED + 1))
	fi
}

tap_done() {
	echo "1..$TAP_N"
	[ "$TAP_FAILED" -eq 0 ]
}

# A TCP port no socket uses (bind check through bash's /dev/tcp is a connect,
# so ask ss which ports are taken, in any state: a connection's local port
# blocks a bind too). Below the kernel's ephemeral range (32768.. by default),
# so the thousands of client connections of the flood tests, or of anything
# else on the machine, cannot take it between this check and the bind.
free_port() {
	local p lo=32768
	read -r lo _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null
	[ "$lo" -gt 21024 ] || lo=61000
	for _ in $(seq 50); do
		p=$((20000 + RANDOM % (lo - 20000)))
		ss -Htan "sport = :$p" 2>/dev/null | grep -q . || { echo "$p"; return 0; }
	done
	return 1
}

# make_pki DIR [portdp-pki options]: CI, EUM, eUICCs, DPauth, DPpb, TLS.
make_pki() {
	local dir=$1
	shift
	"$BIN/portdp-pki" "$@" "$dir" >/dev/null
}

# euicc_dir PKI EID DEST: an identity dir the software eUICC reads.
euicc_dir() {
	local pki=$1 eid=$2 dest=$3 sub=${4:-euicc}
	mkdir -p "$dest"
	ln -sf "$pki/$sub/$eid.der" "$dest/euicc.der"
	ln -sf "$pki/$sub/$eid-key.pem" "$dest/euicc-key.pem"
	ln -sf "$pki/eum.der" "$dest/eum.der"
	ln -sf "$pki/ci.der" "$dest/ci.der"
}

# write_conf FILE PORT DB PKI [DPAUTH_CERT DPAUTH_KEY DPPB_CERT DPPB_KEY CI...]
write_conf() {
	local conf=$1 port=$2 db=$3 pki=$4
	shift 4
	{
		echo "listen = 127.0.0.1"
		echo "port = $port"
		echo "workers = 2"
		echo "smdp_address = $SMDP_HOST"
		echo "tls_cert = $pki/dptls-chain.pem"
		echo "tls_key = file:$pki/dptls-key.pem"
		echo "accel = soft:"
		echo "db = $db"
		echo "session_timeout = ${SESSION_TIMEOUT:-300}"
		if [ $# -ge 4 ]; then
			echo "dpauth_cert = $1"
			echo "dpauth_key = file:$2"
			echo "dppb_cert = $3"
			echo "dppb_key = file:$4"
			shift 4
			for ci in "$@"; do echo "ci_cert = $ci"; done
		else
			echo "dpauth_cert = $pki/dpauth.der"
			echo "dpauth_key = file:$pki/dpauth-key.pem"
			echo "dppb_cert = $pki/dppb.der"
			echo "dppb_key = file:$pki/dppb-key.pem"
			echo "ci_cert = $pki/ci.der"
		fi
	} >"$conf"
}

# start_portdpd CONF PORT: runs in the foreground of a background job; waits
# until this portdpd (by pid: a killed one's socket may linger) listens on the
# port (10 s at most).
start_portdpd() {
	local conf=$1 port=$2 log=$E2E_DIR/portdpd.log
	"$BIN/portdpd" -c "$conf" --foreground ${PORTDPD_DEBUG:+-d} >>"$log" 2>&1 &
	DPD_PID=$!
	DPD_PORT=$port
	for _ in $(seq 100); do
		if ss -Htlnp "sport = :$port" 2>/dev/null | grep -q "pid=$DPD_PID,"; then
			return 0
		fi
		kill -0 "$DPD_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "# portdpd did not start:"
	sed 's/^/#   /' "$log" | tail -n 20
	return 1
}

stop_portdpd() {
	[ -n "$DPD_PID" ] || return 0
	kill -TERM "$DPD_PID" 2>/dev/null
	for _ in $(seq 50); do
		kill -0 "$DPD_PID" 2>/dev/null || { wait "$DPD_PID" 2>/dev/null; DPD_PID=; return 0; }
		sleep 0.1
	done
	kill -9 "$DPD_PID" 2>/dev/null
	wait "$DPD_PID" 2>/dev/null
	DPD_PID=
}

# crash_portdpd: kill -9, then wait (5 s at most) until the dead daemon's
# listening socket is gone: its io_uring is torn down after the process.
crash_portdpd() {
	[ -n "$DPD_PID" ] || return 0
	kill -9 "$DPD_PID" 2>/dev/null
	wait "$DPD_PID" 2>/dev/null
	DPD_PID=
	for _ in $(seq 50); do
		ss -Htln "sport = :$DPD_PORT" 2>/dev/null | grep -q . || return 0
		sleep 0.1
	done
}

# lpa PORT PKI EUICC_DIR [portdp-lpa options...]: one run against our daemon.
lpa() {
	local port=$1 pki=$2 edir=$3
	shift 3
	timeout 60 "$BIN/portdp-lpa" --euicc "$edir" --cacert "$pki/ci.pem" \
		--resolve "$SMDP_HOST:$port:127.0.0.1" "$@"
}

# ac PORT MATCHING_ID: the activation code pointing at our daemon.
ac() {
	echo "LPA:1\$$SMDP_HOST:$1\$$2"
}

# ---- inventory through portdpctl ----------------------------------------
ctl() {
	"$BIN/portdpctl" -d "$E2E_DB" "$@"
}

# Profiles (one line each, ICCID first) in STATE, or all without an argument.
ctl_iccids() {
	if [ $# -gt 0 ]; then
		ctl list --state "$1" 2>/dev/null
	else
		ctl list 2>/dev/null
	fi | grep -oE '^[[:space:]]*[0-9]{18,20}' | tr -d ' \t'
}

ctl_count() {
	ctl_iccids "$@" | wc -l | tr -d ' '
}

# ctl_state MATCHING_ID -> "STATE EID" (EID "-" when none)
ctl_state() {
	ctl list 2>/dev/null | awk -v m="$1" '$3 == m {print $2, ($4 ~ /^[0-9]+$/ ? $4 : "-")}'
}

# A snapshot of the whole inventory state and audit log, to compare.
ctl_snapshot() {
	ctl list 2>&1
	ctl audit 2>&1
}

# matching_id_for FILE INDEX: a valid matching ID naming the source file.
matching_id_for() {
	local b
	b=$(basename "$1" .der | tr 'a-z' 'A-Z' | tr -c 'A-Z0-9\n' '-')
	printf 'P%02d-%s' "$2" "$b"
}

# ICCID of a UPP file (ProfileHeader 83, plain BCD, F-padded).
upp_iccid() {
	od -An -tx1 -v "$1" | tr -d ' \n' | grep -oE '830a[0-9a-f]{20}' | head -1 |
		cut -c5- | tr -d 'f'
}

# ---- portdp-bench runs ----------------------------------------------------
# bench_field LOG NAME: a number of the bench's "bindings:" line (completed,
# failed, status = answered with an SGP.22 status, away = cut, HN = failed at
# handleNotification); empty when the line lacks it.
bench_field() {
	sed -n "s/^bindings: .*$2 \([0-9]*\).*/\1/p" "$1" | head -1
}

# client_installs_wrong DB CSV...: what contradicts the client's view: a
# binding portdp-bench completed (csv rows: ICCID, EID) that is not 'installed'
# for that EID in the inventory DB, or an ICCID two bindings installed. Prints
# one line each; nothing when all agree.
client_installs_wrong() {
	local db=$1 all
	shift
	all=$(mktemp "$E2E_DIR/installs-XXXXXX.csv")
	cat "$@" | grep -v '^thread,' >"$all"
	sqlite3 -batch :memory: \
		"CREATE TABLE c(t, s, st, tot, ia, ac, gb, hn, eu, iccid TEXT, eid TEXT);" \
		".import --csv $all c" \
		"ATTACH 'file:$db?mode=ro' AS inv;" \
		"SELECT c.iccid || ' on ' || c.eid || ': ' || coalesce(p.state || ' ' || p.eid, 'no profile')
		   FROM c LEFT JOIN inv.profile p ON p.iccid = c.iccid
		  WHERE p.state IS NOT 3 OR p.eid IS NOT upper(c.eid)
		 UNION ALL
		 SELECT iccid || ' installed by ' || count(*) || ' completed bindings' FROM c
		  GROUP BY iccid HAVING count(*) > 1;" 2>&1
	rm -f "$all"
}

# ---- ES2+ (operators) ----------------------------------------------------
# make_operator_pki DIR: portdp-pki's operator CA "opca" with client certificates opA and
# opB, the unit's client certificate "unit" for progress reports, the operators' HTTPS
# server certificate "opsrv" for 127.0.0.1; and "opA2", a client of another CA ("rogueca").
make_operator_pki() {
	local d=$1
	"$BIN/portdp-pki" -n 0 --operator opA --operator opB "$d.main" >/dev/null &&
		"$BIN/portdp-pki" -n 0 --operator opA2 "$d.rogue" >/dev/null &&
		mkdir -p "$d" && cp "$d.main"/operators/* "$d/" &&
		cp "$d.rogue/operators/opca.pem" "$d/rogueca.pem" &&
		cp "$d.rogue/operators/opA2.pem" "$d.rogue/operators/opA2-key.pem" "$d/" &&
		rm -rf "$d.main" "$d.rogue"
}

# es2_call OPS_DIR PORT CLIENT FUNCTION BODY-JSON: one ES2+ call with curl (CLIENT "none": no
# client certificate); prints the answer, exit status curl's.
es2_call() {
	local ops=$1 port=$2 who=$3 fn=$4 body=$5 cert=()
	[ "$who" != none ] && cert=(--cert "$ops/$who.pem" --key "$ops/$who-key.pem")
	timeout 20 curl -sS --cacert "$PKI/ci.pem" "${cert[@]}" \
		--resolve "$SMDP_HOST:$port:127.0.0.1" \
		-H 'X-Admin-Protocol: gsma/rsp/v2.2.0' -H 'Content-Type: application/json' \
		--data-binary "$body" "https://$SMDP_HOST:$port/gsma/rsp2/es2plus/$fn" \
		2>>"$E2E_DIR/curl.log"
}

# es2_hdr REQUESTER CALL_ID: the start of a request object, header included.
es2_hdr() {
	echo "{\"header\":{\"functionRequesterIdentifier\":\"$1\",\"functionCallIdentifier\":\"$2\"}"
}
