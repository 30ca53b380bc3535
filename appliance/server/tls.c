// SPDX-License-Identifier: Apache-2.0
/* OpenSSL 3 server context and per-connection SSL objects on memory BIOs. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/provider.h>
#include <openssl/store.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "tls.h"
#include "../inventory/x509_subject.h"

/* "@what @arg: <last OpenSSL error>[ (<its detail text>)]", then the error queue is cleared. */
static void ssl_err(char *err, unsigned err_len, const char *what, const char *arg)
{
	const char *data = NULL;
	char detail[256];
	int flags = 0;
	unsigned long e = ERR_peek_last_error_data(&data, &flags);

	if (e)
		ERR_error_string_n(e, detail, sizeof(detail));
	else
		strcpy(detail, "no detail");
	if (!e || !(flags & ERR_TXT_STRING) || !data || !*data)
		data = NULL;
	snprintf(err, err_len, "%s %s: %s%s%s%s", what, arg, detail, data ? " (" : "",
		 data ? data : "", data ? ")" : "");
	ERR_clear_error();
}

/*
 * Card keys come from the "portdp" provider. Loading any provider explicitly
 * stops OpenSSL from loading "default" by itself, so it is loaded first, and
 * made the preferred one: certificates, key shares and digests must never be
 * routed to the card by accident.
 */
static OSSL_PROVIDER *prov_default, *prov_portdp;

int tls_provider_setup(const char *module_dir, char *err, unsigned err_len)
{
	if (prov_portdp)
		return 0;
	if (module_dir && *module_dir && !OSSL_PROVIDER_set_default_search_path(NULL, module_dir)) {
		ssl_err(err, err_len, "cannot use provider directory", module_dir);
		return -EINVAL;
	}
	if (!prov_default) {
		prov_default = OSSL_PROVIDER_load(NULL, "default");
		if (!prov_default) {
			ssl_err(err, err_len, "cannot load OpenSSL provider", "default");
			return -ENOENT;
		}
	}
	prov_portdp = OSSL_PROVIDER_load(NULL, TLS_CARD_PROVIDER);
	if (!prov_portdp) {
		ssl_err(err, err_len, "cannot load OpenSSL provider",
			TLS_CARD_PROVIDER " (set ossl_modules or OPENSSL_MODULES)");
		return -ENOENT;
	}
	if (!EVP_set_default_properties(NULL, "?provider=default")) {
		ssl_err(err, err_len, "cannot prefer provider", "default");
		return -EINVAL;
	}
	return 0;
}

EVP_PKEY *tls_load_key(const char *uri, char *err, unsigned err_len)
{
	const char *propq = NULL;
	OSSL_STORE_CTX *store;
	EVP_PKEY *pkey = NULL;

	if (!strncmp(uri, TLS_CARD_SCHEME, sizeof(TLS_CARD_SCHEME) - 1) &&
	    uri[sizeof(TLS_CARD_SCHEME) - 1]) {
		if (tls_provider_setup(NULL, err, err_len))
			return NULL;
		/* The key's own keymgmt must take the store's reference (no export). */
		propq = "provider=" TLS_CARD_PROVIDER;
	} else if (strncmp(uri, "file:", 5) || !uri[5]) {
		snprintf(err, err_len,
			 "key URI %s: want file:/path or " TLS_CARD_SCHEME "dev=...;slot=N", uri);
		return NULL;
	}
	store = OSSL_STORE_open_ex(uri, NULL, propq, NULL, NULL, NULL, NULL, NULL);
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
	/*
	 * An idle connection keeps no record buffers (~34 KiB each): thousands of
	 * idle clients then cost the struct conn and the SSL object only.
	 */
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
	SSL_CTX_set_session_id_context(ctx, sid_ctx, sizeof(sid_ctx) - 1);
	/*
	 * TLS 1.3 sends OpenSSL's default of two tickets after every full handshake, each an
	 * encoded, encrypted and MACed session (~6% of a handshake's server CPU). A client that
	 * resumes needs one; most LPAs resume none.
	 */
	SSL_CTX_set_num_tickets(ctx, 1);
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

SSL_CTX *tls_server_ctx_new_mtls(const char *cert_chain_file, const char *key_uri,
				 const char *client_ca_file, char *err, unsigned err_len)
{
	static const unsigned char sid_ctx[] = "portdpd-es2plus";
	SSL_CTX *ctx = tls_server_ctx_new(cert_chain_file, key_uri, err, err_len);

	if (!ctx)
		return NULL;
	/* Own session id context: a session of the ES9+ listener does not resume here. */
	SSL_CTX_set_session_id_context(ctx, sid_ctx, sizeof(sid_ctx) - 1);
	if (!*client_ca_file || SSL_CTX_load_verify_locations(ctx, client_ca_file, NULL) != 1) {
		ssl_err(err, err_len, "cannot load operator CA", client_ca_file);
		SSL_CTX_free(ctx);
		return NULL;
	}
	/* Only this CA, not the system's: an operator is whoever this CA says. */
	SSL_CTX_set_client_CA_list(ctx, SSL_load_client_CA_file(client_ca_file));
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	SSL_CTX_set_verify_depth(ctx, 4);
	return ctx;
}

int tls_ctx_add_client_ca(SSL_CTX *ctx, const char *ca_file, char *err, unsigned err_len)
{
	STACK_OF(X509_NAME) *names = SSL_CTX_get_client_CA_list(ctx);

	if (SSL_CTX_load_verify_locations(ctx, ca_file, NULL) != 1 ||
	    !SSL_add_file_cert_subjects_to_stack(names, ca_file)) {
		ssl_err(err, err_len, "cannot load unit CA", ca_file);
		return -EINVAL;
	}
	return 0;
}

int tls_peer_der_if(SSL *ssl, X509_STORE *store, uint8_t **der, size_t *len)
{
	X509 *peer = SSL_get0_peer_certificate(ssl);
	X509_STORE_CTX *c = X509_STORE_CTX_new();
	unsigned char *p = NULL;
	int ok, n;

	*der = NULL;
	*len = 0;
	ok = peer && c && X509_STORE_CTX_init(c, store, peer, SSL_get_peer_cert_chain(ssl)) == 1 &&
	     X509_verify_cert(c) == 1;
	X509_STORE_CTX_free(c);
	ERR_clear_error();
	if (!ok)
		return -EACCES;
	n = i2d_X509(peer, &p);
	if (n <= 0)
		return -ENOMEM;
	*der = p;
	*len = (size_t)n;
	return 0;
}

int tls_peer_subject(SSL *ssl, char *out, size_t size)
{
	X509 *peer = SSL_get0_peer_certificate(ssl);

	if (!peer || SSL_get_verify_result(ssl) != X509_V_OK)
		return -EACCES;
	return inv_x509_subject(peer, out, size);
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
