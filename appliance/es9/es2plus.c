// SPDX-License-Identifier: Apache-2.0
/*
 * es2_handle(): who is calling (certificate subject -> operator, functionRequesterIdentifier),
 * idempotency by functionCallIdentifier, the call in one savepoint with the record of its
 * answer, and the JSON answer. A failure changes nothing but may be recorded (a retry gets it
 * again); requests that name no call (bad JSON, unknown operator) are not recorded.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>

#include "es2_call.h"
#include "es2plus.h"

#define CALL_ID_MAX 128

static const struct {
	const char *name;
	enum es2_status (*fn)(struct es2_call *c);
} functions[] = {
    {"downloadOrder", es2_download_order},
    {"confirmOrder", es2_confirm_order},
    {"cancelOrder", es2_cancel_order},
    {"releaseProfile", es2_release_profile},
};

enum es2_status es2_fail(struct es2_call *c, enum es2_status st, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->msg, sizeof(c->msg), fmt, ap);
	va_end(ap);
	return st;
}

enum es2_status es2_opt_string(struct es2_call *c, const char *name, const char **s)
{
	const struct rsp_json_member *m = rsp_json_get(&c->req, name);

	*s = NULL;
	if (!m)
		return ES2_OK;
	if (m->type != RSP_JSON_STRING)
		return es2_fail(c, ES2_E_FIELD_INVALID, "%s must be a string", name);
	*s = m->str;
	return ES2_OK;
}

void es2_out(struct es2_call *c, const char *name, const char *value)
{
	if (c->n_out < ES2_OUT_MAX) {
		c->out[c->n_out].name = name;
		snprintf(c->out[c->n_out].value, sizeof(c->out[0].value), "%s", value);
		c->n_out++;
	}
}

/* Appends @s as a JSON string (quotes included); non-ASCII bytes become '?'. */
static void put_string(char **p, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	char *o = *p;

	*o++ = '"';
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\') {
			*o++ = '\\';
			*o++ = (char)ch;
		} else if (ch < 0x20) {
			memcpy(o, "\\u00", 4);
			o += 4;
			*o++ = hex[ch >> 4];
			*o++ = hex[ch & 15];
		} else {
			*o++ = ch < 0x80 ? (char)ch : '?';
		}
	}
	*o++ = '"';
	*p = o;
}

static void put_lit(char **p, const char *s)
{
	size_t n = strlen(s);

	memcpy(*p, s, n);
	*p += n;
}

/* The answer of @st, malloc'd; NULL when out of memory. */
static char *render(struct es2_call *c, enum es2_status st, const char *call_id)
{
	const struct es2_status_info *info = es2_status_info(st);
	const char *msg = c->msg[0] ? c->msg : info->message;
	size_t need = 256 + 6 * (strlen(msg) + (call_id ? strlen(call_id) : 0));
	char *body, *p;
	unsigned i;

	for (i = 0; i < c->n_out; i++)
		need += strlen(c->out[i].name) + 6 * strlen(c->out[i].value) + 8;
	body = p = malloc(need);
	if (!body)
		return NULL;
	put_lit(&p, "{\"header\":{\"functionExecutionStatus\":{\"status\":");
	if (st == ES2_OK) {
		put_lit(&p, "\"Executed-Success\"}");
	} else {
		put_lit(&p, "\"Failed\",\"statusCodeData\":{\"subjectCode\":\"");
		put_lit(&p, info->subject);
		put_lit(&p, "\",\"reasonCode\":\"");
		put_lit(&p, info->reason);
		put_lit(&p, "\",\"message\":");
		put_string(&p, msg);
		put_lit(&p, "}}");
	}
	if (call_id) {
		put_lit(&p, ",\"functionCallIdentifier\":");
		put_string(&p, call_id);
	}
	put_lit(&p, "}");
	for (i = 0; st == ES2_OK && i < c->n_out; i++) {
		put_lit(&p, ",\"");
		put_lit(&p, c->out[i].name);
		put_lit(&p, "\":");
		put_string(&p, c->out[i].value);
	}
	put_lit(&p, "}");
	*p = '\0';
	return body;
}

/* The header: the caller must be the operator its certificate names. */
static enum es2_status check_header(struct es2_call *c, const char **call_id)
{
	const struct rsp_json_member *h = rsp_json_get(&c->req, "header"), *req, *id;

	*call_id = NULL;
	if (!h)
		return es2_fail(c, ES2_E_FIELD_MISSING, "header is missing");
	if (h->type != RSP_JSON_OBJECT)
		return es2_fail(c, ES2_E_FIELD_INVALID, "header must be an object");
	id = rsp_json_get_in(&c->req, h, "functionCallIdentifier");
	req = rsp_json_get_in(&c->req, h, "functionRequesterIdentifier");
	if (!id || !req)
		return es2_fail(c, ES2_E_FIELD_MISSING, "header.%s is missing",
				id ? "functionRequesterIdentifier" : "functionCallIdentifier");
	if (id->type != RSP_JSON_STRING || !id->len || id->len > CALL_ID_MAX)
		return es2_fail(c, ES2_E_FIELD_INVALID,
				"header.functionCallIdentifier must be 1..%d characters",
				CALL_ID_MAX);
	*call_id = id->str;
	if (req->type != RSP_JSON_STRING || strcmp(req->str, c->op.name))
		return es2_fail(
		    c, ES2_E_REQUESTER,
		    "functionRequesterIdentifier is not %s, this certificate's operator",
		    c->op.name);
	return ES2_OK;
}

/*
 * SHA-256 of the request, by which a retried call is told from another one under the same
 * functionCallIdentifier. The digest is fetched once: SHA256() looks it up in the provider
 * on every call, which cost more than hashing a request.
 */
static EVP_MD *sha256_md;
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;

static void sha256_fetch(void)
{
	sha256_md = EVP_MD_fetch(NULL, "SHA2-256", NULL);
}

static int request_hash(const char *body, size_t len, uint8_t hash[32])
{
	pthread_once(&sha256_once, sha256_fetch);
	return sha256_md && EVP_Digest(body, len, hash, NULL, sha256_md, NULL) ? 0 : -EIO;
}

/* Audit rows of the call name the operator and where it called from (as ES9+ rows do). */
static void set_actor(struct es2_call *c, const char *client)
{
	char actor[INV_ACTOR_MAX];
	int n;

	n = snprintf(actor, sizeof(actor), "es2 operator=%s", c->op.name);
	if (client && *client && n > 0 && (size_t)n < sizeof(actor))
		snprintf(actor + n, sizeof(actor) - n, " client=%s", client);
	inv_set_actor(c->inv, actor);
}

void es2_handle(struct es9_worker *w, const char *client, const char *client_subject,
		const char *path, const char *body, size_t body_len, struct es9_response *resp)
{
	struct es2_call *c;
	struct es9_call tx = {0};
	enum es2_status st = ES2_OK;
	const char *call_id = NULL;
	uint8_t hash[32], old_hash[32];
	char *answer = NULL, *old = NULL;
	size_t i, plen = strlen(ES2_PATH_PREFIX);
	int err;

	memset(resp, 0, sizeof(*resp));
	resp->http_status = 404;
	if (strncmp(path, ES2_PATH_PREFIX, plen))
		return;
	for (i = 0; i < sizeof(functions) / sizeof(functions[0]); i++)
		if (!strcmp(path + plen, functions[i].name))
			break;
	if (i == sizeof(functions) / sizeof(functions[0]))
		return;
	resp->http_status = 413;
	if (w->svc->cfg.max_body && body_len > w->svc->cfg.max_body)
		return;
	resp->http_status = 500;
	c = calloc(1, sizeof(*c));
	if (!c)
		return;
	c->w = w;
	c->inv = w->inv;
	if (es9_worker_txn(w, &tx)) {
		st = ES2_E_INTERNAL;
		goto answer;
	}
	err = inv_operator_by_subject(c->inv, client_subject, &c->op);
	if (err) {
		st = es2_fail(c, err == -ENOENT ? ES2_E_OPERATOR_UNKNOWN : ES2_E_INTERNAL,
			      "no operator has the certificate subject %s", client_subject);
		goto answer;
	}
	if (rsp_json_parse(&c->req, body, body_len)) {
		st = es2_fail(c, ES2_E_REQ_INVALID, "request is not a JSON object: %s", c->req.err);
		goto answer;
	}
	st = check_header(c, &call_id);
	if (st)
		goto answer;
	if (request_hash(body, body_len, hash)) {
		st = ES2_E_INTERNAL;
		goto answer;
	}
	err = inv_es2_call_get(c->inv, c->op.name, call_id, old_hash, &old);
	if (!err) {
		if (!memcmp(hash, old_hash, 32)) {
			answer = old; /* the same call again: the same answer, nothing done twice */
			old = NULL;
		} else {
			st = es2_fail(c, ES2_E_CALL_ID_REUSED,
				      "functionCallIdentifier %s already answered another request",
				      call_id);
		}
		goto answer;
	}
	if (err != -ENOENT) {
		st = ES2_E_INTERNAL;
		goto answer;
	}
	set_actor(c, client);
	/*
	 * The function and the record of its answer in one savepoint: no record, nothing at
	 * all (a retry must not find the change without its answer). A failure is undone
	 * first and then recorded alone, by one INSERT that happens whole or not at all.
	 */
	err = inv_atomic_begin(c->inv);
	if (!err) {
		st = functions[i].fn(c);
		if (st) {
			err = inv_atomic_end(c->inv, -ECANCELED);
			err = err == -ECANCELED ? 0 : err;
		}
		answer = err ? NULL : render(c, st, call_id);
		if (!err)
			err = answer ? inv_es2_call_put(c->inv, c->op.name, call_id,
							functions[i].name, hash, answer)
				     : -ENOMEM;
		if (!st)
			err = inv_atomic_end(c->inv, err);
	}
	inv_set_actor(c->inv, "es9");
	if (err) {
		es9_log("es2 %s: cannot record the answer: %s", functions[i].name,
			inv_errmsg(c->inv));
		free(answer);
		answer = NULL;
		st = es2_fail(c, ES2_E_INTERNAL, "inventory unavailable");
	}
answer:
	if (st)
		es9_log("es2 %s (%s): %s %s: %s", functions[i].name,
			c->op.name[0] ? c->op.name : "?", es2_status_info(st)->subject,
			es2_status_info(st)->reason,
			c->msg[0] ? c->msg : es2_status_info(st)->message);
	if (!answer)
		answer = render(c, st, call_id);
	if (answer) {
		resp->http_status = 200;
		resp->body = answer;
		resp->body_len = strlen(answer);
	}
	free(old);
	rsp_json_free(&c->req);
	free(c);
}
