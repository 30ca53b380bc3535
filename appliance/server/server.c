// SPDX-License-Identifier: Apache-2.0
/* Server lifecycle: limits, TLS context, the listeners (listen.c), worker threads, graceful stop. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>

#include <malloc.h>
#include <sys/resource.h>

#include "listen.h"
#include "log.h"
#include "reload.h"
#include "server_int.h"
#include "../es9/es2plus.h"
#include "../es9/transfer_serve.h"

/* Descriptors kept free for everything but connections: listeners, rings, SQLite, logs. */
#define FD_RESERVE 64

void portdp_server_limits_defaults(struct portdp_server_limits *lim)
{
	lim->max_conns = 4096;
	lim->max_conns_per_ip = 256;
	lim->max_header = 8192;
	lim->handshake_timeout_ms = 10000;
	lim->idle_timeout_ms = 30000;
	lim->request_timeout_ms = 15000;
	lim->drain_timeout_ms = 5000;
	lim->single_accept = false;
}

void portdp_server_limits_from_config(struct portdp_server_limits *lim,
				      const struct portdpd_config *cfg)
{
	portdp_server_limits_defaults(lim);
	if (cfg->max_conns)
		lim->max_conns = cfg->max_conns;
	if (cfg->max_conns_per_ip)
		lim->max_conns_per_ip = cfg->max_conns_per_ip;
	if (cfg->handshake_timeout_ms)
		lim->handshake_timeout_ms = cfg->handshake_timeout_ms;
	if (cfg->idle_timeout_ms)
		lim->idle_timeout_ms = cfg->idle_timeout_ms;
	if (cfg->request_timeout_ms)
		lim->request_timeout_ms = cfg->request_timeout_ms;
}

/*
 * One descriptor per connection: raise RLIMIT_NOFILE to its hard limit and
 * keep max_conns FD_RESERVE below it, so accept never fails for lack of
 * descriptors (the cap, and eviction, act first).
 */
static void fit_fd_limit(struct portdp_server_limits *lim, unsigned worker_fds)
{
	unsigned reserve = FD_RESERVE + worker_fds;
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl))
			getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur != RLIM_INFINITY && lim->max_conns + reserve > rl.rlim_cur) {
		unsigned fit = rl.rlim_cur > reserve + 16 ? (unsigned)(rl.rlim_cur - reserve) : 16;

		srv_warn("max_conns %u does not fit RLIMIT_NOFILE %llu: using %u", lim->max_conns,
			 (unsigned long long)rl.rlim_cur, fit);
		lim->max_conns = fit;
	}
}

static uint16_t port_of(const struct sockaddr_storage *ss)
{
	return ss->ss_family == AF_INET ? ntohs(((const struct sockaddr_in *)ss)->sin_port)
					: ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
}

/* Parses cfg's address once; every worker binds the same one. */
static int parse_addr(const char *addr, uint16_t port, struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, addr, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons(port);
		*len = sizeof(*in4);
		return 0;
	}
	if (inet_pton(AF_INET6, addr, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
		*len = sizeof(*in6);
		return 0;
	}
	return -EINVAL;
}

/*
 * The ring operations the loop needs. Multishot accept (a flag, not an
 * opcode) came in 5.19 together with IORING_OP_SOCKET, so that opcode is the
 * probe's hint; an -EINVAL from the first multishot accept still falls back.
 */
static int probe_ring(bool *multishot, char *err, unsigned err_len)
{
	static const struct {
		int op;
		const char *name;
	} need[] = {
	    {IORING_OP_ACCEPT, "ACCEPT"}, {IORING_OP_RECV, "RECV"},
	    {IORING_OP_SEND, "SEND"},	  {IORING_OP_TIMEOUT, "TIMEOUT"},
	    {IORING_OP_READ, "READ"},	  {IORING_OP_ASYNC_CANCEL, "ASYNC_CANCEL"},
	    {IORING_OP_FSYNC, "FSYNC"},
	};
	struct io_uring_probe *probe = io_uring_get_probe();
	size_t i;

	if (!probe) {
		snprintf(err, err_len, "io_uring is not available (io_uring_get_probe failed)");
		return -ENOSYS;
	}
	for (i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
		if (!io_uring_opcode_supported(probe, need[i].op)) {
			snprintf(err, err_len, "io_uring lacks IORING_OP_%s", need[i].name);
			io_uring_free_probe(probe);
			return -ENOSYS;
		}
	}
	*multishot = io_uring_opcode_supported(probe, IORING_OP_SOCKET);
	io_uring_free_probe(probe);
	return 0;
}

static int fail(char *err, unsigned err_len, int rc, const char *what)
{
	snprintf(err, err_len, "%s: %s", what, strerror(-rc));
	return rc;
}

static void workers_join(struct portdp_server *srv)
{
	uint64_t one = 1;
	unsigned i;

	for (i = 0; i < srv->nworkers; i++) {
		struct worker *w = &srv->workers[i];

		if (w->thread_started && write(w->stop_fd, &one, sizeof(one)) != sizeof(one))
			srv_err("worker %u: cannot signal stop", i);
	}
	for (i = 0; i < srv->nworkers; i++) {
		struct worker *w = &srv->workers[i];

		if (w->thread_started) {
			pthread_join(w->thread, NULL);
			w->thread_started = false;
		}
	}
}

static int check_limits(const struct portdp_server_limits *lim)
{
	if (!lim->max_conns || !lim->max_conns_per_ip || lim->max_header < 256 || lim->max_header > (1u << 20) ||
	    !lim->handshake_timeout_ms || !lim->idle_timeout_ms || !lim->request_timeout_ms)
		return -EINVAL;
	return 0;
}

int portdp_server_start(const struct portdpd_config *cfg, const struct portdp_server_limits *lim,
			struct es9_service *svc, struct portdp_server **out, char *err,
			unsigned err_len)
{
	struct portdp_server *srv;
	struct sockaddr_storage ss, ss2;
	socklen_t sslen, sslen2 = 0;
	unsigned i;
	int rc;

	*out = NULL;
	if (!cfg->workers || cfg->workers > 256 || !cfg->max_body)
		return fail(err, err_len, -EINVAL, "workers must be 1..256 and max_body > 0");
	if (parse_addr(cfg->listen_addr, cfg->listen_port, &ss, &sslen))
		return fail(err, err_len, -EINVAL, "listen address is not an IPv4/IPv6 literal");
	if (ES2_LISTENER_ON(cfg) && cfg->es2_port && cfg->es2_port == cfg->listen_port)
		return fail(err, err_len, -EINVAL, "es2_port must differ from port");
	srv = calloc(1, sizeof(*srv));
	if (!srv)
		return fail(err, err_len, -ENOMEM, "server");
	rc = probe_ring(&srv->multishot_accept, err, err_len);
	if (rc) {
		free(srv);
		return rc;
	}
	srv->cfg = *cfg;
	if (lim)
		srv->lim = *lim;
	else
		portdp_server_limits_defaults(&srv->lim);
	if (check_limits(&srv->lim)) {
		free(srv);
		return fail(err, err_len, -EINVAL, "server limits");
	}
	if (srv->lim.single_accept)
		srv->multishot_accept = false;
	/* Each worker's own descriptors; an ES2+ listener is one more. */
	fit_fd_limit(&srv->lim, cfg->workers * (ES2_LISTENER_ON(cfg) ? 5 : 4));
	srv->worker_share = (srv->lim.max_conns + cfg->workers - 1) / cfg->workers;
	srv->lock_fd = -1;
	srv->lock_fd_es2 = -1;
	pthread_mutex_init(&srv->trim_lock, NULL);
	srv->ips = ip_table_new();
	if (!srv->ips) {
		pthread_mutex_destroy(&srv->trim_lock);
		free(srv);
		return fail(err, err_len, -ENOMEM, "address table");
	}
	srv->http_lim.max_header = srv->lim.max_header;
	srv->http_lim.max_body = cfg->max_body;
	srv->svc = svc;
	pthread_mutex_init(&srv->lock, NULL);
	pthread_cond_init(&srv->cond, NULL);
	srv->workers = calloc(cfg->workers, sizeof(*srv->workers));
	if (!srv->workers) {
		rc = fail(err, err_len, -ENOMEM, "workers");
		goto out_free;
	}
	srv->nworkers = cfg->workers;
	for (i = 0; i < srv->nworkers; i++) {
		srv->workers[i].listen_fd = -1;
		srv->workers[i].listen_fd_es2 = -1;
		srv->workers[i].stop_fd = -1;
	}
	srv->ssl_ctx = tls_server_ctx_new(cfg->tls_cert, cfg->tls_key, err, err_len);
	if (!srv->ssl_ctx) {
		rc = -EINVAL;
		goto out_free;
	}
	if (ES2_LISTENER_ON(cfg)) {
		srv->ssl_ctx_es2 =
		    tls_server_ctx_new_mtls(*cfg->es2_tls_cert ? cfg->es2_tls_cert : cfg->tls_cert,
					    *cfg->es2_tls_key ? cfg->es2_tls_key : cfg->tls_key,
					    *cfg->es2_client_ca ? cfg->es2_client_ca
								: cfg->transfer_ca,
					    err, err_len);
		if (!srv->ssl_ctx_es2) {
			rc = -EINVAL;
			goto out_free;
		}
		srv->http_lim_es2 = srv->http_lim;
		srv->http_lim_es2.prefix = ES2_PATH_PREFIX;
		/* Units of transfer_ca: their own path and store (transfer_serve.h). */
		if (*cfg->transfer_ca) {
			srv->unit_store = X509_STORE_new();
			if (!srv->unit_store ||
			    X509_STORE_load_file(srv->unit_store, cfg->transfer_ca) != 1 ||
			    (*cfg->es2_client_ca &&
			     tls_ctx_add_client_ca(srv->ssl_ctx_es2, cfg->transfer_ca, err, err_len))) {
				rc = fail(err, err_len, -EINVAL, "cannot load transfer_ca");
				goto out_free;
			}
			srv->http_lim_es2.prefix2 = XFER_PATH_PREFIX;
			if (srv->http_lim_es2.max_body < XFER_MAX_BODY)
				srv->http_lim_es2.max_body = XFER_MAX_BODY;
		}
		if (parse_addr(cfg->listen_addr, cfg->es2_port, &ss2, &sslen2)) {
			rc = fail(err, err_len, -EINVAL, "ES2+ listen address");
			goto out_free;
		}
	}
	{
		int fds[256];

		rc = listen_group_open(&ss, sslen, srv->nworkers, fds, &srv->lock_fd, err,
				       err_len);
		if (rc)
			goto out_free;
		for (i = 0; i < srv->nworkers; i++)
			srv->workers[i].listen_fd = fds[i];
		srv->port = port_of(&ss);
		/* ES2+: a second group of its own, claimed and locked the same way. */
		if (srv->ssl_ctx_es2) {
			rc = listen_group_open(&ss2, sslen2, srv->nworkers, fds, &srv->lock_fd_es2,
					       err, err_len);
			if (rc) {
				snprintf(err + strlen(err), err_len - strlen(err), " (ES2+)");
				goto out_free;
			}
			for (i = 0; i < srv->nworkers; i++)
				srv->workers[i].listen_fd_es2 = fds[i];
			srv->port_es2 = port_of(&ss2);
		}
	}
	/* SIGHUP may replace the certificates and keys (reload.c). */
	rc = tls_identity_attach(srv->ssl_ctx);
	if (!rc && srv->ssl_ctx_es2)
		rc = tls_identity_attach(srv->ssl_ctx_es2);
	if (rc) {
		fail(err, err_len, rc, "TLS reload state");
		goto out_free;
	}
	for (i = 0; i < srv->nworkers; i++) {
		struct worker *w = &srv->workers[i];

		w->srv = srv;
		w->index = i;
		w->stop_fd = eventfd(0, EFD_CLOEXEC);
		if (w->stop_fd < 0) {
			rc = fail(err, err_len, -errno, "eventfd");
			goto out_free;
		}
	}
	for (i = 0; i < srv->nworkers; i++) {
		struct worker *w = &srv->workers[i];

		rc = -pthread_create(&w->thread, NULL, worker_main, w);
		if (rc) {
			fail(err, err_len, rc, "pthread_create");
			goto out_stop;
		}
		w->thread_started = true;
	}
	pthread_mutex_lock(&srv->lock);
	while (srv->ready_workers + srv->failed_workers < srv->nworkers)
		pthread_cond_wait(&srv->cond, &srv->lock);
	pthread_mutex_unlock(&srv->lock);
	if (srv->failed_workers) {
		snprintf(err, err_len, "%s", srv->start_err);
		rc = -EIO;
		goto out_stop;
	}
	*out = srv;
	return 0;

out_stop:
	workers_join(srv);
out_free:
	portdp_server_free(srv);
	return rc;
}

int portdp_server_claim(const struct portdpd_config *cfg, char *err, unsigned err_len)
{
	struct sockaddr_storage ss;
	socklen_t sslen;
	int rc;

	if (parse_addr(cfg->listen_addr, cfg->listen_port, &ss, &sslen))
		return fail(err, err_len, -EINVAL, "listen address is not an IPv4/IPv6 literal");
	rc = listen_claim(&ss, sslen, err, err_len);
	if (rc || !ES2_LISTENER_ON(cfg))
		return rc;
	/* The ES2+ port is this daemon's too. */
	if (cfg->es2_port == cfg->listen_port && cfg->es2_port)
		return fail(err, err_len, -EINVAL, "es2_port must differ from port");
	parse_addr(cfg->listen_addr, cfg->es2_port, &ss, &sslen);
	return listen_claim(&ss, sslen, err, err_len);
}

uint16_t portdp_server_port(const struct portdp_server *srv)
{
	return srv->port;
}

uint16_t portdp_server_es2_port(const struct portdp_server *srv)
{
	return srv->port_es2;
}

int portdp_server_stop(struct portdp_server *srv)
{
	unsigned i;
	int rc = 0;

	workers_join(srv);
	for (i = 0; i < srv->nworkers; i++)
		if (srv->workers[i].rc)
			rc = -EIO;
	return rc;
}

void portdp_server_free(struct portdp_server *srv)
{
	unsigned i;

	if (!srv)
		return;
	workers_join(srv);
	for (i = 0; i < srv->nworkers; i++) {
		struct worker *w = &srv->workers[i];

		if (w->ring_ok)
			io_uring_queue_exit(&w->ring);
		batch_drop_all(w);
		conn_destroy_all(w);
		if (w->es9)
			es9_worker_free(w->es9);
		if (w->listen_fd >= 0)
			close(w->listen_fd);
		if (w->listen_fd_es2 >= 0)
			close(w->listen_fd_es2);
		if (w->stop_fd >= 0)
			close(w->stop_fd);
		buf_free(&w->scratch);
	}
	free(srv->workers);
	SSL_CTX_free(srv->ssl_ctx);
	ip_table_free(srv->ips);
	if (srv->lock_fd >= 0)
		close(srv->lock_fd);
	if (srv->lock_fd_es2 >= 0)
		close(srv->lock_fd_es2);
	pthread_mutex_destroy(&srv->trim_lock);
	SSL_CTX_free(srv->ssl_ctx_es2);
	X509_STORE_free(srv->unit_store);
	pthread_mutex_destroy(&srv->lock);
	pthread_cond_destroy(&srv->cond);
	free(srv);
}

void portdp_server_get_stats(struct portdp_server *srv, struct portdp_server_stats *st)
{
	unsigned i;

	memset(st, 0, sizeof(*st));
	for (i = 0; i < srv->nworkers; i++) {
		struct worker_stats *ws = &srv->workers[i].st;

#define SUM(f) (st->f += __atomic_load_n(&ws->f, __ATOMIC_RELAXED))
		SUM(accepted);
		SUM(rejected_full);
		SUM(rejected_per_ip);
		SUM(evicted_idle);
		SUM(requests);
		SUM(http_errors);
		SUM(tls_failures);
		SUM(handshake_timeouts);
		SUM(idle_timeouts);
		SUM(request_timeouts);
		SUM(flushes);
		SUM(flush_failures);
		SUM(malloc_trims);
#undef SUM
	}
	st->timeouts = st->handshake_timeouts + st->idle_timeouts + st->request_timeouts;
	st->open_conns = __atomic_load_n(&srv->open_conns, __ATOMIC_RELAXED);
	st->max_conns = srv->lim.max_conns;
}
