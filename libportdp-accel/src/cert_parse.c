// SPDX-License-Identifier: Apache-2.0
/* Parse a certificate once and keep what the SGP.22 checks look at. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "cert_priv.h"
#include "ec_util.h"

#define SGP22_POLICY_ARC "2.23.146.1.2.1."
#define CERT_FILE_MAX (64 * 1024)

static int asn1_time(const ASN1_TIME *t, time_t *out)
{
	struct tm tm;

	if (!t || !ASN1_TIME_to_tm(t, &tm))
		return -1;
	*out = timegm(&tm);
	return 0;
}

static int copy_keyid(const ASN1_OCTET_STRING *id, uint8_t *out, size_t *len)
{
	if (!id) {
		*len = 0;
		return 0;
	}
	if (id->length <= 0 || id->length > PDP_KEYID_MAX)
		return -1;
	memcpy(out, id->data, id->length);
	*len = id->length;
	return 0;
}

/* Value of the one attribute @nid in @name as UTF-8; "" if absent, <0 if odd. */
static int name_attr(const X509_NAME *name, int nid, char out[CERT_ATTR_MAX + 1])
{
	int idx = X509_NAME_get_index_by_NID(name, nid, -1), n;
	unsigned char *utf8 = NULL;

	out[0] = 0;
	if (idx < 0)
		return 0;
	if (X509_NAME_get_index_by_NID(name, nid, idx) >= 0)
		return -1; /* two values: ambiguous, refuse */
	n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, idx)));
	if (n < 0 || n > CERT_ATTR_MAX || memchr(utf8, 0, n)) {
		OPENSSL_free(utf8);
		return -1;
	}
	memcpy(out, utf8, n);
	out[n] = 0;
	OPENSSL_free(utf8);
	return 1;
}

static int parse_policies(struct pdp_cert *c)
{
	CERTIFICATEPOLICIES *pol;
	int crit, i;

	pol = X509_get_ext_d2i(c->x509, NID_certificate_policies, &crit, NULL);
	if (!pol)
		return crit == -1 ? 0 : -1; /* -1: absent; otherwise malformed or repeated */
	for (i = 0; i < sk_POLICYINFO_num(pol); i++) {
		POLICYINFO *pi = sk_POLICYINFO_value(pol, i);
		char txt[80];
		unsigned role;
		char tail;

		if (OBJ_obj2txt(txt, sizeof(txt), pi->policyid, 1) <= 0)
			continue;
		if (strncmp(txt, SGP22_POLICY_ARC, strlen(SGP22_POLICY_ARC)))
			continue;
		if (sscanf(txt + strlen(SGP22_POLICY_ARC), "%u%c", &role, &tail) != 1 || role > 5)
			continue;
		c->policies |= 1u << (role + PDP_CERT_ROLE_CI); /* .0 is the CI */
	}
	CERTIFICATEPOLICIES_free(pol);
	return 0;
}

static int parse_subtrees(STACK_OF(GENERAL_SUBTREE) * st, struct cert_dirname *out, unsigned *n)
{
	int i;

	for (i = 0; i < sk_GENERAL_SUBTREE_num(st); i++) {
		GENERAL_SUBTREE *t = sk_GENERAL_SUBTREE_value(st, i);

		if (t->base->type != GEN_DIRNAME)
			continue; /* SGP.22 constrains eUICC names only by DirName */
		if (*n == CERT_NC_MAX)
			return -1;
		if (name_attr(t->base->d.directoryName, NID_organizationName, out[*n].org) < 0 ||
		    name_attr(t->base->d.directoryName, NID_serialNumber, out[*n].serial) < 0)
			return -1;
		(*n)++;
	}
	return 0;
}

static int parse_name_constraints(struct pdp_cert *c)
{
	NAME_CONSTRAINTS *nc;
	int crit, ret = 0;

	nc = X509_get_ext_d2i(c->x509, NID_name_constraints, &crit, NULL);
	if (!nc)
		return crit == -1 ? 0 : -1;
	c->has_name_constraints = 1;
	if (parse_subtrees(nc->permittedSubtrees, c->permitted, &c->n_permitted) ||
	    parse_subtrees(nc->excludedSubtrees, c->excluded, &c->n_excluded))
		ret = -1;
	NAME_CONSTRAINTS_free(nc);
	return ret;
}

static int fill(struct pdp_cert *c)
{
	X509 *x = c->x509;
	uint32_t flags;
	unsigned char *p;
	int len;

	len = i2d_X509(x, NULL);
	if (len <= 0)
		return -1;
	c->der = OPENSSL_malloc(len);
	if (!c->der)
		return -1;
	p = c->der;
	c->der_len = i2d_X509(x, &p);
	if (!EVP_Digest(c->der, c->der_len, c->sha256, NULL, EVP_sha256(), NULL))
		return -1;

	flags = X509_get_extension_flags(x); /* also decodes and caches the extensions */
	if (flags & EXFLAG_INVALID)
		return -1;
	c->is_ca = !!(flags & EXFLAG_CA);
	c->unknown_critical = !!(flags & EXFLAG_CRITICAL);
	c->key_usage = (flags & EXFLAG_KUSAGE) ? X509_get_key_usage(x) : 0;
	if (copy_keyid(X509_get0_subject_key_id(x), c->ski, &c->ski_len) ||
	    copy_keyid(X509_get0_authority_key_id(x), c->aki, &c->aki_len))
		return -1;
	if (asn1_time(X509_get0_notBefore(x), &c->not_before) ||
	    asn1_time(X509_get0_notAfter(x), &c->not_after))
		return -1;
	if (ec_pkey_public(X509_get0_pubkey(x), c->pub, &c->curve))
		c->curve = PDP_CURVE_NONE;
	len = name_attr(X509_get_subject_name(x), NID_serialNumber, c->subject.serial);
	if (len < 0 ||
	    name_attr(X509_get_subject_name(x), NID_organizationName, c->subject.org) < 0)
		return -1;
	c->has_subject_serial = len > 0;
	if (parse_policies(c) || parse_name_constraints(c))
		return -1;
	return 0;
}

enum pdp_cert_status pdp_cert_parse(const uint8_t *buf, size_t len, struct pdp_cert **out)
{
	struct pdp_cert *c;
	const uint8_t *p = buf;

	if (!buf || !out || !len || len > CERT_FILE_MAX)
		return PDP_CERT_ERR_INVALID;
	c = OPENSSL_zalloc(sizeof(*c));
	if (!c)
		return PDP_CERT_ERR_NOMEM;
	if (buf[0] == 0x30) {
		c->x509 = d2i_X509(NULL, &p, len);
		if (c->x509 && p != buf + len) { /* trailing bytes: not one certificate */
			X509_free(c->x509);
			c->x509 = NULL;
		}
	} else {
		BIO *bio = BIO_new_mem_buf(buf, len);

		if (bio)
			c->x509 = PEM_read_bio_X509(bio, NULL, NULL, NULL);
		BIO_free(bio);
	}
	if (!c->x509 || fill(c)) {
		ERR_clear_error();
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
	X509_free(cert->x509);
	OPENSSL_free(cert->der);
	OPENSSL_free(cert);
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
