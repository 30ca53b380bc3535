// SPDX-License-Identifier: Apache-2.0
/*
 * portdp-keytool: make or show a card key through the provider only (what any
 * OpenSSL 3 program can do), for the CLI tests on the host and in the VM.
 *
 *   portdp-keytool gen URI [prime256v1|brainpoolP256r1]   generate, print public PEM
 *   portdp-keytool pub URI                                load, print public PEM
 *
 * Providers come from OPENSSL_MODULES; default is loaded first (see README).
 */
#include <stdio.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/provider.h>
#include <openssl/store.h>

static EVP_PKEY *gen(const char *uri, const char *group)
{
	OSSL_PARAM params[] = {
	    OSSL_PARAM_utf8_string("portdp-uri", (char *)uri, 0),
	    OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)group, 0),
	    OSSL_PARAM_END,
	};
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", "provider=portdp");
	EVP_PKEY *pkey = NULL;

	if (!ctx || EVP_PKEY_keygen_init(ctx) != 1 || !EVP_PKEY_CTX_set_params(ctx, params) ||
	    EVP_PKEY_generate(ctx, &pkey) != 1)
		pkey = NULL;
	EVP_PKEY_CTX_free(ctx);
	return pkey;
}

static EVP_PKEY *load(const char *uri)
{
	OSSL_STORE_CTX *st = OSSL_STORE_open(uri, NULL, NULL, NULL, NULL);
	EVP_PKEY *pkey = NULL;

	while (st && !pkey && !OSSL_STORE_eof(st)) {
		OSSL_STORE_INFO *info = OSSL_STORE_load(st);

		if (!info)
			break;
		if (OSSL_STORE_INFO_get_type(info) == OSSL_STORE_INFO_PKEY)
			pkey = OSSL_STORE_INFO_get1_PKEY(info);
		OSSL_STORE_INFO_free(info);
	}
	OSSL_STORE_close(st);
	return pkey;
}

int main(int argc, char **argv)
{
	OSSL_PROVIDER *dflt = NULL, *portdp = NULL;
	EVP_PKEY *pkey = NULL;
	int rc = 0;

	if (argc < 3 || (strcmp(argv[1], "gen") && strcmp(argv[1], "pub"))) {
		fprintf(stderr, "usage: %s gen URI [group] | pub URI\n", argv[0]);
		return 2;
	}
	dflt = OSSL_PROVIDER_load(NULL, "default");
	portdp = OSSL_PROVIDER_load(NULL, "portdp");
	if (!dflt || !portdp) {
		ERR_print_errors_fp(stderr);
		rc = 1;
		goto out;
	}
	if (!strcmp(argv[1], "gen"))
		pkey = gen(argv[2], argc > 3 ? argv[3] : "prime256v1");
	else
		pkey = load(argv[2]);
	if (!pkey || !PEM_write_PUBKEY(stdout, pkey)) {
		fprintf(stderr, "%s: %s failed for %s\n", argv[0], argv[1], argv[2]);
		ERR_print_errors_fp(stderr);
		rc = 1;
	}
	EVP_PKEY_free(pkey);
out:
	/* The context keeps a loaded provider until its last reference goes (LeakSanitizer). */
	OSSL_PROVIDER_unload(portdp);
	OSSL_PROVIDER_unload(dflt);
	return rc;
}
