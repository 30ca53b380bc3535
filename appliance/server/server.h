/* SPDX-License-Identifier: Apache-2.0 */
/*
 * portdpd's network layer: HTTPS/1.1 on io_uring, one ring and one
 * SO_REUSEPORT listener per worker thread (a group no other process can
 * take connections from: listen.c), TLS over memory BIOs, requests
 * handed to the ES9+ layer in group-commit batches (see es9.h).
 */
#ifndef PORTDP_SERVER_H
#define PORTDP_SERVER_H

#include <stdbool.h>
#include <stdint.h>

#include "../config.h"
#include "../es9/es9.h"

/*
 * Connection limits and timeouts (portdpd.conf carries them: see
 * portdp_server_limits_from_config; tests shorten the timeouts).
 */
struct portdp_server_limits {
	unsigned max_conns;	       /* open connections, whole process (below RLIMIT_NOFILE) */
	unsigned max_conns_per_ip;     /* open connections from one client address */
	unsigned max_header;	       /* request line + headers, bytes (431 above) */
	unsigned handshake_timeout_ms; /* accept to finished TLS handshake */
	unsigned idle_timeout_ms;      /* keep-alive wait for the next request */
	unsigned request_timeout_ms;   /* first byte to last byte of one request */
	unsigned drain_timeout_ms;     /* graceful stop: longest wait for in-flight work */
	bool single_accept;	       /* one accept SQE per connection even if multishot works */
};

void portdp_server_limits_defaults(struct portdp_server_limits *lim);
/* The defaults, with what portdpd.conf sets (max_conns, max_conns_per_ip, *_timeout_ms). */
void portdp_server_limits_from_config(struct portdp_server_limits *lim,
				      const struct portdpd_config *cfg);

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

/**
 * portdp_server_claim() - make sure no other daemon or process serves
 * cfg's address:port (and the ES2+ one when ES2+ is on), and keep it so
 * until portdp_server_start() binds it (call before anything touches the
 * inventory: a refused second daemon must change nothing). 0, or -errno with
 * a message in @err.
 */
int portdp_server_claim(const struct portdpd_config *cfg, char *err, unsigned err_len);

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

/* Counters for tests and the operator (summed over workers; portdpd logs them on SIGUSR1). */
struct portdp_server_stats {
	uint64_t accepted;
	uint64_t rejected_full;	  /* closed at accept: table full and nothing idle to evict */
	uint64_t rejected_per_ip; /* closed at accept: max_conns_per_ip reached for that address */
	uint64_t evicted_idle;	  /* idle or handshaking connections closed to make room */
	uint64_t requests;	  /* responses sent for ES9+ requests */
	uint64_t http_errors;	  /* requests rejected by this layer */
	uint64_t tls_failures;
	uint64_t timeouts; /* the three below together */
	uint64_t handshake_timeouts, idle_timeouts, request_timeouts;
	uint64_t flushes;
	uint64_t flush_failures;
	uint64_t malloc_trims; /* memory handed back to the kernel after connections left */
	unsigned open_conns;
	unsigned max_conns; /* the cap in force (max_conns, lowered to fit RLIMIT_NOFILE) */
};

void portdp_server_get_stats(struct portdp_server *srv, struct portdp_server_stats *st);

#endif
