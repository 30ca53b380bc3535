// SPDX-License-Identifier: Apache-2.0
/*
 * The key object behind the EC keymgmt. A private key is a libportdp-accel
 * handle (card slot or, for tests, a soft PEM file) plus its public point; a
 * public key is just the point. The private half is never read: every
 * private operation is a pdp_*() call on the key's card.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include "provider.h"

struct portdp_key *portdp_key_new(struct portdp_prov *prov)
{
	struct portdp_key *key = calloc(1, sizeof(*key));

	if (!key) {
		PORTDP_ERR(prov, PORTDP_R_INTERNAL, "out of memory");
		return NULL;
	}
	key->magic = PORTDP_KEY_MAGIC;
	atomic_init(&key->refs, 1);
	key->prov = prov;
	return key;
}

struct portdp_key *portdp_key_ref(struct portdp_key *key)
{
	atomic_fetch_add(&key->refs, 1);
	return key;
}

void portdp_key_unref(struct portdp_key *key)
{
	if (!key || atomic_fetch_sub(&key->refs, 1) != 1)
		return;
	if (key->handle)
		portdp_card_free_handle(key->prov, key->card, key->handle, key->handle_gen);
	EVP_PKEY_free(key->pub_pkey);
	free(key->key_uri);
	key->magic = 0;
	free(key);
}

/* @point as an EVP_PKEY of the private library context: also proves it is on @curve. */
static EVP_PKEY *point_pkey(struct portdp_prov *prov, enum pdp_curve curve, const uint8_t *point,
			    size_t len)
{
	OSSL_PARAM params[] = {
	    OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)portdp_curve_name(curve), 0),
	    OSSL_PARAM_octet_string(OSSL_PKEY_PARAM_PUB_KEY, (void *)point, len),
	    OSSL_PARAM_END,
	};
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(prov->libctx, "EC", NULL);
	EVP_PKEY *pkey = NULL;

	if (!ctx || EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1)
		pkey = NULL;
	EVP_PKEY_CTX_free(ctx);
	return pkey;
}

/* The uncompressed form of @pkey's point (whatever form it was given in). */
static int uncompressed(EVP_PKEY *pkey, uint8_t out[PDP_PUBKEY_LEN])
{
	BIGNUM *x = NULL, *y = NULL;
	int ret = -EINVAL;

	if (EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_EC_PUB_X, &x) &&
	    EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_EC_PUB_Y, &y) &&
	    BN_bn2binpad(x, out + 1, 32) == 32 && BN_bn2binpad(y, out + 33, 32) == 32) {
		out[0] = 0x04;
		ret = 0;
	}
	BN_free(x);
	BN_free(y);
	return ret;
}

int portdp_key_set_public(struct portdp_key *key, enum pdp_curve curve, const uint8_t *point,
			  size_t len)
{
	EVP_PKEY *pkey;

	if (!portdp_curve_name(curve) || !point || !len || len > 2 * PDP_PUBKEY_LEN) {
		PORTDP_ERR(key->prov, PORTDP_R_BAD_KEY_DATA, "bad curve or public key length");
		return -EINVAL;
	}
	ERR_set_mark();
	pkey = point_pkey(key->prov, curve, point, len);
	if (!pkey || uncompressed(pkey, key->pub)) {
		EVP_PKEY_free(pkey);
		ERR_pop_to_mark();
		PORTDP_ERR(key->prov, PORTDP_R_BAD_KEY_DATA, "public key is no point on %s",
			   portdp_curve_name(curve));
		return -EINVAL;
	}
	ERR_pop_to_mark();
	EVP_PKEY_free(key->pub_pkey);
	key->pub_pkey = pkey;
	key->curve = curve;
	key->has_pub = 1;
	return 0;
}

/* Take over @handle (loaded under the card's lock) and its public half. */
static int adopt_handle(struct portdp_key *key, struct portdp_card *card, const char *key_uri,
			struct pdp_key *handle)
{
	uint8_t pub[PDP_PUBKEY_LEN];
	enum pdp_curve curve;
	int ret;

	key->card = card;
	key->handle = handle;
	key->handle_gen = card->gen;
	key->key_uri = strdup(key_uri);
	if (!key->key_uri) {
		PORTDP_ERR(key->prov, PORTDP_R_INTERNAL, "out of memory");
		return -ENOMEM;
	}
	ret = pdp_key_public(handle, pub, &curve);
	if (ret) {
		PORTDP_ERR(key->prov, PORTDP_R_KEY, "no public key for '%s': %s", key_uri,
			   portdp_errno_str(ret));
		return ret;
	}
	return portdp_key_set_public(key, curve, pub, sizeof(pub));
}

/*
 * Load or generate (@curve != NONE) the key named by @uri and wrap it.
 * Errors name the URI and what the accel said.
 */
static int key_make(struct portdp_prov *prov, const struct portdp_uri *uri, enum pdp_curve curve,
		    struct portdp_key **out)
{
	const char *accel_uri = portdp_accel_uri(prov, uri);
	struct pdp_key *handle = NULL;
	struct portdp_card *card;
	struct portdp_key *key;
	int ret;

	ret = portdp_card_get(prov, accel_uri, &card);
	if (ret)
		return ret;
	key = portdp_key_new(prov);
	if (!key)
		return -ENOMEM;
	ret = portdp_card_enter(prov, card);
	if (ret)
		goto fail;
	if (curve != PDP_CURVE_NONE)
		ret = pdp_key_generate(card->accel, uri->key_uri, curve, &handle);
	else
		ret = pdp_key_load(card->accel, uri->key_uri, &handle);
	if (ret) {
		portdp_card_leave(prov, card);
		PORTDP_ERR(prov, PORTDP_R_KEY, "cannot %s key '%s' on accel '%s': %s",
			   curve != PDP_CURVE_NONE ? "generate" : "load", uri->key_uri, accel_uri,
			   portdp_errno_str(ret));
		goto fail;
	}
	ret = adopt_handle(key, card, uri->key_uri, handle);
	portdp_card_leave(prov, card);
	if (ret)
		goto fail;
	*out = key;
	return 0;
fail:
	portdp_key_unref(key);
	return ret;
}

int portdp_key_open(struct portdp_prov *prov, const struct portdp_uri *uri, struct portdp_key **out)
{
	return key_make(prov, uri, PDP_CURVE_NONE, out);
}

int portdp_key_generate(struct portdp_prov *prov, const struct portdp_uri *uri,
			enum pdp_curve curve, struct portdp_key **out)
{
	return key_make(prov, uri, curve, out);
}

/* Enter the key's card with a handle valid in this process (re-loaded after a fork). */
static int key_enter(struct portdp_key *key)
{
	struct pdp_key *handle;
	int ret;

	if (!key->handle) {
		PORTDP_ERR(key->prov, PORTDP_R_NO_PRIVATE_KEY, "this is a public key only");
		return -EINVAL;
	}
	ret = portdp_card_enter(key->prov, key->card);
	if (ret)
		return ret;
	if (key->handle_gen == key->card->gen)
		return 0;
	ret = pdp_key_load(key->card->accel, key->key_uri, &handle);
	if (ret) {
		portdp_card_leave(key->prov, key->card);
		PORTDP_ERR(key->prov, PORTDP_R_KEY, "cannot re-load key '%s' after fork: %s",
			   key->key_uri, portdp_errno_str(ret));
		return ret;
	}
	key->handle = handle;
	key->handle_gen = key->card->gen;
	return 0;
}

int portdp_key_sign_digest(struct portdp_key *key, const uint8_t *dgst, size_t len, uint8_t *der,
			   size_t *der_len)
{
	uint8_t raw[PDP_SIG_LEN];
	int ret;

	if (!len || len > PDP_DIGEST_MAX) {
		PORTDP_ERR(key->prov, PORTDP_R_BAD_ARGUMENT, "digest of %zu bytes (1..%d allowed)",
			   len, PDP_DIGEST_MAX);
		return -EINVAL;
	}
	ret = key_enter(key);
	if (ret)
		return ret;
	ret = pdp_sign_digest(key->card->accel, key->handle, dgst, len, raw);
	portdp_card_leave(key->prov, key->card);
	if (!ret)
		ret = pdp_sig_raw_to_der(raw, der, der_len);
	if (ret)
		PORTDP_ERR(key->prov, PORTDP_R_CARD_OP, "ECDSA sign with '%s' failed: %s",
			   key->key_uri, portdp_errno_str(ret));
	return ret;
}

/* Public-key math needs no card: the default provider does it in our private context. */
int portdp_key_verify_digest(struct portdp_key *key, const uint8_t *dgst, size_t len,
			     const uint8_t *der, size_t der_len)
{
	EVP_PKEY_CTX *ctx;
	int ok;

	if (!key->has_pub) {
		PORTDP_ERR(key->prov, PORTDP_R_BAD_KEY_DATA, "key has no public part");
		return -EINVAL;
	}
	ERR_set_mark();
	ctx = EVP_PKEY_CTX_new_from_pkey(key->prov->libctx, key->pub_pkey, NULL);
	ok = ctx && EVP_PKEY_verify_init(ctx) == 1 &&
	     EVP_PKEY_verify(ctx, der, der_len, dgst, len) == 1;
	EVP_PKEY_CTX_free(ctx);
	/* A bad signature is an answer, not an error worth a queue entry. */
	ERR_pop_to_mark();
	return ok ? 0 : -EBADMSG;
}

int portdp_key_ecdh(struct portdp_key *key, const struct portdp_key *peer, uint8_t z[32])
{
	int ret;

	if (!peer->has_pub || peer->curve != key->curve) {
		PORTDP_ERR(key->prov, PORTDP_R_BAD_KEY_DATA, "peer key is not a %s public key",
			   portdp_curve_name(key->curve));
		return -EINVAL;
	}
	ret = key_enter(key);
	if (ret)
		return ret;
	ret = pdp_ecdh(key->card->accel, key->handle, peer->pub, z);
	portdp_card_leave(key->prov, key->card);
	if (ret)
		PORTDP_ERR(key->prov, PORTDP_R_CARD_OP, "ECDH with '%s' failed: %s", key->key_uri,
			   portdp_errno_str(ret));
	return ret;
}
