/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reload of a running portdpd (SIGHUP): the TLS certificate chain and key (and
 * the ES2+ listener's, es2_tls_cert/es2_tls_key) are read again and used by
 * every new handshake, while connections in flight keep theirs. The other keys of portdpd.conf need a restart; a reload names
 * the ones that changed in the log and keeps serving with the old values.
 */
#ifndef PORTDP_SERVER_RELOAD_H
#define PORTDP_SERVER_RELOAD_H

#include <openssl/ssl.h>

#include "../config.h"
#include "server.h"

/* Lets @ctx's handshakes follow reloads (called once, before any SSL_new on @ctx). */
int tls_identity_attach(SSL_CTX *ctx);

/*
 * portdp_server_reload() - apply @next, a freshly read configuration, to @srv
 * running with @cur. Returns 0 (and @cur takes next's TLS keys) or -errno with
 * a message in @err; on error nothing changes and the old certificate stays.
 */
int portdp_server_reload(struct portdp_server *srv, struct portdpd_config *cur,
			 const struct portdpd_config *next, char *err, unsigned err_len);

#endif
