// SPDX-License-Identifier: Apache-2.0
/* OpenSSL 3 server context and per-connection SSL objects on memory BIOs. */
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/store.h>

#include "tls.h"

static void ssl_err(char *err, unsigned err_len, const char *what, const char *arg)
{
	char detail[256];
	unsigned long e = ERR_peek_last_error();

	if (e)
		ERR_error_string_n(e, detail, sizeof(detail));
	else
		strcpy(detail, "no detail");
	ERR_clear_error();
	snprintf(err, err_len, "%s %s: %s", what, arg, detail);
}

EVP_PKEY *tls_load_key(const char *uri, char *err, unsigned err_len)
{
	OSSL_STORE_CTX *store;
	EVP_PKEY *pkey = NULL;

	if (strncmp(uri, "file:", 5) || !uri[5]) {
		snprintf(err, err_len, "key URI %s: only file:/path is supported", uri);
		return NULL;
	}
	store = OSSL_STORE_open(uri, NULL, NULL, NULL, NULL);
	if (!store) {
		ssl_err(err, err_len, "cannot open key", uri);
		return NULL;
	}
	OSSL_STORE_expect(store, OSSL_STORE_INFO_PKEY);
	while (!pkey && !OSSL_STORE_eof(store)) {
		OSSL_STORE_INFO *info = OSSL_STORE_load(store);

		if (!info)
			break;
		if (OSSL_STORE_INFO_get_type(info) == OSSL_STORE_INFO_PKEY)
			pkey = OSSL_STORE_INFO_get1_PKEY(info);
		OSSL_STORE_INFO_free(info);
	}
	OSSL_STORE_close(store);
	if (!pkey)
		ssl_err(err, err_len, "no private key in", uri);
	return pkey;
}

SSL_CTX *tls_server_ctx_new(const char *cert_chain_file, const char *key_uri, char *err,
			    unsigned err_len)
{
	static const unsigned char sid_ctx[] = "portdpd";
	EVP_PKEY *pkey;
	SSL_CTX *ctx;

	ctx = SSL_CTX_new(TLS_server_method());
	if (!ctx) {
		ssl_err(err, err_len, "SSL_CTX_new", "");
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	/* Renegotiation only costs the server CPU; no LPA needs it. */
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
	SSL_CTX_set_session_id_context(ctx, sid_ctx, sizeof(sid_ctx) - 1);
	if (!*cert_chain_file || SSL_CTX_use_certificate_chain_file(ctx, cert_chain_file) != 1) {
		ssl_err(err, err_len, "cannot load certificate chain", cert_chain_file);
		goto fail;
	}
	pkey = tls_load_key(key_uri, err, err_len);
	if (!pkey)
		goto fail;
	if (SSL_CTX_use_PrivateKey(ctx, pkey) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
		EVP_PKEY_free(pkey);
		ssl_err(err, err_len, "key does not match certificate", key_uri);
		goto fail;
	}
	EVP_PKEY_free(pkey);
	return ctx;
fail:
	SSL_CTX_free(ctx);
	return NULL;
}

SSL *tls_conn_new(SSL_CTX *ctx, BIO **rbio, BIO **wbio)
{
	SSL *ssl = SSL_new(ctx);
	BIO *r, *w;

	if (!ssl)
		return NULL;
	r = BIO_new(BIO_s_mem());
	w = BIO_new(BIO_s_mem());
	if (!r || !w) {
		BIO_free(r);
		BIO_free(w);
		SSL_free(ssl);
		return NULL;
	}
	/* An empty read BIO means "wait for more", not end of file. */
	BIO_set_mem_eof_return(r, -1);
	BIO_set_mem_eof_return(w, -1);
	SSL_set_bio(ssl, r, w);
	SSL_set_accept_state(ssl);
	*rbio = r;
	*wbio = w;
	return ssl;
}
