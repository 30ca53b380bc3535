// SPDX-License-Identifier: Apache-2.0
/*
 * One kept-alive HTTPS/1.1 connection on a non-blocking socket (see
 * https_conn.h). Cheap on purpose: one write per request, read-ahead so a
 * TLS record costs one read, epoll interest changed only when it must be.
 */
#include "https_conn.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#define READ_CHUNK (32u * 1024u)

int https_target_init(struct https_target *t, const char *cafile, const char *tls_name,
		      const char *host_hdr, const char *connect_host, uint16_t port, int epfd)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *ai = NULL;
	char service[8];

	memset(t, 0, sizeof(*t));
	t->epfd = epfd;
	if (snprintf(t->tls_name, sizeof(t->tls_name), "%s", tls_name) >= (int)sizeof(t->tls_name) ||
	    snprintf(t->host_hdr, sizeof(t->host_hdr), "%s", host_hdr) >= (int)sizeof(t->host_hdr))
		return -ENAMETOOLONG;
	snprintf(service, sizeof(service), "%u", (unsigned)port);
	if (getaddrinfo(connect_host, service, &hints, &ai) || !ai)
		return -EHOSTUNREACH;
	memcpy(&t->addr, ai->ai_addr, ai->ai_addrlen);
	t->addr_len = ai->ai_addrlen;
	freeaddrinfo(ai);

	t->ssl = SSL_CTX_new(TLS_client_method());
	if (!t->ssl)
		return -ENOMEM;
	SSL_CTX_set_min_proto_version(t->ssl, TLS1_2_VERSION);
	SSL_CTX_set_verify(t->ssl, SSL_VERIFY_PEER, NULL);
	/* One connection per slot for the whole run: nothing to resume. */
	SSL_CTX_set_session_cache_mode(t->ssl, SSL_SESS_CACHE_OFF);
	/* Read whole records (and more) per read(2), not header then body. */
	SSL_CTX_set_read_ahead(t->ssl, 1);
	/* Room for a whole getBoundProfilePackage answer (~24 KiB, 2 records) per read. */
	SSL_CTX_set_default_read_buffer_len(t->ssl, 64 * 1024);
	SSL_CTX_set_mode(t->ssl, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	/* A server closing a kept-alive connection without close_notify is a plain EOF. */
	SSL_CTX_set_options(t->ssl, SSL_OP_IGNORE_UNEXPECTED_EOF);
	if (SSL_CTX_load_verify_locations(t->ssl, cafile, NULL) != 1) {
		SSL_CTX_free(t->ssl);
		t->ssl = NULL;
		return -ENOENT;
	}
	return 0;
}

void https_target_free(struct https_target *t)
{
	SSL_CTX_free(t->ssl);
	t->ssl = NULL;
}

void https_conn_init(struct https_conn *c, void *owner, size_t ans_max)
{
	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->owner = owner;
	c->ans_max = ans_max;
}

void https_close(struct https_conn *c, struct https_target *t)
{
	(void)t;
	if (c->ssl)
		SSL_free(c->ssl);
	c->ssl = NULL;
	if (c->fd >= 0)
		close(c->fd); /* also leaves the epoll set */
	c->fd = -1;
	c->ep_events = 0;
	c->state = HTTPS_CLOSED;
}

void https_hang_up(struct https_conn *c, struct https_target *t)
{
	if (c->state == HTTPS_IDLE && c->ssl) {
		SSL_shutdown(c->ssl);
		ERR_clear_error();
	}
	https_close(c, t);
}

void https_conn_free(struct https_conn *c)
{
	https_close(c, NULL);
	free(c->out);
	free(c->ans);
	c->out = c->ans = NULL;
}

static int fail(struct https_conn *c, struct https_target *t, const char *what, int err)
{
	c->err = what;
	https_close(c, t);
	return err;
}

/* Watch @ev on the socket; a system call only when it changes. */
static int watch(struct https_conn *c, struct https_target *t, uint32_t ev)
{
	struct epoll_event e = {.events = ev, .data.ptr = c->owner};

	if (ev == c->ep_events)
		return 0;
	if (epoll_ctl(t->epfd, c->ep_events ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, c->fd, &e))
		return -errno;
	c->ep_events = ev;
	return 0;
}

/* Returns 1 when connected at once (loopback often is), 0 when epoll has to tell. */
static int open_socket(struct https_conn *c, struct https_target *t)
{
	int one = 1, now;

	c->fd = socket(t->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		return fail(c, t, "socket", -errno);
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	now = !connect(c->fd, (struct sockaddr *)&t->addr, t->addr_len);
	if (!now && errno != EINPROGRESS)
		return fail(c, t, "connect", -errno);
	c->ssl = SSL_new(t->ssl);
	if (!c->ssl || !SSL_set_fd(c->ssl, c->fd) ||
	    !SSL_set_tlsext_host_name(c->ssl, t->tls_name) || !SSL_set1_host(c->ssl, t->tls_name))
		return fail(c, t, "TLS setup", -ENOMEM);
	SSL_set_connect_state(c->ssl);
	c->state = now ? HTTPS_HANDSHAKE : HTTPS_CONNECTING;
	if (now)
		return 1;
	return watch(c, t, EPOLLOUT);
}

/* WANT_READ/WANT_WRITE: wait for the socket; anything else ends the connection. */
static int ssl_wait(struct https_conn *c, struct https_target *t, int r, const char *what)
{
	switch (SSL_get_error(c->ssl, r)) {
	case SSL_ERROR_WANT_READ:
		return watch(c, t, EPOLLIN);
	case SSL_ERROR_WANT_WRITE:
		return watch(c, t, EPOLLOUT);
	case SSL_ERROR_ZERO_RETURN:
		return fail(c, t, "connection closed by the server", -ECONNRESET);
	default:
		if (SSL_get_verify_result(c->ssl) != X509_V_OK)
			return fail(c, t, "server certificate does not verify", -EPERM);
		ERR_clear_error();
		return fail(c, t, what, -EIO);
	}
}

static int on_body(http_parser *p, const char *at, size_t len)
{
	struct https_conn *c = p->data;

	if (c->ans_len + len + 1 > c->ans_cap) {
		size_t cap = c->ans_cap ? c->ans_cap : 4096;
		char *bigger;

		while (cap < c->ans_len + len + 1)
			cap *= 2;
		if (cap > c->ans_max + 1) {
			c->too_big = true;
			return 1;
		}
		bigger = realloc(c->ans, cap);
		if (!bigger)
			return 1;
		c->ans = bigger;
		c->ans_cap = cap;
	}
	memcpy(c->ans + c->ans_len, at, len);
	c->ans_len += len;
	c->ans[c->ans_len] = '\0';
	return 0;
}

static int on_complete(http_parser *p)
{
	struct https_conn *c = p->data;

	c->complete = true;
	http_parser_pause(p, 1); /* one answer per request: nothing may follow */
	return 0;
}

static const http_parser_settings answer_settings = {
    .on_body = on_body,
    .on_message_complete = on_complete,
};

static int feed(struct https_conn *c, struct https_target *t, const char *data, size_t len)
{
	size_t used = http_parser_execute(&c->parser, &answer_settings, data, len);
	enum http_errno he = HTTP_PARSER_ERRNO(&c->parser);

	if (c->too_big)
		return fail(c, t, "answer too big", -EFBIG);
	if (c->complete && used == len)
		return 0;
	if (he != HPE_OK || used != len)
		return fail(c, t, c->complete ? "bytes after the answer" : "answer is not HTTP/1.1",
			    -EBADMSG);
	return 0;
}

/* The whole answer is in: keep the connection for the next request if the server does. */
static int answered(struct https_conn *c, struct https_target *t)
{
	if (c->state == HTTPS_RECEIVING && http_should_keep_alive(&c->parser)) {
		c->state = HTTPS_IDLE;
		return 1;
	}
	https_close(c, t);
	return 1;
}

static int receive(struct https_conn *c, struct https_target *t)
{
	char buf[READ_CHUNK];

	for (;;) {
		int n = SSL_read(c->ssl, buf, sizeof(buf)), ret;

		if (n <= 0) {
			int e = SSL_get_error(c->ssl, n);

			if (e == SSL_ERROR_ZERO_RETURN || (e == SSL_ERROR_SYSCALL && !errno)) {
				/* EOF: ends an answer without Content-Length, else it is cut. */
				ERR_clear_error();
				if (c->parser.nread || c->ans_len) {
					http_parser_execute(&c->parser, &answer_settings, NULL, 0);
					if (c->complete) {
						https_close(c, t);
						return 1;
					}
				}
				return fail(c, t, "connection closed before the answer ended",
					    -ECONNRESET);
			}
			return ssl_wait(c, t, n, "TLS read");
		}
		ret = feed(c, t, buf, (size_t)n);
		if (ret)
			return ret;
		if (c->complete)
			return answered(c, t);
	}
}

static int step(struct https_conn *c, struct https_target *t)
{
	int r, err;
	socklen_t len = sizeof(err);

	switch (c->state) {
	case HTTPS_CONNECTING:
		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len))
			err = errno;
		if (err == EINPROGRESS)
			return 0;
		if (err)
			return fail(c, t, "connect", -err);
		c->state = HTTPS_HANDSHAKE;
		/* fall through */
	case HTTPS_HANDSHAKE:
		r = SSL_connect(c->ssl);
		if (r != 1)
			return ssl_wait(c, t, r, "TLS handshake");
		c->handshakes++;
		c->resumed += SSL_session_reused(c->ssl) == 1;
		c->state = HTTPS_SENDING;
		/* fall through */
	case HTTPS_SENDING:
		while (c->out_off < c->out_len) {
			r = SSL_write(c->ssl, c->out + c->out_off, (int)(c->out_len - c->out_off));
			if (r <= 0)
				return ssl_wait(c, t, r, "TLS write");
			c->out_off += (size_t)r;
		}
		c->state = HTTPS_RECEIVING;
		/* The answer cannot be there yet: wait for it instead of a read that fails. */
		return watch(c, t, EPOLLIN);
	case HTTPS_RECEIVING:
		return receive(c, t);
	case HTTPS_IDLE:
		/* Readable while idle: the server closed the connection (or sent junk). */
		https_close(c, t);
		return 0;
	default:
		return 0;
	}
}

static int reconnect(struct https_conn *c, struct https_target *t)
{
	int r;

	if (c->state != HTTPS_CLOSED)
		https_close(c, t);
	r = open_socket(c, t);
	return r == 1 ? step(c, t) : r;
}

int https_progress(struct https_conn *c, struct https_target *t)
{
	int r = step(c, t);

	/* A kept-alive connection the server dropped before answering: once more, fresh. */
	if (r < 0 && c->reused && !c->parser.nread && !c->ans_len) {
		c->reused = false;
		c->out_off = 0;
		c->err = NULL;
		http_parser_init(&c->parser, HTTP_RESPONSE);
		c->parser.data = c;
		r = reconnect(c, t);
	}
	return r;
}

int https_post(struct https_conn *c, struct https_target *t, const char *path, const char *body,
	       size_t body_len)
{
	char head[1024];
	int n = snprintf(head, sizeof(head),
			 "POST %s HTTP/1.1\r\n"
			 "Host: %s\r\n"
			 "User-Agent: gsma-rsp-lpad\r\n"
			 "Content-Type: application/json\r\n"
			 "Accept: application/json\r\n"
			 "X-Admin-Protocol: gsma/rsp/v2.2.2\r\n"
			 "Content-Length: %zu\r\n\r\n",
			 path, t->host_hdr, body_len);

	if (n < 0 || (size_t)n >= sizeof(head))
		return -ENAMETOOLONG;
	if ((size_t)n + body_len > c->out_cap) {
		size_t cap = (size_t)n + body_len + 1024;
		char *p = realloc(c->out, cap);

		if (!p)
			return -ENOMEM;
		c->out = p;
		c->out_cap = cap;
	}
	memcpy(c->out, head, (size_t)n);
	memcpy(c->out + n, body, body_len);
	c->out_len = (size_t)n + body_len;
	c->out_off = 0;
	c->ans_len = 0;
	c->too_big = false;
	c->complete = false;
	c->err = NULL;
	http_parser_init(&c->parser, HTTP_RESPONSE);
	c->parser.data = c;
	c->reused = c->state == HTTPS_IDLE;
	if (c->state == HTTPS_IDLE) {
		c->state = HTTPS_SENDING;
		return https_progress(c, t);
	}
	return reconnect(c, t);
}
