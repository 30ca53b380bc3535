// SPDX-License-Identifier: Apache-2.0
/*
 * HTTP framing unit tests (no sockets): requests split at every byte give
 * the same items, pipelined requests stay in order, each ES9+ rule rejects
 * with its status, and responses are formatted exactly.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../http.h"

static const struct http_limits lim = {.max_header = 1024, .max_body = 64};

#define GOOD                                                                                       \
	"POST /gsma/rsp2/es9plus/authenticateClient HTTP/1.1\r\n"                                  \
	"Host: dp.example\r\nUser-Agent: gsma-rsp-lpad\r\n"                                        \
	"X-Admin-Protocol: gsma/rsp/v2.2.2\r\nContent-Type: application/json\r\n"                  \
	"Content-Length: 13\r\n\r\n{\"a\":\"hello\"}"

static void check_good(const struct http_item *it)
{
	assert_non_null(it);
	assert_int_equal(it->kind, HTTP_ITEM_ES9);
	assert_string_equal(it->path, "/gsma/rsp2/es9plus/authenticateClient");
	assert_int_equal(it->body_len, 13);
	assert_memory_equal(it->body, "{\"a\":\"hello\"}", 13);
	assert_true(it->keep_alive);
}

static void free_items(struct http_item *it)
{
	struct http_item *next;

	for (; it; it = next) {
		next = it->next;
		http_item_free(it);
	}
}

static void test_split_at_every_byte(void **state)
{
	static const char req[] = GOOD GOOD;
	size_t len = strlen(req), cut;

	(void)state;
	for (cut = 0; cut <= len; cut++) {
		struct http_stream hs;
		struct http_item *items;

		http_stream_init(&hs, &lim);
		http_stream_feed(&hs, req, cut);
		http_stream_feed(&hs, req + cut, len - cut);
		items = http_stream_take(&hs);
		check_good(items);
		check_good(items->next);
		assert_null(items->next->next);
		assert_false(hs.stopped);
		free_items(items);
		http_stream_release(&hs);
	}
}

static void test_byte_by_byte(void **state)
{
	static const char req[] = GOOD;
	struct http_stream hs;
	struct http_item *items;
	size_t i;

	(void)state;
	http_stream_init(&hs, &lim);
	for (i = 0; i < strlen(req); i++) {
		http_stream_feed(&hs, req + i, 1);
		assert_true(hs.in_message || i == strlen(req) - 1);
	}
	assert_false(hs.in_message);
	assert_int_equal(hs.begun, 1);
	items = http_stream_take(&hs);
	check_good(items);
	free_items(items);
	http_stream_release(&hs);
}

static int status_of(const char *req)
{
	struct http_stream hs;
	struct http_item *items;
	int status;

	http_stream_init(&hs, &lim);
	http_stream_feed(&hs, req, strlen(req));
	items = http_stream_take(&hs);
	if (!items)
		status = 0;
	else if (items->kind == HTTP_ITEM_ES9)
		status = 200;
	else
		status = items->resp.http_status;
	if (status != 200 && status != 0)
		assert_true(hs.stopped);
	free_items(items);
	http_stream_release(&hs);
	return status;
}

#define REQ(proto, ctype)                                                                          \
	"POST /gsma/rsp2/es9plus/x HTTP/1.1\r\nHost: h\r\nX-Admin-Protocol: " proto "\r\n"         \
	"Content-Type: " ctype "\r\nContent-Length: 2\r\n\r\n{}"

static void test_admin_protocol_and_content_type(void **state)
{
	(void)state;
	assert_int_equal(status_of(REQ("gsma/rsp/v2.2.2", "application/json")), 200);
	assert_int_equal(status_of(REQ("gsma/rsp/v2.1.0", "application/json")), 200);
	assert_int_equal(status_of(REQ("gsma/rsp/v2.10.15", "application/json;charset=UTF-8")),
			 200);
	assert_int_equal(status_of(REQ("gsma/rsp/v2.2.2", "Application/JSON")), 200);
	assert_int_equal(status_of(REQ("gsma/rsp/v1.0.0", "application/json")), 400);
	assert_int_equal(status_of(REQ("gsma/rsp/v2.2.2.2", "application/json")), 400);
	assert_int_equal(status_of(REQ("gsma/rsp/v2..2", "application/json")), 400);
	assert_int_equal(status_of(REQ("gsma/rsp/v2.2.", "application/json")), 400);
	assert_int_equal(status_of(REQ("gsma/rsp/v2.2.2x", "application/json")), 400);
	assert_int_equal(status_of(REQ("gsma/rsp/v2.2.2\r\nX-Admin-Protocol: gsma/rsp/v2.2.2",
				       "application/json")),
			 400);
	assert_int_equal(status_of(REQ("gsma/rsp/v2.2.2", "application/jsonx")), 415);
	assert_int_equal(status_of(REQ("gsma/rsp/v2.2.2", "text/json")), 415);
}

/* The ES2+ listener with units: its own prefix and a second one; nothing else. */
static int status_on(const struct http_limits *l, const char *path)
{
	char req[512];
	struct http_stream hs;
	struct http_item *items;
	int status;

	snprintf(req, sizeof(req),
		 "POST %s HTTP/1.1\r\nHost: dp.example\r\nX-Admin-Protocol: gsma/rsp/v2.2.2\r\n"
		 "Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}",
		 path);
	http_stream_init(&hs, l);
	http_stream_feed(&hs, req, strlen(req));
	items = http_stream_take(&hs);
	status = !items ? 0 : items->kind == HTTP_ITEM_ES9 ? 200 : items->resp.http_status;
	free_items(items);
	http_stream_release(&hs);
	return status;
}

static void test_second_prefix(void **state)
{
	const struct http_limits es2 = {.max_header = 1024,
					.max_body = 64,
					.prefix = "/gsma/rsp2/es2plus/",
					.prefix2 = "/portdp/transfer1/"};
	const struct http_limits only = {
	    .max_header = 1024, .max_body = 64, .prefix = "/gsma/rsp2/es2plus/"};

	(void)state;
	assert_int_equal(status_on(&es2, "/gsma/rsp2/es2plus/downloadOrder"), 200);
	assert_int_equal(status_on(&es2, "/portdp/transfer1/pull"), 200);
	assert_int_equal(status_on(&es2, "/portdp/transfer1/"), 404);
	assert_int_equal(status_on(&es2, "/portdp/transfer1/pu-ll"), 404);
	assert_int_equal(status_on(&es2, "/portdp/transfer1/../gsma"), 404);
	assert_int_equal(status_on(&es2, "/portdp/transfer2/pull"), 404);
	assert_int_equal(status_on(&es2, "/gsma/rsp2/es9plus/authenticateClient"), 404);
	assert_int_equal(status_on(&es2, "/gsma/rsp2/asn1"), 404);
	assert_int_equal(status_on(&only, "/portdp/transfer1/pull"), 404);
	assert_int_equal(status_on(&lim, "/portdp/transfer1/pull"), 404);
}

static void test_limits(void **state)
{
	char req[4096];
	int n;

	(void)state;
	/* max_body is 64 here. */
	n = snprintf(req, sizeof(req),
		     "POST /gsma/rsp2/es9plus/x HTTP/1.1\r\nHost: h\r\n"
		     "X-Admin-Protocol: gsma/rsp/v2.2.2\r\n"
		     "Content-Type: application/json\r\nContent-Length: 65\r\n\r\n");
	assert_true(n > 0);
	assert_int_equal(status_of(req), 413);
	/* Headers: 1024 bytes in total, counted across many small headers too. */
	n = snprintf(req, sizeof(req), "POST /gsma/rsp2/es9plus/x HTTP/1.1\r\n");
	while (n < 1200)
		n += snprintf(req + n, sizeof(req) - n, "X-A: b\r\n");
	snprintf(req + n, sizeof(req) - n, "\r\n");
	assert_int_equal(status_of(req), 431);
	/* Function name: letters and digits only, at most 63. */
	assert_int_equal(
	    status_of("POST /gsma/rsp2/es9plus/a-b HTTP/1.1\r\nContent-Length: 0\r\n\r\n"), 404);
	assert_int_equal(
	    status_of("POST /gsma/rsp2/es9plus/"
		      "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		      " HTTP/1.1\r\nContent-Length: 0\r\n\r\n"),
	    404);
	assert_int_equal(status_of("POST /gsma/rsp2/es9plusX HTTP/1.1\r\n\r\n"), 404);
	assert_int_equal(status_of("POST /gsma/rsp2/es9plus/x HTTP/2.0\r\n\r\n"), 400);
	/* Nothing complete yet: no item, no verdict. */
	assert_int_equal(status_of("POST /gsma/rsp2/es9plus/x HTTP/1.1\r\nHost"), 0);
}

/* A valid request with @extra field lines inserted after Host. */
#define WITH(extra)                                                                                \
	"POST /gsma/rsp2/es9plus/x HTTP/1.1\r\nHost: h\r\n" extra                                \
	"X-Admin-Protocol: gsma/rsp/v2.2.2\r\nContent-Type: application/json\r\n"                  \
	"Content-Length: 2\r\n\r\n{}"

/*
 * RFC 9112 strictness: each request below is one that libhttp-parser 2.9
 * alone lets through (or frames differently) and that a proxy in front of us
 * could read another way. Every one is a 400 and stops the stream.
 */
static void test_strict_rfc9112(void **state)
{
	static const char *const bad[] = {
	    /* obs-fold, in any field, Transfer-Encoding included (5.2) */
	    WITH("X-A: b\r\n c\r\n"),
	    WITH("X-A: b\r\n\tc\r\n"),
	    "POST /gsma/rsp2/es9plus/x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: identity\r\n"
	    " chunked\r\nX-Admin-Protocol: gsma/rsp/v2.2.2\r\n"
	    "Content-Type: application/json\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
	    "POST /gsma/rsp2/es9plus/x HTTP/1.1\r\nHost: h\r\nX-Admin-Protocol: gsma/rsp/v2.2.2\r\n"
	    "Content-Type: application/json\r\nContent-Length:\r\n 2\r\n\r\n{}",
	    /* whitespace between the request line and the first field (2.2) */
	    "POST /gsma/rsp2/es9plus/x HTTP/1.1\r\n Host: h\r\n"
	    "X-Admin-Protocol: gsma/rsp/v2.2.2\r\nContent-Type: application/json\r\n"
	    "Content-Length: 2\r\n\r\n{}",
	    /* bare LF, anywhere in the head (2.2) */
	    "POST /gsma/rsp2/es9plus/x HTTP/1.1\nHost: h\r\nX-Admin-Protocol: gsma/rsp/v2.2.2\r\n"
	    "Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}",
	    WITH("X-A: b\n"),
	    "POST /gsma/rsp2/es9plus/x HTTP/1.1\r\nHost: h\r\nX-Admin-Protocol: gsma/rsp/v2.2.2\r\n"
	    "Content-Type: application/json\r\nContent-Length: 2\r\n\n{}",
	    "POST /gsma/rsp2/es9plus/x HTTP/1.1\n\n",
	    /* bare CR (2.2) */
	    WITH("X-A: b\rc\r\n"),
	    /* duplicate Host, also with equal values; bad Host value (RFC 9110 7.2) */
	    WITH("Host: h\r\n"),
	    WITH("Host: other\r\n"),
	    WITH("host: h\r\n"),
	    "POST /gsma/rsp2/es9plus/x HTTP/1.1\r\nHost: h/x\r\nX-Admin-Protocol: gsma/rsp/v2.2.2\r\n"
	    "Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}",
	    "POST /gsma/rsp2/es9plus/x HTTP/1.1\r\nHost: h h\r\nX-Admin-Protocol: gsma/rsp/v2.2.2\r\n"
	    "Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}",
	    /* duplicate Content-Length, equal or not, or as a list (6.3) */
	    WITH("Content-Length: 2\r\n"),
	    WITH("Content-Length: 3\r\n"),
	    "POST /gsma/rsp2/es9plus/x HTTP/1.1\r\nHost: h\r\nX-Admin-Protocol: gsma/rsp/v2.2.2\r\n"
	    "Content-Type: application/json\r\nContent-Length: 2, 2\r\n\r\n{}",
	    "POST /gsma/rsp2/es9plus/x HTTP/1.1\r\nHost: h\r\nX-Admin-Protocol: gsma/rsp/v2.2.2\r\n"
	    "Content-Type: application/json\r\nContent-Length: +2\r\n\r\n{}",
	    /* Content-Length together with Transfer-Encoding (6.1, 6.3) */
	    WITH("Transfer-Encoding: chunked\r\n"),
	    WITH("Transfer-Encoding: identity\r\n"),
	    /* space or tab before the colon, empty name, no colon (5.1) */
	    WITH("X-A : b\r\n"),
	    WITH("Transfer-Encoding\t: chunked\r\n"),
	    WITH(": b\r\n"),
	    WITH("X-A\r\n"),
	    WITH("X[A]: b\r\n"),
	    /* control bytes in a field value (RFC 9110 5.5) */
	    WITH("X-A: b\x01c\r\n"),
	    WITH("X-A: b\x7f\r\n"),
	    /* request line: single SPs, three parts (3) */
	    "POST  /gsma/rsp2/es9plus/x HTTP/1.1\r\nHost: h\r\n\r\n",
	    "POST /gsma/rsp2/es9plus/x  HTTP/1.1\r\nHost: h\r\n\r\n",
	    "POST\t/gsma/rsp2/es9plus/x HTTP/1.1\r\nHost: h\r\n\r\n",
	    "POST /gsma/rsp2/es9plus/x HTTP/1.1 \r\nHost: h\r\n\r\n",
	    " POST /gsma/rsp2/es9plus/x HTTP/1.1\r\nHost: h\r\n\r\n",
	    "POST /gsma/rsp2/es9plus/x\r\nHost: h\r\n\r\n",
	    /* HTTP-version: "HTTP/" DIGIT "." DIGIT, case-sensitive (2.3) */
	    "POST /gsma/rsp2/es9plus/x HTTP/1.10\r\nHost: h\r\n\r\n",
	    "POST /gsma/rsp2/es9plus/x HTTP/01.1\r\nHost: h\r\n\r\n",
	    "POST /gsma/rsp2/es9plus/x http/1.1\r\nHost: h\r\n\r\n",
	    "POST /gsma/rsp2/es9plus/x HTTP/1\r\nHost: h\r\n\r\n",
	    /* a transfer coding whose final coding is not chunked: no framing (6.1) */
	    "POST /gsma/rsp2/es9plus/x HTTP/1.1\r\nHost: h\r\nX-Admin-Protocol: gsma/rsp/v2.2.2\r\n"
	    "Content-Type: application/json\r\nTransfer-Encoding: gzip\r\n\r\n{}",
	    "POST /gsma/rsp2/es9plus/x HTTP/1.1\r\nHost: h\r\nX-Admin-Protocol: gsma/rsp/v2.2.2\r\n"
	    "Content-Type: application/json\r\nTransfer-Encoding: chunked, gzip\r\n\r\n{}",
	    /* HTTP/1.1 without Host (3.2) */
	    "POST /gsma/rsp2/es9plus/x HTTP/1.1\r\nX-Admin-Protocol: gsma/rsp/v2.2.2\r\n"
	    "Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int st = status_of(bad[i]);

		if (st != 400)
			fail_msg("case %zu: status %d for <%s>", i, st, bad[i]);
	}
	/* What the RFC allows stays allowed. */
	assert_int_equal(status_of(WITH("X-A: b\tc \r\n")), 200);
	assert_int_equal(status_of(WITH("X-A: \xc3\xa9t\xc3\xa9\r\n")), 200);
	assert_int_equal(status_of(WITH("X-A:\r\n")), 200);
	assert_int_equal(status_of("\r\n" WITH("")), 200);
	assert_int_equal(status_of("POST /gsma/rsp2/es9plus/x HTTP/1.1\r\nHost: [::1]:8443\r\n"
				   "X-Admin-Protocol: gsma/rsp/v2.2.2\r\n"
				   "Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"),
			 200);
}

/* Chunked bodies are refused at the head (411), whatever their chunk sizes say. */
static void test_chunked_refused(void **state)
{
	static const char *const reqs[] = {"2\r\n{}\r\n0\r\n\r\n", "zz\r\n{}\r\n0\r\n\r\n",
					   "-1\r\n", "fffffffffffffffff\r\n{}\r\n0\r\n\r\n",
					   "2;x=\"\r\n{}\r\n0\r\n\r\n"};
	char req[512];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++) {
		snprintf(req, sizeof(req),
			 "POST /gsma/rsp2/es9plus/x HTTP/1.1\r\nHost: h\r\n"
			 "X-Admin-Protocol: gsma/rsp/v2.2.2\r\nContent-Type: application/json\r\n"
			 "Transfer-Encoding: chunked\r\n\r\n%s",
			 reqs[i]);
		assert_int_equal(status_of(req), 411);
	}
}

/* Pipelined requests in one feed: each answered, in order; an error stops the rest. */
static void test_pipelined_then_error(void **state)
{
	static const char req[] = GOOD GOOD "POST /x HTTP/1.1\nHost: h\r\n\r\n" GOOD;
	struct http_stream hs;
	struct http_item *items;

	(void)state;
	http_stream_init(&hs, &lim);
	http_stream_feed(&hs, req, strlen(req));
	items = http_stream_take(&hs);
	check_good(items);
	check_good(items->next);
	assert_int_equal(items->next->next->kind, HTTP_ITEM_ERROR);
	assert_int_equal(items->next->next->resp.http_status, 400);
	assert_null(items->next->next->next);
	assert_true(hs.stopped);
	free_items(items);
	http_stream_release(&hs);
}

static void test_connection_close_stops_stream(void **state)
{
	static const char req[] =
	    "POST /gsma/rsp2/es9plus/x HTTP/1.1\r\nHost: h\r\n"
	    "Connection: close\r\nX-Admin-Protocol: gsma/rsp/v2.2.2\r\n"
	    "Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}" GOOD;
	struct http_stream hs;
	struct http_item *items;

	(void)state;
	http_stream_init(&hs, &lim);
	http_stream_feed(&hs, req, strlen(req));
	items = http_stream_take(&hs);
	assert_non_null(items);
	assert_false(items->keep_alive);
	/* The request after "Connection: close" is not parsed. */
	assert_null(items->next);
	assert_true(hs.stopped);
	free_items(items);
	http_stream_release(&hs);
}

static void test_format_response(void **state)
{
	static const char want200[] = "HTTP/1.1 200 OK\r\n"
				      "X-Admin-Protocol: gsma/rsp/v2.2.0\r\n"
				      "Content-Type: application/json;charset=UTF-8\r\n"
				      "Connection: keep-alive\r\n"
				      "Content-Length: 2\r\n\r\n{}";
	static const char want204[] = "HTTP/1.1 204 No Content\r\n"
				      "X-Admin-Protocol: gsma/rsp/v2.2.0\r\n"
				      "Connection: close\r\n\r\n";
	static const char want405[] = "HTTP/1.1 405 Method Not Allowed\r\n"
				      "X-Admin-Protocol: gsma/rsp/v2.2.0\r\n"
				      "Allow: POST\r\n"
				      "Connection: close\r\n"
				      "Content-Length: 0\r\n\r\n";
	struct buf b = {0};

	(void)state;
	assert_int_equal(http_format_response(&b, 200, "{}", 2, true), 0);
	assert_int_equal(b.len, strlen(want200));
	assert_memory_equal(b.data, want200, b.len);
	b.len = 0;
	assert_int_equal(http_format_response(&b, 204, "ignored", 7, false), 0);
	assert_int_equal(b.len, strlen(want204));
	assert_memory_equal(b.data, want204, b.len);
	b.len = 0;
	assert_int_equal(http_format_response(&b, 405, NULL, 0, false), 0);
	assert_int_equal(b.len, strlen(want405));
	assert_memory_equal(b.data, want405, b.len);
	b.len = 0;
	assert_int_equal(http_format_response(&b, 100, NULL, 0, true), 0);
	assert_memory_equal(b.data, "HTTP/1.1 100 Continue\r\n\r\n", b.len);
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_split_at_every_byte),
	    cmocka_unit_test(test_byte_by_byte),
	    cmocka_unit_test(test_admin_protocol_and_content_type),
	    cmocka_unit_test(test_limits),
	    cmocka_unit_test(test_second_prefix),
	    cmocka_unit_test(test_strict_rfc9112),
	    cmocka_unit_test(test_chunked_refused),
	    cmocka_unit_test(test_pipelined_then_error),
	    cmocka_unit_test(test_connection_close_stops_stream),
	    cmocka_unit_test(test_format_response),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
