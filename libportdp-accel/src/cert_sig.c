// SPDX-License-Identifier: Apache-2.0
/*
 * Certificate signatures: SHA-256 over the tbsCertificate bytes, ECDSA
 * verified with the issuer's raw public point. The key is made from the
 * point for each check (nothing is cached here); it is duplicated from a
 * per-curve template, which skips building the curve group each time.
 */
#include <pthread.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include "cert_priv.h"
#include "ec_util.h"

static EVP_PKEY *templates[PDP_CURVE_BP256R1 + 1];
static pthread_once_t templates_once = PTHREAD_ONCE_INIT;

static void make_templates(void)
{
	templates[PDP_CURVE_P256] = ec_pkey_template(PDP_CURVE_P256);
	templates[PDP_CURVE_BP256R1] = ec_pkey_template(PDP_CURVE_BP256R1);
}

enum pdp_cert_status cert_check_signature(const struct pdp_cert *child,
					  const struct pdp_cert *issuer)
{
	enum pdp_cert_status st = PDP_CERT_ERR_BAD_SIGNATURE;
	uint8_t dgst[SHA256_DIGEST_LENGTH];
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *key = NULL;

	if (!child->sig_ecdsa_sha256 || issuer->curve == PDP_CURVE_NONE)
		return PDP_CERT_ERR_BAD_SIGNATURE;
	pthread_once(&templates_once, make_templates);
	if (!templates[issuer->curve])
		return PDP_CERT_ERR_NOMEM;
	if (ec_pkey_from_point(templates[issuer->curve], issuer->pub, &key))
		goto out; /* the issuer's point is not on its curve */
	if (!SHA256(child->tbs, child->tbs_len, dgst))
		goto out;
	ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
	if (ctx && EVP_PKEY_verify_init(ctx) == 1 &&
	    EVP_PKEY_verify(ctx, child->sig, child->sig_len, dgst, sizeof(dgst)) == 1)
		st = PDP_CERT_OK;
out:
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(key);
	ERR_clear_error();
	return st;
}
