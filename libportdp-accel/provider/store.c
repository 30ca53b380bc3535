// SPDX-License-Identifier: Apache-2.0
/*
 * Store loader for "portdp:" URIs: OSSL_STORE_open("portdp:...") yields one
 * object, the key (OSSL_STORE_INFO_PKEY), passed to libcrypto by reference so
 * that our keymgmt's load() takes the very handle we opened. The URI is
 * checked when the store is opened; the card is asked at the first load.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/core_object.h>
#include <openssl/params.h>
#include <openssl/store.h>

#include "provider.h"

struct store_ctx {
	struct portdp_prov *prov;
	struct portdp_uri uri;
	int expect; /* OSSL_STORE_INFO_* the caller wants, 0 = any */
	int done;
};

static void *st_open(void *provctx, const char *uri)
{
	struct portdp_prov *prov = provctx;
	struct store_ctx *c;
	char why[160];

	c = calloc(1, sizeof(*c));
	if (!c) {
		PORTDP_ERR(prov, PORTDP_R_INTERNAL, "out of memory");
		return NULL;
	}
	c->prov = prov;
	if (portdp_uri_parse(uri, &c->uri, why, sizeof(why))) {
		PORTDP_ERR(prov, PORTDP_R_BAD_URI, "'%s': %s", uri ? uri : "(null)", why);
		free(c);
		return NULL;
	}
	return c;
}

static int st_set_ctx_params(void *loaderctx, const OSSL_PARAM params[])
{
	struct store_ctx *c = loaderctx;
	const OSSL_PARAM *p;

	if (!params)
		return 1;
	p = OSSL_PARAM_locate_const(params, OSSL_STORE_PARAM_EXPECT);
	if (p && !OSSL_PARAM_get_int(p, &c->expect))
		return 0;
	/* Search criteria (subject, fingerprint...) name nothing here: the URI is the key. */
	return 1;
}

static const OSSL_PARAM *st_settable_ctx_params(void *provctx)
{
	static const OSSL_PARAM settable[] = {
	    OSSL_PARAM_int(OSSL_STORE_PARAM_EXPECT, NULL),
	    OSSL_PARAM_END,
	};

	(void)provctx;
	return settable;
}

static int wants_key(int expect)
{
	return !expect || expect == OSSL_STORE_INFO_PKEY || expect == OSSL_STORE_INFO_PUBKEY;
}

static int st_load(void *loaderctx, OSSL_CALLBACK *object_cb, void *object_cbarg,
		   OSSL_PASSPHRASE_CALLBACK *pw_cb, void *pw_cbarg)
{
	struct store_ctx *c = loaderctx;
	int type = OSSL_OBJECT_PKEY;
	struct portdp_key *key;
	OSSL_PARAM params[5];
	int ok;

	(void)pw_cb;
	(void)pw_cbarg;
	if (c->done)
		return 0;
	c->done = 1;
	if (!wants_key(c->expect))
		return 1; /* nothing of that kind here: an empty result, not an error */
	if (portdp_key_open(c->prov, &c->uri, &key))
		return 0;
	params[0] = OSSL_PARAM_construct_int(OSSL_OBJECT_PARAM_TYPE, &type);
	params[1] = OSSL_PARAM_construct_utf8_string(OSSL_OBJECT_PARAM_DATA_TYPE, "EC", 0);
	params[2] =
	    OSSL_PARAM_construct_octet_string(OSSL_OBJECT_PARAM_REFERENCE, &key, sizeof(key));
	params[3] = OSSL_PARAM_construct_utf8_string(OSSL_OBJECT_PARAM_DESC, c->uri.key_uri, 0);
	params[4] = OSSL_PARAM_construct_end();
	ok = object_cb(params, object_cbarg);
	/* The keymgmt took its own reference if libcrypto kept the key. */
	portdp_key_unref(key);
	return ok;
}

static int st_eof(void *loaderctx)
{
	struct store_ctx *c = loaderctx;

	return c->done;
}

static int st_close(void *loaderctx)
{
	free(loaderctx);
	return 1;
}

/*
 * libcrypto asks this when another provider's keymgmt was fetched for our
 * reference. Refusing sends it back to our own keymgmt's load(): the private
 * key cannot be handed over, and a public-only copy would fail at sign time.
 */
static int st_export_object(void *loaderctx, const void *reference, size_t reference_sz,
			    OSSL_CALLBACK *export_cb, void *export_cbarg)
{
	(void)loaderctx;
	(void)reference;
	(void)reference_sz;
	(void)export_cb;
	(void)export_cbarg;
	return 0;
}

const OSSL_DISPATCH portdp_store_functions[] = {
    {OSSL_FUNC_STORE_OPEN, (void (*)(void))st_open},
    {OSSL_FUNC_STORE_SET_CTX_PARAMS, (void (*)(void))st_set_ctx_params},
    {OSSL_FUNC_STORE_SETTABLE_CTX_PARAMS, (void (*)(void))st_settable_ctx_params},
    {OSSL_FUNC_STORE_LOAD, (void (*)(void))st_load},
    {OSSL_FUNC_STORE_EOF, (void (*)(void))st_eof},
    {OSSL_FUNC_STORE_CLOSE, (void (*)(void))st_close},
    {OSSL_FUNC_STORE_EXPORT_OBJECT, (void (*)(void))st_export_object},
    {0, NULL},
};
