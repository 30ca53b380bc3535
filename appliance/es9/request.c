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

#include "../rsp/b64.h"
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
	int ret = rsp_json_parse(&c->req, body, len);

	if (ret == -ENOMEM)
		return es9_fail(c, ES9_E_INTERNAL, "out of memory");
	if (ret)
		return es9_fail(c, ES9_E_REQ_INVALID, "JSON: %s", c->req.err);
	return ES9_OK;
}

static const struct es9_in_field *in_field(const struct es9_call *c, const char *name)
{
	for (unsigned i = 0; i < c->n_in; i++)
		if (!strcmp(c->in[i].name, name))
			return &c->in[i];
	return NULL;
}

enum es9_status es9_req_string(struct es9_call *c, const char *name, const char **s, size_t *len)
{
	const struct rsp_json_member *v;

	if (c->binding == ES9_BINDING_ASN1) {
		const struct es9_in_field *f = in_field(c, name);

		if (!f)
			return es9_fail(c, ES9_E_FIELD_MISSING, "%s is missing", name);
		/* A UTF8String with a NUL would end early in C: refused like JSON's \u0000. */
		if (memchr(f->p, 0, f->len))
			return es9_fail(c, ES9_E_FIELD_INVALID, "%s holds a NUL", name);
		*s = (const char *)f->p;
		*len = f->len;
		return ES9_OK;
	}
	v = rsp_json_get(&c->req, name);

	if (!v || v->type == RSP_JSON_NULL)
		return es9_fail(c, ES9_E_FIELD_MISSING, "%s is missing", name);
	if (v->type != RSP_JSON_STRING)
		return es9_fail(c, ES9_E_FIELD_INVALID, "%s is not a string", name);
	/* No NUL inside: es9_req_parse() refused \u0000. */
	*s = v->str;
	*len = v->len;
	return ES9_OK;
}

enum es9_status es9_req_hex(struct es9_call *c, const char *name, uint8_t *out, size_t min,
			    size_t cap, size_t *len)
{
	enum es9_status st;
	const char *s;
	size_t slen;
	ssize_t n;

	if (c->binding == ES9_BINDING_ASN1) {
		const struct es9_in_field *f = in_field(c, name);

		if (!f)
			return es9_fail(c, ES9_E_FIELD_MISSING, "%s is missing", name);
		if (f->len < min || f->len > cap)
			return es9_fail(c, ES9_E_FIELD_INVALID, "%s is not %zu..%zu bytes", name,
					min, cap);
		memcpy(out, f->p, f->len);
		*len = f->len;
		return ES9_OK;
	}
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

	if (c->binding == ES9_BINDING_ASN1) {
		const struct es9_in_field *f = in_field(c, name);

		if (!f)
			return es9_fail(c, ES9_E_FIELD_MISSING, "%s is missing", name);
		if (!f->len)
			return es9_fail(c, ES9_E_FIELD_INVALID, "%s is empty", name);
		*buf = malloc(f->len);
		if (!*buf)
			return es9_fail(c, ES9_E_INTERNAL, "out of memory");
		memcpy(*buf, f->p, f->len);
		*len = f->len;
		return ES9_OK;
	}
	st = es9_req_string(c, name, &s, &slen);
	if (st)
		return st;
	n = rsp_b64_decode(s, slen, buf);
	if (n == -ENOMEM)
		return es9_fail(c, ES9_E_INTERNAL, "out of memory");
	if (n <= 0) { /* an empty DER field is no DER either */
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

	if (!st)
		es9_call_set_tid(c, tid, *tid_len);
	return st ? st : es9_req_b64(c, name, buf, len);
}

const char *es9_req_b64_text(struct es9_call *c, const char *name)
{
	const struct es9_in_field *f;
	const struct rsp_json_member *v;

	if (c->binding != ES9_BINDING_ASN1) {
		v = rsp_json_get(&c->req, name);
		return v && v->type == RSP_JSON_STRING ? v->str : NULL;
	}
	f = in_field(c, name);
	free(c->in_b64);
	c->in_b64 = NULL;
	if (!f || rsp_b64_encode(f->p, f->len, &c->in_b64) < 0)
		return NULL;
	return c->in_b64;
}

void es9_call_set_tid(struct es9_call *c, const uint8_t *tid, size_t len)
{
	c->tid_len = tid && len <= sizeof(c->tid) ? len : 0;
	if (c->tid_len)
		memcpy(c->tid, tid, len);
}

static enum es9_status add_out(struct es9_call *c, const char *name, char *text, size_t len)
{
	struct es9_out_field *f;

	if (c->n_out == ES9_OUT_FIELDS_MAX) {
		free(text);
		return es9_fail(c, ES9_E_INTERNAL, "too many response fields");
	}
	f = &c->out[c->n_out++];
	f->name = name;
	f->text = text;
	f->len = len;
	return ES9_OK;
}

/* The ASN.1 binding keeps a field's bytes as they are. */
static enum es9_status add_raw(struct es9_call *c, const char *name, const uint8_t *buf,
			       size_t len)
{
	char *s = malloc(len ? len : 1);

	if (!s)
		return es9_fail(c, ES9_E_INTERNAL, "out of memory");
	memcpy(s, buf, len);
	return add_out(c, name, s, len);
}

enum es9_status es9_out_b64(struct es9_call *c, const char *name, const uint8_t *buf, size_t len)
{
	ssize_t n;
	char *s;

	if (c->binding == ES9_BINDING_ASN1)
		return add_raw(c, name, buf, len);
	n = rsp_b64_encode(buf, len, &s);
	if (n < 0)
		return es9_fail(c, ES9_E_INTERNAL, "out of memory");
	return add_out(c, name, s, (size_t)n);
}

enum es9_status es9_out_hex(struct es9_call *c, const char *name, const uint8_t *buf, size_t len)
{
	char *s;

	if (len > 64)
		return es9_fail(c, ES9_E_INTERNAL, "hex field too long");
	if (c->binding == ES9_BINDING_ASN1)
		return add_raw(c, name, buf, len);
	s = malloc(2 * len + 1);
	if (!s)
		return es9_fail(c, ES9_E_INTERNAL, "out of memory");
	es9_hex_encode(buf, len, s);
	return add_out(c, name, s, 2 * len);
}

/* A growing answer; the size is computed first, so appends never overflow. */
struct text {
	char *p;
	size_t len;
};

static void put(struct text *t, const char *s, size_t n)
{
	memcpy(t->p + t->len, s, n);
	t->len += n;
}

static void puts_lit(struct text *t, const char *s)
{
	put(t, s, strlen(s));
}

/*
 * A JSON string body for a message of ours: quote, backslash and control
 * characters escaped; bytes outside ASCII become '?' so the answer is UTF-8
 * whatever a message quoted. At most 6 output bytes per input byte.
 */
static void put_escaped(struct text *t, const char *s)
{
	static const char hex[] = "0123456789abcdef";

	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\') {
			t->p[t->len++] = '\\';
			t->p[t->len++] = (char)ch;
		} else if (ch < 0x20) {
			put(t, "\\u00", 4);
			t->p[t->len++] = hex[ch >> 4];
			t->p[t->len++] = hex[ch & 0xf];
		} else {
			t->p[t->len++] = ch < 0x80 ? (char)ch : '?';
		}
	}
}

int es9_call_render(struct es9_call *c, enum es9_status st, int *http_status, char **body,
		    size_t *body_len)
{
	const struct es9_status_info *info = es9_status_info(st);
	const char *msg = c->msg[0] ? c->msg : info->message;
	struct text t = {0};
	size_t need;
	unsigned i;

	*body = NULL;
	*body_len = 0;
	if (st == ES9_OK && c->no_content) {
		*http_status = 204;
		return 0;
	}
	need = 256;
	if (st == ES9_OK) {
		for (i = 0; i < c->n_out; i++)
			need += strlen(c->out[i].name) + c->out[i].len + 6;
	} else {
		need += strlen(info->subject) + strlen(info->reason) + 6 * strlen(msg);
	}
	t.p = malloc(need);
	if (!t.p)
		return -ENOMEM;
	puts_lit(&t, "{\"header\":{\"functionExecutionStatus\":{\"status\":");
	if (st == ES9_OK) {
		puts_lit(&t, "\"Executed-Success\"}}");
		for (i = 0; i < c->n_out; i++) {
			puts_lit(&t, ",\"");
			puts_lit(&t, c->out[i].name);
			puts_lit(&t, "\":\"");
			put(&t, c->out[i].text, c->out[i].len);
			puts_lit(&t, "\"");
		}
	} else {
		/* A failure answers only the header (no half-built fields). */
		puts_lit(&t, "\"Failed\",\"statusCodeData\":{\"subjectCode\":\"");
		puts_lit(&t, info->subject);
		puts_lit(&t, "\",\"reasonCode\":\"");
		puts_lit(&t, info->reason);
		puts_lit(&t, "\",\"message\":\"");
		put_escaped(&t, msg);
		puts_lit(&t, "\"}}}");
	}
	puts_lit(&t, "}");
	t.p[t.len] = '\0';
	*body = t.p;
	*body_len = t.len;
	*http_status = 200;
	return 0;
}

void es9_call_free(struct es9_call *c)
{
	unsigned i;

	for (i = 0; i < c->n_out; i++)
		free(c->out[i].text);
	c->n_out = 0;
	free(c->in_b64);
	c->in_b64 = NULL;
	rsp_json_free(&c->req);
}
