// SPDX-License-Identifier: Apache-2.0
/*
 * signature "ECDSA" for portdp keys. Sign goes to the card (pdp_sign_digest,
 * raw r||s turned into the DER ECDSA-Sig-Value that X.509 and TLS carry);
 * verify is public-key math and runs in the private library context. Both
 * flows OpenSSL uses are here: EVP_PKEY_sign() of a digest the caller made
 * (pkeyutl) and EVP_DigestSign() with a digest we compute (TLS, X.509).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "../provider.h"

#define MDNAME_MAX 50

struct sig_ctx {
	struct portdp_prov *prov;
	struct portdp_key *key;
	EVP_MD *md;	   /* NULL: EVP_PKEY_sign() of any digest length */
	EVP_MD_CTX *mdctx; /* digest-sign/verify only */
	char mdname[MDNAME_MAX];
};

/* DER AlgorithmIdentifier of ecdsa-with-SHAxxx (RFC 5758: no parameters). */
static const uint8_t alg_sha1[] = {0x30, 0x09, 0x06, 0x07, 0x2a, 0x86,
				   0x48, 0xce, 0x3d, 0x04, 0x01};
#define ECDSA_SHA2(n)                                                                              \
	{                                                                                          \
		0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, n                \
	}
static const uint8_t alg_sha224[] = ECDSA_SHA2(1);
static const uint8_t alg_sha256[] = ECDSA_SHA2(2);
static const uint8_t alg_sha384[] = ECDSA_SHA2(3);
static const uint8_t alg_sha512[] = ECDSA_SHA2(4);

static const struct {
	const char *md;
	const uint8_t *der;
	size_t len;
} alg_ids[] = {
    {"SHA1", alg_sha1, sizeof(alg_sha1)},	  {"SHA2-224", alg_sha224, sizeof(alg_sha224)},
    {"SHA2-256", alg_sha256, sizeof(alg_sha256)}, {"SHA2-384", alg_sha384, sizeof(alg_sha384)},
    {"SHA2-512", alg_sha512, sizeof(alg_sha512)},
};

static void *sig_newctx(void *provctx, const char *propq)
{
	struct sig_ctx *c = calloc(1, sizeof(*c));

	(void)propq;
	if (!c)
		return NULL;
	c->prov = provctx;
	return c;
}

static void sig_freectx(void *vctx)
{
	struct sig_ctx *c = vctx;

	if (!c)
		return;
	portdp_key_unref(c->key);
	EVP_MD_CTX_free(c->mdctx);
	EVP_MD_free(c->md);
	free(c);
}

static void *sig_dupctx(void *vctx)
{
	struct sig_ctx *c = vctx, *d = malloc(sizeof(*d));

	if (!d)
		return NULL;
	*d = *c;
	d->mdctx = NULL;
	if (d->key)
		portdp_key_ref(d->key);
	if (d->md && !EVP_MD_up_ref(d->md))
		d->md = NULL;
	if (c->mdctx &&
	    (!(d->mdctx = EVP_MD_CTX_new()) || !EVP_MD_CTX_copy_ex(d->mdctx, c->mdctx))) {
		sig_freectx(d);
		return NULL;
	}
	return d;
}

/* Digests usable with a 256-bit curve (SHA-1 only for old verifies). */
static int set_digest(struct sig_ctx *c, const char *name)
{
	EVP_MD *md;
	size_t i;

	md = EVP_MD_fetch(c->prov->libctx, name, NULL);
	if (!md) {
		PORTDP_ERR(c->prov, PORTDP_R_BAD_ARGUMENT, "unknown digest '%s'", name);
		return 0;
	}
	for (i = 0; i < sizeof(alg_ids) / sizeof(alg_ids[0]); i++)
		if (EVP_MD_is_a(md, alg_ids[i].md))
			break;
	if (i == sizeof(alg_ids) / sizeof(alg_ids[0])) {
		EVP_MD_free(md);
		PORTDP_ERR(c->prov, PORTDP_R_BAD_ARGUMENT, "digest '%s' not allowed with ECDSA",
			   name);
		return 0;
	}
	EVP_MD_free(c->md);
	c->md = md;
	snprintf(c->mdname, sizeof(c->mdname), "%s", alg_ids[i].md);
	return 1;
}

static int sig_set_ctx_params(void *vctx, const OSSL_PARAM params[])
{
	struct sig_ctx *c = vctx;
	const OSSL_PARAM *p;
	const char *name;

	if (!params)
		return 1;
	p = OSSL_PARAM_locate_const(params, OSSL_SIGNATURE_PARAM_DIGEST);
	if (p) {
		if (c->mdctx) {
			PORTDP_ERR(c->prov, PORTDP_R_BAD_ARGUMENT,
				   "digest cannot change during a digest-sign");
			return 0;
		}
		if (!OSSL_PARAM_get_utf8_string_ptr(p, &name) || !set_digest(c, name))
			return 0;
	}
	return 1;
}

static const OSSL_PARAM *sig_settable_ctx_params(void *vctx, void *provctx)
{
	static const OSSL_PARAM settable[] = {
	    OSSL_PARAM_utf8_string(OSSL_SIGNATURE_PARAM_DIGEST, NULL, 0),
	    OSSL_PARAM_END,
	};

	(void)vctx;
	(void)provctx;
	return settable;
}

static int sig_get_ctx_params(void *vctx, OSSL_PARAM params[])
{
	struct sig_ctx *c = vctx;
	OSSL_PARAM *p;
	size_t i;

	p = OSSL_PARAM_locate(params, OSSL_SIGNATURE_PARAM_ALGORITHM_ID);
	if (p) {
		for (i = 0; i < sizeof(alg_ids) / sizeof(alg_ids[0]); i++)
			if (c->md && !strcmp(c->mdname, alg_ids[i].md))
				break;
		if (i == sizeof(alg_ids) / sizeof(alg_ids[0]) ||
		    !OSSL_PARAM_set_octet_string(p, alg_ids[i].der, alg_ids[i].len))
			return 0;
	}
	p = OSSL_PARAM_locate(params, OSSL_SIGNATURE_PARAM_DIGEST);
	if (p && (!c->md || !OSSL_PARAM_set_utf8_string(p, c->mdname)))
		return 0;
	p = OSSL_PARAM_locate(params, OSSL_SIGNATURE_PARAM_DIGEST_SIZE);
	if (p && (!c->md || !OSSL_PARAM_set_size_t(p, (size_t)EVP_MD_get_size(c->md))))
		return 0;
	return 1;
}

static const OSSL_PARAM *sig_gettable_ctx_params(void *vctx, void *provctx)
{
	static const OSSL_PARAM gettable[] = {
	    OSSL_PARAM_octet_string(OSSL_SIGNATURE_PARAM_ALGORITHM_ID, NULL, 0),
	    OSSL_PARAM_utf8_string(OSSL_SIGNATURE_PARAM_DIGEST, NULL, 0),
	    OSSL_PARAM_size_t(OSSL_SIGNATURE_PARAM_DIGEST_SIZE, NULL),
	    OSSL_PARAM_END,
	};

	(void)vctx;
	(void)provctx;
	return gettable;
}

static int sig_init(struct sig_ctx *c, void *keydata, const OSSL_PARAM params[], int private)
{
	struct portdp_key *key = keydata;

	if (!key || key->magic != PORTDP_KEY_MAGIC || !key->has_pub) {
		PORTDP_ERR(c->prov, PORTDP_R_BAD_KEY_DATA, "not a portdp EC key");
		return 0;
	}
	if (private && !key->handle) {
		PORTDP_ERR(c->prov, PORTDP_R_NO_PRIVATE_KEY, "signing needs a private (card) key");
		return 0;
	}
	portdp_key_unref(c->key);
	c->key = portdp_key_ref(key);
	EVP_MD_CTX_free(c->mdctx);
	c->mdctx = NULL;
	return sig_set_ctx_params(c, params);
}

static int sig_sign_init(void *vctx, void *keydata, const OSSL_PARAM params[])
{
	return sig_init(vctx, keydata, params, 1);
}

static int sig_verify_init(void *vctx, void *keydata, const OSSL_PARAM params[])
{
	return sig_init(vctx, keydata, params, 0);
}

/* With a digest set, EVP_PKEY_sign() input must be exactly that long. */
static int check_tbs(struct sig_ctx *c, size_t tbslen)
{
	if (c->md && tbslen != (size_t)EVP_MD_get_size(c->md)) {
		PORTDP_ERR(c->prov, PORTDP_R_BAD_ARGUMENT, "input of %zu bytes is no %s digest",
			   tbslen, c->mdname);
		return 0;
	}
	if (!tbslen || tbslen > PDP_DIGEST_MAX) {
		PORTDP_ERR(c->prov, PORTDP_R_BAD_ARGUMENT, "digest of %zu bytes (1..%d allowed)",
			   tbslen, PDP_DIGEST_MAX);
		return 0;
	}
	return 1;
}

static int sig_sign(void *vctx, unsigned char *sig, size_t *siglen, size_t sigsize,
		    const unsigned char *tbs, size_t tbslen)
{
	struct sig_ctx *c = vctx;
	size_t len = PORTDP_SIG_MAX;

	if (!sig) {
		*siglen = PORTDP_SIG_MAX;
		return 1;
	}
	if (!check_tbs(c, tbslen))
		return 0;
	if (sigsize < PORTDP_SIG_MAX) {
		PORTDP_ERR(c->prov, PORTDP_R_BAD_ARGUMENT,
			   "signature buffer of %zu bytes (need %d)", sigsize, PORTDP_SIG_MAX);
		return 0;
	}
	if (portdp_key_sign_digest(c->key, tbs, tbslen, sig, &len))
		return 0;
	*siglen = len;
	return 1;
}

static int sig_verify(void *vctx, const unsigned char *sig, size_t siglen, const unsigned char *tbs,
		      size_t tbslen)
{
	struct sig_ctx *c = vctx;

	if (!check_tbs(c, tbslen))
		return 0;
	return portdp_key_verify_digest(c->key, tbs, tbslen, sig, siglen) ? 0 : 1;
}

static int digest_init(void *vctx, const char *mdname, void *keydata, const OSSL_PARAM params[],
		       int private)
{
	struct sig_ctx *c = vctx;

	if (!sig_init(c, keydata, params, private))
		return 0;
	if (!set_digest(c, mdname && *mdname ? mdname : "SHA256"))
		return 0;
	c->mdctx = EVP_MD_CTX_new();
	if (!c->mdctx || !EVP_DigestInit_ex2(c->mdctx, c->md, NULL)) {
		PORTDP_ERR(c->prov, PORTDP_R_INTERNAL, "cannot start %s", c->mdname);
		return 0;
	}
	return 1;
}

static int sig_digest_sign_init(void *vctx, const char *mdname, void *keydata,
				const OSSL_PARAM params[])
{
	return digest_init(vctx, mdname, keydata, params, 1);
}

static int sig_digest_verify_init(void *vctx, const char *mdname, void *keydata,
				  const OSSL_PARAM params[])
{
	return digest_init(vctx, mdname, keydata, params, 0);
}

static int sig_digest_update(void *vctx, const unsigned char *data, size_t datalen)
{
	struct sig_ctx *c = vctx;

	return c->mdctx && EVP_DigestUpdate(c->mdctx, data, datalen);
}

static int sig_digest_sign_final(void *vctx, unsigned char *sig, size_t *siglen, size_t sigsize)
{
	struct sig_ctx *c = vctx;
	unsigned char dgst[EVP_MAX_MD_SIZE];
	unsigned int dlen;

	if (!c->mdctx)
		return 0;
	if (!sig) {
		*siglen = PORTDP_SIG_MAX;
		return 1;
	}
	if (!EVP_DigestFinal_ex(c->mdctx, dgst, &dlen))
		return 0;
	return sig_sign(c, sig, siglen, sigsize, dgst, dlen);
}

static int sig_digest_verify_final(void *vctx, const unsigned char *sig, size_t siglen)
{
	struct sig_ctx *c = vctx;
	unsigned char dgst[EVP_MAX_MD_SIZE];
	unsigned int dlen;

	if (!c->mdctx || !EVP_DigestFinal_ex(c->mdctx, dgst, &dlen))
		return 0;
	return sig_verify(c, sig, siglen, dgst, dlen);
}

const OSSL_DISPATCH portdp_ecdsa_functions[] = {
    {OSSL_FUNC_SIGNATURE_NEWCTX, (void (*)(void))sig_newctx},
    {OSSL_FUNC_SIGNATURE_FREECTX, (void (*)(void))sig_freectx},
    {OSSL_FUNC_SIGNATURE_DUPCTX, (void (*)(void))sig_dupctx},
    {OSSL_FUNC_SIGNATURE_SIGN_INIT, (void (*)(void))sig_sign_init},
    {OSSL_FUNC_SIGNATURE_SIGN, (void (*)(void))sig_sign},
    {OSSL_FUNC_SIGNATURE_VERIFY_INIT, (void (*)(void))sig_verify_init},
    {OSSL_FUNC_SIGNATURE_VERIFY, (void (*)(void))sig_verify},
    {OSSL_FUNC_SIGNATURE_DIGEST_SIGN_INIT, (void (*)(void))sig_digest_sign_init},
    {OSSL_FUNC_SIGNATURE_DIGEST_SIGN_UPDATE, (void (*)(void))sig_digest_update},
    {OSSL_FUNC_SIGNATURE_DIGEST_SIGN_FINAL, (void (*)(void))sig_digest_sign_final},
    {OSSL_FUNC_SIGNATURE_DIGEST_VERIFY_INIT, (void (*)(void))sig_digest_verify_init},
    {OSSL_FUNC_SIGNATURE_DIGEST_VERIFY_UPDATE, (void (*)(void))sig_digest_update},
    {OSSL_FUNC_SIGNATURE_DIGEST_VERIFY_FINAL, (void (*)(void))sig_digest_verify_final},
    {OSSL_FUNC_SIGNATURE_GET_CTX_PARAMS, (void (*)(void))sig_get_ctx_params},
    {OSSL_FUNC_SIGNATURE_GETTABLE_CTX_PARAMS, (void (*)(void))sig_gettable_ctx_params},
    {OSSL_FUNC_SIGNATURE_SET_CTX_PARAMS, (void (*)(void))sig_set_ctx_params},
    {OSSL_FUNC_SIGNATURE_SETTABLE_CTX_PARAMS, (void (*)(void))sig_settable_ctx_params},
    {0, NULL},
};
