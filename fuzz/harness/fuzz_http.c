// SPDX-License-Identifier: Apache-2.0
/*
 * The HTTP/1.1 request reader of portdpd (appliance/server/http.c): the
 * plaintext stream of one connection, as the TLS layer hands it over.
 * Input: 4 bytes that choose two cut points, then the stream.
 *
 * Promises checked: the stream read in one piece and read in three pieces
 * (cut where the first bytes say) gives the same work items (kind, status,
 * path, body, keep-alive): a request must not mean something else because
 * TCP split it differently (request smuggling). An ES9+ item has a path
 * under the ES9+ prefix, or is the ASN.1 binding's one path, and a body of at most max_body bytes; nothing
 * follows an error item. A first request head with a bare LF, an obs-fold
 * line or a second Host or Content-Length is never served (RFC 9112).
 */
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "../../appliance/server/http.h"
#include "fuzz.h"

static const struct http_limits lim = {.max_header = 8192, .max_body = 65536};

static struct http_item *read_stream(const char *s, size_t len, size_t cut1, size_t cut2)
{
	struct http_stream hs;
	struct http_item *items;

	http_stream_init(&hs, &lim);
	http_stream_feed(&hs, s, cut1);
	http_stream_feed(&hs, s + cut1, cut2 - cut1);
	http_stream_feed(&hs, s + cut2, len - cut2);
	items = http_stream_take(&hs);
	http_stream_release(&hs);
	return items;
}

static void check_items(const struct http_item *it)
{
	for (; it; it = it->next) {
		switch (it->kind) {
		case HTTP_ITEM_ES9:
			FUZZ_CHECK(!strncmp(it->path, ES9_PATH_PREFIX, strlen(ES9_PATH_PREFIX)) ||
				   !strcmp(it->path, ES9_ASN1_PATH));
			FUZZ_CHECK(memchr(it->path, 0, sizeof(it->path)));
			FUZZ_CHECK(it->body_len <= lim.max_body);
			FUZZ_CHECK(it->body || !it->body_len);
			break;
		case HTTP_ITEM_ERROR:
			FUZZ_CHECK(it->resp.http_status >= 400 && it->resp.http_status <= 599);
			FUZZ_CHECK(!it->next);
			FUZZ_CHECK(!it->keep_alive);
			break;
		case HTTP_ITEM_CONTINUE:
			break;
		default:
			FUZZ_CHECK(!"unknown item kind");
		}
	}
}

/* Is the line starting at @p (length @n) the header field @name (any case)? */
static bool is_field(const char *p, size_t n, const char *name)
{
	size_t k = strlen(name);

	return n > k && !strncasecmp(p, name, k) && p[k] == ':';
}

/*
 * RFC 9112 strictness, checked on the stream's first request head by an
 * oracle of its own: a bare LF, an obs-fold line, or a second Host or
 * Content-Length there means the first request is not served.
 */
static void check_strict(const char *s, size_t len, const struct http_item *it)
{
	const char *end = memmem(s, len, "\r\n\r\n", 4);
	size_t head, hosts = 0, lengths = 0;
	bool bad = false;

	if (!end)
		return;
	head = (size_t)(end - s) + 2;
	for (size_t i = 0; i < head; i++) {
		if (s[i] == '\n' && (!i || s[i - 1] != '\r'))
			bad = true;
		if (i >= 2 && s[i - 1] == '\n' && s[i - 2] == '\r' && (s[i] == ' ' || s[i] == '\t'))
			bad = true;
		if (!i || s[i - 1] == '\n') {
			hosts += is_field(s + i, head - i, "host");
			lengths += is_field(s + i, head - i, "content-length");
		}
	}
	if (hosts > 1 || lengths > 1)
		bad = true;
	while (it && it->kind == HTTP_ITEM_CONTINUE)
		it = it->next;
	if (bad)
		FUZZ_CHECK(!it || it->kind != HTTP_ITEM_ES9);
}

static void same_items(const struct http_item *a, const struct http_item *b)
{
	for (; a && b; a = a->next, b = b->next) {
		FUZZ_CHECK(a->kind == b->kind);
		FUZZ_CHECK(a->keep_alive == b->keep_alive);
		if (a->kind == HTTP_ITEM_ERROR)
			FUZZ_CHECK(a->resp.http_status == b->resp.http_status);
		if (a->kind == HTTP_ITEM_ES9) {
			FUZZ_CHECK(!strcmp(a->path, b->path));
			FUZZ_CHECK(a->body_len == b->body_len);
			FUZZ_CHECK(!a->body_len || !memcmp(a->body, b->body, a->body_len));
		}
	}
	FUZZ_CHECK(!a && !b);
}

static void free_items(struct http_item *it)
{
	struct http_item *next;

	for (; it; it = next) {
		next = it->next;
		http_item_free(it);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_item *whole, *parts;
	size_t len, cut1, cut2, t;
	char *s;

	if (size < 4)
		return 0;
	len = size - 4;
	cut1 = len ? ((size_t)data[0] << 8 | data[1]) % (len + 1) : 0;
	cut2 = len ? ((size_t)data[2] << 8 | data[3]) % (len + 1) : 0;
	if (cut1 > cut2)
		t = cut1, cut1 = cut2, cut2 = t;
	s = malloc(len ? len : 1); /* exactly the stream, for ASan */
	FUZZ_CHECK(s);
	memcpy(s, data + 4, len);
	whole = read_stream(s, len, len, len);
	parts = read_stream(s, len, cut1, cut2);
	check_items(whole);
	check_strict(s, len, whole);
	same_items(whole, parts);
	free_items(whole);
	free_items(parts);
	free(s);
	return 0;
}
