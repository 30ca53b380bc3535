#!/bin/sh
# In the bench guest (testbed/bench/run-card-bench --what mixed): what a batch of
# slow ops does to another caller's latency. One portdp-accel-bench keeps
# batches of 256 signs in flight on the card while a second one seals one
# op at a time (ioctl) through its own file: the sealer's latency is the wait
# for the card to finish its current op and to tell the driver. Rows
# "CSV mixed.csv <row>" (portdp-accel-bench's columns).
PATH=/bin:/sbin:/usr/bin:/usr/sbin
[ -r /etc/portdp-bench.env ] && . /etc/portdp-bench.env
n=0
failed=0
tap() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=1; fi; }
[ -c /dev/portdp-accel0 ] || { echo "1..0 # SKIP no /dev/portdp-accel0"; exit 0; }

# alone first: the same seals without the signer
portdp-accel-bench --uri dev: --ops seal --batches 0 --n 300 --csv /tmp/alone.csv >/tmp/alone.out 2>&1
tap $? "seals one at a time, card otherwise idle"
# The signer makes its key in slot 31; the sealer borrows it (--key: no keygen, no destroy).
portdp-accel-bench --uri dev: --ops sign --batches 256 --n 100000 >/tmp/signer.out 2>&1 &
signer=$!
sleep 3
portdp-accel-bench --uri dev: --key slot:31 --ops seal --batches 0 --n 300 --csv /tmp/mixed.csv \
	>/tmp/mixed.out 2>&1
tap $? "seals one at a time next to batches of 256 signs"
kill "$signer" 2>/dev/null
wait "$signer" 2>/dev/null
sed 's/^/# alone: /' /tmp/alone.out
sed 's/^/# next to signs: /' /tmp/mixed.out
echo "CSV mixed.csv case,$(head -1 /tmp/mixed.csv)"
sed -n '2p' /tmp/alone.csv | sed 's/^/CSV mixed.csv alone,/'
sed -n '2p' /tmp/mixed.csv | sed 's/^/CSV mixed.csv next-to-sign-batches,/'
echo "1..$n"
exit $failed
