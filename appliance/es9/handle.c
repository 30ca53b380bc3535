// SPDX-License-Identifier: Apache-2.0
/*
 * es9_handle(): route one POST to its ES9+ function and render the answer.
 * Every SGP.22 outcome, failures included, is HTTP 200 with a JSON header
 * (SGP.22 §6.5.1.4); only requests that reach no function get plain HTTP
 * errors (404 unknown path, 413 body larger than max_body, 500 when even the
 * answer cannot be built). An answer whose changes did not reach the disk is
 * replaced by an execution error (es9_answer_unstored()).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asn1.h"
#include "es9_internal.h"

#define ES9_PATH_PREFIX "/gsma/rsp2/es9plus/"

/* Indexed by enum es9_fn: both bindings call these. */
static const struct {
	const char *name;
	enum es9_status (*fn)(struct es9_worker *w, struct es9_call *c);
} functions[ES9_FN_COUNT] = {
    [ES9_FN_INITIATE_AUTHENTICATION] = {"initiateAuthentication", es9_initiate_authentication},
    [ES9_FN_AUTHENTICATE_CLIENT] = {"authenticateClient", es9_authenticate_client},
    [ES9_FN_GET_BOUND_PROFILE_PACKAGE] = {"getBoundProfilePackage",
					  es9_get_bound_profile_package},
    [ES9_FN_HANDLE_NOTIFICATION] = {"handleNotification", es9_handle_notification},
    [ES9_FN_CANCEL_SESSION] = {"cancelSession", es9_cancel_session},
};

static void log_failure(const char *fn, const struct es9_call *c, enum es9_status st)
{
	es9_log("%s: %s %s: %s", fn, es9_status_info(st)->subject, es9_status_info(st)->reason,
		c->msg[0] ? c->msg : es9_status_info(st)->message);
}

void es9_handle_der(struct es9_worker *w, const char *client, const uint8_t *der,
		    size_t der_len, struct es9_response *resp)
{
	struct es9_call c = {.client = client};
	enum es9_status st;
	enum es9_fn fn;

	memset(resp, 0, sizeof(*resp));
	if (w->svc->cfg.max_body && der_len > w->svc->cfg.max_body) {
		resp->http_status = 413;
		return;
	}
	if (es9_asn1_decode(&c, der, der_len, &fn))
		st = es9_fail(&c, ES9_E_FIELD_INVALID, "not a RemoteProfileProvisioningRequest");
	else
		st = functions[fn].fn(w, &c);
	if (st)
		log_failure(fn == ES9_FN_NONE ? "asn1" : functions[fn].name, &c, st);
	if (es9_asn1_render(&c, fn, st, &resp->http_status, &resp->body, &resp->body_len)) {
		resp->http_status = 500;
		resp->body = NULL;
		resp->body_len = 0;
	}
	if (resp->body_len)
		resp->content_type = ES9_ASN1_CONTENT_TYPE;
	resp->asn1_fn = (int)fn + 1;
	es9_call_free(&c);
}

void es9_handle(struct es9_worker *w, const char *client, const char *path, const char *body,
		size_t body_len, struct es9_response *resp)
{
	struct es9_call c = {.client = client};
	enum es9_status st;
	size_t i, plen = strlen(ES9_PATH_PREFIX);

	if (!strcmp(path, ES9_ASN1_PATH)) {
		es9_handle_der(w, client, (const uint8_t *)body, body_len, resp);
		return;
	}
	memset(resp, 0, sizeof(*resp));
	if (strncmp(path, ES9_PATH_PREFIX, plen)) {
		resp->http_status = 404;
		return;
	}
	for (i = 0; i < ES9_FN_COUNT; i++)
		if (!strcmp(path + plen, functions[i].name))
			break;
	if (i == ES9_FN_COUNT) {
		resp->http_status = 404;
		return;
	}
	if (w->svc->cfg.max_body && body_len > w->svc->cfg.max_body) {
		resp->http_status = 413;
		return;
	}

	st = es9_req_parse(&c, body, body_len);
	if (!st)
		st = functions[i].fn(w, &c);
	if (st)
		log_failure(functions[i].name, &c, st);
	if (es9_call_render(&c, st, &resp->http_status, &resp->body, &resp->body_len)) {
		resp->http_status = 500;
		resp->body = NULL;
		resp->body_len = 0;
	}
	es9_call_free(&c);
}

void es9_answer_unstored(struct es9_response *resp, const char *why)
{
	struct es9_call c = {0};
	int asn1_fn = resp->asn1_fn;

	free(resp->body);
	memset(resp, 0, sizeof(*resp));
	snprintf(c.msg, sizeof(c.msg), "%s", why);
	if (asn1_fn) {
		/* The function's undefinedError; a notification has no error form: 500. */
		c.binding = ES9_BINDING_ASN1;
		resp->asn1_fn = asn1_fn;
		if (asn1_fn - 1 == ES9_FN_HANDLE_NOTIFICATION || asn1_fn - 1 == ES9_FN_NONE ||
		    es9_asn1_render(&c, (enum es9_fn)(asn1_fn - 1), ES9_E_INTERNAL,
				    &resp->http_status, &resp->body, &resp->body_len)) {
			resp->http_status = 500;
			resp->body = NULL;
			resp->body_len = 0;
		}
		if (resp->body_len)
			resp->content_type = ES9_ASN1_CONTENT_TYPE;
		return;
	}
	if (es9_call_render(&c, ES9_E_INTERNAL, &resp->http_status, &resp->body, &resp->body_len)) {
		resp->http_status = 500;
		resp->body = NULL;
		resp->body_len = 0;
	}
}
