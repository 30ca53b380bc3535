#!/bin/bash
# E2E: ES9+ in its ASN.1 binding (SGP.22 6.6, POST /gsma/rsp2/asn1,
# application/x-gsma-rsp-asn1) next to JSON on the same portdpd: a full download
# (initiateAuthentication, authenticateClient, getBoundProfilePackage,
# handleNotification), a declined one (cancelSession), refusals as the CHOICE's
# error INTEGER, malformed and truncated DER answered without a change, and a
# delete notification through the binding that lets the profile go to another eUICC.
set -u
. "$(dirname "$0")/lib.sh"
e2e_init asn1
E2E_DB=$E2E_DIR/inventory.db
PKI=$E2E_DIR/pki
make_pki "$PKI" -n 2
tap $? "test PKI with 2 eUICCs"
mapfile -t EIDS <"$PKI/euicc/list.txt"
euicc_dir "$PKI" "${EIDS[0]}" "$E2E_DIR/e0"
euicc_dir "$PKI" "${EIDS[1]}" "$E2E_DIR/e1"

ctl init >/dev/null
mapfile -t FILES < <(ls "$TESTDATA"/ts48/*-UNIQUE.der | head -2)
ctl import --matching-id A0 --reuse after-delete "${FILES[0]}" >/dev/null 2>&1 &&
	ctl import --matching-id A1 "${FILES[1]}" >/dev/null 2>&1
tap $? "2 profiles imported (A0 may be reused after a deletion)"
PORT=$(free_port)
SESSION_TIMEOUT=600
write_conf "$E2E_DIR/portdpd.conf" "$PORT" "$E2E_DB" "$PKI"
start_portdpd "$E2E_DIR/portdpd.conf" "$PORT"
tap $? "portdpd started"
show() { echo "$1" | sed 's/^/# /'; }

# POST raw DER (hex) to the binding; prints "HTTP_STATUS BODY_HEX".
post_der() {
	local hex=$1 ctype=${2:-application/x-gsma-rsp-asn1}
	printf '%s' "$hex" | xxd -r -p >"$E2E_DIR/req.der"
	curl -s -o "$E2E_DIR/ans.der" -w '%{http_code}' --cacert "$PKI/ci.pem" \
		--resolve "$SMDP_HOST:$PORT:127.0.0.1" -H "Content-Type: $ctype" \
		-H "X-Admin-Protocol: gsma/rsp/v2.2.0" --data-binary "@$E2E_DIR/req.der" \
		"https://$SMDP_HOST:$PORT/gsma/rsp2/asn1"
	printf ' %s\n' "$(xxd -p "$E2E_DIR/ans.der" | tr -d '\n' | tr a-f A-F)"
}

# 1. A whole download through the ASN.1 binding.
msg=$(lpa "$PORT" "$PKI" "$E2E_DIR/e0" --binding asn1 -v --ac "$(ac "$PORT" A0)" \
	--out "$E2E_DIR/a0.der" 2>&1)
rc=$?
[ $rc -eq 0 ] && cmp -s "$E2E_DIR/a0.der" "${FILES[0]}"
tap $? "ASN.1 binding: A0 downloaded and installed, UPP byte-identical"
[ $rc -eq 0 ] || show "$msg"
for fn in initiateAuthentication authenticateClient getBoundProfilePackage handleNotification; do
	echo "$msg" | grep -q "POST https://$SMDP_HOST:$PORT/gsma/rsp2/asn1 ($fn) -> HTTP 20"
	tap $? "ASN.1 binding: $fn went to /gsma/rsp2/asn1"
done
[ "$(ctl_state A0)" = "installed ${EIDS[0]}" ]
tap $? "inventory: A0 installed on ${EIDS[0]} (the installation result came as ASN.1)"

# 2. Declined: cancelSession through the binding releases A1 at once.
msg=$(lpa "$PORT" "$PKI" "$E2E_DIR/e1" --binding asn1 --ac "$(ac "$PORT" A1)" --reject 2>&1)
rc=$?
[ $rc -eq 6 ] && echo "$msg" | grep -q "cancelSession (endUserRejection): accepted"
tap $? "ASN.1 binding: declined download, cancelSession accepted"
[ $rc -eq 6 ] || show "$msg"
[ "$(ctl_state A1)" = "available -" ]
tap $? "inventory: A1 available again"

# 3. Refusals are the function's error INTEGER.
msg=$(lpa "$PORT" "$PKI" "$E2E_DIR/e1" --binding asn1 --ac "$(ac "$PORT" NOSUCH)" 2>&1)
echo "$msg" | grep -q "subjectCode asn1 reasonCode 6 "
tap $? "ASN.1 binding: an unknown matchingId is authenticateClientError matchingIdRefused(6)"
[ "$(ctl_state A1)" = "available -" ]
tap $? "inventory: still nothing allocated after the refusal"

# 4. Malformed, truncated or unknown requests change nothing.
before=$(ctl_snapshot)
# Well-formed requests whose inner element is no eUICC answer: the function's
# undefinedError(127), HTTP 200.
ans=$(post_der A209BF3B06800101BF3800)
[ "$ans" = "200 A206BF3B0381017F" ]
tap $? "authenticateClient with an empty AuthenticateServerResponse: undefinedError(127) ($ans)"
ans=$(post_der A209BF3A06800101BF2100)
[ "$ans" = "200 A206BF3A0381017F" ]
tap $? "getBoundProfilePackage with an empty PrepareDownloadResponse: undefinedError(127) ($ans)"
# A PrepareDownloadResponseError of a session nobody holds: invalidTransactionId(95).
ans=$(post_der A211BF3A0E80010FBF2108A10680010F02017F)
[ "$ans" = "200 A206BF3A0381015F" ]
tap $? "getBoundProfilePackage of an unknown session: invalidTransactionId(95) ($ans)"
ans=$(post_der A209BF3A06800101BF21)
[ "$ans" = "400 " ]
tap $? "truncated DER: HTTP 400 without a body ($ans)"
ans=$(post_der A203BF7F00)
[ "$ans" = "400 " ]
tap $? "a CHOICE alternative that is no ES9+ function: HTTP 400 ($ans)"
ans=$(post_der 3003020101)
[ "$ans" = "400 " ]
tap $? "not a RemoteProfileProvisioningRequest: HTTP 400 ($ans)"
ans=$(post_der A207BF3D04A0023000)
[ "$ans" = "400 " ]
tap $? "handleNotification that does not decode: HTTP 400 ($ans)"
ans=$(post_der A209BF3A06800101BF2100 application/json)
[ "$ans" = "415 " ]
tap $? "the ASN.1 path with a JSON content type: 415 ($ans)"
ans=$(post_der A2FFFF)
[ "$ans" = "400 " ]
tap $? "garbage: HTTP 400"
[ "$before" = "$(ctl_snapshot)" ]
tap $? "none of the malformed requests changed the inventory or its audit"
curl -s -o /dev/null --cacert "$PKI/ci.pem" --resolve "$SMDP_HOST:$PORT:127.0.0.1" \
	-H 'Content-Type: application/json' -H 'X-Admin-Protocol: gsma/rsp/v2.2.0' \
	--data '{}' "https://$SMDP_HOST:$PORT/gsma/rsp2/es9plus/initiateAuthentication" &&
	kill -0 "$DPD_PID"
tap $? "portdpd alive, the JSON binding still served"

# 5. A deletion notification through the binding, and the reuse it allows.
iccid=$(upp_iccid "${FILES[0]}")
msg=$(lpa "$PORT" "$PKI" "$E2E_DIR/e0" --binding asn1 -v --delete "$iccid" 2>&1)
rc=$?
[ $rc -eq 0 ] && echo "$msg" | grep -q "/gsma/rsp2/asn1 (handleNotification) -> HTTP 204"
tap $? "delete of $iccid on ${EIDS[0]}: its notification went through the ASN.1 binding"
[ $rc -eq 0 ] || show "$msg"
[ "$(ctl_state A0)" = "available -" ]
tap $? "inventory: A0 (reuse after-delete) available again"
lpa "$PORT" "$PKI" "$E2E_DIR/e1" --binding asn1 --ac "$(ac "$PORT" A0)" >/dev/null 2>&1 &&
	[ "$(ctl_state A0)" = "installed ${EIDS[1]}" ]
tap $? "A0 reused: installed on ${EIDS[1]} through the ASN.1 binding"
"$E2E_ROOT/testbed/e2e/inventory-invariants" "$E2E_DB" >/dev/null
tap $? "inventory invariants hold"
stop_portdpd
tap_done
