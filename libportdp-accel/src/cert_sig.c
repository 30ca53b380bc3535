// SPDX-License-Identifier: Apache-2.0
/*
 * Certificate signatures: SHA-256 over the tbsCertificate bytes, ECDSA
 * verified with the issuer's raw public point. Issuers are few (CIs, EUMs)
 * and sign every eUICC certificate, so each thread keeps the verify context
 * of its last few issuer keys; a key is duplicated from a per-curve
 * template, which skips building the curve group. No result is cached.
 */
#include <pthread.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include "cert_priv.h"
#include "ec_util.h"

#define ISSUER_CACHE 8

static EVP_PKEY *templates[PDP_CURVE_BP256R1 + 1];
static pthread_once_t templates_once = PTHREAD_ONCE_INIT;
static pthread_key_t cache_key; /* its destructor frees a thread's contexts */
static __thread struct ec_verify_slot issuer_cache[ISSUER_CACHE];
static __thread unsigned issuer_next;

static void free_thread_cache(void *unused)
{
	unsigned i;

	(void)unused;
	for (i = 0; i < ISSUER_CACHE; i++)
		ec_verify_slot_clear(&issuer_cache[i]);
}

static void init_once(void)
{
	templates[PDP_CURVE_P256] = ec_pkey_template(PDP_CURVE_P256);
	templates[PDP_CURVE_BP256R1] = ec_pkey_template(PDP_CURVE_BP256R1);
	pthread_key_create(&cache_key, free_thread_cache);
}

/* The verify context of @issuer's key: this thread's cached one, or a new one put in the cache. */
static EVP_PKEY_CTX *issuer_ctx(const struct pdp_cert *issuer)
{
	EVP_PKEY_CTX *ctx;
	unsigned i;

	for (i = 0; i < ISSUER_CACHE; i++)
		if (ec_verify_slot_holds(&issuer_cache[i], issuer->curve, issuer->pub))
			return issuer_cache[i].ctx;
	pthread_setspecific(cache_key, issuer_cache); /* any non-NULL value arms the destructor */
	if (ec_verify_slot_get(&issuer_cache[issuer_next % ISSUER_CACHE], templates[issuer->curve],
			       issuer->curve, issuer->pub, &ctx))
		return NULL; /* the issuer's point is not on its curve */
	issuer_next++;
	return ctx;
}

enum pdp_cert_status cert_check_signature(const struct pdp_cert *child,
					  const struct pdp_cert *issuer)
{
	enum pdp_cert_status st = PDP_CERT_ERR_BAD_SIGNATURE;
	uint8_t dgst[SHA256_DIGEST_LENGTH];
	EVP_PKEY_CTX *ctx;

	if (!child->sig_ecdsa_sha256 || issuer->curve == PDP_CURVE_NONE)
		return PDP_CERT_ERR_BAD_SIGNATURE;
	pthread_once(&templates_once, init_once);
	if (!templates[issuer->curve])
		return PDP_CERT_ERR_NOMEM;
	ctx = issuer_ctx(issuer);
	if (ctx && SHA256(child->tbs, child->tbs_len, dgst) &&
	    EVP_PKEY_verify(ctx, child->sig, child->sig_len, dgst, sizeof(dgst)) == 1)
		st = PDP_CERT_OK;
	ERR_clear_error();
	return st;
}
