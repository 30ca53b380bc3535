// SPDX-License-Identifier: Apache-2.0
/*
 * JSON side of ES9+ (SGP.22 §6.5): requests carry DER fields as base64 and
 * the transactionId as hex; unknown members (an optional request "header"
 * included) are ignored. Responses start with
 * "header": {"functionExecutionStatus": {"status": ...}}.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "request.h"

enum es9_status es9_fail(struct es9_call *c, enum es9_status st, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->msg, sizeof(c->msg), fmt, ap);
	va_end(ap);
	return st;
}

enum es9_status es9_req_parse(struct es9_call *c, const char *body, size_t len)
{
	json_error_t err;

	c->req = json_loadb(body, len, JSON_REJECT_DUPLICATES, &err);
	if (!c->req)
		return es9_fail(c, ES9_E_REQ_INVALID, "JSON: %s", err.text);
	if (!json_is_object(c->req))
		return es9_fail(c, ES9_E_REQ_INVALID, "request is not a JSON object");
	c->out = json_object();
	if (!c->out)
		return es9_fail(c, ES9_E_INTERNAL, "out of memory");
	return ES9_OK;
}

enum es9_status es9_req_string(struct es9_call *c, const char *name, const char **s, size_t *len)
{
	json_t *v = json_object_get(c->req, name);

	if (!v || json_is_null(v))
		return es9_fail(c, ES9_E_FIELD_MISSING, "%s is missing", name);
	if (!json_is_string(v))
		return es9_fail(c, ES9_E_FIELD_INVALID, "%s is not a string", name);
	*s = json_string_value(v);
	*len = json_string_length(v);
	/* An embedded NUL would make the C string and the JSON value differ. */
	if (strlen(*s) != *len)
		return es9_fail(c, ES9_E_FIELD_INVALID, "%s contains NUL", name);
	return ES9_OK;
}

enum es9_status es9_req_hex(struct es9_call *c, const char *name, uint8_t *out, size_t min,
			    size_t cap, size_t *len)
{
	enum es9_status st;
	const char *s;
	size_t slen;
	ssize_t n;

	st = es9_req_string(c, name, &s, &slen);
	if (st)
		return st;
	n = es9_hex_decode(s, slen, out, cap);
	if (n < (ssize_t)min)
		return es9_fail(c, ES9_E_FIELD_INVALID, "%s is not %zu..%zu bytes of hex", name,
				min, cap);
	*len = (size_t)n;
	return ES9_OK;
}

enum es9_status es9_req_b64(struct es9_call *c, const char *name, uint8_t **buf, size_t *len)
{
	enum es9_status st;
	const char *s;
	size_t slen;
	ssize_t n;

	st = es9_req_string(c, name, &s, &slen);
	if (st)
		return st;
	n = es9_b64_decode(s, slen, buf);
	if (n == -ENOMEM)
		return es9_fail(c, ES9_E_INTERNAL, "out of memory");
	if (n <= 0) {
		free(*buf);
		*buf = NULL;
		return es9_fail(c, ES9_E_FIELD_INVALID, "%s is not valid base64", name);
	}
	*len = (size_t)n;
	return ES9_OK;
}

enum es9_status es9_req_tid_and_b64(struct es9_call *c, uint8_t *tid, size_t tid_cap,
				    size_t *tid_len, const char *name, uint8_t **buf, size_t *len)
{
	enum es9_status st = es9_req_hex(c, "transactionId", tid, 1, tid_cap, tid_len);

	return st ? st : es9_req_b64(c, name, buf, len);
}

enum es9_status es9_out_b64(struct es9_call *c, const char *name, const uint8_t *buf, size_t len)
{
	struct es9_b64_field *f;
	ssize_t n;
	char *s;

	if (c->n_b64 == ES9_B64_FIELDS_MAX)
		return es9_fail(c, ES9_E_INTERNAL, "too many base64 fields");
	n = es9_b64_encode(buf, len, &s);
	if (n < 0)
		return es9_fail(c, ES9_E_INTERNAL, "out of memory");
	f = &c->b64[c->n_b64++];
	f->name = name;
	f->text = s;
	f->len = (size_t)n;
	return ES9_OK;
}

enum es9_status es9_out_hex(struct es9_call *c, const char *name, const uint8_t *buf, size_t len)
{
	char s[2 * 64 + 1];

	if (len > 64)
		return es9_fail(c, ES9_E_INTERNAL, "hex field too long");
	es9_hex_encode(buf, len, s);
	if (json_object_set_new(c->out, name, json_string(s)))
		return es9_fail(c, ES9_E_INTERNAL, "out of memory");
	return ES9_OK;
}

static json_t *status_header(enum es9_status st, const char *msg)
{
	const struct es9_status_info *info = es9_status_info(st);
	json_t *fes;

	if (st == ES9_OK)
		fes = json_pack("{s:s}", "status", "Executed-Success");
	else
		fes = json_pack("{s:s, s:{s:s, s:s, s:s}}", "status", "Failed", "statusCodeData",
				"subjectCode", info->subject, "reasonCode", info->reason, "message",
				msg && *msg ? msg : info->message);
	if (!fes)
		return NULL;
	return json_pack("{s:o}", "functionExecutionStatus", fes);
}

/* Splice ,"name":"base64" for each base64 field before the closing brace of @body. */
static int append_b64_fields(const struct es9_call *c, char **body, size_t *body_len)
{
	size_t need = *body_len + 1, at = *body_len - 1;
	unsigned i;
	char *grown;

	if (!c->n_b64)
		return 0;
	for (i = 0; i < c->n_b64; i++)
		need += strlen(c->b64[i].name) + c->b64[i].len + 6;
	grown = realloc(*body, need);
	if (!grown) {
		free(*body);
		*body = NULL;
		return -ENOMEM;
	}
	for (i = 0; i < c->n_b64; i++) {
		size_t nl = strlen(c->b64[i].name);

		grown[at++] = ',';
		grown[at++] = '"';
		memcpy(grown + at, c->b64[i].name, nl);
		at += nl;
		memcpy(grown + at, "\":\"", 3);
		at += 3;
		memcpy(grown + at, c->b64[i].text, c->b64[i].len);
		at += c->b64[i].len;
		grown[at++] = '"';
	}
	grown[at++] = '}';
	grown[at] = '\0';
	*body = grown;
	*body_len = at;
	return 0;
}

int es9_call_render(struct es9_call *c, enum es9_status st, int *http_status, char **body,
		    size_t *body_len)
{
	json_t *root, *hdr;

	*body = NULL;
	*body_len = 0;
	if (st == ES9_OK && c->no_content) {
		*http_status = 204;
		return 0;
	}
	/* The header first; a failure answers only the header (no half-built fields). */
	root = json_object();
	hdr = status_header(st, c->msg);
	if (!root || !hdr || json_object_set_new(root, "header", hdr)) {
		if (!root)
			json_decref(hdr);
		json_decref(root);
		return -ENOMEM;
	}
	if (st == ES9_OK && c->out && json_object_update(root, c->out)) {
		json_decref(root);
		return -ENOMEM;
	}
	*body = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(root);
	if (!*body)
		return -ENOMEM;
	*body_len = strlen(*body);
	if (st == ES9_OK && append_b64_fields(c, body, body_len))
		return -ENOMEM;
	*http_status = 200;
	return 0;
}

void es9_call_free(struct es9_call *c)
{
	unsigned i;

	for (i = 0; i < c->n_b64; i++)
		free(c->b64[i].text);
	c->n_b64 = 0;
	json_decref(c->req);
	json_decref(c->out);
	c->req = c->out = NULL;
}
