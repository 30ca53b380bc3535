// SPDX-License-Identifier: Apache-2.0
/* EC key helpers: curve names, raw points in and out of EVP_PKEY. */
#include <errno.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/params.h>

#include "ec_util.h"

const char *ec_group_name(enum pdp_curve c)
{
	switch (c) {
	case PDP_CURVE_P256:
		return "prime256v1";
	case PDP_CURVE_BP256R1:
		return "brainpoolP256r1";
	default:
		return NULL;
	}
}

enum pdp_curve ec_pkey_curve(const EVP_PKEY *pkey)
{
	char name[64];

	if (!pkey || !EVP_PKEY_is_a(pkey, "EC") ||
	    !EVP_PKEY_get_group_name(pkey, name, sizeof(name), NULL))
		return PDP_CURVE_NONE;
	if (!strcmp(name, "prime256v1") || !strcmp(name, "P-256"))
		return PDP_CURVE_P256;
	if (!strcmp(name, "brainpoolP256r1"))
		return PDP_CURVE_BP256R1;
	return PDP_CURVE_NONE;
}

int ec_pkey_public(const EVP_PKEY *pkey, uint8_t pub[PDP_PUBKEY_LEN], enum pdp_curve *curve)
{
	enum pdp_curve c = ec_pkey_curve(pkey);
	size_t n = 0;

	if (c == PDP_CURVE_NONE)
		return -EINVAL;
	/* Asks for the uncompressed form explicitly: a key may carry another preference. */
	if (!EVP_PKEY_get_octet_string_param(pkey, OSSL_PKEY_PARAM_PUB_KEY, pub, PDP_PUBKEY_LEN,
					     &n) ||
	    n != PDP_PUBKEY_LEN || pub[0] != 0x04) {
		ERR_clear_error();
		return -EINVAL;
	}
	if (curve)
		*curve = c;
	return 0;
}

int ec_pkey_from_point(const EVP_PKEY *tpl, const uint8_t pub[PDP_PUBKEY_LEN], EVP_PKEY **out)
{
	EVP_PKEY *k;

	*out = NULL;
	if (pub[0] != 0x04)
		return -EINVAL;
	k = EVP_PKEY_dup((EVP_PKEY *)tpl);
	if (!k) {
		ERR_clear_error();
		return -ENOMEM;
	}
	/* Decoding the point fails unless it lies on the curve. */
	if (EVP_PKEY_set1_encoded_public_key(k, pub, PDP_PUBKEY_LEN) != 1) {
		EVP_PKEY_free(k);
		ERR_clear_error();
		return -EINVAL;
	}
	*out = k;
	return 0;
}

EVP_PKEY *ec_pkey_template(enum pdp_curve curve)
{
	EVP_PKEY *priv, *tpl = NULL;
	EVP_PKEY_CTX *ctx;
	uint8_t pub[PDP_PUBKEY_LEN];
	OSSL_PARAM params[3];

	if (!ec_group_name(curve))
		return NULL;
	/* Any valid point will do: take one from a throwaway key. */
	priv = EVP_PKEY_Q_keygen(NULL, NULL, "EC", ec_group_name(curve));
	ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	if (priv && ctx && !ec_pkey_public(priv, pub, NULL) && EVP_PKEY_fromdata_init(ctx) == 1) {
		params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
							     (char *)ec_group_name(curve), 0);
		params[1] =
		    OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, pub, PDP_PUBKEY_LEN);
		params[2] = OSSL_PARAM_construct_end();
		if (EVP_PKEY_fromdata(ctx, &tpl, EVP_PKEY_PUBLIC_KEY, params) != 1)
			tpl = NULL;
	}
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(priv);
	ERR_clear_error();
	return tpl;
}

bool ec_verify_slot_holds(const struct ec_verify_slot *slot, enum pdp_curve curve,
			  const uint8_t pub[PDP_PUBKEY_LEN])
{
	return slot->curve == curve && !memcmp(slot->pub, pub, PDP_PUBKEY_LEN);
}

int ec_verify_slot_get(struct ec_verify_slot *slot, const EVP_PKEY *tpl, enum pdp_curve curve,
		       const uint8_t pub[PDP_PUBKEY_LEN], EVP_PKEY_CTX **out)
{
	EVP_PKEY_CTX *ctx;
	EVP_PKEY *pkey;
	int ret;

	if (ec_verify_slot_holds(slot, curve, pub)) {
		*out = slot->ctx;
		return 0;
	}
	ret = ec_pkey_from_point(tpl, pub, &pkey);
	if (ret)
		return ret;
	ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
	EVP_PKEY_free(pkey); /* the context holds its own reference */
	if (!ctx || EVP_PKEY_verify_init(ctx) != 1) {
		EVP_PKEY_CTX_free(ctx);
		ERR_clear_error();
		return -ENOMEM;
	}
	EVP_PKEY_CTX_free(slot->ctx);
	slot->ctx = ctx;
	slot->curve = curve;
	memcpy(slot->pub, pub, PDP_PUBKEY_LEN);
	*out = ctx;
	return 0;
}

void ec_verify_slot_clear(struct ec_verify_slot *slot)
{
	EVP_PKEY_CTX_free(slot->ctx);
	slot->ctx = NULL;
	slot->curve = PDP_CURVE_NONE;
}
