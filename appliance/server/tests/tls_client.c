// SPDX-License-Identifier: Apache-2.0
/* Blocking HTTPS client for tests (see tls_client.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <http_parser.h>
#include <openssl/err.h>

#include "tls_client.h"

SSL_CTX *tc_ctx_new(const char *ca_file, int min_ver, int max_ver)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

	if (!ctx)
		return NULL;
	if (min_ver)
		SSL_CTX_set_min_proto_version(ctx, min_ver);
	if (max_ver)
		SSL_CTX_set_max_proto_version(ctx, max_ver);
	if (ca_file) {
		if (SSL_CTX_load_verify_locations(ctx, ca_file, NULL) != 1) {
			SSL_CTX_free(ctx);
			return NULL;
		}
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	}
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT);
	return ctx;
}

/* connect() interrupted by EINTR goes on in the background: wait for its result. */
static bool connect_resumed(int fd, int timeout_ms)
{
	struct pollfd pfd = {.fd = fd, .events = POLLOUT};
	socklen_t len = sizeof(int);
	int err = 0, n;

	if (errno != EINTR)
		return false;
	do
		n = poll(&pfd, 1, timeout_ms);
	while (n < 0 && errno == EINTR);
	if (n <= 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) || err) {
		errno = err ? err : ETIMEDOUT;
		return false;
	}
	return true;
}

int tc_tcp_connect(struct tc_conn *c, uint16_t port, int timeout_ms)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
	struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
	int one = 1;

	memset(c, 0, sizeof(*c));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		return -1;
	setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) &&
	    !connect_resumed(c->fd, timeout_ms)) {
		close(c->fd);
		c->fd = -1;
		return -1;
	}
	return 0;
}

/*
 * A blocking socket with SO_RCVTIMEO returns EINTR when the thread is
 * interrupted (signals, and on recent kernels io_uring task-work
 * notifications); that is "try again", not a failure.
 */
static bool interrupted(SSL *ssl, int rc)
{
	int e = SSL_get_error(ssl, rc);

	return (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) && errno == EINTR;
}

int tc_connect(struct tc_conn *c, SSL_CTX *ctx, uint16_t port, SSL_SESSION *sess, int timeout_ms)
{
	char why[256];
	int rc;

	if (tc_tcp_connect(c, port, timeout_ms)) {
		if (getenv("TC_VERBOSE"))
			printf("# tc_connect: TCP port %u: %s\n", port, strerror(errno));
		return -1;
	}
	c->ssl = SSL_new(ctx);
	if (!c->ssl)
		goto fail;
	SSL_set_fd(c->ssl, c->fd);
	SSL_set_tlsext_host_name(c->ssl, "localhost");
	SSL_set1_host(c->ssl, "localhost");
	if (sess)
		SSL_set_session(c->ssl, sess);
	do {
		errno = 0;
		rc = SSL_connect(c->ssl);
	} while (rc != 1 && interrupted(c->ssl, rc));
	if (rc != 1) {
		if (getenv("TC_VERBOSE")) {
			ERR_error_string_n(ERR_peek_last_error(), why, sizeof(why));
			printf("# tc_connect: TLS port %u: ssl error %d errno %d %s\n", port,
			       SSL_get_error(c->ssl, rc), errno, why);
		}
		goto fail;
	}
	return 0;
fail:
	ERR_clear_error();
	tc_close(c);
	return -1;
}

int tc_write(struct tc_conn *c, const void *buf, size_t len)
{
	ssize_t n;

	if (c->ssl) {
		do {
			errno = 0;
			n = SSL_write(c->ssl, buf, len);
		} while (n <= 0 && interrupted(c->ssl, n));
		return n == (ssize_t)len ? 0 : -1;
	}
	do
		n = send(c->fd, buf, len, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return n == (ssize_t)len ? 0 : -1;
}

/* More bytes into c->rbuf; 0 on EOF/error/timeout. */
static int fill(struct tc_conn *c)
{
	int n;

	if (c->rcap - c->rlen < 16384) {
		char *p = realloc(c->rbuf, c->rcap + 65536);

		if (!p)
			return 0;
		c->rbuf = p;
		c->rcap += 65536;
	}
	if (c->ssl) {
		do {
			errno = 0;
			n = SSL_read(c->ssl, c->rbuf + c->rlen, c->rcap - c->rlen);
		} while (n <= 0 && interrupted(c->ssl, n));
		ERR_clear_error();
	} else {
		do
			n = recv(c->fd, c->rbuf + c->rlen, c->rcap - c->rlen, 0);
		while (n < 0 && errno == EINTR);
	}
	if (n <= 0)
		return 0;
	c->rlen += n;
	return n;
}

struct parse_state {
	struct tc_resp *r;
	bool in_value;
	bool done;
};

static int on_hfield(http_parser *p, const char *at, size_t len)
{
	struct parse_state *ps = p->data;
	struct tc_resp *r = ps->r;

	if (ps->in_value && r->hlen < sizeof(r->headers) - 1)
		r->headers[r->hlen++] = '\n';
	ps->in_value = false;
	if (r->hlen + len < sizeof(r->headers) - 2) {
		memcpy(r->headers + r->hlen, at, len);
		r->hlen += len;
	}
	return 0;
}

static int on_hvalue(http_parser *p, const char *at, size_t len)
{
	struct parse_state *ps = p->data;
	struct tc_resp *r = ps->r;

	if (!ps->in_value && r->hlen + 2 < sizeof(r->headers)) {
		r->headers[r->hlen++] = ':';
		r->headers[r->hlen++] = ' ';
	}
	ps->in_value = true;
	if (r->hlen + len < sizeof(r->headers) - 2) {
		memcpy(r->headers + r->hlen, at, len);
		r->hlen += len;
	}
	return 0;
}

static int on_rbody(http_parser *p, const char *at, size_t len)
{
	struct parse_state *ps = p->data;
	struct tc_resp *r = ps->r;
	char *b = realloc(r->body, r->body_len + len + 1);

	if (!b)
		return -1;
	memcpy(b + r->body_len, at, len);
	r->body = b;
	r->body_len += len;
	b[r->body_len] = '\0';
	return 0;
}

static int on_rdone(http_parser *p)
{
	struct parse_state *ps = p->data;

	ps->done = true;
	ps->r->status = p->status_code;
	ps->r->keep_alive = http_should_keep_alive(p);
	http_parser_pause(p, 1);
	return 0;
}

int tc_read_response(struct tc_conn *c, struct tc_resp *r)
{
	static const http_parser_settings s = {
	    .on_header_field = on_hfield,
	    .on_header_value = on_hvalue,
	    .on_body = on_rbody,
	    .on_message_complete = on_rdone,
	};
	struct parse_state ps = {.r = r};
	http_parser p;
	size_t off = 0, n;

	memset(r, 0, sizeof(*r));
	http_parser_init(&p, HTTP_RESPONSE);
	p.data = &ps;
	for (;;) {
		if (off < c->rlen) {
			n = http_parser_execute(&p, &s, c->rbuf + off, c->rlen - off);
			off += n;
			if (ps.done)
				break;
			if (HTTP_PARSER_ERRNO(&p) != HPE_OK)
				goto fail;
		}
		if (!fill(c))
			goto fail;
	}
	if (r->hlen < sizeof(r->headers))
		r->headers[r->hlen] = '\0';
	memmove(c->rbuf, c->rbuf + off, c->rlen - off);
	c->rlen -= off;
	return 0;
fail:
	tc_resp_free(r);
	return -1;
}

void tc_resp_free(struct tc_resp *r)
{
	free(r->body);
	r->body = NULL;
}

const char *tc_header(const struct tc_resp *r, const char *name)
{
	const char *line = r->headers;
	size_t n = strlen(name);

	while (line && *line) {
		if (!strncasecmp(line, name, n) && line[n] == ':')
			return line + n + 2;
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	return NULL;
}

bool tc_wait_closed(struct tc_conn *c, int timeout_ms)
{
	struct timespec t0, t1;
	char b[4096];
	int n;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct pollfd pfd = {.fd = c->fd, .events = POLLIN};
		long el;

		clock_gettime(CLOCK_MONOTONIC, &t1);
		el = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
		if (el >= timeout_ms)
			return false;
		n = poll(&pfd, 1, timeout_ms - el);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		/* Raw reads: a TLS alert or close_notify counts as data, EOF as closed. */
		n = recv(c->fd, b, sizeof(b), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return true;
	}
}

void tc_close(struct tc_conn *c)
{
	if (c->ssl) {
		/* A clean close keeps the session resumable (OpenSSL drops it otherwise). */
		if (c->fd >= 0 && SSL_is_init_finished(c->ssl))
			SSL_shutdown(c->ssl);
		ERR_clear_error();
		SSL_free(c->ssl);
	}
	if (c->fd >= 0)
		close(c->fd);
	free(c->rbuf);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

int tc_format_post(char *buf, size_t size, const char *fn, const char *body)
{
	size_t len = strlen(body);
	int n = snprintf(buf, size,
			 "POST /gsma/rsp2/es9plus/%s HTTP/1.1\r\n"
			 "Host: localhost\r\n"
			 "User-Agent: gsma-rsp-lpad\r\n"
			 "X-Admin-Protocol: gsma/rsp/v2.2.2\r\n"
			 "Content-Type: application/json\r\n"
			 "Content-Length: %zu\r\n\r\n%s",
			 fn, len, body);

	return n < 0 || (size_t)n >= size ? -1 : n;
}
