// SPDX-License-Identifier: Apache-2.0
/* Certificates from memory or files, and what callers may read from them. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/sha.h>

#include "cert_priv.h"

#define CERT_FILE_MAX (64 * 1024)

struct pdp_cert *cert_ref(const struct pdp_cert *c)
{
	struct pdp_cert *m = (struct pdp_cert *)c; /* only the count changes */

	__atomic_add_fetch(&m->refs, 1, __ATOMIC_RELAXED);
	return m;
}

/* The DER of the first CERTIFICATE block of a PEM text (malloc'd). */
static int pem_to_der(const uint8_t *buf, size_t len, uint8_t **der, size_t *der_len)
{
	BIO *bio = BIO_new_mem_buf(buf, (int)len);
	char *name = NULL, *header = NULL;
	unsigned char *data = NULL;
	long n = 0;
	int ret = -1;

	if (bio && PEM_read_bio(bio, &name, &header, &data, &n) && n > 0 &&
	    (!strcmp(name, PEM_STRING_X509) || !strcmp(name, PEM_STRING_X509_OLD))) {
		*der = malloc(n);
		if (*der) {
			memcpy(*der, data, n);
			*der_len = n;
			ret = 0;
		}
	}
	OPENSSL_free(name);
	OPENSSL_free(header);
	OPENSSL_free(data);
	BIO_free(bio);
	ERR_clear_error();
	return ret;
}

enum pdp_cert_status pdp_cert_parse(const uint8_t *buf, size_t len, struct pdp_cert **out)
{
	struct pdp_cert *c;

	if (!buf || !out || !len || len > CERT_FILE_MAX)
		return PDP_CERT_ERR_INVALID;
	c = calloc(1, sizeof(*c));
	if (!c)
		return PDP_CERT_ERR_NOMEM;
	c->refs = 1;
	if (buf[0] == 0x30) {
		c->der = malloc(len);
		if (!c->der) {
			free(c);
			return PDP_CERT_ERR_NOMEM;
		}
		memcpy(c->der, buf, len);
		c->der_len = len;
	} else if (pem_to_der(buf, len, &c->der, &c->der_len)) {
		free(c);
		return PDP_CERT_ERR_MALFORMED;
	}
	if (cert_x509_read(c) || !SHA256(c->der, c->der_len, c->sha256)) {
		pdp_cert_free(c);
		return PDP_CERT_ERR_MALFORMED;
	}
	*out = c;
	return PDP_CERT_OK;
}

enum pdp_cert_status pdp_cert_load(const char *path, struct pdp_cert **out)
{
	uint8_t *buf = NULL;
	enum pdp_cert_status st = PDP_CERT_ERR_MALFORMED;
	FILE *f;
	size_t n;

	if (!path || !out)
		return PDP_CERT_ERR_INVALID;
	f = fopen(path, "rb");
	if (!f)
		return PDP_CERT_ERR_INVALID;
	buf = malloc(CERT_FILE_MAX + 1);
	if (!buf) {
		fclose(f);
		return PDP_CERT_ERR_NOMEM;
	}
	n = fread(buf, 1, CERT_FILE_MAX + 1, f);
	if (n && n <= CERT_FILE_MAX && !ferror(f))
		st = pdp_cert_parse(buf, n, out);
	fclose(f);
	free(buf);
	return st;
}

void pdp_cert_free(struct pdp_cert *cert)
{
	if (!cert)
		return;
	if (__atomic_sub_fetch(&cert->refs, 1, __ATOMIC_ACQ_REL))
		return;
	free(cert->der);
	free(cert);
}

const uint8_t *pdp_cert_der(const struct pdp_cert *cert, size_t *len)
{
	if (!cert || !len)
		return NULL;
	*len = cert->der_len;
	return cert->der;
}

static enum pdp_cert_status keyid_out(const uint8_t *src, size_t src_len, uint8_t *id,
				      size_t *id_len)
{
	if (!id || !id_len)
		return PDP_CERT_ERR_INVALID;
	if (!src_len)
		return PDP_CERT_ERR_MALFORMED;
	memcpy(id, src, src_len);
	*id_len = src_len;
	return PDP_CERT_OK;
}

enum pdp_cert_status pdp_cert_ski(const struct pdp_cert *cert, uint8_t id[PDP_KEYID_MAX],
				  size_t *id_len)
{
	if (!cert)
		return PDP_CERT_ERR_INVALID;
	return keyid_out(cert->ski, cert->ski_len, id, id_len);
}

enum pdp_cert_status pdp_cert_aki(const struct pdp_cert *cert, uint8_t id[PDP_KEYID_MAX],
				  size_t *id_len)
{
	if (!cert)
		return PDP_CERT_ERR_INVALID;
	return keyid_out(cert->aki, cert->aki_len, id, id_len);
}

enum pdp_cert_status pdp_cert_public_key(const struct pdp_cert *cert, uint8_t pub[PDP_PUBKEY_LEN],
					 enum pdp_curve *curve)
{
	if (!cert || !pub)
		return PDP_CERT_ERR_INVALID;
	if (cert->curve == PDP_CURVE_NONE)
		return PDP_CERT_ERR_CURVE;
	memcpy(pub, cert->pub, PDP_PUBKEY_LEN);
	if (curve)
		*curve = cert->curve;
	return PDP_CERT_OK;
}

enum pdp_cert_status pdp_cert_subject_serial(const struct pdp_cert *cert, char *buf, size_t cap)
{
	size_t n;

	if (!cert || !buf)
		return PDP_CERT_ERR_INVALID;
	if (!cert->has_subject_serial)
		return PDP_CERT_ERR_MALFORMED;
	n = strlen(cert->subject.serial);
	if (cap <= n)
		return PDP_CERT_ERR_INVALID;
	memcpy(buf, cert->subject.serial, n + 1);
	return PDP_CERT_OK;
}

enum pdp_cert_status pdp_cert_eid(const struct pdp_cert *cert, uint8_t eid[PDP_EID_LEN])
{
	const char *s;
	int i;

	if (!cert || !eid)
		return PDP_CERT_ERR_INVALID;
	s = cert->subject.serial;
	if (!cert->has_subject_serial || strlen(s) != 2 * PDP_EID_LEN)
		return PDP_CERT_ERR_MALFORMED;
	for (i = 0; i < 2 * PDP_EID_LEN; i++)
		if (s[i] < '0' || s[i] > '9')
			return PDP_CERT_ERR_MALFORMED;
	for (i = 0; i < PDP_EID_LEN; i++)
		eid[i] = (s[2 * i] - '0') << 4 | (s[2 * i + 1] - '0');
	return PDP_CERT_OK;
}

enum pdp_cert_status pdp_cert_not_after(const struct pdp_cert *cert, time_t *out)
{
	if (!cert || !out)
		return PDP_CERT_ERR_INVALID;
	*out = cert->not_after;
	return PDP_CERT_OK;
}

void pdp_cert_sha256(const struct pdp_cert *cert, uint8_t out[32])
{
	if (cert && out)
		memcpy(out, cert->sha256, 32);
}

enum pdp_cert_status pdp_cert_smdp_oid(const struct pdp_cert *cert, uint8_t *oid_tlv, size_t cap,
				       size_t *len)
{
	if (!cert || !oid_tlv || !len)
		return PDP_CERT_ERR_INVALID;
	*len = 0;
	if (!cert->smdp_oid_len)
		return PDP_CERT_ERR_MALFORMED;
	if (cap < cert->smdp_oid_len)
		return PDP_CERT_ERR_INVALID;
	memcpy(oid_tlv, cert->smdp_oid, cert->smdp_oid_len);
	*len = cert->smdp_oid_len;
	return PDP_CERT_OK;
}
