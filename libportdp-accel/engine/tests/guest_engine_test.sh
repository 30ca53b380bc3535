#!/bin/sh
# VM guest test (testbed/vm/run-vm-tests): the engine's CLI checks
# (engine_cli_test.sh) on keys generated in card slots through the dev
# backend, with the host's /usr/bin/openssl. Slots 23 and 28 belong to this
# test (19 must be empty).
dev=/dev/portdp-accel0
if [ ! -c "$dev" ]; then
	echo "1..0 # SKIP no $dev"
	exit 0
fi
export OPENSSL_ENGINES=/usr/lib/portdp/engines
export OPENSSL_MODULES=/usr/lib/portdp/ossl-modules
export PORTDP_KEYTOOL=/usr/bin/portdp-keytool
export PORTDP_TEST_URI="portdp:dev=$dev;slot=23"
export PORTDP_TEST_BP_URI="portdp:dev=$dev;slot=28"
export PORTDP_TEST_MISSING_URI="portdp:dev=$dev;slot=19"
exec sh /usr/lib/portdp/engine_cli_test.sh
