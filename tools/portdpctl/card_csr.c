// SPDX-License-Identifier: Apache-2.0
/*
 * portdpctl card csr: a PKCS#10 certification request for a slot's key.
 * OpenSSL's X509_REQ API lays out the request; the card signs its DER
 * CertificationRequestInfo (ECDSA-SHA256 by pdp_sign), and the finished
 * request is verified with the slot's public key before it is written.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "card.h"
#include "portdpctl.h"

#define SUBJECT_MAX 1024

/*
 * "/K=V/K=V..." (openssl req -subj style; "\/" and "\\" escape) into @name.
 * Every key must be a name OpenSSL knows and every value non-empty.
 */
static int parse_subject(const char *subj, X509_NAME *name)
{
	char buf[SUBJECT_MAX], *w, *key, *val;
	const char *p = subj;

	if (strlen(subj) >= sizeof(buf) || *p != '/')
		return ctl_error(EXIT_USAGE,
				 "--subject %s: want /KEY=VALUE/... (e.g. /O=Org/CN=Name)", subj);
	p++;
	while (*p) {
		w = buf;
		while (*p && *p != '/') {
			if (*p == '\\' && (p[1] == '/' || p[1] == '\\'))
				p++;
			*w++ = *p++;
		}
		*w = '\0';
		if (*p == '/')
			p++;
		key = buf;
		val = strchr(buf, '=');
		if (!val || val == key || !val[1])
			return ctl_error(EXIT_USAGE, "--subject: '%s' is no KEY=VALUE", buf);
		*val++ = '\0';
		if (OBJ_txt2nid(key) == NID_undef ||
		    !X509_NAME_add_entry_by_txt(name, key, MBSTRING_UTF8,
						(const unsigned char *)val, -1, -1, 0))
			return ctl_error(EXIT_USAGE,
					 "--subject: '%s=%s' not accepted (unknown "
					 "attribute or bad value)",
					 key, val);
	}
	if (X509_NAME_entry_count(name) == 0)
		return ctl_error(EXIT_USAGE, "--subject: empty");
	return EXIT_OK;
}

/* Signs @req's CertificationRequestInfo with @key on the card. */
static int card_sign_req(struct pdp_accel *accel, struct pdp_key *key, X509_REQ *req)
{
	uint8_t raw[PDP_SIG_LEN], der[PDP_SIG_DER_MAX];
	size_t der_len = sizeof(der);
	unsigned char *tbs = NULL;
	ASN1_BIT_STRING *sig;
	X509_ALGOR *alg;
	int tbs_len, err;

	alg = X509_ALGOR_new();
	if (!alg || !X509_ALGOR_set0(alg, OBJ_nid2obj(NID_ecdsa_with_SHA256), V_ASN1_UNDEF, NULL) ||
	    !X509_REQ_set1_signature_algo(req, alg)) {
		X509_ALGOR_free(alg);
		return -ENOMEM;
	}
	X509_ALGOR_free(alg);
	tbs_len = i2d_re_X509_REQ_tbs(req, &tbs);
	if (tbs_len <= 0)
		return -EINVAL;
	err = pdp_sign(accel, key, tbs, (size_t)tbs_len, raw);
	OPENSSL_free(tbs);
	if (!err)
		err = pdp_sig_raw_to_der(raw, der, &der_len);
	if (err)
		return err;
	sig = ASN1_BIT_STRING_new();
	if (!sig || !ASN1_BIT_STRING_set(sig, der, (int)der_len)) {
		ASN1_BIT_STRING_free(sig);
		return -ENOMEM;
	}
	/* A DER signature is whole bytes: no unused bits. */
	sig->flags &= ~(ASN1_STRING_FLAG_BITS_LEFT | 0x07);
	sig->flags |= ASN1_STRING_FLAG_BITS_LEFT;
	X509_REQ_set0_signature(req, sig);
	return 0;
}

/* The request as PEM in a malloc'd buffer. */
static char *req_pem(X509_REQ *req, size_t *len)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *data, *out = NULL;
	long n;

	if (bio && PEM_write_bio_X509_REQ(bio, req)) {
		n = BIO_get_mem_data(bio, &data);
		out = n > 0 ? malloc((size_t)n) : NULL;
		if (out) {
			memcpy(out, data, (size_t)n);
			*len = (size_t)n;
		}
	}
	BIO_free(bio);
	return out;
}

int card_csr(int argc, char **argv)
{
	struct pdp_accel *accel = NULL;
	uint8_t pub[PDP_PUBKEY_LEN];
	struct pdp_key *key = NULL;
	X509_NAME *name = NULL;
	EVP_PKEY *pkey = NULL;
	X509_REQ *req = NULL;
	enum pdp_curve curve;
	struct card_args a;
	char *pem = NULL;
	size_t pem_len;
	int st, err;

	st = card_parse_args(argc, argv, CARD_OPT_SLOT | CARD_OPT_SUBJECT | CARD_OPT_OUT,
			     CARD_OPT_SLOT | CARD_OPT_SUBJECT | CARD_OPT_OUT, &a);
	if (st)
		return st;
	name = X509_NAME_new();
	if (!name)
		return ctl_error(EXIT_FAIL, "out of memory");
	st = parse_subject(a.subject, name);
	if (st)
		goto out;
	accel = card_open(&a);
	if (!accel) {
		st = EXIT_FAIL;
		goto out;
	}
	err = pdp_key_load(accel, a.slot_uri, &key);
	if (!err)
		err = pdp_key_public(key, pub, &curve);
	if (err) {
		st = ctl_error(EXIT_FAIL, "%s slot %d: %s", a.dev, a.slot, card_strerror(err));
		goto out;
	}
	pkey = card_pub_pkey(pub, curve);
	req = X509_REQ_new();
	if (!pkey || !req || !X509_REQ_set_version(req, X509_REQ_VERSION_1) ||
	    !X509_REQ_set_subject_name(req, name) || !X509_REQ_set_pubkey(req, pkey)) {
		st = ctl_error(EXIT_FAIL, "cannot build the request (slot %d key on %s)", a.slot,
			       card_curve_name(curve));
		goto out;
	}
	err = card_sign_req(accel, key, req);
	if (err) {
		st = ctl_error(EXIT_FAIL, "signing the request in slot %d: %s", a.slot,
			       card_strerror(err));
		goto out;
	}
	/* The card's signature must verify with the slot's public key, or nothing is written. */
	if (X509_REQ_verify(req, pkey) != 1) {
		st = ctl_error(EXIT_FAIL, "the card's signature on the request does not verify");
		goto out;
	}
	pem = req_pem(req, &pem_len);
	if (!pem) {
		st = ctl_error(EXIT_FAIL, "cannot encode the request");
		goto out;
	}
	err = card_write_file(a.out, pem, pem_len, 0, 0644);
	if (err) {
		st =
		    ctl_error(EXIT_FAIL, "%s: %s", a.out,
			      err == -EEXIST ? "exists already (not overwritten)" : strerror(-err));
		goto out;
	}
	printf("wrote %s: request for slot %d (%s) signed on the card\n", a.out, a.slot,
	       card_curve_name(curve));
out:
	free(pem);
	X509_REQ_free(req);
	EVP_PKEY_free(pkey);
	X509_NAME_free(name);
	pdp_key_free(key);
	if (accel)
		pdp_accel_close(accel);
	ERR_clear_error();
	return st;
}
