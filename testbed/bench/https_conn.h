/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One kept-alive HTTPS/1.1 connection of the bench client, driven by an
 * epoll loop: non-blocking socket, OpenSSL SSL object, one request in flight,
 * answers framed by libhttp-parser (Content-Length bodies only, as ES9+ sends).
 * A connection the server closed while idle is reopened for the next request.
 *
 * Every function returns 0 or a negative errno unless it says otherwise.
 */
#ifndef PORTDP_BENCH_HTTPS_CONN_H
#define PORTDP_BENCH_HTTPS_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <http_parser.h>
#include <openssl/ssl.h>

/* What all connections of one thread share: TLS context, server address, headers. */
struct https_target {
	SSL_CTX *ssl;
	struct sockaddr_storage addr;
	socklen_t addr_len;
	char tls_name[256];  /* checked against the server certificate, sent as SNI */
	char host_hdr[300];  /* Host: header (what the activation code says) */
	int epfd;
};

enum https_state {
	HTTPS_CLOSED = 0,
	HTTPS_CONNECTING, /* TCP connect in progress */
	HTTPS_HANDSHAKE,
	HTTPS_SENDING,
	HTTPS_RECEIVING,
	HTTPS_IDLE, /* connected, no request in flight */
};

struct https_conn {
	int fd;
	SSL *ssl;
	enum https_state state;
	uint32_t ep_events; /* what epoll watches now */
	void *owner;	    /* epoll_event.data.ptr: the caller's slot */
	bool reused;	    /* request went out on a connection that served before */
	uint64_t handshakes, resumed; /* TLS handshakes completed, of them resumed */
	char *out;	    /* request bytes */
	size_t out_len, out_off, out_cap;
	http_parser parser;
	bool complete;
	char *ans; /* answer body, NUL-terminated (capacity kept) */
	size_t ans_len, ans_cap, ans_max;
	bool too_big;
	const char *err; /* what failed, for the report */
};

/**
 * https_target_init() - TLS context that verifies the server against @cafile
 * and @tls_name; connections go to @connect_host:@port.
 */
int https_target_init(struct https_target *t, const char *cafile, const char *tls_name,
		      const char *host_hdr, const char *connect_host, uint16_t port, int epfd);
void https_target_free(struct https_target *t);

/** https_conn_init() - an unconnected connection; @owner goes into its epoll events. */
void https_conn_init(struct https_conn *c, void *owner, size_t ans_max);
void https_conn_free(struct https_conn *c);

/**
 * https_post() - queue POST @path with a JSON @body and start sending it
 * (connecting first when needed). Progress then comes from https_progress().
 */
int https_post(struct https_conn *c, struct https_target *t, const char *path, const char *body,
	       size_t body_len);

/**
 * https_progress() - move the connection on after epoll reported it ready.
 * Returns 1 when the whole answer is in (c->parser.status_code, c->ans),
 * 0 while it is still on its way, or a negative errno (c->err says what).
 */
int https_progress(struct https_conn *c, struct https_target *t);

/** https_close() - drop the connection (the next https_post() reconnects). */
void https_close(struct https_conn *c, struct https_target *t);

/**
 * https_hang_up() - end an idle connection as an LPA that is done with it does:
 * close_notify (one non-blocking attempt), then close. The next https_post() reconnects.
 */
void https_hang_up(struct https_conn *c, struct https_target *t);

#endif
