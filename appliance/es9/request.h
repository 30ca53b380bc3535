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

#include "../rsp/json_obj.h"
#include "status_codes.h"

#define ES9_OUT_FIELDS_MAX 8

/* A response field: hex or base64 text, which JSON needs no escaping for. */
struct es9_out_field {
	const char *name; /* a literal; plain ASCII, nothing to escape */
	char *text;	  /* malloc'd */
	size_t len;
};

#define ES9_CALL_TID_MAX 16
#define ES9_IN_FIELDS_MAX 4

/*
 * How the request came and how the answer goes (SGP.22 §6.5 JSON, §6.6 ASN.1). The
 * functions read and write named fields the same way in both: only the getters and
 * es9_out_*() below look at the binding.
 */
enum es9_binding {
	ES9_BINDING_JSON = 0,
	ES9_BINDING_ASN1, /* fields are the DER the request carried, answers are DER too */
};

/* A request field of the ASN.1 binding: the bytes of the element (asn1.c names them). */
struct es9_in_field {
	const char *name;
	const uint8_t *p; /* into the request body */
	size_t len;
};

struct es9_call {
	struct rsp_json req;			      /* request object; zeroed: none parsed */
	enum es9_binding binding;
	struct es9_in_field in[ES9_IN_FIELDS_MAX];    /* ASN.1: the decoded request */
	unsigned n_in;
	char *in_b64;				      /* es9_req_b64_text() of the ASN.1 binding */
	struct es9_out_field out[ES9_OUT_FIELDS_MAX]; /* response fields after the header */
	unsigned n_out;
	char msg[192];	/* failure message, "" for the table's default */
	int no_content; /* success answers HTTP 204 without a body */
	/* For the audit rows of the changes this request makes (es9_audit_as()). */
	const char *client;	       /* the LPA's "IP:port", NULL: none (a timer) */
	uint8_t tid[ES9_CALL_TID_MAX]; /* the transactionId the request names, once read */
	size_t tid_len;
};

/** Record the transactionId a request acts under (audit rows); longer ones are not kept. */
void es9_call_set_tid(struct es9_call *c, const uint8_t *tid, size_t len);

/** Record the failure message of @st and return @st (for `return es9_fail(...)`). */
enum es9_status es9_fail(struct es9_call *c, enum es9_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/** Parse @body into c->req: one strict JSON object (rsp/json_obj.h). */
enum es9_status es9_req_parse(struct es9_call *c, const char *body, size_t len);

/** A mandatory string field; *@s points into c->req. */
enum es9_status es9_req_string(struct es9_call *c, const char *name, const char **s, size_t *len);
/** A mandatory hex field of @min..@cap bytes (transactionId). */
enum es9_status es9_req_hex(struct es9_call *c, const char *name, uint8_t *out, size_t min,
			    size_t cap, size_t *len);
/** A mandatory base64 field, decoded into a malloc'd *@buf. */
enum es9_status es9_req_b64(struct es9_call *c, const char *name, uint8_t **buf, size_t *len);
/**
 * The base64 text of a field es9_req_b64() read before (as an operator's progress report
 * quotes it): JSON's own text, or the ASN.1 element encoded. NULL when out of memory.
 */
const char *es9_req_b64_text(struct es9_call *c, const char *name);
/**
 * The two fields every step after InitiateAuthentication starts with: transactionId
 * (1..@tid_cap bytes of hex), then the eUICC's base64 answer @name into a malloc'd *@buf.
 */
enum es9_status es9_req_tid_and_b64(struct es9_call *c, uint8_t *tid, size_t tid_cap,
				    size_t *tid_len, const char *name, uint8_t **buf, size_t *len);

/**
 * Add response fields, in the order of the calls. Return ES9_OK or ES9_E_INTERNAL
 * (out of memory). @name must be a string literal that needs no JSON escaping.
 */
enum es9_status es9_out_b64(struct es9_call *c, const char *name, const uint8_t *buf, size_t len);
enum es9_status es9_out_hex(struct es9_call *c, const char *name, const uint8_t *buf, size_t len);

/**
 * Serialize the answer of @st: HTTP 200 with header.functionExecutionStatus
 * (and statusCodeData on failure, the message escaped), then on success the
 * fields, copied in as they are (hex and base64 have no character JSON
 * escapes; a JSON library's per-character escaping of an 18 KB BPP cost 7% of
 * the server). 204 when c->no_content and @st is OK.
 * Returns 0 or -ENOMEM.
 */
int es9_call_render(struct es9_call *c, enum es9_status st, int *http_status, char **body,
		    size_t *body_len);

void es9_call_free(struct es9_call *c);

#endif
