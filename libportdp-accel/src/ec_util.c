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

int ec_pkey_from_point(EVP_PKEY_CTX *fromdata, enum pdp_curve curve,
		       const uint8_t pub[PDP_PUBKEY_LEN], EVP_PKEY **out)
{
	const char *group = ec_group_name(curve);
	OSSL_PARAM params[3];

	if (!group || pub[0] != 0x04)
		return -EINVAL;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)group, 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, (void *)pub,
						      PDP_PUBKEY_LEN);
	params[2] = OSSL_PARAM_construct_end();
	*out = NULL;
	/* The import decodes the point, which fails unless it lies on the curve. */
	if (EVP_PKEY_fromdata(fromdata, out, EVP_PKEY_PUBLIC_KEY, params) != 1) {
		ERR_clear_error();
		return -EINVAL;
	}
	return 0;
}
