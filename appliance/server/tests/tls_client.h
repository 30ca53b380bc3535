/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A small blocking HTTPS/1.1 client for the network-layer tests and the
 * load generator: OpenSSL on a plain socket, responses framed by
 * libhttp-parser, pipelining-safe (bytes after one response are kept).
 */
#ifndef PORTDP_TLS_CLIENT_H
#define PORTDP_TLS_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <openssl/ssl.h>

struct tc_conn {
	int fd;
	SSL *ssl;
	char *rbuf;
	size_t rlen, rcap;
};

struct tc_resp {
	int status;
	char headers[2048]; /* "Name: value\n" lines, names as sent */
	size_t hlen;
	char *body;
	size_t body_len;
	bool keep_alive;
};

/* Client context that trusts @ca_file; @min/@max are TLS1_2_VERSION etc. (0 = default). */
SSL_CTX *tc_ctx_new(const char *ca_file, int min_ver, int max_ver);
/* TCP connect to 127.0.0.1:@port with @timeout_ms for every later read. */
int tc_tcp_connect(struct tc_conn *c, uint16_t port, int timeout_ms);
/* TCP connect + TLS handshake (resuming @sess if given). 0 or -1. */
int tc_connect(struct tc_conn *c, SSL_CTX *ctx, uint16_t port, SSL_SESSION *sess, int timeout_ms);
int tc_write(struct tc_conn *c, const void *buf, size_t len);
/* Reads one whole response. 0, or -1 on close/timeout/garbage. Free with tc_resp_free. */
int tc_read_response(struct tc_conn *c, struct tc_resp *r);
void tc_resp_free(struct tc_resp *r);
/* Value of header @name in @r, or NULL (points into r->headers; ends at '\n'). */
const char *tc_header(const struct tc_resp *r, const char *name);
/* True if the peer closes (EOF, alert, reset) before @timeout_ms. */
bool tc_wait_closed(struct tc_conn *c, int timeout_ms);
void tc_close(struct tc_conn *c);
/* Formats a POST of @body to /gsma/rsp2/es9plus/@fn with the headers lpac sends. */
int tc_format_post(char *buf, size_t size, const char *fn, const char *body);

#endif
