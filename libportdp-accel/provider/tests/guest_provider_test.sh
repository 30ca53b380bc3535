#!/bin/sh
# VM guest test (testbed/vm/run-vm-tests): the provider's CLI checks
# (cli_test.sh) on keys generated in card slots through the dev backend,
# with the host's /usr/bin/openssl. Slots 20/21 belong to this test.
dev=/dev/portdp-accel0
if [ ! -c "$dev" ]; then
	echo "1..0 # SKIP no $dev"
	exit 0
fi
export OPENSSL_MODULES=/usr/lib/portdp/ossl-modules
export PORTDP_KEYTOOL=/usr/bin/portdp-keytool
export PORTDP_TEST_URI="portdp:dev=$dev;slot=20"
export PORTDP_TEST_BP_URI="portdp:dev=$dev;slot=21"
export PORTDP_TEST_MISSING_URI="portdp:dev=$dev;slot=19"
exec sh /usr/lib/portdp/cli_test.sh
