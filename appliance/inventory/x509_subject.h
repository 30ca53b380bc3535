/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The one spelling of a certificate subject that the operator table stores and the ES2+
 * listener compares (RFC 2253, UTF-8 kept). Header-only so that portdpd's TLS layer and
 * portdpctl share it without a link dependency.
 */
#ifndef PORTDP_X509_SUBJECT_H
#define PORTDP_X509_SUBJECT_H

#include <errno.h>
#include <stddef.h>
#include <openssl/bio.h>
#include <openssl/x509.h>

static inline int inv_x509_subject(X509 *cert, char *out, size_t size)
{
	BIO *b = BIO_new(BIO_s_mem());
	int n;

	if (!b)
		return -ENOMEM;
	X509_NAME_print_ex(b, X509_get_subject_name(cert), 0,
			   XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
	n = BIO_read(b, out, (int)size - 1);
	BIO_free(b);
	if (n <= 0 || (size_t)n >= size - 1)
		return -EINVAL;
	out[n] = '\0';
	return 0;
}

#endif
