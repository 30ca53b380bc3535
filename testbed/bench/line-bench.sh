#!/bin/bash
# Line benchmark: bindings per minute against the number of stations, for the
# APDU path (portdp-line -> libpcsclite -> pcscd -> vpcd -> portdp-vcard, a
# software eUICC per card) and the in-process path (portdp-line calling the
# software eUICC's ISD-R directly), in the same run against one portdpd.
# Host CPU per binding counts every process of the path: portdp-line, portdpd,
# and for the APDU path pcscd and the portdp-vcard feeders. Both paths also report
# it without the software eUICC's own work (seuicc_open/close, seuicc_es10, power
# cycles: each calling thread's CPU clock, PORTDP_EUICC_CPU), which a real chip does
# and a real line's host does not: the "host" columns.
#
#   testbed/bench/line-bench.sh [OUT_DIR] [STATIONS...]     (default: docs 1 4 16 64)
# env: CHIPS (chips per station, default 8), SHARED, BUILD,
#      ROUNDS (default 1): with N > 1, each station count runs N rounds of the
#      in-process path and the default APDU path (what a PC/SC station chooses on
#      its own: extended length, portdp-vcard's ATR announcing it) one after the
#      other, prints each round's ratio and the median (OUT_DIR/line-rounds.csv),
#      and skips the other APDU variants;
#      WATCH_AB=1 (with ROUNDS > 1): each round also runs the APDU path with
#      PORTDP_PCSC_WATCH=0 (each station waits for its cards in pcscd itself, the way
#      before the one watcher per process), columns b_ms, b_pct, b_host_ms, b_host_pct;
#      AB_ENV="VAR=VALUE ..." (with ROUNDS > 1): the same with any environment given to
#      the runners and feeders of that second APDU run (WATCH_AB=1 is
#      AB_ENV=PORTDP_PCSC_WATCH=0);
#      LOADAVG_LOG: where to write /proc/loadavg every 5 s during the run;
#      PLOT_ONLY=1: only draw OUT_DIR/img/line-bench.png from OUT_DIR/line-bench.csv.
# Writes OUT_DIR/line-bench.csv and, with gnuplot, OUT_DIR/img/line-bench.png.
# More than 16 readers: one pcscd (16 readers at most) and one portdp-line per 16.
# Rows: inproc; apdu (the default: extended length where card and reader allow it);
# apdu-255 (--no-extended: short APDUs, 255-byte blocks + Le); apdu-120
# (--no-extended --block 120: what widely used LPAs send).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../e2e/lib.sh"
. "$HERE/../e2e/pcsc.sh"
OUT=${1:-$E2E_ROOT/docs}
shift || true
STATIONS=("$@")
[ ${#STATIONS[@]} -gt 0 ] || STATIONS=(1 4 16 64)
CHIPS=${CHIPS:-8}
ROUNDS=${ROUNDS:-1}
# plot_csv: OUT/img/line-bench.png from OUT/line-bench.csv (gnuplot, when there).
plot_csv() {
	command -v gnuplot >/dev/null || return 0
	mkdir -p "$OUT/img"
	gnuplot <<EOF
set terminal pngcairo size 1200,480 noenhanced font ",10"
set output "$OUT/img/line-bench.png"
set datafile separator ","
set multiplot layout 1,2 title "portdp-line: in-process vs APDU path (pcscd + vpcd), $(nproc) cores"
set logscale x 2
set xlabel "stations"
set ylabel "bindings/min"
set key top left font ",9"
plot "< grep ^inproc $OUT/line-bench.csv" using 2:5 with linespoints title "in-process", \\
     "< grep ^apdu, $OUT/line-bench.csv" using 2:5 with linespoints title "PC/SC, default (extended length)", \\
     "< grep ^apdu-255 $OUT/line-bench.csv" using 2:5 with linespoints title "PC/SC, short, 255 + Le", \\
     "< grep ^apdu-120 $OUT/line-bench.csv" using 2:5 with linespoints title "PC/SC, short, 120-byte blocks"
set title "dashed: without the software eUICC's own work"
set ylabel "host CPU ms per binding"
set yrange [0:*]
set key top right font ",9"
plot "< grep ^inproc $OUT/line-bench.csv" using 2:7 with linespoints lc 1 title "in-process", \\
     "< grep ^apdu, $OUT/line-bench.csv" using 2:7 with linespoints lc 2 title "PC/SC, default (extended)", \\
     "< grep ^apdu-255 $OUT/line-bench.csv" using 2:7 with linespoints lc 3 title "PC/SC, short, 255 + Le", \\
     "< grep ^apdu-120 $OUT/line-bench.csv" using 2:7 with linespoints lc 4 title "PC/SC, short, 120", \\
     "< grep ^inproc $OUT/line-bench.csv" using 2:10 with linespoints lc 1 dt 2 title "in-process, no eUICC", \\
     "< grep ^apdu, $OUT/line-bench.csv" using 2:10 with linespoints lc 2 dt 2 title "PC/SC default, no eUICC"
unset multiplot
EOF
}
if [ -n "${PLOT_ONLY:-}" ]; then
	plot_csv
	exit 0
fi

e2e_init line-bench
PIDS=()
PCSC_PIDS=()
LOAD_PID=
cleanup() {
	[ -n "$LOAD_PID" ] && kill "$LOAD_PID" 2>/dev/null
	for p in "${PIDS[@]}" "${PCSC_PIDS[@]}"; do kill "$p" 2>/dev/null; done
	e2e_cleanup
}
trap cleanup EXIT
[ -n "${KEEP:-}" ] && E2E_KEEP=1

max=0
total=0
for n in "${STATIONS[@]}"; do
	[ "$n" -gt "$max" ] && max=$n
	total=$((total + n * CHIPS * (ROUNDS > 1 ? 3 * ROUNDS : 4)))
done
B=$E2E_DIR/b
"$BIN/portdp-bench" setup --dir "$B" --profiles $((total + 50)) --euiccs $((max * CHIPS)) \
	--db-sync normal >/dev/null 2>&1 || { echo "setup failed"; exit 1; }
PORT=$(free_port)
sed "s/^port = .*/port = $PORT/" "$B/portdpd.conf" >"$E2E_DIR/portdpd.conf"
E2E_DB=$B/inventory.db
start_portdpd "$E2E_DIR/portdpd.conf" "$PORT" || exit 1
ARGS=(--smdp "$SMDP_HOST:$PORT" --resolve "$SMDP_HOST:$PORT:127.0.0.1" --cacert "$B/pki/ci.pem"
	--quiet)

# CPU seconds (user+system) of a live process.
cpu_of() {
	awk -v hz="$(getconf CLK_TCK)" '{print ($14 + $15) / hz}' "/proc/$1/stat" 2>/dev/null || echo 0
}
# Sum of the "U S" pairs /usr/bin/time wrote (and of the "OPEN ES10 CALLS" lines
# PORTDP_EUICC_CPU files hold: the eUICC's open + ES10 seconds).
cpu_files() {
	cat "$@" 2>/dev/null | awk '{s += $1 + $2} END {printf "%.3f", s}'
}
[ -n "${WATCH_AB:-}" ] && AB_ENV=${AB_ENV:-PORTDP_PCSC_WATCH=0}
AB_ENV=${AB_ENV:-}
# Cards file for station S of a run: chip identities dealt out, fresh state dirs.
cards() {
	local run=$1 s=$2 f=$E2E_DIR/$1/cards$2 k i
	mkdir -p "$E2E_DIR/$run/state"
	: >"$f"
	for ((k = 0; k < CHIPS; k++)); do
		i=$((s * CHIPS + k))
		mkdir -p "$E2E_DIR/$run/state/$i"
		printf '%s/euiccs/%05d %s/%s/state/%d\n' "$B" "$i" "$E2E_DIR" "$run" "$i" >>"$f"
	done
	echo "$f"
}

# inproc RUN N: N in-process stations.
run_inproc() {
	local run=$1 n=$2 st=() s dpd0 t0 t1 ok
	mkdir -p "$E2E_DIR/$run"
	for ((s = 0; s < n; s++)); do st+=(--station "inproc:$(cards "$run" "$s")"); done
	dpd0=$(cpu_of "$DPD_PID")
	t0=$(date +%s.%N)
	PORTDP_EUICC_CPU=$E2E_DIR/$run/euicc.line /usr/bin/time -f "%U %S" \
		-o "$E2E_DIR/$run/time.line" "$BIN/portdp-line" "${ARGS[@]}" \
		--report "$E2E_DIR/$run/rep" "${st[@]}" >"$E2E_DIR/$run/out" 2>&1
	t1=$(date +%s.%N)
	ok=$(cat "$E2E_DIR/$run"/rep/run-*.csv | grep -c ',installed,')
	cpu=$(echo "$(cpu_files "$E2E_DIR/$run/time.line") $(cpu_of "$DPD_PID") $dpd0" |
		awk '{printf "%.3f", $1 + $2 - $3}')
	echo "# $run CPU s: portdp-line $(cpu_files "$E2E_DIR/$run/time.line") (eUICC" \
		"$(cpu_files "$E2E_DIR/$run/euicc.line")), portdpd" \
		"$(echo "$(cpu_of "$DPD_PID") $dpd0" | awk '{print $1 - $2}')" >&2
	report_row "inproc" "$n" "$ok" "$t0" "$t1" "$cpu" 0 "$(cpu_files "$E2E_DIR/$run/euicc.line")"
}

# apdu RUN N LABEL [runner options]: N PC/SC stations, 16 per pcscd and per portdp-line.
run_apdu() {
	local run=$1 n=$2 label=$3 groups g s dpd0 t0 t1 ok per lp=() pc0=0 pc1=0 apdus
	local ENV_B=${ENV_B:-} # "VAR=VALUE ..." for the runners and feeders (A/B runs)
	shift 3
	local opts=("$@") ext=
	# the cards announce extended length unless the runner is told not to use it
	[[ " ${opts[*]} " == *" --no-extended "* ]] && ext=--no-extended
	mkdir -p "$E2E_DIR/$run"
	groups=$(((n + 15) / 16))
	PCSC_PIDS=()
	declare -a GSOCK GST
	for ((g = 0; g < groups; g++)); do
		per=$((n - g * 16))
		[ "$per" -gt 16 ] && per=16
		start_pcscd "$E2E_DIR/$run/pcsc$g" $(((per + 1) / 2 * 2)) || return 1
		PCSC_PIDS+=("$PCSC_PID")
		GSOCK[$g]=$PCSCLITE_CSOCK_NAME
		GST[$g]=
		for ((s = 0; s < per; s++)); do
			env $ENV_B PORTDP_EUICC_CPU="$E2E_DIR/$run/euicc.vc$g.$s" \
				"/usr/bin/time" -f "%U %S" -o "$E2E_DIR/$run/time.vc$g.$s" "$BIN/portdp-vcard" \
				--cards "$(cards "$run" $((g * 16 + s)))" $ext vpcd "${READER_PORTS[$s]}" \
				>"$E2E_DIR/$run/vc$g.$s.log" 2>&1 &
			PIDS+=($!)
			GST[$g]+="pcsc:${READER_NAMES[$s]}"$'\n'
		done
	done
	sleep 1 # pcscd sees the first cards
	for p in "${PCSC_PIDS[@]}"; do pc0=$(echo "$pc0 $(cpu_of "$p")" | awk '{print $1 + $2}'); done
	dpd0=$(cpu_of "$DPD_PID")
	t0=$(date +%s.%N)
	for ((g = 0; g < groups; g++)); do
		mapfile -t sts <<<"${GST[$g]%$'\n'}"
		args=()
		for x in "${sts[@]}"; do args+=(--station "$x"); done
		env $ENV_B PCSCLITE_CSOCK_NAME="${GSOCK[$g]}" /usr/bin/time -f "%U %S" -o "$E2E_DIR/$run/time.line$g" \
			"$BIN/portdp-line" "${ARGS[@]}" "${opts[@]}" --report "$E2E_DIR/$run/rep" --idle-exit 10 \
			--count $(((n - g * 16 > 16 ? 16 : n - g * 16) * CHIPS)) "${args[@]}" \
			>"$E2E_DIR/$run/out$g" 2>&1 &
		lp+=($!)
	done
	wait "${lp[@]}"
	t1=$(date +%s.%N)
	for p in "${PCSC_PIDS[@]}"; do pc1=$(echo "$pc1 $(cpu_of "$p")" | awk '{print $1 + $2}'); done
	# A feeder whose cards a stopped runner left in the reader would wait forever.
	sleep 1
	for p in "${PIDS[@]}"; do
		for c in $(pgrep -P "$p"); do kill "$c" 2>/dev/null; done
		wait "$p" 2>/dev/null
	done
	PIDS=()
	ok=$(cat "$E2E_DIR/$run"/rep/run-*.csv | grep -c ',installed,')
	apdus=$(cat "$E2E_DIR/$run"/rep/run-*.csv | awk -F, '$6 == "installed" {s += $NF} END {print s + 0}')
	cpu=$(echo "$(cpu_files "$E2E_DIR/$run"/time.*) $(cpu_of "$DPD_PID") $dpd0 $pc1 $pc0" |
		awk '{printf "%.3f", $1 + $2 - $3 + $4 - $5}')
	echo "# $run CPU s: portdp-line $(cpu_files "$E2E_DIR/$run"/time.line*)," \
		"portdp-vcard $(cpu_files "$E2E_DIR/$run"/time.vc*) (eUICC $(cpu_files "$E2E_DIR/$run"/euicc.vc*))," \
		"pcscd $(echo "$pc1 $pc0" | awk '{print $1 - $2}'), portdpd" \
		"$(echo "$(cpu_of "$DPD_PID") $dpd0" | awk '{print $1 - $2}')" >&2
	for p in "${PCSC_PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	PCSC_PIDS=()
	report_row "$label" "$n" "$ok" "$t0" "$t1" "$cpu" "$apdus" "$(cpu_files "$E2E_DIR/$run"/euicc.vc*)"
}

CSV=$E2E_DIR/line-bench.csv
# cpu_ms_per_binding: every process of the path; host_ms_per_binding: the same less
# the software eUICC's own work (euicc_cpu_s), what a real line's host pays.
echo "path,stations,bindings,seconds,bindings_per_min,cpu_s,cpu_ms_per_binding,apdus_per_binding,euicc_cpu_s,host_ms_per_binding" >"$CSV"
report_row() {
	local path=$1 n=$2 ok=$3 t0=$4 t1=$5 cpu=$6 apdus=$7 euicc=$8
	echo "$path $n $ok $t0 $t1 $cpu $apdus $euicc" | awk '{
		s = $5 - $4; if (s <= 0) s = 0.001
		printf "%s,%d,%d,%.2f,%.1f,%.3f,%.2f,%.1f,%.3f,%.2f\n", $1, $2, $3, s, $3 * 60 / s, $6,
			$3 ? $6 * 1000 / $3 : 0, $3 ? $7 / $3 : 0, $8,
			$3 ? ($6 - $8) * 1000 / $3 : 0}' | tee -a "$CSV"
}

if [ -n "${LOADAVG_LOG:-}" ]; then
	(while :; do echo "$(date -u +%T) $(cat /proc/loadavg)"; sleep 5; done) >"$LOADAVG_LOG" &
	LOAD_PID=$!
fi
ROUNDS_CSV=$E2E_DIR/line-rounds.csv
# *_ms: host CPU per binding with the eUICC's work (every process), *_host_ms: without.
echo "stations,round,inproc_ms,apdu_ms,ratio_pct,apdus_per_binding,inproc_host_ms,apdu_host_ms,host_ratio_pct${AB_ENV:+,b_ms,b_pct,b_host_ms,b_host_pct}" \
	>"$ROUNDS_CSV"
# median COLUMN N LABEL: the median, min and max of a ratio column over N's rounds.
median() {
	awk -F, -v n="$2" -v c="$1" '$1 == n {print $c}' "$ROUNDS_CSV" | sort -n | awk -v l="$3" '
		{v[NR] = $1} END {m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%s: median %.0f%% (min %.0f%%, max %.0f%%)\n", l, m, v[1], v[NR]}' >&2
}
for n in "${STATIONS[@]}"; do
	if [ "$ROUNDS" -gt 1 ]; then
		for ((r = 1; r <= ROUNDS; r++)); do
			run_inproc "inproc$n.$r" "$n"
			a=$(tail -1 "$CSV")
			run_apdu "apdu$n.$r" "$n" apdu
			b=$(tail -1 "$CSV")
			c=$b
			if [ -n "$AB_ENV" ]; then
				ENV_B=$AB_ENV run_apdu "apdub$n.$r" "$n" apdu-b
				c=$(tail -1 "$CSV")
			fi
			# columns: 1-10 in-process, 11-20 APDU, 21-30 APDU with AB_ENV
			paste -d, <(echo "$a") <(echo "$b") <(echo "$c") | awk -F, -v n="$n" -v r="$r" \
				-v ab="$AB_ENV" '{
				printf "%d,%d,%.2f,%.2f,%.0f,%.1f,%.2f,%.2f,%.0f", n, r, $7, $17,
					$7 ? 100 * $17 / $7 : 0, $18, $10, $20, $10 ? 100 * $20 / $10 : 0
				if (ab != "") printf ",%.2f,%.0f,%.2f,%.0f", $27, $7 ? 100 * $27 / $7 : 0,
					$30, $10 ? 100 * $30 / $10 : 0
				printf "\n"}' >>"$ROUNDS_CSV"
			tail -1 "$ROUNDS_CSV" | awk -F, '{
				printf "# round %d at %d stations: in-process %.2f ms, APDU %.2f ms per binding: %s%%", $2, $1, $3, $4, $5
				printf "; without the eUICC: %.2f ms, %.2f ms: %s%%", $7, $8, $9
				if (NF > 9) printf " (B: %.2f ms: %s%%, without the eUICC %.2f ms: %s%%)", $10, $11, $12, $13
				printf "\n"}' >&2
		done
		median 5 "$n" "# $n stations, $ROUNDS rounds: APDU path / in-process host CPU per binding"
		median 9 "$n" "#   the same without the software eUICC's own work (what a real line's host pays)"
		if [ -n "$AB_ENV" ]; then
			median 11 "$n" "#   B ($AB_ENV)"
			median 13 "$n" "#   B ($AB_ENV) without the eUICC's work"
		fi
	else
		run_inproc "inproc$n" "$n"
		run_apdu "apdu$n" "$n" apdu
		run_apdu "apdub$n" "$n" apdu-255 --no-extended
		run_apdu "apdus$n" "$n" apdu-120 --no-extended --block 120
		# both ratios of each APDU row against this count's in-process row
		awk -F, -v n="$n" '$2 == n && $1 == "inproc" {a = $7; h = $10}
			$2 == n && $1 != "inproc" && a && h {printf "# %d stations, %s / in-process host CPU per binding: %.0f%%, without the eUICC'"'"'s work %.0f%%\n", n, $1, 100 * $7 / a, 100 * $10 / h}' \
			"$CSV" >&2
	fi
done
[ -n "$LOAD_PID" ] && kill "$LOAD_PID" 2>/dev/null && LOAD_PID=
stop_portdpd
mkdir -p "$OUT/img"
if [ "$ROUNDS" -gt 1 ]; then
	cp "$CSV" "$OUT/line-bench-rounds-raw.csv"
	cp "$ROUNDS_CSV" "$OUT/line-rounds.csv"
	echo "line-bench: $OUT/line-rounds.csv"
	exit 0
fi
cp "$CSV" "$OUT/line-bench.csv"
plot_csv
echo "line-bench: $OUT/line-bench.csv"
