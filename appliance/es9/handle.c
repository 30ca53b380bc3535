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

#include "es9_internal.h"

#define ES9_PATH_PREFIX "/gsma/rsp2/es9plus/"

static const struct {
	const char *name;
	enum es9_status (*fn)(struct es9_worker *w, struct es9_call *c);
} functions[] = {
    {"initiateAuthentication", es9_initiate_authentication},
    {"authenticateClient", es9_authenticate_client},
    {"getBoundProfilePackage", es9_get_bound_profile_package},
    {"handleNotification", es9_handle_notification},
    {"cancelSession", es9_cancel_session},
};

void es9_handle(struct es9_worker *w, const char *client, const char *path, const char *body,
		size_t body_len, struct es9_response *resp)
{
	struct es9_call c = {.client = client};
	enum es9_status st;
	size_t i, plen = strlen(ES9_PATH_PREFIX);

	memset(resp, 0, sizeof(*resp));
	if (strncmp(path, ES9_PATH_PREFIX, plen)) {
		resp->http_status = 404;
		return;
	}
	for (i = 0; i < sizeof(functions) / sizeof(functions[0]); i++)
		if (!strcmp(path + plen, functions[i].name))
			break;
	if (i == sizeof(functions) / sizeof(functions[0])) {
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
		es9_log("%s: %s %s: %s", functions[i].name, es9_status_info(st)->subject,
			es9_status_info(st)->reason,
			c.msg[0] ? c.msg : es9_status_info(st)->message);
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

	free(resp->body);
	memset(resp, 0, sizeof(*resp));
	snprintf(c.msg, sizeof(c.msg), "%s", why);
	if (es9_call_render(&c, ES9_E_INTERNAL, &resp->http_status, &resp->body, &resp->body_len)) {
		resp->http_status = 500;
		resp->body = NULL;
		resp->body_len = 0;
	}
}
