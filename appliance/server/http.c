// SPDX-License-Identifier: Apache-2.0
/*
 * ES9+ request framing on libhttp-parser. The parser does the HTTP syntax;
 * this file applies ES9+'s rules once, when the headers are complete, so a
 * bad request is rejected before its body is buffered.
 */
#include <ctype.h>
#include <stdio.h>
#include <strings.h>
#include <sys/types.h>

#include "http.h"

enum {
	HDR_OTHER,
	HDR_ADMIN_PROTO,
	HDR_CTYPE,
	HDR_EXPECT,
	HDR_HOST,
	HDR_CLEN,
};

/* Per header, the bytes the callbacks do not see (": ", CRLF). */
#define HDR_OVERHEAD 4

static struct http_stream *stream_of(http_parser *p)
{
	return p->data;
}

static void queue_item(struct http_stream *hs, struct http_item *it)
{
	it->next = NULL;
	*hs->tail = it;
	hs->tail = &it->next;
}

/* Rejects the current request: one ERROR item, then the stream stops. */
static int reject(struct http_stream *hs, int status)
{
	struct http_item *it = calloc(1, sizeof(*it));

	hs->stopped = true;
	hs->in_message = false;
	if (HTTP_PARSER_ERRNO(&hs->parser) == HPE_OK)
		http_parser_pause(&hs->parser, 1);
	if (!it)
		return -1; /* the connection closes without an answer */
	it->kind = HTTP_ITEM_ERROR;
	it->resp.http_status = status;
	queue_item(hs, it);
	return 0;
}

static bool count_head(struct http_stream *hs, size_t len)
{
	hs->head_bytes += len;
	if (hs->head_bytes > hs->lim->max_header) {
		reject(hs, 431);
		return false;
	}
	return true;
}

static int on_message_begin(http_parser *p)
{
	struct http_stream *hs = stream_of(p);

	hs->head_bytes = 0;
	hs->url_len = 0;
	hs->url_too_long = false;
	hs->field_len = 0;
	hs->field_too_long = false;
	hs->in_value = false;
	hs->cur_header = HDR_OTHER;
	hs->admin_proto_len = hs->ctype_len = hs->expect_len = 0;
	hs->seen_admin_proto = hs->seen_ctype = false;
	hs->n_host = hs->n_clen = 0;
	hs->host_len = 0;
	hs->in_message = true;
	hs->begun++;
	return 0;
}

static int on_url(http_parser *p, const char *at, size_t len)
{
	struct http_stream *hs = stream_of(p);

	if (!count_head(hs, len))
		return 0;
	if (hs->url_len + len >= sizeof(hs->url)) {
		hs->url_too_long = true;
		return 0;
	}
	memcpy(hs->url + hs->url_len, at, len);
	hs->url_len += len;
	return 0;
}

static int on_header_field(http_parser *p, const char *at, size_t len)
{
	struct http_stream *hs = stream_of(p);

	if (!count_head(hs, len + (hs->in_value || !hs->field_len ? HDR_OVERHEAD : 0)))
		return 0;
	if (hs->in_value) {
		hs->in_value = false;
		hs->field_len = 0;
		hs->field_too_long = false;
	}
	if (hs->field_len + len >= sizeof(hs->field)) {
		hs->field_too_long = true;
		return 0;
	}
	memcpy(hs->field + hs->field_len, at, len);
	hs->field_len += len;
	return 0;
}

static int classify(struct http_stream *hs)
{
	if (hs->field_too_long)
		return HDR_OTHER;
	hs->field[hs->field_len] = '\0';
	if (!strcasecmp(hs->field, "X-Admin-Protocol"))
		return HDR_ADMIN_PROTO;
	if (!strcasecmp(hs->field, "Content-Type"))
		return HDR_CTYPE;
	if (!strcasecmp(hs->field, "Expect"))
		return HDR_EXPECT;
	if (!strcasecmp(hs->field, "Host"))
		return HDR_HOST;
	if (!strcasecmp(hs->field, "Content-Length"))
		return HDR_CLEN;
	return HDR_OTHER;
}

/* Appends to a small fixed value buffer; an overlong value is kept as "too long" (len = size). */
static void value_append(char *dst, size_t size, size_t *len, const char *at, size_t n)
{
	if (*len >= size)
		return;
	if (*len + n >= size) {
		*len = size;
		return;
	}
	memcpy(dst + *len, at, n);
	*len += n;
}

static int on_header_value(http_parser *p, const char *at, size_t len)
{
	struct http_stream *hs = stream_of(p);

	if (!count_head(hs, len))
		return 0;
	if (!hs->in_value) {
		hs->in_value = true;
		hs->cur_header = classify(hs);
		/* A repeated header counts as malformed: keep it "too long". */
		if (hs->cur_header == HDR_ADMIN_PROTO && hs->seen_admin_proto)
			hs->admin_proto_len = sizeof(hs->admin_proto);
		if (hs->cur_header == HDR_CTYPE && hs->seen_ctype)
			hs->ctype_len = sizeof(hs->ctype);
		hs->seen_admin_proto |= hs->cur_header == HDR_ADMIN_PROTO;
		hs->seen_ctype |= hs->cur_header == HDR_CTYPE;
		hs->n_host += hs->cur_header == HDR_HOST;
		hs->n_clen += hs->cur_header == HDR_CLEN;
	}
	switch (hs->cur_header) {
	case HDR_ADMIN_PROTO:
		value_append(hs->admin_proto, sizeof(hs->admin_proto), &hs->admin_proto_len, at,
			     len);
		break;
	case HDR_CTYPE:
		value_append(hs->ctype, sizeof(hs->ctype), &hs->ctype_len, at, len);
		break;
	case HDR_EXPECT:
		value_append(hs->expect, sizeof(hs->expect), &hs->expect_len, at, len);
		break;
	case HDR_HOST:
		value_append(hs->host, sizeof(hs->host), &hs->host_len, at, len);
		break;
	}
	return 0;
}

/* "gsma/rsp/v2.<x>.<y>": SGP.22 v2 servers accept any v2 minor version. */
static bool admin_proto_ok(const struct http_stream *hs)
{
	const char *s = hs->admin_proto;
	size_t n = hs->admin_proto_len;
	size_t i = strlen("gsma/rsp/v2.");
	int dots = 0, digits = 0;

	if (n >= sizeof(hs->admin_proto) || n <= i || strncmp(s, "gsma/rsp/v2.", i))
		return false;
	for (; i < n; i++) {
		if (isdigit((unsigned char)s[i])) {
			digits++;
		} else if (s[i] == '.' && digits && !dots) {
			dots++;
			digits = 0;
		} else {
			return false;
		}
	}
	return dots == 1 && digits > 0;
}

/* The ASN.1 binding of ES9+ (SGP.22 §6.6.1): one path, on the ES9+ listener only. */
static bool is_asn1_path(const struct http_stream *hs)
{
	return !hs->lim->prefix && !hs->url_too_long && hs->url_len == strlen(ES9_ASN1_PATH) &&
	       !memcmp(hs->url, ES9_ASN1_PATH, hs->url_len);
}

/*
 * application/json (application/x-gsma-rsp-asn1 on the ASN.1 path), optionally with
 * parameters (";charset=UTF-8").
 */
static bool ctype_ok(const struct http_stream *hs)
{
	const char *want = is_asn1_path(hs) ? "application/x-gsma-rsp-asn1" : "application/json";
	size_t n = strlen(want);

	if (hs->ctype_len >= sizeof(hs->ctype) || hs->ctype_len < n ||
	    strncasecmp(hs->ctype, want, n))
		return false;
	return hs->ctype_len == n || hs->ctype[n] == ';' || hs->ctype[n] == ' ';
}

/* The function name after the prefix: 1..63 letters or digits, nothing else. */
static bool path_ok(const struct http_stream *hs)
{
	const char *prefix = hs->lim->prefix ? hs->lim->prefix : ES9_PATH_PREFIX;
	size_t n = strlen(prefix), i;

	if (is_asn1_path(hs))
		return true;
	if (hs->lim->prefix2 && !hs->url_too_long && hs->url_len > strlen(hs->lim->prefix2) &&
	    !memcmp(hs->url, hs->lim->prefix2, strlen(hs->lim->prefix2))) {
		prefix = hs->lim->prefix2;
		n = strlen(prefix);
	}
	if (hs->url_too_long || hs->url_len <= n || hs->url_len - n > 63 ||
	    memcmp(hs->url, prefix, n))
		return false;
	for (i = n; i < hs->url_len; i++)
		if (!isalnum((unsigned char)hs->url[i]))
			return false;
	return true;
}

/*
 * RFC 9110 7.2 / RFC 3986 3.2.2: Host is uri-host [ ":" port ], possibly
 * empty. An overlong value or any other byte is an invalid field value (400).
 */
static bool host_ok(const struct http_stream *hs)
{
	size_t n = hs->host_len, i;

	if (n >= sizeof(hs->host))
		return false;
	while (n && (hs->host[n - 1] == ' ' || hs->host[n - 1] == '\t'))
		n--;
	for (i = 0; i < n; i++) {
		unsigned char c = hs->host[i];

		if (!isalnum(c) && !strchr("-._~!$&'()*+,;=%:[]", c))
			return false;
	}
	return true;
}

static int on_headers_complete(http_parser *p)
{
	struct http_stream *hs = stream_of(p);
	struct http_item *it;

	if (hs->stopped)
		return 0;
	if (p->http_major != 1)
		return reject(hs, 400);
	/*
	 * Request-smuggling material is a 400 before any ES9+ rule (RFC 9112
	 * 3.2, 6.1, 6.3): more than one Host or Content-Length field line, a bad
	 * Host value, Transfer-Encoding together with Content-Length, or a
	 * Transfer-Encoding whose final coding is not chunked.
	 */
	if (hs->n_host > 1 || hs->n_clen > 1 || (hs->n_host && !host_ok(hs)))
		return reject(hs, 400);
	if (p->uses_transfer_encoding && (hs->n_clen || !(p->flags & F_CHUNKED)))
		return reject(hs, 400); /* 6.1: no chunked last, no way to find the body's end */
	if (p->method != HTTP_POST)
		return reject(hs, 405);
	if (!path_ok(hs))
		return reject(hs, 404);
	if ((p->flags & F_CHUNKED) || p->uses_transfer_encoding || !(p->flags & F_CONTENTLENGTH))
		return reject(hs, 411);
	if (p->content_length > hs->lim->max_body)
		return reject(hs, 413);
	/* RFC 9112 3.2: an HTTP/1.1 request without Host is answered 400. */
	if (p->http_minor >= 1 && !hs->n_host)
		return reject(hs, 400);
	if (!admin_proto_ok(hs))
		return reject(hs, 400);
	if (!ctype_ok(hs))
		return reject(hs, 415);
	if (hs->expect_len) {
		if (hs->expect_len != 12 || strncasecmp(hs->expect, "100-continue", 12))
			return reject(hs, 417);
		it = calloc(1, sizeof(*it));
		if (!it)
			return reject(hs, 500);
		it->kind = HTTP_ITEM_CONTINUE;
		it->resp.http_status = 100;
		it->keep_alive = true;
		queue_item(hs, it);
	}
	it = calloc(1, sizeof(*it));
	if (!it)
		return reject(hs, 500);
	it->kind = HTTP_ITEM_ES9;
	memcpy(it->path, hs->url, hs->url_len);
	it->path[hs->url_len] = '\0';
	/* Exactly Content-Length (<= max_body): never buffer more. */
	it->body = malloc(p->content_length ? p->content_length : 1);
	if (!it->body) {
		free(it);
		return reject(hs, 500);
	}
	hs->cur = it;
	return 0;
}

static int on_body(http_parser *p, const char *at, size_t len)
{
	struct http_stream *hs = stream_of(p);
	struct http_item *it = hs->cur;

	if (!it || it->body_len + len > hs->lim->max_body)
		return reject(hs, 400);
	memcpy(it->body + it->body_len, at, len);
	it->body_len += len;
	return 0;
}

static int on_message_complete(http_parser *p)
{
	struct http_stream *hs = stream_of(p);
	struct http_item *it = hs->cur;

	hs->in_message = false;
	/* The next head is scanned before the parser sees it (http_stream_feed). */
	hs->scan.active = true;
	if (HTTP_PARSER_ERRNO(p) == HPE_OK)
		http_parser_pause(p, 1);
	if (!it)
		return 0;
	hs->cur = NULL;
	it->keep_alive = http_should_keep_alive(p);
	queue_item(hs, it);
	if (!it->keep_alive || p->upgrade) {
		it->keep_alive = false;
		hs->stopped = true;
		http_parser_pause(p, 1);
	}
	return 0;
}

static const http_parser_settings settings = {
    .on_message_begin = on_message_begin,
    .on_url = on_url,
    .on_header_field = on_header_field,
    .on_header_value = on_header_value,
    .on_headers_complete = on_headers_complete,
    .on_body = on_body,
    .on_message_complete = on_message_complete,
};

void http_stream_init(struct http_stream *hs, const struct http_limits *lim)
{
	memset(hs, 0, sizeof(*hs));
	http_parser_init(&hs->parser, HTTP_REQUEST);
	hs->parser.data = hs;
	hs->lim = lim;
	hs->tail = &hs->head;
	hs->scan.active = true;
}

/* RFC 9110 5.6.2 tchar: what a field name is made of. */
static bool is_tchar(unsigned char c)
{
	return isalnum(c) || (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* The request line ends in SP "HTTP/" DIGIT "." DIGIT (RFC 9112 2.3: case-sensitive, one digit each). */
static bool version_ok(const struct http_stream *hs)
{
	const char *t = hs->scan.tail;

	return hs->scan.line_len >= sizeof(hs->scan.tail) && !memcmp(t, " HTTP/", 6) &&
	       isdigit((unsigned char)t[6]) && t[7] == '.' && isdigit((unsigned char)t[8]);
}

static void scan_reset(struct http_stream *hs)
{
	memset(&hs->scan, 0, sizeof(hs->scan));
	hs->scan.active = true;
}

/*
 * The head rules libhttp-parser (2.9, lenient build) lets through, each a
 * 400 in RFC 9112: a line must end in CRLF (no bare LF, no bare CR: 2.2);
 * a line starting with SP/HTAB after the request line is obs-fold, or
 * whitespace before the first field (5.2, 2.2); the request line is
 * method SP target SP "HTTP/" DIGIT "." DIGIT with single spaces (3, 2.3);
 * a field line is
 * token ":" value with no space before the colon (5.1); no control byte
 * but HTAB on any line (RFC 9110 5.5). Empty lines before the request line
 * are skipped (2.2).
 * Returns the bytes that belong to this head (all of @len while it goes on),
 * or -1 on a violation.
 */
static ssize_t scan_head(struct http_stream *hs, const char *data, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = data[i];

		if (hs->scan.cr) {
			if (c != '\n')
				return -1;
			hs->scan.cr = false;
			if (!hs->scan.line_len) {
				if (!hs->scan.lines)
					continue; /* empty line before the request line */
				scan_reset(hs);
				hs->scan.active = false;
				return i + 1;
			}
			if (hs->scan.lines == 0 &&
			    (hs->scan.spaces != 2 || hs->scan.prev_sp || !version_ok(hs)))
				return -1;
			if (hs->scan.lines > 0 && hs->scan.in_name)
				return -1; /* a field line without ':' */
			hs->scan.lines++;
			hs->scan.line_len = 0;
			hs->scan.in_name = true;
			continue;
		}
		if (c == '\r') {
			hs->scan.cr = true;
			continue;
		}
		if (c == '\n' || (c < 0x20 && c != '\t') || c == 0x7f)
			return -1;
		if (hs->scan.lines == 0) {
			/* The request line. */
			if (c == '\t' || (c == ' ' && (hs->scan.prev_sp || !hs->scan.line_len)))
				return -1;
			hs->scan.spaces += c == ' ';
			hs->scan.prev_sp = c == ' ';
			memmove(hs->scan.tail, hs->scan.tail + 1, sizeof(hs->scan.tail) - 1);
			hs->scan.tail[sizeof(hs->scan.tail) - 1] = c;
		} else if (hs->scan.in_name) {
			if (c == ':' && hs->scan.line_len)
				hs->scan.in_name = false;
			else if (!is_tchar(c))
				return -1; /* obs-fold, space before ':', empty or bad name */
		}
		hs->scan.line_len++;
	}
	return len;
}

/* Feeds one run of bytes to the parser; returns the bytes it took, or -1 once stopped. */
static ssize_t parse(struct http_stream *hs, const char *data, size_t len)
{
	size_t n = http_parser_execute(&hs->parser, &settings, data, len);
	enum http_errno e = HTTP_PARSER_ERRNO(&hs->parser);

	if (hs->stopped)
		return -1;
	if (e == HPE_PAUSED) {
		/* on_message_complete paused it: the next head is scanned first. */
		http_parser_pause(&hs->parser, 0);
		return n;
	}
	if (e == HPE_OK)
		return n;
	if (hs->cur) {
		http_item_free(hs->cur);
		hs->cur = NULL;
	}
	reject(hs, e == HPE_HEADER_OVERFLOW ? 431 : 400);
	return -1;
}

void http_stream_feed(struct http_stream *hs, const char *data, size_t len)
{
	ssize_t n, head;

	while (len && !hs->stopped) {
		head = hs->scan.active ? scan_head(hs, data, len) : (ssize_t)len;
		if (head < 0) {
			if (hs->cur) {
				http_item_free(hs->cur);
				hs->cur = NULL;
			}
			reject(hs, 400);
			return;
		}
		n = parse(hs, data, head);
		if (n < 0)
			return;
		if (n == 0) {
			reject(hs, 400); /* cannot happen: the parser took nothing and said nothing */
			return;
		}
		data += n;
		len -= n;
	}
}

struct http_item *http_stream_take(struct http_stream *hs)
{
	struct http_item *it = hs->head;

	hs->head = NULL;
	hs->tail = &hs->head;
	return it;
}

void http_item_free(struct http_item *it)
{
	if (!it)
		return;
	free(it->body);
	free(it->resp.body);
	free(it);
}

void http_stream_release(struct http_stream *hs)
{
	struct http_item *it = http_stream_take(hs), *next;

	for (; it; it = next) {
		next = it->next;
		http_item_free(it);
	}
	http_item_free(hs->cur);
	hs->cur = NULL;
}

const char *http_reason(int status)
{
	switch (status) {
	case 100:
		return "Continue";
	case 200:
		return "OK";
	case 204:
		return "No Content";
	case 400:
		return "Bad Request";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 411:
		return "Length Required";
	case 413:
		return "Content Too Large";
	case 415:
		return "Unsupported Media Type";
	case 417:
		return "Expectation Failed";
	case 431:
		return "Request Header Fields Too Large";
	case 500:
		return "Internal Server Error";
	case 503:
		return "Service Unavailable";
	default:
		return "Unknown";
	}
}

int http_format_response(struct buf *out, int status, const char *body, size_t body_len,
			 bool keep_alive)
{
	return http_format_response_ct(out, status, NULL, body, body_len, keep_alive);
}

int http_format_response_ct(struct buf *out, int status, const char *ctype, const char *body,
			    size_t body_len, bool keep_alive)
{
	char ct_line[96];

	char head[512];
	int n;

	if (status < 100 || status > 599)
		status = 500;
	if (status < 200) {
		n = snprintf(head, sizeof(head), "HTTP/1.1 %d %s\r\n\r\n", status,
			     http_reason(status));
		return buf_append(out, head, n);
	}
	if (status == 204)
		body_len = 0;
	snprintf(ct_line, sizeof(ct_line), "Content-Type: %s\r\n",
		 ctype ? ctype : "application/json;charset=UTF-8");
	n = snprintf(head, sizeof(head),
		     "HTTP/1.1 %d %s\r\n"
		     "X-Admin-Protocol: gsma/rsp/v2.2.0\r\n"
		     "%s%s"
		     "Connection: %s\r\n",
		     status, http_reason(status), body_len ? ct_line : "",
		     status == 405 ? "Allow: POST\r\n" : "", keep_alive ? "keep-alive" : "close");
	if (status != 204)
		n += snprintf(head + n, sizeof(head) - n, "Content-Length: %zu\r\n", body_len);
	n += snprintf(head + n, sizeof(head) - n, "\r\n");
	if (buf_reserve(out, n + body_len))
		return -ENOMEM;
	buf_append(out, head, n);
	if (body_len)
		buf_append(out, body, body_len);
	return 0;
}
