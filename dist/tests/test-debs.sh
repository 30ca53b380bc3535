#!/bin/bash
# The Debian packages (`make deb`, dpkg-buildpackage on a copy of the tree)
# pass test-installed.sh: unpacked into a scratch root, every shipped file is
# in some package, and the e2e suite, the library checks and the inventory
# upgrade/downgrade run on them. About 1 min on 2 cores, most of it the build.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$top/$BUILD ;; esac
# No -dbgsym packages: they are not tested and cost time.
if ! DEB_BUILD_OPTIONS="noautodbgsym ${DEB_BUILD_OPTIONS:-}" make -s -C "$top" BUILD="$BUILD" deb >"$BUILD/deb-test.log" 2>&1; then
	echo "not ok 1 - make deb"
	tail -n 30 "$BUILD/deb-test.log" | sed 's/^/# /'
	echo "1..1"
	exit 1
fi
echo "ok 1 - make deb: $(ls "$BUILD"/deb/*.deb | grep -vc dbgsym) packages"
# The installed-files test goes on numbering after this one.
PORTDP_DEBS=$BUILD/deb "$top/dist/tests/test-installed.sh" | awk '
	/^ok [0-9]+/ || /^not ok [0-9]+/ { sub(/[0-9]+/, $0 ~ /^ok/ ? $2 + 1 : $3 + 1) }
	/^1\.\.[0-9]+$/ { split($0, a, "."); print "1.." a[3] + 1; next }
	{ print }'
exit "${PIPESTATUS[0]}"
