#!/bin/sh
# In the bench guest (testbed/bench/run-card-bench): bindings per minute through
# the full ES9+ flow (portdp-bench: soft eUICCs over HTTPS on loopback) with
# portdpd's keys in software (accel = soft:) and on the card (accel = dev:,
# DPauth/DPpb in card slots 3/4, the TLS key in slot 5 through the portdp
# OpenSSL provider), on the same virtual CPUs, taking turns for BIND_ROUNDS
# rounds (the host is shared: both see the same mix of quiet and busy moments).
# One row per run goes to the console as "CSV bind.csv <row>": bindings/min,
# portdpd's and the client's CPU (guest CPU) per binding. The client does the
# same work in both setups, so its CPU per binding shows how much the
# host's load inflated a run's CPU figures.
PATH=/bin:/sbin:/usr/bin:/usr/sbin
[ -r /etc/portdp-bench.env ] && . /etc/portdp-bench.env
DEV=/dev/portdp-accel0
MODULES=/usr/lib/portdp-bench/ossl-modules
export HOST=testsmdpplus1.example.com # also the TLS name in dp-cert-ext.cnf
SECS=${BIND_SECONDS:-20}
ROUNDS=${BIND_ROUNDS:-3}
CONC=${BIND_CONCURRENCY:-16}
PROFILES=${BIND_PROFILES:-4000}
T=/tmp/bind
n=0
failed=0
tap() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=1; fi; }
card() { portdpctl card "$@" --dev "$DEV"; }
done_() { for s in 3 4 5; do card destroy --slot $s >/dev/null 2>&1; done; echo "1..$n"; exit $failed; }

[ -c "$DEV" ] || { echo "1..0 # SKIP no $DEV"; exit 0; }
rm -rf "$T"
mkdir -p "$T" && cd "$T" || exit 1
# The soft eUICCs keep their memory in /dev/shm.
[ -d /dev/shm ] || { mkdir -p /dev/shm && mount -t tmpfs tmpfs /dev/shm; }

# One bench directory per backend: the soft one as portdp-bench makes it.
setup() { # setup DIR
	portdp-bench setup --dir "$1" --profiles "$PROFILES" --euiccs "$CONC" --db-sync normal \
		>"$1.setup.log" 2>&1 && return 0
	sed 's/^/# /' "$1.setup.log"
	return 1
}
setup "$T/soft"
tap $? "portdp-bench setup (soft keys, $PROFILES profiles)"
setup "$T/card"
tap $? "portdp-bench setup (card)"

# The card's copy: keys made in slots, CSRs signed there, issued by the bench CI.
P=$T/card/pki
for s in 3 4 5; do card destroy --slot $s >/dev/null 2>&1; done
ok=0
for x in "3 dpauth /O=Port-DP Bench/CN=TEST SM-DP+" "4 dppb /O=Port-DP Bench/CN=TEST SM-DP+" \
	"5 tls /O=Port-DP Bench/CN=$HOST"; do
	s=${x%% *} r=${x#* }
	subj=${r#* } r=${r%% *}
	: >keys.log
	card keygen --slot "$s" >>keys.log 2>&1 &&
		card csr --slot "$s" --subject "$subj" --out "$r.csr" >>keys.log 2>&1 &&
		openssl x509 -req -in "$r.csr" -CA "$P/ci.pem" -CAkey "$P/ci-key.pem" \
			-CAcreateserial -days 30 -sha256 -extfile /etc/portdp-dp-cert-ext.cnf -extensions "$r" \
			-out "$r.pem" >>keys.log 2>&1 || { ok=1; sed 's/^/# /' keys.log; }
done
openssl x509 -in dpauth.pem -outform DER -out "$P/dpauth.der" 2>/dev/null || ok=1
openssl x509 -in dppb.pem -outform DER -out "$P/dppb.der" 2>/dev/null || ok=1
cat tls.pem "$P/ci.pem" >"$P/dptls-chain.pem" || ok=1
sed -e "s|^accel = .*|accel = dev:$DEV|" -e "s|^dpauth_key = .*|dpauth_key = slot:3|" \
	-e "s|^dppb_key = .*|dppb_key = slot:4|" \
	-e "s|^tls_key = .*|tls_key = portdp:dev=$DEV;slot=5|" \
	"$T/card/portdpd.conf" >conf.tmp && echo "ossl_modules = $MODULES" >>conf.tmp &&
	mv conf.tmp "$T/card/portdpd.conf" || ok=1
tap $ok "card: DPauth, DPpb, TLS keys in slots 3/4/5, certificates from the bench CI"

# (portdp-bench finds the TS.48 templates in $SHARED/testdata/ts48.)
# portdp-bench run prints "throughput: N bindings/min", "server CPU: ... X ms per binding".
run() { # run NAME ROUND
	counters0=$(cat /sys/class/misc/portdp-accel0/counters/ecdsa_sign 2>/dev/null)
	portdp-bench run --dir "$T/$1" --concurrency "$CONC" --duration "$SECS" --workers 2 \
		--threads 1 >"$1.out" 2>&1
	rc=$?
	sed 's/^/# /' "$1.out"
	[ $rc = 0 ] || tail -n 5 "$T/$1/portdpd.log" 2>/dev/null | sed 's/^/# portdpd: /'
	signs=$(($(cat /sys/class/misc/portdp-accel0/counters/ecdsa_sign 2>/dev/null) - counters0))
	awk -v b="$1" -v round="$2" -v signs="$signs" '
		/^bindings: completed/ { gsub(",", ""); done = $3; fail = $5; secs = $7 }
		/^throughput:/ { bpm = $2 }
		/^server CPU:/ { scpu = $5 }
		/^client CPU:/ { ccpu = $5 }
		/^  whole binding/ { p50 = $3; p90 = $4; p99 = $5 }
		END {
			if (bpm == "" || scpu == "") exit 1
			printf "CSV bind.csv %s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s\n", b, round, done, fail,
				secs, bpm, scpu, ccpu, p50, p90, p99, signs
		}' "$1.out"
	return $rc
}
echo "CSV bind.csv backend,round,bindings,failed,seconds,bindings_per_min,server_cpu_ms,client_cpu_ms,p50_ms,p90_ms,p99_ms,card_signs"
r=1
while [ $r -le "$ROUNDS" ]; do
	run soft $r
	tap $? "round $r: portdp-bench run, portdpd on soft keys, ${SECS} s, concurrency $CONC"
	run card $r
	tap $? "round $r: portdp-bench run, portdpd on the card, ${SECS} s, concurrency $CONC"
	r=$((r + 1))
done
done_
