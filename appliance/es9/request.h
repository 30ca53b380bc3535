/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One ES9+ call: the parsed JSON request, the response under construction
 * and the failure message. Field getters validate once, at the border, and
 * return the enum es9_status of the failure with the field named in the
 * message (ES9_E_FIELD_MISSING / ES9_E_FIELD_INVALID).
 */
#ifndef PORTDP_ES9_REQUEST_H
#define PORTDP_ES9_REQUEST_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "status_codes.h"

#define ES9_B64_FIELDS_MAX 6

/* A base64 response field, kept out of jansson (see es9_call_render()). */
struct es9_b64_field {
	const char *name; /* a literal; plain ASCII, nothing to escape */
	char *text;
	size_t len;
};

struct es9_call {
	json_t *req;	/* request object */
	json_t *out;	/* response fields (without header), except the base64 ones */
	struct es9_b64_field b64[ES9_B64_FIELDS_MAX];
	unsigned n_b64;
	char msg[192];	/* failure message, "" for the table's default */
	int no_content; /* success answers HTTP 204 without a body */
};

/** Record the failure message of @st and return @st (for `return es9_fail(...)`). */
enum es9_status es9_fail(struct es9_call *c, enum es9_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/** Parse @body into c->req (must be a JSON object). */
enum es9_status es9_req_parse(struct es9_call *c, const char *body, size_t len);

/** A mandatory string field; *@s points into c->req. */
enum es9_status es9_req_string(struct es9_call *c, const char *name, const char **s, size_t *len);
/** A mandatory hex field of @min..@cap bytes (transactionId). */
enum es9_status es9_req_hex(struct es9_call *c, const char *name, uint8_t *out, size_t min,
			    size_t cap, size_t *len);
/** A mandatory base64 field, decoded into a malloc'd *@buf. */
enum es9_status es9_req_b64(struct es9_call *c, const char *name, uint8_t **buf, size_t *len);
/**
 * The two fields every step after InitiateAuthentication starts with: transactionId
 * (1..@tid_cap bytes of hex), then the eUICC's base64 answer @name into a malloc'd *@buf.
 */
enum es9_status es9_req_tid_and_b64(struct es9_call *c, uint8_t *tid, size_t tid_cap,
				    size_t *tid_len, const char *name, uint8_t **buf, size_t *len);

/**
 * Add response fields. Return ES9_OK or ES9_E_INTERNAL (out of memory).
 * @name must be a string literal that needs no JSON escaping.
 */
enum es9_status es9_out_b64(struct es9_call *c, const char *name, const uint8_t *buf, size_t len);
enum es9_status es9_out_hex(struct es9_call *c, const char *name, const uint8_t *buf, size_t len);

/**
 * Serialize the answer of @st: HTTP 200 with header.functionExecutionStatus
 * (and statusCodeData on failure), or 204 when c->no_content and @st is OK.
 * Base64 fields follow the JSON ones, copied in as they are: base64 has no
 * character JSON escapes, and jansson's per-character escaping of an 18 KB
 * BPP cost 7% of the server.
 * Returns 0 or -ENOMEM.
 */
int es9_call_render(struct es9_call *c, enum es9_status st, int *http_status, char **body,
		    size_t *body_len);

void es9_call_free(struct es9_call *c);

#endif
