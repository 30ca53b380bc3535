#!/bin/bash
# What ships, as a user gets it: `make install DESTDIR` into a scratch root
# with the layout debian/rules uses (or, with PORTDP_DEBS=DIR, the Debian
# packages of DIR unpacked there: test-debs.sh), then: every file there; no build-tree
# RUNPATH; libportdp-accel.so.0's SONAME and exports (exactly the functions
# of the installed headers); portdp-accel.pc compiles and links a program;
# the provider loads from OpenSSL's module directory; the units, sysusers
# and tmpfiles files are valid; the whole e2e suite passes on the installed
# programs and library (LD_LIBRARY_PATH into the root); an inventory of the
# previous schema is migrated by the installed portdpd and keeps serving;
# one of a newer schema is refused with a clear message and left as it is.
set -u
. "$(dirname "$0")/../../testbed/e2e/lib.sh"
e2e_init installed
# test-privilege runs the installed portdpctl as the service user: it may pass, not list.
chmod 711 "$E2E_DIR"
ROOT=$E2E_DIR/root
MA=$(gcc -print-multiarch)
LIBDIR=/usr/lib/$MA
MODDIR=$(pkg-config --variable=modulesdir libcrypto)
ENGDIR=$(pkg-config --variable=enginesdir libcrypto)
VERSION=$(sed -n 's/^PORTDP_VERSION := //p' "$E2E_ROOT/Makefile")

if [ -n "${PORTDP_DEBS:-}" ]; then
	# Every package but the debug symbols, unpacked as dpkg would (the
	# maintainer scripts' work, sysusers and tmpfiles, is done below).
	debs=$(ls "$PORTDP_DEBS"/*_"$VERSION"_*.deb 2>/dev/null | grep -v dbgsym)
	r=1
	[ -n "$debs" ] && for d in $debs; do dpkg-deb -x "$d" "$ROOT" || break; done && r=0
	tap $r "unpacked $(echo $debs | wc -w) packages: $(for d in $debs; do basename "$d" | cut -d_ -f1; done | tr '\n' ' ')"
else
	make -s -C "$E2E_ROOT" BUILD="$BUILD" DESTDIR="$ROOT" PREFIX=/usr LIBDIR="$LIBDIR" install \
		>"$E2E_DIR/install.log" 2>&1
	r=$?
	[ $r -ne 0 ] && tail -n 20 "$E2E_DIR/install.log" | sed 's/^/# /'
	tap $r "make install DESTDIR=... PREFIX=/usr LIBDIR=$LIBDIR"
fi
if [ -z "${PORTDP_DEBS:-}" ]; then
	# The defaults: everything under /usr/local but /etc and OpenSSL's module directory.
	L=$E2E_DIR/local
	make -s -C "$E2E_ROOT" BUILD="$BUILD" DESTDIR="$L" install >/dev/null 2>&1 &&
		[ -x "$L/usr/local/sbin/portdpd" ] && [ -f "$L/usr/local/lib/libportdp-accel.so.$VERSION" ] &&
		grep -q 'includedir=/usr/local/include' "$L/usr/local/lib/pkgconfig/portdp-accel.pc" &&
		grep -q '^ExecStart=/usr/local/sbin/portdpd -c /etc/portdp/portdpd.conf' \
			"$L/usr/local/lib/systemd/system/portdpd.service" &&
		[ -f "$L/etc/portdp/portdpd.conf" ] && [ -f "$L$MODDIR/portdp.so" ] &&
		[ -f "$L/usr/src/portdp-accel-$VERSION/dkms.conf" ]
	tap $? "make install with the defaults: PREFIX=/usr/local, /etc/portdp, $MODDIR"
fi
[ "$(dpkg-parsechangelog -l "$E2E_ROOT/debian/changelog" -SVersion | sed 's/-[^-]*$//')" = "$VERSION" ]
tap $? "debian/changelog and the Makefile agree on the version ($VERSION)"

FILES="/usr/sbin/portdpd /usr/sbin/portdp-card-pcie /usr/bin/portdpctl /usr/bin/portdp-lpa /usr/bin/portdp-line
/usr/bin/portdp-pki $LIBDIR/libportdp-accel.so.$VERSION $LIBDIR/libportdp-accel.so.0
$LIBDIR/libportdp-accel.so $LIBDIR/pkgconfig/portdp-accel.pc /usr/include/portdp/accel.h
/usr/include/portdp/cert.h /usr/include/portdp/scp03t.h $MODDIR/portdp.so $ENGDIR/portdp.so
/lib/systemd/system/portdpd.service /lib/systemd/system/portdp-card-pcie.service
/usr/sbin/portdp-usbnet /lib/systemd/system/portdp-usbnet.service
/usr/lib/sysusers.d/portdp.conf /usr/lib/sysusers.d/portdp-card.conf /usr/lib/tmpfiles.d/portdp.conf
/lib/udev/rules.d/60-portdp-accel.rules /etc/portdp/portdpd.conf
/usr/src/portdp-accel-$VERSION/dkms.conf /usr/src/portdp-accel-$VERSION/Kbuild
/usr/src/portdp-accel-$VERSION/kernel/Kbuild /usr/src/portdp-accel-$VERSION/kernel/portdp_core.c
/usr/src/portdp-accel-$VERSION/include/uapi/linux/portdp_accel.h
/usr/src/portdp-accel-$VERSION/include/card/portdp_card.h"
missing=$(for f in $FILES; do [ -e "$ROOT$f" ] || echo "$f"; done)
[ -z "$missing" ]
tap $? "every shipped file is installed${missing:+ (missing: $(echo $missing))}"

# --- the library --------------------------------------------------------
ELVES=$(for f in $FILES; do [ -f "$ROOT$f" ] && head -c4 "$ROOT$f" | grep -q ELF && echo "$ROOT$f"; done)
rpaths=$(for f in $ELVES; do readelf -d "$f" | grep -qE 'R(UN)?PATH' && echo "${f#"$ROOT"}"; done)
[ -n "$ELVES" ] && [ -z "$rpaths" ]
tap $? "no installed program or library carries a RUNPATH${rpaths:+ ($rpaths)}"

SO=$ROOT$LIBDIR/libportdp-accel.so.$VERSION
[ "$(readelf -d "$SO" | sed -n 's/.*SONAME.*\[\(.*\)\]/\1/p')" = libportdp-accel.so.0 ] &&
	[ "$(readlink "$ROOT$LIBDIR/libportdp-accel.so.0")" = "libportdp-accel.so.$VERSION" ]
tap $? "SONAME libportdp-accel.so.0, libportdp-accel.so.0 -> libportdp-accel.so.$VERSION"

exported=$(nm -D --defined-only "$SO" | awk '$2 != "A" {print $3}' | sed 's/@.*//' | sort -u)
declared=$(grep -ohE '\bpdp_[a-z0-9_]+[[:space:]]*\(' "$ROOT"/usr/include/portdp/*.h | tr -d '( ' | sort -u)
extra=$(comm -23 <(echo "$exported") <(echo "$declared"))
absent=$(comm -13 <(echo "$exported") <(echo "$declared"))
[ -z "$extra" ] && [ -z "$absent" ] && [ "$(echo "$exported" | wc -l)" -gt 40 ]
tap $? "exports = the $(echo "$declared" | wc -l) functions of the headers${extra:+; internal: $(echo $extra | cut -c1-200)}${absent:+; not exported: $(echo $absent)}"
! nm -D --defined-only "$SO" | awk '$2 != "A"' | grep -vq '@@PORTDP_ACCEL_0$'
tap $? "every export is versioned PORTDP_ACCEL_0"

export LD_LIBRARY_PATH=$ROOT$LIBDIR
ldd "$ROOT/usr/sbin/portdpd" | grep -q "libportdp-accel.so.0 => $ROOT$LIBDIR/libportdp-accel.so.0"
tap $? "the installed portdpd loads the installed libportdp-accel.so.0"

pc() {
	PKG_CONFIG_SYSROOT_DIR=$ROOT PKG_CONFIG_PATH=$ROOT$LIBDIR/pkgconfig pkg-config "$@" portdp-accel
}
flags=$(pc --cflags --libs) && [ "$(pc --modversion)" = "$VERSION" ] &&
	cc -Wall -Werror -o "$E2E_DIR/hello" "$E2E_ROOT/dist/tests/hello-accel.c" $flags &&
	out=$("$E2E_DIR/hello" dev:not-a-path 2>&1)
r=$?
echo "# pkg-config: $flags; $out" | tr '\n' ' '
echo
tap $r "portdp-accel.pc: a program compiles and links with its flags alone; soft: works, dev: is there"

out=$(openssl list -providers -provider-path "$ROOT$MODDIR" -provider portdp 2>&1)
grep -q 'portdp' <<<"$out" && grep -q 'status: active' <<<"$out"
tap $? "openssl loads the installed provider from $MODDIR"

out=$(OPENSSL_ENGINES=$ROOT$ENGDIR openssl engine -t portdp 2>&1)
grep -q 'available' <<<"$out"
tap $? "openssl loads the installed engine from $ENGDIR"

# --- service files -----------------------------------------------------
systemd-sysusers --root="$ROOT" >/dev/null 2>&1 && grep -q '^portdp:' "$ROOT/etc/passwd" &&
	grep -q '^portdp-card:' "$ROOT/etc/passwd"
tap $? "systemd-sysusers makes the portdp and portdp-card users"
systemd-tmpfiles --root="$ROOT" --create >/dev/null 2>&1 &&
	uid=$(awk -F: '$1 == "portdp" {print $3}' "$ROOT/etc/passwd") &&
	[ "$(stat -c '%a %u' "$ROOT/var/lib/portdp")" = "750 $uid" ] &&
	[ "$(stat -c '%a %u' "$ROOT/etc/portdp/private")" = "700 $uid" ]
tap $? "systemd-tmpfiles makes /var/lib/portdp (0750) and /etc/portdp/private (0700), portdp's"
# verify wants the ExecStart programs where the unit says: point them into the root.
mkdir -p "$E2E_DIR/units"
for u in portdpd portdp-card-pcie portdp-usbnet; do
	sed "s|=/usr/sbin/|=$ROOT/usr/sbin/|" "$ROOT/lib/systemd/system/$u.service" >"$E2E_DIR/units/$u.service"
done
out=$(systemd-analyze verify "$E2E_DIR/units/portdpd.service" "$E2E_DIR/units/portdp-card-pcie.service" \
	"$E2E_DIR/units/portdp-usbnet.service" 2>&1)
r=$?
[ -n "$out" ] && { sed 's/^/# /' <<<"$out" | head -n 10; r=1; }
tap $r "systemd-analyze verify: portdpd.service, portdp-card-pcie.service, portdp-usbnet.service (no warning)"
grep -q "^ExecStart=/usr/sbin/portdpd -c /etc/portdp/portdpd.conf --foreground$" \
	"$ROOT/lib/systemd/system/portdpd.service" && grep -q '^Type=notify$' "$ROOT/lib/systemd/system/portdpd.service"
tap $? "portdpd.service: Type=notify, runs the installed binary on /etc/portdp/portdpd.conf"

# --- the e2e suite on the installed files -----------------------------------
# Some tests run the installed programs as the service user: it must reach them.
chmod 0711 "$E2E_DIR"
mkdir -p "$E2E_DIR/bin"
for p in /usr/sbin/portdpd /usr/bin/portdpctl /usr/bin/portdp-lpa /usr/bin/portdp-line /usr/bin/portdp-pki; do
	ln -s "$ROOT$p" "$E2E_DIR/bin/"
done
# The test rigs the suite drives them with (portdp-bench, portdp-flood...) ship
# nowhere: they come from the build tree.
for p in "$BUILD"/bin/*; do
	[ -e "$E2E_DIR/bin/$(basename "$p")" ] || ln -s "$(realpath "$p")" "$E2E_DIR/bin/"
done
for t in "$E2E_ROOT"/testbed/e2e/test-*.sh "$E2E_ROOT"/testbed/e2e/card/test-tls-provider.sh; do
	log=$E2E_DIR/$(basename "$t").log
	E2E_BIN=$E2E_DIR/bin E2E_OSSL_MODULES=$ROOT$MODDIR "$t" >"$log" 2>&1
	r=$?
	n=$(grep -cE '^ok [0-9]+' "$log")
	f=$(grep -cE '^not ok [0-9]+' "$log")
	[ $r -eq 0 ] && [ "$f" -eq 0 ] && [ "$n" -gt 0 ]
	r=$?
	[ $r -ne 0 ] && grep -E '^not ok|^#|Bail' "$log" | head -n 10 | sed 's/^/# /'
	tap $r "installed files: $(basename "$t") ($n passed, $f failed)"
done

# --- as the unit runs it -------------------------------------------------
# Not root, no capability but CAP_NET_BIND_SERVICE (ambient, bounding set),
# no new privileges, umask 077: the installed portdpd serves a download on a
# port below 1024. (No systemd runs here: this is the unit's promise, kept
# by setpriv.)
BIN=$E2E_DIR/bin
SVC=$E2E_DIR/svc
E2E_DB=$SVC/inventory.db
mkdir -p "$SVC"
make_pki "$SVC/pki" -n 1
ctl init >/dev/null && ctl import --matching-id SVC0 "$TESTDATA/ts48/TS48V1-A-UNIQUE.der" >/dev/null 2>&1
LOW=
for p in $(shuf -i 600-1000 -n 40); do
	ss -Htln "sport = :$p" | grep -q . || { LOW=$p; break; }
done
write_conf "$SVC/portdpd.conf" "$LOW" "$E2E_DB" "$SVC/pki"
chown -R nobody:nogroup "$SVC" && chmod 0711 "$E2E_DIR"
(umask 077; exec setpriv --reuid=nobody --regid=nogroup --clear-groups --nnp \
	--inh-caps=-all,+net_bind_service --ambient-caps=-all,+net_bind_service \
	--bounding-set=-all,+net_bind_service \
	"$BIN/portdpd" -c "$SVC/portdpd.conf" --foreground >"$SVC/portdpd.log" 2>&1) &
DPD_PID=$!
DPD_PORT=$LOW
up=1
for _ in $(seq 100); do
	ss -Htlnp "sport = :$LOW" | grep -q "pid=$DPD_PID," && { up=0; break; }
	kill -0 "$DPD_PID" 2>/dev/null || break
	sleep 0.1
done
caps=$(grep -E '^(Uid|CapEff|CapBnd|NoNewPrivs)' "/proc/$DPD_PID/status" 2>/dev/null | tr -s '\t ' ' ' | tr '\n' ';')
[ $up -eq 0 ] && grep -q 'CapEff: 0000000000000400' <<<"$caps" && grep -q 'CapBnd: 0000000000000400' <<<"$caps" &&
	grep -q 'NoNewPrivs: 1' <<<"$caps" && ! grep -qE 'Uid: 0 ' <<<"$caps"
r=$?
[ $r -ne 0 ] && sed 's/^/# /' "$SVC/portdpd.log" | tail -n 5
tap $r "as the unit runs it: port $LOW, not root, CAP_NET_BIND_SERVICE only, no new privileges ($caps)"
euicc_dir "$SVC/pki" "$(head -n 1 "$SVC/pki/euicc/list.txt")" "$SVC/e"
msg=$(lpa "$LOW" "$SVC/pki" "$SVC/e" --ac "$(ac "$LOW" SVC0)" --out "$SVC/out.der" 2>&1) &&
	cmp -s "$SVC/out.der" "$TESTDATA/ts48/TS48V1-A-UNIQUE.der"
r=$?
[ $r -ne 0 ] && echo "$msg" | tail -n 5 | sed 's/^/# /'
tap $r "... and serves a download"
stop_portdpd

# --- upgrade and downgrade of the inventory --------------------------------
E2E_DB=$E2E_DIR/upgrade/inventory.db
PKI=$E2E_DIR/pki
mkdir -p "$E2E_DIR/upgrade"
make_pki "$PKI" -n 1
EID=$(head -n 1 "$PKI/euicc/list.txt")
mapfile -t UPPS < <(ls "$TESTDATA"/ts48/*-UNIQUE.der | head -2)
# What the previous portdpctl left: schema v2, two profiles imported, audited.
# (0600, as the package's tmpfiles "z" lines leave an earlier version's inventory)
"$BUILD/appliance/inventory/tests/inv-make-old" "$E2E_DB" 2 && chmod 600 "$E2E_DB" &&
	for i in 0 1; do
		sqlite3 "$E2E_DB" "INSERT INTO profile(iccid, matching_id, sp_name, profile_name,
			profile_class, reuse, upp_len) VALUES ('$(upp_iccid "${UPPS[$i]}")', 'OLD$i',
			'Old SP', 'old $i', 2, 0, length(readfile('${UPPS[$i]}')));
			INSERT INTO upp VALUES (last_insert_rowid(), readfile('${UPPS[$i]}'));" || break
	done &&
	[ "$(sqlite3 "$E2E_DB" 'PRAGMA user_version')" = 2 ]
tap $? "an inventory of schema v2 with two profiles (as the previous version made it)"
audit_before=$(sqlite3 "$E2E_DB" 'SELECT count(*) FROM audit')

PORT=$(free_port)
write_conf "$E2E_DIR/upgrade/portdpd.conf" "$PORT" "$E2E_DB" "$PKI"
start_portdpd "$E2E_DIR/upgrade/portdpd.conf" "$PORT"
tap $? "the installed portdpd starts on it"
new_version=$(sqlite3 "$E2E_DB" 'PRAGMA user_version')
[ "$new_version" -gt 2 ] && [ "$(sqlite3 "$E2E_DB" 'SELECT count(*) FROM profile')" = 2 ] &&
	[ "$(sqlite3 "$E2E_DB" 'SELECT count(*) FROM audit')" = "$audit_before" ]
tap $? "migrated to v$new_version: profiles and audit ($audit_before rows) kept"
euicc_dir "$PKI" "$EID" "$E2E_DIR/upgrade/e"
msg=$(lpa "$PORT" "$PKI" "$E2E_DIR/upgrade/e" --ac "$(ac "$PORT" OLD0)" --out "$E2E_DIR/upgrade/out.der" 2>&1) &&
	cmp -s "$E2E_DIR/upgrade/out.der" "${UPPS[0]}" && [ "$(ctl_state OLD0)" = "installed $EID" ]
r=$?
[ $r -ne 0 ] && echo "$msg" | tail -n 5 | sed 's/^/# /'
tap $r "a profile imported before the upgrade is downloaded and installed"
stop_portdpd

# A newer program's inventory: refused, with the reason, and not touched.
newer=$((new_version + 1))
sqlite3 "$E2E_DB" "PRAGMA user_version = $newer"
sum_before=$(sqlite3 "$E2E_DB" 'SELECT count(*), group_concat(state) FROM profile; SELECT count(*) FROM audit')
out=$(timeout 20 "$BIN/portdpd" -c "$E2E_DIR/upgrade/portdpd.conf" --foreground 2>&1)
r=$?
echo "# $out" | head -n 3
[ $r -ne 0 ] && [ $r -ne 124 ] && grep -q "schema version $newer is newer than this program ($new_version)" <<<"$out"
tap $? "a downgrade: portdpd refuses an inventory of schema v$newer and says so"
out=$(ctl list 2>&1)
r=$?
[ $r -ne 0 ] && grep -q "newer than this program" <<<"$out"
tap $? "portdpctl refuses it too ($(echo "$out" | head -n 1))"
[ "$(sqlite3 "$E2E_DB" 'PRAGMA user_version')" = "$newer" ] &&
	[ "$(sqlite3 "$E2E_DB" 'SELECT count(*), group_concat(state) FROM profile; SELECT count(*) FROM audit')" = "$sum_before" ]
tap $? "the refused inventory is unchanged"
tap_done
