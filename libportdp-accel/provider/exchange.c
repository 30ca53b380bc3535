// SPDX-License-Identifier: Apache-2.0
/*
 * keyexch "ECDH" with a card key: plain (cofactor 1) ECDH, Z = x of
 * key * peer, through pdp_ecdh(). The peer arrives as one of our public-only
 * keys (libcrypto exports its public point into our keymgmt). No KDF here:
 * callers that want one run it on Z, as SGP.22 code does with X9.63.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/params.h>

#include "provider.h"

#define Z_LEN 32

struct dh_ctx {
	struct portdp_prov *prov;
	struct portdp_key *key;
	struct portdp_key *peer;
};

static void *dh_newctx(void *provctx)
{
	struct dh_ctx *c = calloc(1, sizeof(*c));

	if (c)
		c->prov = provctx;
	return c;
}

static void dh_freectx(void *vctx)
{
	struct dh_ctx *c = vctx;

	if (!c)
		return;
	portdp_key_unref(c->key);
	portdp_key_unref(c->peer);
	free(c);
}

static void *dh_dupctx(void *vctx)
{
	struct dh_ctx *c = vctx, *d = malloc(sizeof(*d));

	if (!d)
		return NULL;
	*d = *c;
	if (d->key)
		portdp_key_ref(d->key);
	if (d->peer)
		portdp_key_ref(d->peer);
	return d;
}

static int dh_set_ctx_params(void *vctx, const OSSL_PARAM params[])
{
	struct dh_ctx *c = vctx;
	const OSSL_PARAM *p;
	const char *kdf;

	if (!params)
		return 1;
	/* Only "no KDF" is supported; anything else must not pass silently. */
	p = OSSL_PARAM_locate_const(params, OSSL_EXCHANGE_PARAM_KDF_TYPE);
	if (p && (!OSSL_PARAM_get_utf8_string_ptr(p, &kdf) || *kdf)) {
		PORTDP_ERR(c->prov, PORTDP_R_BAD_ARGUMENT, "ECDH with a KDF is not offered");
		return 0;
	}
	p = OSSL_PARAM_locate_const(params, OSSL_EXCHANGE_PARAM_EC_ECDH_COFACTOR_MODE);
	if (p) {
		int mode;

		/* Both curves have cofactor 1: modes -1, 0 and 1 compute the same Z. */
		if (!OSSL_PARAM_get_int(p, &mode) || mode < -1 || mode > 1)
			return 0;
	}
	return 1;
}

static const OSSL_PARAM *dh_settable_ctx_params(void *vctx, void *provctx)
{
	static const OSSL_PARAM settable[] = {
	    OSSL_PARAM_utf8_string(OSSL_EXCHANGE_PARAM_KDF_TYPE, NULL, 0),
	    OSSL_PARAM_int(OSSL_EXCHANGE_PARAM_EC_ECDH_COFACTOR_MODE, NULL),
	    OSSL_PARAM_END,
	};

	(void)vctx;
	(void)provctx;
	return settable;
}

static int dh_init(void *vctx, void *keydata, const OSSL_PARAM params[])
{
	struct dh_ctx *c = vctx;
	struct portdp_key *key = keydata;

	if (!key || key->magic != PORTDP_KEY_MAGIC || !key->handle) {
		PORTDP_ERR(c->prov, PORTDP_R_NO_PRIVATE_KEY, "ECDH needs a private (card) key");
		return 0;
	}
	portdp_key_unref(c->key);
	c->key = portdp_key_ref(key);
	return dh_set_ctx_params(c, params);
}

static int dh_set_peer(void *vctx, void *peerdata)
{
	struct dh_ctx *c = vctx;
	struct portdp_key *peer = peerdata;

	if (!peer || peer->magic != PORTDP_KEY_MAGIC || !peer->has_pub ||
	    (c->key && peer->curve != c->key->curve)) {
		PORTDP_ERR(c->prov, PORTDP_R_BAD_KEY_DATA, "peer is no public key on our curve");
		return 0;
	}
	portdp_key_unref(c->peer);
	c->peer = portdp_key_ref(peer);
	return 1;
}

static int dh_derive(void *vctx, unsigned char *secret, size_t *secretlen, size_t outlen)
{
	struct dh_ctx *c = vctx;
	uint8_t z[Z_LEN];

	if (!c->key || !c->peer) {
		PORTDP_ERR(c->prov, PORTDP_R_BAD_ARGUMENT, "ECDH needs a key and a peer");
		return 0;
	}
	if (!secret) {
		*secretlen = Z_LEN;
		return 1;
	}
	if (portdp_key_ecdh(c->key, c->peer, z))
		return 0;
	/* Like the default provider: a shorter buffer gets the leading bytes of Z. */
	if (outlen > Z_LEN)
		outlen = Z_LEN;
	memcpy(secret, z, outlen);
	OPENSSL_cleanse(z, sizeof(z));
	*secretlen = outlen;
	return 1;
}

const OSSL_DISPATCH portdp_ecdh_functions[] = {
    {OSSL_FUNC_KEYEXCH_NEWCTX, (void (*)(void))dh_newctx},
    {OSSL_FUNC_KEYEXCH_FREECTX, (void (*)(void))dh_freectx},
    {OSSL_FUNC_KEYEXCH_DUPCTX, (void (*)(void))dh_dupctx},
    {OSSL_FUNC_KEYEXCH_INIT, (void (*)(void))dh_init},
    {OSSL_FUNC_KEYEXCH_SET_PEER, (void (*)(void))dh_set_peer},
    {OSSL_FUNC_KEYEXCH_DERIVE, (void (*)(void))dh_derive},
    {OSSL_FUNC_KEYEXCH_SET_CTX_PARAMS, (void (*)(void))dh_set_ctx_params},
    {OSSL_FUNC_KEYEXCH_SETTABLE_CTX_PARAMS, (void (*)(void))dh_settable_ctx_params},
    {0, NULL},
};
