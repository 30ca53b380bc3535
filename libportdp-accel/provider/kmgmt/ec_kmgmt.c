// SPDX-License-Identifier: Apache-2.0
/*
 * keymgmt "EC" for card-resident keys (P-256, brainpoolP256r1).
 *
 * Private keys come only from the store loader (by reference) or from key
 * generation into a slot; they are handles and are never exported: export
 * and import refuse private parts without raising an error, because libcrypto
 * probes them while it looks for a provider that can run an operation (and a
 * stray error would turn a later SSL_get_error() into SSL_ERROR_SSL). Public
 * keys import and export freely, so the default provider verifies what the
 * card signs and peers' keys reach our ECDH.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/core_object.h>
#include <openssl/params.h>

#include "../provider.h"

#define KEYPAIR_BITS OSSL_KEYMGMT_SELECT_KEYPAIR
#define GEN_URI_PARAM "portdp-uri"

static void *km_new(void *provctx)
{
	return portdp_key_new(provctx);
}

static void km_free(void *keydata)
{
	portdp_key_unref(keydata);
}

/* A reference from our store loader: the address of a struct portdp_key. */
static void *km_load(const void *reference, size_t reference_sz)
{
	struct portdp_key *key;

	if (!reference || reference_sz != sizeof(key))
		return NULL;
	memcpy(&key, reference, sizeof(key));
	if (!key || key->magic != PORTDP_KEY_MAGIC)
		return NULL;
	return portdp_key_ref(key);
}

static void *km_dup(const void *keydata, int selection)
{
	(void)selection;
	/* Keys never change after they are made, so a copy can share the object. */
	return portdp_key_ref((struct portdp_key *)keydata);
}

static int km_has(const void *keydata, int selection)
{
	const struct portdp_key *key = keydata;

	if (!key)
		return 0;
	if ((selection & OSSL_KEYMGMT_SELECT_PRIVATE_KEY) && !key->handle)
		return 0;
	if ((selection & OSSL_KEYMGMT_SELECT_PUBLIC_KEY) && !key->has_pub)
		return 0;
	if ((selection & OSSL_KEYMGMT_SELECT_DOMAIN_PARAMETERS) && key->curve == PDP_CURVE_NONE)
		return 0;
	return 1;
}

static int km_match(const void *keydata1, const void *keydata2, int selection)
{
	const struct portdp_key *a = keydata1, *b = keydata2;

	if (a->curve != b->curve)
		return 0;
	/* Handles cannot be compared; the public points identify the pair. */
	if (selection & KEYPAIR_BITS)
		return a->has_pub && b->has_pub && !memcmp(a->pub, b->pub, PDP_PUBKEY_LEN);
	return 1;
}

static int km_import(void *keydata, int selection, const OSSL_PARAM params[])
{
	struct portdp_key *key = keydata;
	const OSSL_PARAM *p;
	enum pdp_curve curve;
	const char *group = NULL;

	if (!key || key->handle || key->has_pub)
		return 0;
	/* A private key cannot become a card key by import (no error: see above). */
	if ((selection & OSSL_KEYMGMT_SELECT_PRIVATE_KEY) &&
	    OSSL_PARAM_locate_const(params, OSSL_PKEY_PARAM_PRIV_KEY))
		return 0;
	p = OSSL_PARAM_locate_const(params, OSSL_PKEY_PARAM_GROUP_NAME);
	if (!p || !OSSL_PARAM_get_utf8_string_ptr(p, &group))
		return 0; /* explicit curve parameters: not ours */
	curve = portdp_curve_from_name(group);
	if (curve == PDP_CURVE_NONE)
		return 0;
	if (selection & OSSL_KEYMGMT_SELECT_PUBLIC_KEY) {
		const void *pub;
		size_t len;

		p = OSSL_PARAM_locate_const(params, OSSL_PKEY_PARAM_PUB_KEY);
		if (!p)
			p = OSSL_PARAM_locate_const(params, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY);
		if (p) {
			if (!OSSL_PARAM_get_octet_string_ptr(p, &pub, &len))
				return 0;
			return !portdp_key_set_public(key, curve, pub, len);
		}
		if (!(selection & OSSL_KEYMGMT_SELECT_DOMAIN_PARAMETERS))
			return 0;
	}
	key->curve = curve;
	return 1;
}

static const OSSL_PARAM public_types[] = {
    OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, NULL, 0),
    OSSL_PARAM_octet_string(OSSL_PKEY_PARAM_PUB_KEY, NULL, 0),
    OSSL_PARAM_END,
};

static const OSSL_PARAM *km_io_types(int selection)
{
	return (selection & OSSL_KEYMGMT_SELECT_PRIVATE_KEY) ? NULL : public_types;
}

static int km_export(void *keydata, int selection, OSSL_CALLBACK *cb, void *cbarg)
{
	struct portdp_key *key = keydata;
	OSSL_PARAM params[3], *p = params;

	if (!key || key->curve == PDP_CURVE_NONE)
		return 0;
	if (selection & OSSL_KEYMGMT_SELECT_PRIVATE_KEY)
		return 0; /* never: the private key is a handle (no error: see above) */
	if ((selection & OSSL_KEYMGMT_SELECT_PUBLIC_KEY) && !key->has_pub)
		return 0;
	*p++ = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
						(char *)portdp_curve_name(key->curve), 0);
	if (selection & OSSL_KEYMGMT_SELECT_PUBLIC_KEY)
		*p++ = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, key->pub,
							 PDP_PUBKEY_LEN);
	*p = OSSL_PARAM_construct_end();
	return cb(params, cbarg);
}

static int set_int(OSSL_PARAM params[], const char *name, int v)
{
	OSSL_PARAM *p = OSSL_PARAM_locate(params, name);

	return !p || OSSL_PARAM_set_int(p, v);
}

static int set_utf8(OSSL_PARAM params[], const char *name, const char *v)
{
	OSSL_PARAM *p = OSSL_PARAM_locate(params, name);

	return !p || OSSL_PARAM_set_utf8_string(p, v);
}

static int km_get_params(void *keydata, OSSL_PARAM params[])
{
	struct portdp_key *key = keydata;
	OSSL_PARAM *p;

	if (!key || key->curve == PDP_CURVE_NONE)
		return 0;
	if (!set_int(params, OSSL_PKEY_PARAM_BITS, 256) ||
	    !set_int(params, OSSL_PKEY_PARAM_SECURITY_BITS, 128) ||
	    !set_int(params, OSSL_PKEY_PARAM_MAX_SIZE, PORTDP_SIG_MAX) ||
	    !set_utf8(params, OSSL_PKEY_PARAM_GROUP_NAME, portdp_curve_name(key->curve)) ||
	    !set_utf8(params, OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT,
		      OSSL_PKEY_EC_POINT_CONVERSION_FORMAT_UNCOMPRESSED) ||
	    !set_utf8(params, OSSL_PKEY_PARAM_EC_ENCODING, OSSL_PKEY_EC_ENCODING_GROUP) ||
	    !set_utf8(params, OSSL_PKEY_PARAM_DEFAULT_DIGEST, "SHA256"))
		return 0;
	p = OSSL_PARAM_locate(params, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY);
	if (p && (!key->has_pub || !OSSL_PARAM_set_octet_string(p, key->pub, PDP_PUBKEY_LEN)))
		return 0;
	p = OSSL_PARAM_locate(params, OSSL_PKEY_PARAM_PUB_KEY);
	if (p && (!key->has_pub || !OSSL_PARAM_set_octet_string(p, key->pub, PDP_PUBKEY_LEN)))
		return 0;
	return 1;
}

static const OSSL_PARAM *km_gettable_params(void *provctx)
{
	static const OSSL_PARAM gettable[] = {
	    OSSL_PARAM_int(OSSL_PKEY_PARAM_BITS, NULL),
	    OSSL_PARAM_int(OSSL_PKEY_PARAM_SECURITY_BITS, NULL),
	    OSSL_PARAM_int(OSSL_PKEY_PARAM_MAX_SIZE, NULL),
	    OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, NULL, 0),
	    OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT, NULL, 0),
	    OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_EC_ENCODING, NULL, 0),
	    OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_DEFAULT_DIGEST, NULL, 0),
	    OSSL_PARAM_octet_string(OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, NULL, 0),
	    OSSL_PARAM_octet_string(OSSL_PKEY_PARAM_PUB_KEY, NULL, 0),
	    OSSL_PARAM_END,
	};

	(void)provctx;
	return gettable;
}

/* EVP_PKEY_set1_encoded_public_key() on a key that has a curve and no point yet. */
static int km_set_params(void *keydata, const OSSL_PARAM params[])
{
	struct portdp_key *key = keydata;
	const OSSL_PARAM *p = OSSL_PARAM_locate_const(params, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY);
	const void *pub;
	size_t len;

	if (!p)
		return 1;
	if (!key || key->handle || key->curve == PDP_CURVE_NONE ||
	    !OSSL_PARAM_get_octet_string_ptr(p, &pub, &len))
		return 0;
	return !portdp_key_set_public(key, key->curve, pub, len);
}

static const OSSL_PARAM *km_settable_params(void *provctx)
{
	static const OSSL_PARAM settable[] = {
	    OSSL_PARAM_octet_string(OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, NULL, 0),
	    OSSL_PARAM_END,
	};

	(void)provctx;
	return settable;
}

static const char *km_query_operation_name(int operation_id)
{
	switch (operation_id) {
	case OSSL_OP_SIGNATURE:
		return "ECDSA";
	case OSSL_OP_KEYEXCH:
		return "ECDH";
	default:
		return NULL;
	}
}

/* ---- Key generation into a slot (or, for tests, a soft PEM file) ---- */

struct gen_ctx {
	struct portdp_prov *prov;
	int selection;
	enum pdp_curve curve;
	char *uri;
};

static int gen_set_params(void *genctx, const OSSL_PARAM params[])
{
	struct gen_ctx *g = genctx;
	const OSSL_PARAM *p;
	const char *s;

	p = OSSL_PARAM_locate_const(params, OSSL_PKEY_PARAM_GROUP_NAME);
	if (p) {
		if (!OSSL_PARAM_get_utf8_string_ptr(p, &s) ||
		    (g->curve = portdp_curve_from_name(s)) == PDP_CURVE_NONE) {
			PORTDP_ERR(g->prov, PORTDP_R_BAD_ARGUMENT,
				   "group must be prime256v1 or brainpoolP256r1");
			return 0;
		}
	}
	p = OSSL_PARAM_locate_const(params, GEN_URI_PARAM);
	if (p) {
		char *dup;

		if (!OSSL_PARAM_get_utf8_string_ptr(p, &s) || !(dup = strdup(s)))
			return 0;
		free(g->uri);
		g->uri = dup;
	}
	return 1;
}

static const OSSL_PARAM *gen_settable_params(void *genctx, void *provctx)
{
	static const OSSL_PARAM settable[] = {
	    OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, NULL, 0),
	    OSSL_PARAM_utf8_string(GEN_URI_PARAM, NULL, 0),
	    OSSL_PARAM_END,
	};

	(void)genctx;
	(void)provctx;
	return settable;
}

static void gen_cleanup(void *genctx)
{
	struct gen_ctx *g = genctx;

	if (!g)
		return;
	free(g->uri);
	free(g);
}

static void *gen_init(void *provctx, int selection, const OSSL_PARAM params[])
{
	struct gen_ctx *g = calloc(1, sizeof(*g));

	if (!g)
		return NULL;
	g->prov = provctx;
	g->selection = selection;
	g->curve = PDP_CURVE_P256;
	if (!gen_set_params(g, params)) {
		gen_cleanup(g);
		return NULL;
	}
	return g;
}

static void *gen(void *genctx, OSSL_CALLBACK *cb, void *cbarg)
{
	struct gen_ctx *g = genctx;
	struct portdp_key *key;
	struct portdp_uri uri;
	char why[160];

	(void)cb;
	(void)cbarg;
	if (!(g->selection & KEYPAIR_BITS)) {
		key = portdp_key_new(g->prov);
		if (key)
			key->curve = g->curve;
		return key;
	}
	if (!g->uri) {
		PORTDP_ERR(g->prov, PORTDP_R_BAD_ARGUMENT,
			   "key generation needs the '%s' parameter (where the key is kept)",
			   GEN_URI_PARAM);
		return NULL;
	}
	if (portdp_uri_parse(g->uri, &uri, why, sizeof(why))) {
		PORTDP_ERR(g->prov, PORTDP_R_BAD_URI, "'%s': %s", g->uri, why);
		return NULL;
	}
	if (portdp_key_generate(g->prov, &uri, g->curve, &key))
		return NULL;
	return key;
}

const OSSL_DISPATCH portdp_ec_keymgmt_functions[] = {
    {OSSL_FUNC_KEYMGMT_NEW, (void (*)(void))km_new},
    {OSSL_FUNC_KEYMGMT_FREE, (void (*)(void))km_free},
    {OSSL_FUNC_KEYMGMT_LOAD, (void (*)(void))km_load},
    {OSSL_FUNC_KEYMGMT_DUP, (void (*)(void))km_dup},
    {OSSL_FUNC_KEYMGMT_HAS, (void (*)(void))km_has},
    {OSSL_FUNC_KEYMGMT_MATCH, (void (*)(void))km_match},
    {OSSL_FUNC_KEYMGMT_IMPORT, (void (*)(void))km_import},
    {OSSL_FUNC_KEYMGMT_IMPORT_TYPES, (void (*)(void))km_io_types},
    {OSSL_FUNC_KEYMGMT_EXPORT, (void (*)(void))km_export},
    {OSSL_FUNC_KEYMGMT_EXPORT_TYPES, (void (*)(void))km_io_types},
    {OSSL_FUNC_KEYMGMT_GET_PARAMS, (void (*)(void))km_get_params},
    {OSSL_FUNC_KEYMGMT_GETTABLE_PARAMS, (void (*)(void))km_gettable_params},
    {OSSL_FUNC_KEYMGMT_SET_PARAMS, (void (*)(void))km_set_params},
    {OSSL_FUNC_KEYMGMT_SETTABLE_PARAMS, (void (*)(void))km_settable_params},
    {OSSL_FUNC_KEYMGMT_QUERY_OPERATION_NAME, (void (*)(void))km_query_operation_name},
    {OSSL_FUNC_KEYMGMT_GEN_INIT, (void (*)(void))gen_init},
    {OSSL_FUNC_KEYMGMT_GEN_SET_PARAMS, (void (*)(void))gen_set_params},
    {OSSL_FUNC_KEYMGMT_GEN_SETTABLE_PARAMS, (void (*)(void))gen_settable_params},
    {OSSL_FUNC_KEYMGMT_GEN, (void (*)(void))gen},
    {OSSL_FUNC_KEYMGMT_GEN_CLEANUP, (void (*)(void))gen_cleanup},
    {0, NULL},
};
