#!/bin/sh
# In the bench guest (testbed/bench/run-card-bench --what tls): portdpd's TLS
# key on the card (tls_key = portdp:dev=...;slot=5, the portdp OpenSSL
# provider: every full handshake's CertificateVerify is an ECDSA sign on the
# card) against the same portdpd with its TLS key in a file, under load
# (portdp-bench, TLS_CONCURRENCY soft eUICCs at once), for --connection
# per-call (a full TLS 1.3 handshake for every ES9+ call, no resumption) and
# keep-alive. DPauth/DPpb stay where TLS_DP_KEYS says (card: slots 3/4, the
# deployment where portdpd runs on the card; soft: files) in both turns, so
# only the TLS key moves. Turns alternate within each round (file, card), the
# host is shared: both see the same mix of quiet and busy moments.
#
# Checks: every binding completes (portdp-bench's exit status: no failure, its
# inventory sanity checks); the card's ecdsa_sign counter over a turn is
# exactly (DP signs per binding x bindings) with the file key, and that plus
# one per TLS handshake the client counted with the card key; the client's
# verification of the server chain is real: a portdpd whose card key is
# certified by a CA the client does not trust gets no binding through.
# One row per run goes to the console as "CSV tls.csv <row>", medians and
# the per-handshake cost as "# summary" lines.
PATH=/bin:/sbin:/usr/bin:/usr/sbin
[ -r /etc/portdp-bench.env ] && . /etc/portdp-bench.env
DEV=/dev/portdp-accel0
SYS=/sys/class/misc/portdp-accel0
MODULES=/usr/lib/portdp-bench/ossl-modules
export HOST=testsmdpplus1.example.com # also the TLS name in dp-cert-ext.cnf
SECS=${TLS_SECONDS:-20}
ROUNDS=${TLS_ROUNDS:-3}
CONC=${TLS_CONCURRENCY:-16}
PROFILES=${TLS_PROFILES:-9000}
MODES=${TLS_MODES:-per-call keep-alive}
DPKEYS=${TLS_DP_KEYS:-card}
T=/tmp/tls
n=0
failed=0
tap() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=1; fi; }
card() { portdpctl card "$@" --dev "$DEV"; }
signs() { cat "$SYS/counters/ecdsa_sign" 2>/dev/null || echo 0; }
done_() { for s in 3 4 5; do card destroy --slot $s >/dev/null 2>&1; done; echo "1..$n"; exit $failed; }

# A USB card replugged by an earlier test can come back as portdp-accel1.
for d in /dev/portdp-accel*; do
	[ -c "$d" ] && { DEV=$d; SYS=/sys/class/misc/${d#/dev/}; break; }
done
[ -c "$DEV" ] || { echo "1..0 # SKIP no card"; exit 0; }
[ -r "$SYS/counters/ecdsa_sign" ] || { echo "1..0 # SKIP the driver has no op counters"; exit 0; }
case $DPKEYS in card) K=3 ;; soft) K=0 ;; *) echo "1..0 # SKIP TLS_DP_KEYS=$DPKEYS"; exit 0 ;; esac
rm -rf "$T"
mkdir -p "$T" && cd "$T" || exit 1
[ -d /dev/shm ] || { mkdir -p /dev/shm && mount -t tmpfs tmpfs /dev/shm; }

portdp-bench setup --dir "$T/b" --profiles "$PROFILES" --euiccs "$CONC" --db-sync normal \
	>setup.log 2>&1
rc=$?
[ $rc = 0 ] || sed 's/^/# /' setup.log
tap $rc "portdp-bench setup ($PROFILES profiles, $CONC eUICCs)"

# Card keys: made in slots, CSRs signed there, issued by the bench CI. The
# TLS one also by a CA the client does not know (the negative check).
P=$T/b/pki
for s in 3 4 5; do card destroy --slot $s >/dev/null 2>&1; done
ok=0
: >keys.log
for x in "3 dpauth /O=Port-DP Bench/CN=TEST SM-DP+" "4 dppb /O=Port-DP Bench/CN=TEST SM-DP+" \
	"5 tls /O=Port-DP Bench/CN=$HOST"; do
	s=${x%% *} r=${x#* }
	subj=${r#* } r=${r%% *}
	card keygen --slot "$s" >>keys.log 2>&1 &&
		card csr --slot "$s" --subject "$subj" --out "$r.csr" >>keys.log 2>&1 &&
		openssl x509 -req -in "$r.csr" -CA "$P/ci.pem" -CAkey "$P/ci-key.pem" \
			-CAcreateserial -days 30 -sha256 -extfile /etc/portdp-dp-cert-ext.cnf -extensions "$r" \
			-out "$r.pem" >>keys.log 2>&1 || ok=1
done
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout rogue-key.pem \
	-subj "/O=Not the bench CI/CN=Rogue CI" -days 30 -out rogue.pem >>keys.log 2>&1 &&
	openssl x509 -req -in tls.csr -CA rogue.pem -CAkey rogue-key.pem -CAcreateserial -days 30 \
		-sha256 -extfile /etc/portdp-dp-cert-ext.cnf -extensions tls -out tls-rogue.pem \
		>>keys.log 2>&1 || ok=1
openssl x509 -in dpauth.pem -outform DER -out "$P/dpauth-card.der" 2>>keys.log || ok=1
openssl x509 -in dppb.pem -outform DER -out "$P/dppb-card.der" 2>>keys.log || ok=1
cat tls.pem "$P/ci.pem" >"$P/cardtls-chain.pem" || ok=1
cat tls-rogue.pem rogue.pem >"$P/roguetls-chain.pem" || ok=1
[ $ok = 0 ] || sed 's/^/# /' keys.log
tap $ok "card: DPauth, DPpb, TLS keys in slots 3/4/5; certificates from the bench CI (TLS also from a rogue CA)"

# The configurations: the same portdpd.conf but for the TLS key (and chain).
C=$T/b/portdpd.conf
cp "$C" base.conf
if [ "$DPKEYS" = card ]; then
	sed -i -e "s|^accel = .*|accel = dev:$DEV|" -e "s|^dpauth_key = .*|dpauth_key = slot:3|" \
		-e "s|^dppb_key = .*|dppb_key = slot:4|" -e "s|^dpauth_cert = .*|dpauth_cert = $P/dpauth-card.der|" \
		-e "s|^dppb_cert = .*|dppb_cert = $P/dppb-card.der|" base.conf
fi
cp base.conf file.conf
sed -e "s|^tls_key = .*|tls_key = portdp:dev=$DEV;slot=5|" \
	-e "s|^tls_cert = .*|tls_cert = $P/cardtls-chain.pem|" base.conf >card.conf &&
	echo "ossl_modules = $MODULES" >>card.conf
sed -e "s|^tls_cert = .*|tls_cert = $P/roguetls-chain.pem|" card.conf >rogue.conf
grep -q "^tls_key = file:" file.conf && grep -q "^tls_key = portdp:" card.conf
tap $? "configurations: TLS key in a file / on the card (DPauth, DPpb: $DPKEYS)"

# The client must refuse a server chain it cannot verify: no binding, and it says why.
cp rogue.conf "$C"
s0=$(signs)
portdp-bench run --dir "$T/b" --concurrency 2 --duration 2 --workers 1 >rogue.out 2>&1
rc=$?
s1=$(signs)
if [ $rc != 0 ] && grep -q "^bindings: completed 0," rogue.out &&
	grep -qi "verif\|certificate" rogue.out && [ $((s1 - s0)) -gt 0 ]; then
	grep -m1 "^first failure" rogue.out | sed 's/^/# /'
	tap 0 "a server chain from a CA the client does not trust: no binding, handshakes refused ($((s1 - s0)) card signs made)"
else
	sed 's/^/# /' rogue.out
	tap 1 "a server chain from a CA the client does not trust: no binding, handshakes refused"
fi

# run MODE KEYS ROUND: one portdp-bench run; a CSV row; the counter check.
run() {
	cp "$2.conf" "$C"
	s0=$(signs)
	portdp-bench run --dir "$T/b" --concurrency "$CONC" --duration "$SECS" --workers 2 \
		--threads 1 --connection "$1" >"$1-$2.out" 2>&1
	rc=$?
	s1=$(signs)
	sed 's/^/# /' "$1-$2.out"
	[ $rc = 0 ] || tail -n 5 "$T/b/portdpd.log" 2>/dev/null | sed 's/^/# portdpd: /'
	row=$(awk -v m="$1" -v k="$2" -v round="$3" -v signs="$((s1 - s0))" -v kdp="$K" '
		/^bindings: completed/ { gsub(",", ""); done = $3; fail = $5; secs = $7 }
		/^throughput:/ { bpm = $2 }
		/^server CPU:/ { scpu = $5 }
		/^client CPU:/ { ccpu = $5 }
		/^  whole binding/ { p50 = $3; p90 = $4; p99 = $5 }
		/^connections:/ { hs = $3 }
		END {
			if (bpm == "" || scpu == "" || hs == "" || done == 0) exit 1
			printf "%s,%s,%s,%s,%s,%s,%s,%s,%.2f,%.1f,%s,%.3f,%s,%s,%s,%s,%s,%s,%.3f\n", m, k, round,
				done, fail, secs, bpm, hs, hs / done, hs / secs, scpu, scpu * done / hs,
				ccpu, p50, p90, p99, signs, signs - kdp * done, scpu / ccpu
		}' "$1-$2.out")
	[ -n "$row" ] || return 1
	echo "CSV tls.csv $row"
	echo "$row" >>rows.csv
	# Card signs beyond the DP ones: none with the file key, one per handshake with the card key.
	echo "$row" | awk -F, -v k="$2" '{ exit !($18 == (k == "card" ? $8 : 0)) }' || {
		echo "# card signs $((s1 - s0)): not $K per binding + $([ "$2" = card ] && echo "1 per handshake" || echo 0)"
		return 1
	}
	return $rc
}
echo "CSV tls.csv connection,tls_key,round,bindings,failed,seconds,bindings_per_min,handshakes,handshakes_per_binding,handshakes_per_s,server_cpu_ms,server_cpu_ms_per_handshake,client_cpu_ms,p50_ms,p90_ms,p99_ms,card_signs,card_tls_signs,server_per_client_cpu"
: >rows.csv
r=1
while [ $r -le "$ROUNDS" ]; do
	for m in $MODES; do
		for k in file card; do
			echo "# round $r, $m, TLS key: $k"
			run "$m" "$k" "$r"
			tap $? "round $r: --connection $m, TLS key $k, ${SECS} s, concurrency $CONC: all bindings, card signs = DP signs$([ $k = card ] && echo " + handshakes")"
		done
	done
	r=$((r + 1))
done

# Medians per (connection, key); per handshake: the per-call binding's extra
# server CPU over keep-alive, divided by its extra handshakes. The client does
# the same work with either key, so portdpd's CPU over the client's in the
# same run (server/client) is the figure the host's load disturbs least.
sort -t, -k1,1 -k2,2 rows.csv | awk -F, '
	function med(a, n,   i, j, t) {
		for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	function flush() {
		if (key == "") return
		printf "# summary %-10s %-4s bindings/min %6.0f  handshakes/s %6.1f  server CPU ms/binding %7.3f  ms/handshake(all) %6.3f  client ms/binding %7.3f  server/client %5.3f  p50 ms %8.1f  (median of %d)\n",
			c, k, med(bpm, nr), med(hps, nr), med(scpu, nr), med(sph, nr), med(ccpu, nr), med(rat, nr), med(p50, nr), nr
		S[c "," k] = med(scpu, nr); H[c "," k] = med(hpb, nr); B[c "," k] = med(bpm, nr); R[c "," k] = med(rat, nr)
	}
	{ if ($1 "," $2 != key) { flush(); key = $1 "," $2; c = $1; k = $2; nr = 0 }
	  nr++; bpm[nr] = $7; hps[nr] = $10; scpu[nr] = $11; sph[nr] = $12; ccpu[nr] = $13; p50[nr] = $14; hpb[nr] = $9; rat[nr] = $19 }
	END {
		flush()
		for (i = 0; i < 2; i++) {
			k = i ? "card" : "file"
			pc = "per-call," k
			ka = "keep-alive," k
			if (!(pc in S) || !(ka in S)) continue
			d = H[pc] - H[ka]
			printf "# summary TLS key %s: per-call %.3f ms/binding = %.2fx keep-alive (%.3f); per extra handshake %.3f ms of server CPU; bindings/min per-call/keep-alive %.2f\n",
				k, S[pc], S[pc] / S[ka], S[ka], (d > 0 ? (S[pc] - S[ka]) / d : 0), B[pc] / B[ka]
		}
		for (i = 0; i < 2; i++) {
			c = i ? "keep-alive" : "per-call"
			cf = c ",file"
			cc = c ",card"
			if ((cf in S) && (cc in S))
				printf "# summary %s: card/file server CPU per binding %.2f, server/client %.3f, bindings/min %.2f\n", c,
					S[cc] / S[cf], R[cc] / R[cf], B[cc] / B[cf]
		}
	}'
done_
