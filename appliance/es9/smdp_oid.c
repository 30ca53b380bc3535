// SPDX-License-Identifier: Apache-2.0
/*
 * The SM-DP+ OID: SGP.22 puts it in CERT.DPauth's subjectAltName as a
 * registeredID; the eUICC signs it back in EuiccCancelSessionSigned, where
 * we compare it byte for byte. The certificate parser already kept it.
 */
#include <errno.h>

#include "es9_internal.h"

int es9_cert_smdp_oid(const struct pdp_cert *cert, uint8_t *oid, size_t cap, size_t *len)
{
	switch (pdp_cert_smdp_oid(cert, oid, cap, len)) {
	case PDP_CERT_OK:
		return 0;
	case PDP_CERT_ERR_MALFORMED:
		return -ENOENT;
	default:
		return -EINVAL;
	}
}
