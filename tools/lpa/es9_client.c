// SPDX-License-Identifier: Apache-2.0
/* ES9+ over HTTPS with libcurl (OpenSSL underneath). */
#include "es9_client.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <curl/curl.h>

#include "es9_asn1.h"

/* Answers bigger than this are not ES9+ (a BPP of a large profile is ~100 KiB). */
#define ES9_MAX_ANSWER (4u << 20)

struct es9_client {
	CURL *curl;
	struct curl_slist *headers;
	struct curl_slist *resolve;
	struct curl_slist *connect_to;
	char base_url[300];
	bool verbose;
	bool asn1;
	int (*der_call)(void *ctx, const uint8_t *req, size_t len, uint8_t **resp,
			size_t *resp_len);
	void *der_ctx;
};

struct answer {
	char *data;
	size_t len;
	bool too_big;
};

static size_t answer_write(char *p, size_t size, size_t n, void *arg)
{
	struct answer *a = arg;
	size_t add = size * n;
	char *bigger;

	if (a->len + add > ES9_MAX_ANSWER) {
		a->too_big = true;
		return 0;
	}
	bigger = realloc(a->data, a->len + add + 1);
	if (!bigger)
		return 0;
	memcpy(bigger + a->len, p, add);
	a->data = bigger;
	a->len += add;
	a->data[a->len] = '\0';
	return add;
}

int es9_client_new(const struct es9_client_opts *opts, struct es9_client **out)
{
	static bool global_done;
	struct es9_client *c;

	if (!opts->smdp_address || !*opts->smdp_address)
		return -EINVAL;
	if (!global_done) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT))
			return -EIO;
		global_done = true;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->verbose = opts->verbose;
	c->asn1 = opts->asn1 || opts->der_call;
	c->der_call = opts->der_call;
	c->der_ctx = opts->der_ctx;
	if (c->der_call) {
		*out = c;
		return 0;
	}
	snprintf(c->base_url, sizeof(c->base_url), "https://%s/gsma/rsp2/es9plus/",
		 opts->smdp_address);
	/*
	 * A notification address is the SM-DP+'s FQDN alone (all a card knows): the
	 * port comes from --resolve when it names that host (tests, local lines).
	 */
	if (!strchr(opts->smdp_address, ':') && opts->resolve) {
		size_t hl = strlen(opts->smdp_address);

		if (!strncasecmp(opts->resolve, opts->smdp_address, hl) &&
		    opts->resolve[hl] == ':') {
			unsigned long port = strtoul(opts->resolve + hl + 1, NULL, 10);

			if (port && port < 65536 && port != 443)
				snprintf(c->base_url, sizeof(c->base_url),
					 "https://%s:%lu/gsma/rsp2/es9plus/", opts->smdp_address,
					 port);
		}
	}
	c->curl = curl_easy_init();
	if (!c->curl)
		goto nomem;
	/* The headers lpac sends; servers key on X-Admin-Protocol. */
	c->headers = curl_slist_append(NULL, c->asn1 ? "Content-Type: application/x-gsma-rsp-asn1"
						      : "Content-Type: application/json");
	c->headers = curl_slist_append(c->headers, c->asn1 ? "Accept: application/x-gsma-rsp-asn1"
							     : "Accept: application/json");
	c->headers = curl_slist_append(c->headers, "X-Admin-Protocol: gsma/rsp/v2.2.2");
	c->headers = curl_slist_append(c->headers, "Expect:");
	if (!c->headers)
		goto nomem;
	if (opts->resolve) {
		c->resolve = curl_slist_append(NULL, opts->resolve);
		if (!c->resolve)
			goto nomem;
		curl_easy_setopt(c->curl, CURLOPT_RESOLVE, c->resolve);
	}
	/* The request still names the activation code's host:port (TLS name, smdpAddress). */
	if (opts->connect_to) {
		c->connect_to = curl_slist_append(NULL, opts->connect_to);
		if (!c->connect_to)
			goto nomem;
		curl_easy_setopt(c->curl, CURLOPT_CONNECT_TO, c->connect_to);
	}
	curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, c->headers);
	curl_easy_setopt(c->curl, CURLOPT_USERAGENT, "gsma-rsp-lpad");
	curl_easy_setopt(c->curl, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c->curl, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(c->curl, CURLOPT_SSLVERSION, CURL_SSLVERSION_TLSv1_2);
	if (opts->cacert)
		curl_easy_setopt(c->curl, CURLOPT_CAINFO, opts->cacert);
	curl_easy_setopt(c->curl, CURLOPT_TIMEOUT, opts->timeout_s ? opts->timeout_s : 30L);
	curl_easy_setopt(c->curl, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(c->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c->curl, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, answer_write);
	*out = c;
	return 0;
nomem:
	es9_client_free(c);
	return -ENOMEM;
}

void es9_client_free(struct es9_client *c)
{
	if (!c)
		return;
	curl_slist_free_all(c->headers);
	curl_slist_free_all(c->resolve);
	curl_slist_free_all(c->connect_to);
	if (c->curl)
		curl_easy_cleanup(c->curl);
	free(c);
}

static void copy_str(char *dst, size_t len, json_t *v)
{
	snprintf(dst, len, "%s", json_is_string(v) ? json_string_value(v) : "");
}

/* Fill @st from header.functionExecutionStatus; -EBADMSG when it is missing. */
static int read_status(json_t *root, struct es9_status *st)
{
	json_t *fes = json_object_get(json_object_get(root, "header"), "functionExecutionStatus");
	json_t *scd;

	if (!json_is_object(fes) || !json_is_string(json_object_get(fes, "status")))
		return -EBADMSG;
	copy_str(st->status, sizeof(st->status), json_object_get(fes, "status"));
	scd = json_object_get(fes, "statusCodeData");
	if (json_is_object(scd)) {
		copy_str(st->subject_code, sizeof(st->subject_code),
			 json_object_get(scd, "subjectCode"));
		copy_str(st->reason_code, sizeof(st->reason_code),
			 json_object_get(scd, "reasonCode"));
		copy_str(st->message, sizeof(st->message), json_object_get(scd, "message"));
	}
	if (!strcmp(st->status, "Executed-Success") || !strcmp(st->status, "Executed-WithWarning"))
		return 0;
	return -EPROTO;
}

/* One request of the ASN.1 binding, over HTTPS or to a Port-DP+ card. */
static int asn1_call(struct es9_client *c, const char *function, json_t *req, json_t **resp,
		     struct es9_status *st)
{
	struct answer a = {0};
	uint8_t *der, *ans = NULL;
	size_t der_len, ans_len = 0;
	char url[400];
	CURLcode cc;
	int ret;

	ret = es9_asn1_request(function, req, &der, &der_len);
	if (ret) {
		snprintf(st->message, sizeof(st->message), "%s: request has no ASN.1 form",
			 function);
		return ret == -ENOMEM ? ret : -EBADMSG;
	}
	if (c->der_call) {
		ret = c->der_call(c->der_ctx, der, der_len, &ans, &ans_len);
		free(der);
		if (c->verbose)
			fprintf(stderr, "lpa: card %s -> %d, %zu bytes\n", function, ret, ans_len);
		if (ret) {
			snprintf(st->message, sizeof(st->message), "Port-DP+ card: %s",
				 strerror(-ret));
			return -EIO;
		}
		st->http_status = ans_len ? 200 : 204;
	} else {
		snprintf(url, sizeof(url), "%.*sasn1", (int)(strlen(c->base_url) - strlen("es9plus/")),
			 c->base_url);
		curl_easy_setopt(c->curl, CURLOPT_URL, url);
		curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, (const char *)der);
		curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE, (long)der_len);
		curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, &a);
		cc = curl_easy_perform(c->curl);
		free(der);
		curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &st->http_status);
		if (c->verbose)
			fprintf(stderr, "lpa: POST %s (%s) -> HTTP %ld, %zu bytes\n", url, function,
				st->http_status, a.len);
		if (cc != CURLE_OK || st->http_status < 200 || st->http_status > 299) {
			snprintf(st->message, sizeof(st->message), "%s, HTTP status %ld",
				 cc ? curl_easy_strerror(cc) : "ok", st->http_status);
			free(a.data);
			return -EIO;
		}
		ans = (uint8_t *)a.data;
		ans_len = a.len;
	}
	ret = es9_asn1_answer(function, ans, ans_len, resp, st);
	if (ret == -EBADMSG)
		snprintf(st->message, sizeof(st->message), "answer is not the %s response",
			 function);
	free(ans);
	return ret;
}

int es9_call(struct es9_client *c, const char *function, json_t *req, json_t **resp,
	     struct es9_status *st)
{
	struct answer a = {0};
	char url[400], *body;
	json_error_t jerr;
	json_t *root;
	CURLcode cc;
	int ret;

	memset(st, 0, sizeof(*st));
	*resp = NULL;
	if (c->asn1)
		return asn1_call(c, function, req, resp, st);
	body = json_dumps(req, JSON_COMPACT);
	if (!body)
		return -ENOMEM;
	snprintf(url, sizeof(url), "%s%s", c->base_url, function);
	curl_easy_setopt(c->curl, CURLOPT_URL, url);
	curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, &a);
	cc = curl_easy_perform(c->curl);
	free(body);
	curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &st->http_status);
	if (c->verbose) {
		char *ip = NULL;
		long port = 0;

		curl_easy_getinfo(c->curl, CURLINFO_LOCAL_IP, &ip);
		curl_easy_getinfo(c->curl, CURLINFO_LOCAL_PORT, &port);
		fprintf(stderr, "lpa: POST %s -> HTTP %ld, %zu bytes%s%s (from %s:%ld)\n", url,
			st->http_status, a.len, cc ? ": " : "", cc ? curl_easy_strerror(cc) : "",
			ip ? ip : "?", port);
	}
	if (cc != CURLE_OK) {
		snprintf(st->message, sizeof(st->message), "%s%s", curl_easy_strerror(cc),
			 a.too_big ? " (answer too big)" : "");
		ret = -EIO;
		goto out;
	}
	if (st->http_status < 200 || st->http_status > 299) {
		snprintf(st->message, sizeof(st->message), "HTTP status %ld", st->http_status);
		ret = -EIO;
		goto out;
	}
	if (a.len == 0 && st->http_status == 204) {
		snprintf(st->status, sizeof(st->status), "Executed-Success");
		ret = 0;
		goto out;
	}
	root = a.data ? json_loadb(a.data, a.len, JSON_REJECT_DUPLICATES, &jerr) : NULL;
	if (!json_is_object(root)) {
		snprintf(st->message, sizeof(st->message), "answer is not a JSON object");
		json_decref(root);
		ret = -EBADMSG;
		goto out;
	}
	ret = read_status(root, st);
	if (ret == -EBADMSG)
		snprintf(st->message, sizeof(st->message), "answer has no functionExecutionStatus");
	if (ret)
		json_decref(root);
	else
		*resp = root;
out:
	free(a.data);
	return ret;
}

const char *es9_status_str(const struct es9_status *st, char *buf, unsigned len)
{
	if (st->subject_code[0])
		snprintf(buf, len, "%s subjectCode %s reasonCode %s (%s)",
			 st->status[0] ? st->status : "error", st->subject_code, st->reason_code,
			 st->message);
	else
		snprintf(buf, len, "%s (%s)", st->status[0] ? st->status : "error", st->message);
	return buf;
}
