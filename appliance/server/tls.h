/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The TLS server context of portdpd: TLS 1.2 and 1.3, certificate chain and
 * key from the configuration, session cache and tickets on. Connections use
 * memory BIOs so that all socket I/O stays on the io_uring.
 */
#ifndef PORTDP_SERVER_TLS_H
#define PORTDP_SERVER_TLS_H

#include <openssl/ssl.h>

/* Key URIs of card-resident keys, served by the OpenSSL provider of that name. */
#define TLS_CARD_SCHEME "portdp:"
#define TLS_CARD_PROVIDER "portdp"

/*
 * tls_provider_setup() - load the "default" and "portdp" providers into the
 * default library context, "portdp" from @module_dir (NULL or "": OpenSSL's
 * module directory or $OPENSSL_MODULES). "default" stays the preferred one.
 * Idempotent; call before the first card key is loaded (tls_load_key() does
 * it with the default directory otherwise). 0 or -errno with @err set.
 */
int tls_provider_setup(const char *module_dir, char *err, unsigned err_len);

/*
 * tls_load_key() - the one place that turns a key URI into a key, through
 * OSSL_STORE: "file:/path.pem" (PEM on disk) or "portdp:dev=/dev/portdp-accel0;
 * slot=N" (a key slot on the card; "portdp:soft;file=..." on the provider's
 * soft backend for tests). Returns the key or NULL with a message in @err.
 */
EVP_PKEY *tls_load_key(const char *uri, char *err, unsigned err_len);

/* Builds the shared server context. NULL with a message in @err on failure. */
SSL_CTX *tls_server_ctx_new(const char *cert_chain_file, const char *key_uri, char *err,
			    unsigned err_len);

/* A server-side SSL on a fresh pair of memory BIOs (returned for feeding/draining). */
/*
 * tls_server_ctx_new() that also demands a client certificate chained to @client_ca_file
 * (PEM, only those CAs: ES2+). The handshake fails without one.
 */
SSL_CTX *tls_server_ctx_new_mtls(const char *cert_chain_file, const char *key_uri,
				 const char *client_ca_file, char *err, unsigned err_len);
/* Also admit client certificates of @ca_file (the unit CA, online transfers). 0 or -EINVAL. */
int tls_ctx_add_client_ca(SSL_CTX *ctx, const char *ca_file, char *err, unsigned err_len);
/*
 * After the handshake: when the client certificate also chains to @store (the unit CA
 * alone), its DER (OPENSSL_malloc'd) in @der; -EACCES when it does not.
 */
int tls_peer_der_if(SSL *ssl, X509_STORE *store, uint8_t **der, size_t *len);
/* After the handshake: the verified client certificate's subject (RFC 2253). 0 or -errno. */
int tls_peer_subject(SSL *ssl, char *out, size_t size);
SSL *tls_conn_new(SSL_CTX *ctx, BIO **rbio, BIO **wbio);

#endif
