// SPDX-License-Identifier: Apache-2.0
/*
 * Entry point of the "portdp" OpenSSL 3 provider: card-resident EC keys
 * (keymgmt "EC", signature "ECDSA", keyexch "ECDH", store "portdp") for any
 * OpenSSL 3 program. Load it with -provider portdp (OPENSSL_MODULES pointing
 * at build/lib/ossl-modules) or from openssl.cnf:
 *
 *   [provider_sect]
 *   default = default_sect
 *   portdp = portdp_sect
 *   [portdp_sect]
 *   activate = 1
 *   accel = dev:/dev/portdp-accel0     # optional, for "portdp:slot=N" URIs
 *
 * Keep the default provider loaded too: it does everything that is not a
 * card key (TLS key shares, certificates, digests).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/params.h>
#include <openssl/provider.h>

#include "provider.h"

#define PORTDP_VERSION "1.0.0"

void portdp_raise(struct portdp_prov *prov, int reason, const char *file, int line,
		  const char *func, const char *fmt, ...)
{
	va_list ap;

	if (!prov || !prov->new_error || !prov->vset_error)
		return;
	prov->new_error(prov->handle);
	if (prov->set_error_debug)
		prov->set_error_debug(prov->handle, file, line, func);
	va_start(ap, fmt);
	prov->vset_error(prov->handle, reason, fmt, ap);
	va_end(ap);
}

/* accel.h's errno contract in words. */
const char *portdp_errno_str(int err)
{
	switch (err) {
	case -EINVAL:
		return "invalid argument or key URI";
	case -EBADMSG:
		return "signature does not verify";
	case -ENOENT:
		return "no such key";
	case -EEXIST:
		return "key exists already";
	case -ENOMEM:
		return "out of memory";
	case -EIO:
		return "accelerator failure";
	case -ENOSPC:
		return "buffer too small";
	case -ENODEV:
		return "accelerator not available";
	case -EAGAIN:
		return "accelerator busy";
	default:
		return "unexpected error";
	}
}

static const OSSL_ITEM reason_strings[] = {
    {PORTDP_R_BAD_URI, "bad portdp URI"},
    {PORTDP_R_ACCEL, "accelerator unavailable"},
    {PORTDP_R_KEY, "key not usable"},
    {PORTDP_R_NO_PRIVATE_KEY, "no private key"},
    {PORTDP_R_BAD_KEY_DATA, "bad key data"},
    {PORTDP_R_BAD_ARGUMENT, "bad argument"},
    {PORTDP_R_CARD_OP, "accelerator operation failed"},
    {PORTDP_R_NOT_EXPORTABLE, "private key not exportable"},
    {PORTDP_R_INTERNAL, "internal error"},
    {0, NULL},
};

static const OSSL_ALGORITHM keymgmts[] = {
    {"EC:id-ecPublicKey:1.2.840.10045.2.1", PORTDP_PROPS, portdp_ec_keymgmt_functions,
     "portdp card-resident EC key"},
    {NULL, NULL, NULL, NULL},
};

static const OSSL_ALGORITHM signatures[] = {
    {"ECDSA", PORTDP_PROPS, portdp_ecdsa_functions, "ECDSA on the card"},
    {NULL, NULL, NULL, NULL},
};

static const OSSL_ALGORITHM keyexchs[] = {
    {"ECDH", PORTDP_PROPS, portdp_ecdh_functions, "ECDH on the card"},
    {NULL, NULL, NULL, NULL},
};

static const OSSL_ALGORITHM stores[] = {
    {PORTDP_URI_SCHEME, PORTDP_PROPS, portdp_store_functions, "portdp: key URIs"},
    {NULL, NULL, NULL, NULL},
};

static const OSSL_ALGORITHM *query_operation(void *provctx, int operation_id, int *no_cache)
{
	(void)provctx;
	*no_cache = 0;
	switch (operation_id) {
	case OSSL_OP_KEYMGMT:
		return keymgmts;
	case OSSL_OP_SIGNATURE:
		return signatures;
	case OSSL_OP_KEYEXCH:
		return keyexchs;
	case OSSL_OP_STORE:
		return stores;
	default:
		return NULL;
	}
}

static const OSSL_PARAM *gettable_params(void *provctx)
{
	static const OSSL_PARAM params[] = {
	    OSSL_PARAM_utf8_ptr(OSSL_PROV_PARAM_NAME, NULL, 0),
	    OSSL_PARAM_utf8_ptr(OSSL_PROV_PARAM_VERSION, NULL, 0),
	    OSSL_PARAM_utf8_ptr(OSSL_PROV_PARAM_BUILDINFO, NULL, 0),
	    OSSL_PARAM_int(OSSL_PROV_PARAM_STATUS, NULL),
	    OSSL_PARAM_END,
	};

	(void)provctx;
	return params;
}

static int get_params(void *provctx, OSSL_PARAM params[])
{
	OSSL_PARAM *p;

	(void)provctx;
	p = OSSL_PARAM_locate(params, OSSL_PROV_PARAM_NAME);
	if (p && !OSSL_PARAM_set_utf8_ptr(p, "Port-DP+ card provider"))
		return 0;
	p = OSSL_PARAM_locate(params, OSSL_PROV_PARAM_VERSION);
	if (p && !OSSL_PARAM_set_utf8_ptr(p, PORTDP_VERSION))
		return 0;
	p = OSSL_PARAM_locate(params, OSSL_PROV_PARAM_BUILDINFO);
	if (p && !OSSL_PARAM_set_utf8_ptr(p, "libportdp-accel " PORTDP_VERSION))
		return 0;
	p = OSSL_PARAM_locate(params, OSSL_PROV_PARAM_STATUS);
	if (p && !OSSL_PARAM_set_int(p, 1))
		return 0;
	return 1;
}

static const OSSL_ITEM *get_reason_strings(void *provctx)
{
	(void)provctx;
	return reason_strings;
}

static void prov_free(struct portdp_prov *prov)
{
	if (!prov)
		return;
	portdp_fork_unregister(prov);
	portdp_cards_free(prov);
	/* The context does not drop the reference OSSL_PROVIDER_load() gave us. */
	OSSL_PROVIDER_unload(prov->default_prov);
	OSSL_LIB_CTX_free(prov->libctx);
	pthread_mutex_destroy(&prov->cards_lock);
	free(prov->accel_default);
	free(prov);
}

static void teardown(void *provctx)
{
	prov_free(provctx);
}

static const OSSL_DISPATCH provider_functions[] = {
    {OSSL_FUNC_PROVIDER_TEARDOWN, (void (*)(void))teardown},
    {OSSL_FUNC_PROVIDER_GETTABLE_PARAMS, (void (*)(void))gettable_params},
    {OSSL_FUNC_PROVIDER_GET_PARAMS, (void (*)(void))get_params},
    {OSSL_FUNC_PROVIDER_QUERY_OPERATION, (void (*)(void))query_operation},
    {OSSL_FUNC_PROVIDER_GET_REASON_STRINGS, (void (*)(void))get_reason_strings},
    {0, NULL},
};

/* Pick what we need from the core; the config section's "accel" is optional. */
static int take_core(struct portdp_prov *prov, const OSSL_DISPATCH *in)
{
	OSSL_FUNC_core_get_params_fn *core_get_params = NULL;
	OSSL_FUNC_core_get_libctx_fn *core_get_libctx = NULL;
	char *accel = NULL;
	OSSL_PARAM params[] = {
	    OSSL_PARAM_utf8_ptr("accel", &accel, 0),
	    OSSL_PARAM_END,
	};

	for (; in->function_id; in++) {
		switch (in->function_id) {
		case OSSL_FUNC_CORE_GET_PARAMS:
			core_get_params = OSSL_FUNC_core_get_params(in);
			break;
		case OSSL_FUNC_CORE_GET_LIBCTX:
			core_get_libctx = OSSL_FUNC_core_get_libctx(in);
			break;
		case OSSL_FUNC_CORE_NEW_ERROR:
			prov->new_error = OSSL_FUNC_core_new_error(in);
			break;
		case OSSL_FUNC_CORE_SET_ERROR_DEBUG:
			prov->set_error_debug = OSSL_FUNC_core_set_error_debug(in);
			break;
		case OSSL_FUNC_CORE_VSET_ERROR:
			prov->vset_error = OSSL_FUNC_core_vset_error(in);
			break;
		default:
			break;
		}
	}
	if (core_get_libctx)
		prov->core_libctx = (OSSL_LIB_CTX *)core_get_libctx(prov->handle);
	if (core_get_params && core_get_params(prov->handle, params) && accel && *accel) {
		prov->accel_default = strdup(accel);
		if (!prov->accel_default)
			return -ENOMEM;
	}
	return 0;
}

int OSSL_provider_init(const OSSL_CORE_HANDLE *handle, const OSSL_DISPATCH *in,
		       const OSSL_DISPATCH **out, void **provctx)
{
	struct portdp_prov *prov = calloc(1, sizeof(*prov));

	if (!prov)
		return 0;
	prov->handle = handle;
	pthread_mutex_init(&prov->cards_lock, NULL);
	if (take_core(prov, in))
		goto fail;
	/*
	 * The soft backend and our public-key math run in a context of their own
	 * with only the default provider: whatever order the application loads
	 * providers in, they can never pick our algorithms and recurse.
	 */
	prov->libctx = OSSL_LIB_CTX_new();
	if (prov->libctx)
		prov->default_prov = OSSL_PROVIDER_load(prov->libctx, "default");
	if (!prov->default_prov) {
		PORTDP_ERR(prov, PORTDP_R_INTERNAL, "cannot load the default provider privately");
		goto fail;
	}
	portdp_fork_register(prov);
	*out = provider_functions;
	*provctx = prov;
	return 1;
fail:
	prov_free(prov);
	return 0;
}
