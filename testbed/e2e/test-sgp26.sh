#!/bin/bash
# E2E (a): the SGP.26 test eUICC (GSMA Test CI 2017) against portdpd signing
# with the SGP.26 DPauth/DPpb keys (NIST), every distinct TS.48 profile. TLS
# uses a portdp-pki certificate (the SGP.26 one has expired).
set -u
. "$(dirname "$0")/lib.sh"
e2e_init sgp26
E2E_DB=$E2E_DIR/inventory.db
PKI=$E2E_DIR/pki
S26=$TESTDATA/sgp26
make_pki "$PKI" -n 1
tap $? "portdp-pki made the TLS certificate"

ctl init >/dev/null
imported=0 refused=0
declare -A SRC=()
i=0
for f in "$TESTDATA"/ts48/*.der; do
	mid=$(matching_id_for "$f" "$i")
	i=$((i + 1))
	if ctl import --matching-id "$mid" "$f" >/dev/null 2>&1; then
		imported=$((imported + 1))
		SRC[$mid]=$f
	else
		refused=$((refused + 1))
	fi
done
distinct=$(for f in "$TESTDATA"/ts48/*.der; do upp_iccid "$f"; done | sort -u | wc -l)
[ "$imported" -eq "$distinct" ] && [ "$(ctl_count available)" -eq "$distinct" ]
tap $? "imported $imported profiles with distinct ICCIDs ($distinct), refused $refused duplicates"

PORT=$(free_port)
# portdpd reads private keys only from files no one else can read; git keeps them 0644.
install -d -m 700 "$E2E_DIR/keys"
install -m 600 "$S26/dpauth/SK_S_SM_DPauth_ECDSA_NIST.pem" "$S26/dppb/SK_S_SM_DPpb_ECDSA_NIST.pem" \
	"$E2E_DIR/keys/"
write_conf "$E2E_DIR/portdpd.conf" "$PORT" "$E2E_DB" "$PKI" \
	"$S26/dpauth/CERT_S_SM_DPauth_ECDSA_NIST.der" "$E2E_DIR/keys/SK_S_SM_DPauth_ECDSA_NIST.pem" \
	"$S26/dppb/CERT_S_SM_DPpb_ECDSA_NIST.der" "$E2E_DIR/keys/SK_S_SM_DPpb_ECDSA_NIST.pem" \
	"$S26/ci/CERT_CI_ECDSA_NIST.der" "$S26/ci/CERT_GSMA_TEST_CI_2017.der"
start_portdpd "$E2E_DIR/portdpd.conf" "$PORT"
tap $? "portdpd started with the SGP.26 DP keys"

# The one SGP.26 eUICC takes every profile; its memory lives in the temp dir.
EU=$E2E_DIR/sgp26-euicc
mkdir -p "$EU"
for f in euicc.der euicc-key.pem eum.der; do ln -s "$S26/euicc/$f" "$EU/$f"; done
ln -s "$S26/ci/CERT_GSMA_TEST_CI_2017.der" "$EU/ci-2017.der"
EID=89049032123451234512345678901235
fails=0 n=0
for mid in $(printf '%s\n' "${!SRC[@]}" | sort); do
	n=$((n + 1))
	out=$E2E_DIR/$mid.der
	if ! msg=$(lpa "$PORT" "$PKI" "$EU" --ac "$(ac "$PORT" "$mid")" --out "$out" 2>&1); then
		fails=$((fails + 1))
		echo "# $mid: $msg"
	elif ! cmp -s "$out" "${SRC[$mid]}"; then
		fails=$((fails + 1))
		echo "# $mid: recovered UPP differs from ${SRC[$mid]}"
	fi
done
tap $fails "$n downloads to the SGP.26 eUICC, each UPP byte-identical ($fails failed)"

[ "$(ctl_count installed)" -eq "$distinct" ]
tap $? "inventory: all $distinct installed (notifications handled)"
[ "$(ctl list 2>/dev/null | grep -c " $EID ")" -eq "$distinct" ]
tap $? "inventory: every profile bound to EID $EID"

# Delete one profile on the eUICC: the signed delete notification reaches portdpd.
first=$(ctl_iccids installed | head -1)
lpa "$PORT" "$PKI" "$EU" --delete "$first" >/dev/null 2>&1
tap $? "delete notification for $first accepted"
ctl show "$first" | grep -qi deleted
tap $? "inventory shows $first deleted"
stop_portdpd
tap_done
