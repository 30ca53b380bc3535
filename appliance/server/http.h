/* SPDX-License-Identifier: Apache-2.0 */
/*
 * HTTP/1.1 for ES9+: turns a connection's plaintext byte stream into a queue
 * of work items (libhttp-parser does the parsing), and formats responses.
 * Only what ES9+ needs is accepted: POST under /gsma/rsp2/es9plus/ (JSON) or to
 * /gsma/rsp2/asn1 (application/x-gsma-rsp-asn1, SGP.22 §6.6), a Content-Length body no
 * larger than max_body, X-Admin-Protocol v2.
 * Any violation queues one error item and stops the stream (the connection
 * closes after answering it).
 */
#ifndef PORTDP_SERVER_HTTP_H
#define PORTDP_SERVER_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <http_parser.h>

#include "../es9/es9.h"
#include "buf.h"

#define ES9_PATH_PREFIX "/gsma/rsp2/es9plus/"
/* ES9+'s ASN.1 binding (application/x-gsma-rsp-asn1), also appliance/es9/asn1.h */
#define ES9_ASN1_PATH "/gsma/rsp2/asn1"
#define HTTP_PATH_MAX 128

enum http_item_kind {
	HTTP_ITEM_ES9,	    /* a valid request for the ES9+ layer */
	HTTP_ITEM_ERROR,    /* rejected by this layer; status says why */
	HTTP_ITEM_CONTINUE, /* interim "100 Continue" (client sent Expect) */
};

struct http_item {
	struct http_item *next;
	enum http_item_kind kind;
	bool keep_alive;	  /* false: close the connection after this answer */
	char path[HTTP_PATH_MAX]; /* ES9 */
	char *body;		  /* ES9: exactly Content-Length bytes */
	size_t body_len;
	struct es9_response resp; /* filled by the caller (ERROR: status only) */
};

struct http_limits {
	unsigned max_header; /* request line + headers, bytes */
	unsigned max_body;   /* Content-Length ceiling, bytes */
	const char *prefix;  /* path prefix of the functions; NULL: ES9_PATH_PREFIX */
	const char *prefix2; /* a second one (online transfers on the ES2+ listener), or NULL */
};

struct http_stream {
	http_parser parser;
	const struct http_limits *lim;
	/* The request being parsed. */
	size_t head_bytes;
	char url[HTTP_PATH_MAX];
	size_t url_len;
	bool url_too_long;
	char field[32];
	size_t field_len;
	bool field_too_long;
	bool in_value;
	int cur_header; /* which header the current value belongs to (HDR_*) */
	char admin_proto[40];
	size_t admin_proto_len;
	char ctype[64];
	size_t ctype_len;
	char expect[24];
	size_t expect_len;
	bool seen_admin_proto;
	bool seen_ctype;
	unsigned n_host;	/* Host field lines (RFC 9112 3.2: exactly one) */
	unsigned n_clen;	/* Content-Length field lines */
	char host[256];
	size_t host_len;
	/* The strict head scan (RFC 9112 2.2, 5): runs over the bytes before the parser does. */
	struct {
		bool active;	/* in a head (request line + fields); off while a body is read */
		bool cr;	/* last byte was CR */
		bool in_name;	/* on a field line, before its ':' */
		bool prev_sp;	/* request line: last byte was SP */
		unsigned lines; /* non-empty lines of this head so far */
		unsigned spaces;
		size_t line_len;
		char tail[9]; /* request line: its last 9 bytes (" HTTP/1.1") */
	} scan;
	struct http_item *cur;
	/* Output: parsed items, oldest first. */
	struct http_item *head, **tail;
	bool in_message; /* a request has begun and is not complete */
	unsigned begun;	 /* count of requests begun: lets the caller arm deadlines */
	bool stopped;	 /* error or "Connection: close" seen: parse nothing more */
};

void http_stream_init(struct http_stream *hs, const struct http_limits *lim);
/* Parses @len bytes; appends items. Never fails: errors become an ERROR item. */
void http_stream_feed(struct http_stream *hs, const char *data, size_t len);
/* Detaches and returns the queued items (oldest first). */
struct http_item *http_stream_take(struct http_stream *hs);
void http_stream_release(struct http_stream *hs);
void http_item_free(struct http_item *it);

/*
 * Appends one complete response (status line, headers, body) to @out.
 * 204 and 1xx carry no body and no Content-Length. 0 or -ENOMEM.
 */
int http_format_response(struct buf *out, int status, const char *body, size_t body_len,
			 bool keep_alive);
/* The same with the body's content type (NULL: JSON). */
int http_format_response_ct(struct buf *out, int status, const char *ctype, const char *body,
			    size_t body_len, bool keep_alive);
const char *http_reason(int status);

#endif
