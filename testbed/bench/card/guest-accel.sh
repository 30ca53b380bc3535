#!/bin/sh
# In the bench guest (testbed/bench/run-card-bench): portdp-accel-bench on the
# card (dev:, ioctl one op at a time, then uring batches) and on soft: on the
# same virtual CPU. Every CSV row goes to the console as "CSV <file> <row>".
PATH=/bin:/sbin:/usr/bin:/usr/sbin
[ -r /etc/portdp-bench.env ] && . /etc/portdp-bench.env
N=${BENCH_N:-1000}
n=0
failed=0
tap() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=1; fi; }

run() { # run URI CSVNAME
	csv=/tmp/$2
	# shellcheck disable=SC2086 # BENCH_ARGS: extra options, split on purpose
	portdp-accel-bench --uri "$1" --n "$N" --batches 0,1,8,64,256 --rounds "${BENCH_ROUNDS:-3}" \
		--csv "$csv" $BENCH_ARGS >/tmp/bench.out 2>&1
	rc=$?
	sed 's/^/# /' /tmp/bench.out
	[ -s "$csv" ] && sed "s/^/CSV $2 /" "$csv"
	tap $rc "portdp-accel-bench on $1 ($N ops per row)"
}
if [ ! -c /dev/portdp-accel0 ]; then
	echo "1..0 # SKIP no /dev/portdp-accel0"
	exit 0
fi
run dev: accel-dev.csv
[ "${BENCH_SOFT:-1}" = 0 ] || run soft: accel-soft.csv
echo "1..$n"
exit $failed
