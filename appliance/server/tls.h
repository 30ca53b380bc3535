/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The TLS server context of portdpd: TLS 1.2 and 1.3, certificate chain and
 * key from the configuration, session cache and tickets on. Connections use
 * memory BIOs so that all socket I/O stays on the io_uring.
 */
#ifndef PORTDP_SERVER_TLS_H
#define PORTDP_SERVER_TLS_H

#include <openssl/ssl.h>

/*
 * tls_load_key() - the one place that turns a key URI into a key.
 * "file:/path.pem" today (read through OSSL_STORE, so a provider's URI
 * scheme for card-resident keys can be added here later).
 * Returns the key or NULL with a message in @err.
 */
EVP_PKEY *tls_load_key(const char *uri, char *err, unsigned err_len);

/* Builds the shared server context. NULL with a message in @err on failure. */
SSL_CTX *tls_server_ctx_new(const char *cert_chain_file, const char *key_uri, char *err,
			    unsigned err_len);

/* A server-side SSL on a fresh pair of memory BIOs (returned for feeding/draining). */
SSL *tls_conn_new(SSL_CTX *ctx, BIO **rbio, BIO **wbio);

#endif
