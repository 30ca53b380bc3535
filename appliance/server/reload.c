// SPDX-License-Identifier: Apache-2.0
/*
 * SIGHUP reload (reload.h). The server's SSL_CTX is never replaced: SSL
 * objects are made from it by the workers at any time. Instead, its
 * certificate callback hands each new handshake the current identity (chain
 * and key), which a reload swaps under a mutex.
 */
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "reload.h"
#include "server_int.h"
#include "tls.h"

struct tls_identity {
	pthread_mutex_t lock;
	/* NULL until the first reload: the context's own certificate serves. */
	X509 *cert;
	EVP_PKEY *key;
	STACK_OF(X509) *chain;
};

static int ident_index = -1;
static pthread_once_t ident_once = PTHREAD_ONCE_INIT;

static void ident_clear(struct tls_identity *id)
{
	X509_free(id->cert);
	EVP_PKEY_free(id->key);
	sk_X509_pop_free(id->chain, X509_free);
	id->cert = NULL;
	id->key = NULL;
	id->chain = NULL;
}

static void ident_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp)
{
	struct tls_identity *id = ptr;

	(void)parent, (void)ad, (void)idx, (void)argl, (void)argp;
	if (!id)
		return;
	ident_clear(id);
	pthread_mutex_destroy(&id->lock);
	free(id);
}

static void ident_index_init(void)
{
	ident_index = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, ident_free);
}

static int cert_cb(SSL *ssl, void *arg)
{
	struct tls_identity *id = arg;
	int ok = 1;

	pthread_mutex_lock(&id->lock);
	if (id->cert)
		ok = SSL_use_cert_and_key(ssl, id->cert, id->key, id->chain, 1) == 1;
	pthread_mutex_unlock(&id->lock);
	return ok;
}

int tls_identity_attach(SSL_CTX *ctx)
{
	struct tls_identity *id;

	pthread_once(&ident_once, ident_index_init);
	if (ident_index < 0)
		return -ENOMEM;
	id = calloc(1, sizeof(*id));
	if (!id)
		return -ENOMEM;
	pthread_mutex_init(&id->lock, NULL);
	if (!SSL_CTX_set_ex_data(ctx, ident_index, id)) {
		ident_free(NULL, id, NULL, 0, 0, NULL);
		return -ENOMEM;
	}
	SSL_CTX_set_cert_cb(ctx, cert_cb, id);
	return 0;
}

/* A certificate chain and key read by a reload, not yet in use. */
struct loaded_identity {
	X509 *cert;
	EVP_PKEY *key;
	STACK_OF(X509) *chain;
};

/* Loads and checks a chain and key in a scratch context. 0 or -errno with a message. */
static int load_identity(const char *chain_file, const char *key_uri, struct loaded_identity *l,
			 char *err, unsigned err_len)
{
	STACK_OF(X509) *chain = NULL;
	SSL_CTX *tmp;
	X509 *cert;
	EVP_PKEY *key;

	memset(l, 0, sizeof(*l));
	tmp = tls_server_ctx_new(chain_file, key_uri, err, err_len);
	if (!tmp)
		return -EINVAL;
	cert = SSL_CTX_get0_certificate(tmp);
	key = SSL_CTX_get0_privatekey(tmp);
	SSL_CTX_get0_chain_certs(tmp, &chain);
	chain = chain ? X509_chain_up_ref(chain) : NULL;
	if (!cert || !key || !X509_up_ref(cert)) {
		sk_X509_pop_free(chain, X509_free);
		SSL_CTX_free(tmp);
		snprintf(err, err_len, "TLS reload: out of memory");
		return -ENOMEM;
	}
	if (!EVP_PKEY_up_ref(key)) {
		X509_free(cert);
		sk_X509_pop_free(chain, X509_free);
		SSL_CTX_free(tmp);
		snprintf(err, err_len, "TLS reload: out of memory");
		return -ENOMEM;
	}
	SSL_CTX_free(tmp);
	l->cert = cert;
	l->key = key;
	l->chain = chain;
	return 0;
}

static void loaded_free(struct loaded_identity *l)
{
	X509_free(l->cert);
	EVP_PKEY_free(l->key);
	sk_X509_pop_free(l->chain, X509_free);
	memset(l, 0, sizeof(*l));
}

/* @ctx's next handshakes use @l (taken over). */
static void install_identity(SSL_CTX *ctx, struct loaded_identity *l)
{
	struct tls_identity *id = SSL_CTX_get_ex_data(ctx, ident_index);

	pthread_mutex_lock(&id->lock);
	ident_clear(id);
	id->cert = l->cert;
	id->key = l->key;
	id->chain = l->chain;
	pthread_mutex_unlock(&id->lock);
	memset(l, 0, sizeof(*l));
}

/* Keys that only a restart applies: named in the log when a reload sees them changed. */
static void log_restart_keys(const struct portdpd_config *a, const struct portdpd_config *b)
{
	static const struct {
		const char *name;
		size_t off, len;
	} keys[] = {
#define K(name, field) {name, offsetof(struct portdpd_config, field), sizeof(a->field)}
	    K("listen", listen_addr),
	    K("port", listen_port),
	    K("workers", workers),
	    K("smdp_address", smdp_address),
	    K("accel", accel_uri),
	    K("dpauth_cert", dpauth_cert),
	    K("dpauth_key", dpauth_key),
	    K("dppb_cert", dppb_cert),
	    K("dppb_key", dppb_key),
	    K("ci_cert", ci_certs),
	    K("ci_cert", n_ci),
	    K("db", db_path),
	    K("session_timeout", session_timeout_s),
	    K("max_body", max_body),
	    K("db_sync", db_sync_full),
	    K("ossl_modules", ossl_modules),
	    K("es2_port", es2_port),
	    K("es2_client_ca", es2_client_ca),
	    K("transfer_ca", transfer_ca),
	    K("unit_cert", unit_cert),
	    K("progress_cert", progress_cert),
	    K("progress_key", progress_key),
	    K("progress_ca", progress_ca),
	    K("stock_key", stock_key),
	    K("progress_retry_max", progress_retry_max),
	    K("progress_timeout", progress_timeout),
	    K("es2_call_retention", es2_call_retention),
#undef K
	};
	const char *last = NULL;
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (!memcmp((const char *)a + keys[i].off, (const char *)b + keys[i].off,
			    keys[i].len) ||
		    (last && !strcmp(last, keys[i].name)))
			continue;
		last = keys[i].name;
		srv_warn("reload: %s changed: restart portdpd to apply it (the old value stays)",
			 keys[i].name);
	}
}

int portdp_server_reload(struct portdp_server *srv, struct portdpd_config *cur,
			 const struct portdpd_config *next, char *err, unsigned err_len)
{
	struct loaded_identity es9 = {0}, es2 = {0};
	int rc;

	if (!SSL_CTX_get_ex_data(srv->ssl_ctx, ident_index) ||
	    (srv->ssl_ctx_es2 && !SSL_CTX_get_ex_data(srv->ssl_ctx_es2, ident_index))) {
		snprintf(err, err_len, "TLS context cannot be reloaded");
		return -EINVAL;
	}
	/* Both listeners' identities load before either is swapped: all or nothing. */
	rc = load_identity(next->tls_cert, next->tls_key, &es9, err, err_len);
	if (!rc && srv->ssl_ctx_es2) {
		rc = load_identity(*next->es2_tls_cert ? next->es2_tls_cert : next->tls_cert,
				   *next->es2_tls_key ? next->es2_tls_key : next->tls_key, &es2,
				   err, err_len);
		if (rc) {
			size_t n = strlen(err);

			snprintf(err + n, err_len - n, " (ES2+ listener)");
		}
	}
	if (rc) {
		loaded_free(&es9);
		loaded_free(&es2);
		return rc;
	}
	install_identity(srv->ssl_ctx, &es9);
	if (srv->ssl_ctx_es2)
		install_identity(srv->ssl_ctx_es2, &es2);
	log_restart_keys(cur, next);
	memcpy(cur->tls_cert, next->tls_cert, sizeof(cur->tls_cert));
	memcpy(cur->tls_key, next->tls_key, sizeof(cur->tls_key));
	memcpy(cur->es2_tls_cert, next->es2_tls_cert, sizeof(cur->es2_tls_cert));
	memcpy(cur->es2_tls_key, next->es2_tls_key, sizeof(cur->es2_tls_key));
	return 0;
}
