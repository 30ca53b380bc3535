/* SPDX-License-Identifier: Apache-2.0 */
/*
 * portdpd's network layer: HTTPS/1.1 on io_uring, one ring and one
 * SO_REUSEPORT listener per worker thread, TLS over memory BIOs, requests
 * handed to the ES9+ layer in group-commit batches (see es9.h).
 */
#ifndef PORTDP_SERVER_H
#define PORTDP_SERVER_H

#include <stdbool.h>
#include <stdint.h>

#include "../config.h"
#include "../es9/es9.h"

/* Tunables that portdpd.conf does not carry (tests shorten the timeouts). */
struct portdp_server_limits {
	unsigned max_conns;	       /* open connections, whole process */
	unsigned max_header;	       /* request line + headers, bytes (431 above) */
	unsigned handshake_timeout_ms; /* accept to finished TLS handshake */
	unsigned idle_timeout_ms;      /* keep-alive wait for the next request */
	unsigned request_timeout_ms;   /* first byte to last byte of one request */
	unsigned drain_timeout_ms;     /* graceful stop: longest wait for in-flight work */
	bool single_accept;	       /* one accept SQE per connection even if multishot works */
};

void portdp_server_limits_defaults(struct portdp_server_limits *lim);

struct portdp_server;

/**
 * portdp_server_start() - bind the listeners and start cfg->workers threads.
 * @lim: NULL for the defaults.
 * @svc: the ES9+ service; every worker makes its own es9_worker from it.
 * Returns 0 or -errno with a message in @err; on failure nothing is left running.
 */
int portdp_server_start(const struct portdpd_config *cfg, const struct portdp_server_limits *lim,
			struct es9_service *svc, struct portdp_server **out, char *err,
			unsigned err_len);

/* The bound TCP port (useful when cfg->listen_port was 0). */
uint16_t portdp_server_port(const struct portdp_server *srv);
/* The ES2+ listener's port, 0 when ES2+ is off (cfg->es2_client_ca empty). */
uint16_t portdp_server_es2_port(const struct portdp_server *srv);

/**
 * portdp_server_stop() - graceful stop: no new connections, requests already
 * received are answered (after their flush), then every worker exits.
 * Blocks until the workers are joined. Returns 0, or -EIO if a worker failed.
 */
int portdp_server_stop(struct portdp_server *srv);

void portdp_server_free(struct portdp_server *srv);

/* Counters for tests and the operator (summed over workers). */
struct portdp_server_stats {
	uint64_t accepted;
	uint64_t rejected_full; /* closed at accept: max_conns reached */
	uint64_t requests;	/* responses sent for ES9+ requests */
	uint64_t http_errors;	/* requests rejected by this layer */
	uint64_t tls_failures;
	uint64_t timeouts;
	uint64_t flushes;
	uint64_t flush_failures;
	unsigned open_conns;
};

void portdp_server_get_stats(struct portdp_server *srv, struct portdp_server_stats *st);

#endif
