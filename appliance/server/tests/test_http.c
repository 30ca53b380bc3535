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
	    cmocka_unit_test(test_connection_close_stops_stream),
	    cmocka_unit_test(test_format_response),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
