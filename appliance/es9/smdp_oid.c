// SPDX-License-Identifier: Apache-2.0
/*
 * The SM-DP+ OID: SGP.22 puts it in CERT.DPauth's subjectAltName as a
 * registeredID; the eUICC signs it back in EuiccCancelSessionSigned, where
 * we compare it byte for byte. Certificate parsing only, no crypto.
 */
#include <errno.h>
#include <string.h>

#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "es9_internal.h"

int es9_cert_smdp_oid(const struct pdp_cert *cert, uint8_t *oid, size_t cap, size_t *len)
{
	const unsigned char *p;
	GENERAL_NAMES *names;
	size_t der_len;
	X509 *x;
	int i, ret = -ENOENT;

	p = pdp_cert_der(cert, &der_len);
	x = d2i_X509(NULL, &p, (long)der_len);
	if (!x)
		return -EINVAL;
	names = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	for (i = 0; names && i < sk_GENERAL_NAME_num(names); i++) {
		const GENERAL_NAME *gn = sk_GENERAL_NAME_value(names, i);
		unsigned char *q = oid;
		int n;

		if (gn->type != GEN_RID)
			continue;
		n = i2d_ASN1_OBJECT(gn->d.registeredID, NULL);
		if (n <= 0 || (size_t)n > cap) {
			ret = -EINVAL;
			break;
		}
		i2d_ASN1_OBJECT(gn->d.registeredID, &q);
		*len = (size_t)n;
		ret = 0;
		break;
	}
	GENERAL_NAMES_free(names);
	X509_free(x);
	return ret;
}
