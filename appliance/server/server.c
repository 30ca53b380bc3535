// SPDX-License-Identifier: Apache-2.0
/* Server lifecycle: TLS context, SO_REUSEPORT listeners, worker threads, graceful stop. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>

#include "log.h"
#include "server_int.h"
#include "../es9/es2plus.h"

#define LISTEN_BACKLOG 1024

void portdp_server_limits_defaults(struct portdp_server_limits *lim)
{
	lim->max_conns = 4096;
	lim->max_header = 8192;
	lim->handshake_timeout_ms = 10000;
	lim->idle_timeout_ms = 30000;
	lim->request_timeout_ms = 15000;
	lim->drain_timeout_ms = 5000;
	lim->single_accept = false;
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

static int open_listener(const struct sockaddr_storage *ss, socklen_t len)
{
	int one = 1, fd, rc;

	fd = socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) ||
	    bind(fd, (const struct sockaddr *)ss, len) || listen(fd, LISTEN_BACKLOG)) {
		rc = -errno;
		close(fd);
		return rc;
	}
	return fd;
}

static uint16_t bound_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len))
		return 0;
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&ss)->sin_port);
	return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
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
	if (!lim->max_conns || lim->max_header < 256 || lim->max_header > (1u << 20) ||
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
	if (*cfg->es2_client_ca) {
		srv->ssl_ctx_es2 = tls_server_ctx_new_mtls(
		    *cfg->es2_tls_cert ? cfg->es2_tls_cert : cfg->tls_cert,
		    *cfg->es2_tls_key ? cfg->es2_tls_key : cfg->tls_key, cfg->es2_client_ca, err,
		    err_len);
		if (!srv->ssl_ctx_es2) {
			rc = -EINVAL;
			goto out_free;
		}
		srv->http_lim_es2 = srv->http_lim;
		srv->http_lim_es2.prefix = ES2_PATH_PREFIX;
		if (parse_addr(cfg->listen_addr, cfg->es2_port, &ss2, &sslen2)) {
			rc = fail(err, err_len, -EINVAL, "ES2+ listen address");
			goto out_free;
		}
	}
	for (i = 0; i < srv->nworkers; i++) {
		struct worker *w = &srv->workers[i];

		w->srv = srv;
		w->index = i;
		rc = open_listener(&ss, sslen);
		if (rc < 0) {
			snprintf(err, err_len, "listen on %s:%u: %s", cfg->listen_addr,
				 (unsigned)(i ? srv->port : cfg->listen_port), strerror(-rc));
			goto out_free;
		}
		w->listen_fd = rc;
		if (srv->ssl_ctx_es2) {
			rc = open_listener(&ss2, sslen2);
			if (rc < 0) {
				snprintf(err, err_len, "ES2+ listen on %s:%u: %s", cfg->listen_addr,
					 (unsigned)(i ? srv->port_es2 : cfg->es2_port),
					 strerror(-rc));
				goto out_free;
			}
			w->listen_fd_es2 = rc;
			if (i == 0) {
				srv->port_es2 = bound_port(rc);
				if (ss2.ss_family == AF_INET)
					((struct sockaddr_in *)&ss2)->sin_port = htons(srv->port_es2);
				else
					((struct sockaddr_in6 *)&ss2)->sin6_port =
					    htons(srv->port_es2);
			}
		}
		if (i == 0) {
			/* Port 0 picks a free port; the other workers share that one. */
			srv->port = bound_port(w->listen_fd);
			if (ss.ss_family == AF_INET)
				((struct sockaddr_in *)&ss)->sin_port = htons(srv->port);
			else
				((struct sockaddr_in6 *)&ss)->sin6_port = htons(srv->port);
		}
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
	SSL_CTX_free(srv->ssl_ctx_es2);
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
		SUM(requests);
		SUM(http_errors);
		SUM(tls_failures);
		SUM(timeouts);
		SUM(flushes);
		SUM(flush_failures);
#undef SUM
	}
	st->open_conns = __atomic_load_n(&srv->open_conns, __ATOMIC_RELAXED);
}
