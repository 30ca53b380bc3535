// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests of the ES9+ building blocks that need no keys: strict hex, the
 * JSON request getters (base64 itself is tested with rsp's b64.c) and the
 * answer header, the status table, and the session table (claim, replay, expiry).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "codec.h"
#include "es9.h"
#include "request.h"
#include "session.h"
#include "status_codes.h"

static void hex_codec(void **state)
{
	uint8_t out[4];
	char s[9];

	(void)state;
	assert_int_equal(es9_hex_decode("0aFf", 4, out, sizeof(out)), 2);
	assert_int_equal(out[0], 0x0a);
	assert_int_equal(out[1], 0xff);
	assert_int_equal(es9_hex_decode("0aF", 3, out, sizeof(out)), -EINVAL);
	assert_int_equal(es9_hex_decode("0g", 2, out, sizeof(out)), -EINVAL);
	assert_int_equal(es9_hex_decode("0011223344", 10, out, sizeof(out)), -EINVAL);
	es9_hex_encode((const uint8_t *)"\x01\xab", 2, s);
	assert_string_equal(s, "01AB");
}

static enum es9_status parse(struct es9_call *c, const char *json)
{
	memset(c, 0, sizeof(*c));
	return es9_req_parse(c, json, strlen(json));
}

static void request_getters(void **state)
{
	struct es9_call c;
	uint8_t tid[16], *buf;
	const char *s;
	size_t len;

	(void)state;
	assert_int_equal(parse(&c, "[1,2]"), ES9_E_REQ_INVALID);
	es9_call_free(&c);
	assert_int_equal(parse(&c, "{\"a\":1"), ES9_E_REQ_INVALID);
	es9_call_free(&c);
	assert_int_equal(parse(&c, "{\"a\":1,\"a\":2}"), ES9_E_REQ_INVALID);
	es9_call_free(&c);
	/* An embedded NUL never reaches the C strings. */
	assert_int_equal(parse(&c, "{\"a\":\"x\\u0000y\"}"), ES9_E_REQ_INVALID);
	es9_call_free(&c);

	assert_int_equal(parse(&c, "{\"header\":{\"functionRequesterIdentifier\":\"x\"},"
				   "\"t\":\"0A0b\",\"n\":5,\"b\":\"QUJD\",\"z\":null,"
				   "\"bad\":\"QUJ\",\"empty\":\"\",\"ws\":\"QUJD\\n\"}"),
			 ES9_OK);
	assert_int_equal(es9_req_hex(&c, "t", tid, 1, 16, &len), ES9_OK);
	assert_int_equal(len, 2);
	assert_int_equal(es9_req_hex(&c, "missing", tid, 1, 16, &len), ES9_E_FIELD_MISSING);
	assert_non_null(strstr(c.msg, "missing"));
	assert_int_equal(es9_req_hex(&c, "n", tid, 1, 16, &len), ES9_E_FIELD_INVALID);
	assert_int_equal(es9_req_hex(&c, "t", tid, 3, 16, &len), ES9_E_FIELD_INVALID);
	assert_int_equal(es9_req_string(&c, "z", &s, &len), ES9_E_FIELD_MISSING);
	assert_int_equal(es9_req_b64(&c, "b", &buf, &len), ES9_OK);
	assert_int_equal(len, 3);
	free(buf);
	assert_int_equal(es9_req_b64(&c, "bad", &buf, &len), ES9_E_FIELD_INVALID);
	assert_null(buf);
	assert_int_equal(es9_req_b64(&c, "empty", &buf, &len), ES9_E_FIELD_INVALID);
	assert_null(buf);
	assert_int_equal(es9_req_b64(&c, "ws", &buf, &len), ES9_E_FIELD_INVALID);
	assert_null(buf);
	es9_call_free(&c);
}

/* What strict JSON (RFC 8259, as jansson enforces it) rejects and yajl alone would not. */
static void request_strict_json(void **state)
{
	static const char *bad[] = {
	    "\xef\xbb\xbf{}",		   /* byte order mark */
	    "{\"a\":\"\xc3\"}",		   /* truncated UTF-8 */
	    "{\"a\":\"\xc0\xaf\"}",	   /* overlong */
	    "{\"a\":\"\xed\xa0\x80\"}",   /* surrogate as UTF-8 */
	    "{\"a\":\"\xf4\x90\x80\x80\"}", /* above U+10FFFF */
	    "{\"a\":\"x\ty\"}",		   /* control character */
	    "{\"a\":01}",			   /* leading zero */
	    "{\"a\":-01}",
	    "{\"a\":1.}",			   /* bare dot */
	    "{\"a\":1e}",
	    "{\"a\":-}",
	    "{\"a\":1.5.5}",
	    "{\"a\":\"\\ud800\"}",		   /* lone surrogate escape */
	    "{\"a\":\"\\u12\"}",		   /* short escape */
	    "{\"a\":\"\\x\"}",		   /* unknown escape */
	    "{\"a\":{\"b\":1,\"b\":2}}",	   /* nested duplicate */
	    "{\"a\":[{\"b\":1,\"b\":2}]}",	   /* duplicate inside an array */
	    "{\"\":1,\"\":2}",		   /* the empty name twice */
	    "{\"a\":1} x",			   /* trailing data */
	    "{\"a\":1}{}",
	    "{\"a\":tru}",
	    "{\"a\":-2.5e311}",		   /* beyond a double */
	    "",
	};
	static const char *good[] = {
	    " {\"a\":-0.5e+3, \"b\":[1,2.25,1E9,true,false,null], \"c\":{}}\r\n",
	    "{\"a\":\"\\\\u0000\"}", /* an escaped backslash, then plain text */
	    "{\"a\":\"\\ud83d\\ude00 \xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"}",
	};
	struct es9_call c;
	char big[1024];
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(parse(&c, bad[i]), ES9_E_REQ_INVALID);
		es9_call_free(&c);
	}
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_int_equal(parse(&c, good[i]), ES9_OK);
		es9_call_free(&c);
	}
	/* More members than the small duplicate check holds: the sorted path. */
	n = (size_t)snprintf(big, sizeof(big), "{");
	for (i = 0; i < 40; i++)
		n += (size_t)snprintf(big + n, sizeof(big) - n, "\"k%zu\":%zu,", i, i);
	snprintf(big + n, sizeof(big) - n, "\"k7\":0}");
	assert_int_equal(parse(&c, big), ES9_E_REQ_INVALID);
	assert_non_null(strstr(c.msg, "k7"));
	es9_call_free(&c);
	big[n] = '\0';
	snprintf(big + n, sizeof(big) - n, "\"k40\":0}");
	assert_int_equal(parse(&c, big), ES9_OK);
	es9_call_free(&c);
}

/* A request whose changes did not reach the disk: an SGP.22 execution error, not a bare 500. */
static void answer_unstored(void **state)
{
	struct es9_response r = {.http_status = 200, .body = strdup("{\"a\":1}"), .body_len = 7};
	json_t *root, *fes, *scd;

	(void)state;
	es9_answer_unstored(&r, "disk full");
	assert_int_equal(r.http_status, 200);
	assert_non_null(r.body);
	assert_int_equal(strlen(r.body), r.body_len);
	root = json_loads(r.body, 0, NULL);
	fes = json_object_get(json_object_get(root, "header"), "functionExecutionStatus");
	scd = json_object_get(fes, "statusCodeData");
	assert_string_equal(json_string_value(json_object_get(fes, "status")), "Failed");
	assert_string_equal(json_string_value(json_object_get(scd, "subjectCode")), "1.2");
	assert_string_equal(json_string_value(json_object_get(scd, "reasonCode")), "4.2");
	assert_string_equal(json_string_value(json_object_get(scd, "message")), "disk full");
	json_decref(root);
	free(r.body);
}

static void answer_header(void **state)
{
	struct es9_call c;
	json_t *root;
	char *body;
	size_t len;
	int http;

	(void)state;
	assert_int_equal(parse(&c, "{}"), ES9_OK);
	assert_int_equal(es9_out_hex(&c, "transactionId", (const uint8_t *)"\x12\x34", 2), ES9_OK);
	assert_int_equal(es9_call_render(&c, ES9_OK, &http, &body, &len), 0);
	assert_int_equal(http, 200);
	root = json_loads(body, 0, NULL);
	assert_string_equal(json_string_value(json_object_get(root, "transactionId")), "1234");
	assert_string_equal(
	    json_string_value(json_object_get(
		json_object_get(json_object_get(root, "header"), "functionExecutionStatus"),
		"status")),
	    "Executed-Success");
	json_decref(root);
	free(body);

	/* A failure carries the codes and no half-built fields. */
	es9_fail(&c, ES9_E_TID_UNKNOWN, "%s", "");
	assert_int_equal(es9_call_render(&c, ES9_E_TID_UNKNOWN, &http, &body, &len), 0);
	assert_int_equal(http, 200);
	root = json_loads(body, 0, NULL);
	assert_null(json_object_get(root, "transactionId"));
	{
		json_t *scd = json_object_get(
		    json_object_get(json_object_get(root, "header"), "functionExecutionStatus"),
		    "statusCodeData");

		assert_string_equal(json_string_value(json_object_get(scd, "subjectCode")),
				    "8.10.1");
		assert_string_equal(json_string_value(json_object_get(scd, "reasonCode")), "3.9");
		assert_non_null(json_string_value(json_object_get(scd, "message")));
	}
	json_decref(root);
	free(body);

	/* A message with characters JSON must escape still makes valid JSON. */
	es9_fail(&c, ES9_E_FIELD_INVALID, "a \"q\" \\ \n\x01 \xc3\xa9 end");
	assert_int_equal(es9_call_render(&c, ES9_E_FIELD_INVALID, &http, &body, &len), 0);
	assert_int_equal(len, strlen(body));
	root = json_loads(body, JSON_REJECT_DUPLICATES, NULL);
	assert_non_null(root);
	assert_string_equal(
	    json_string_value(json_object_get(
		json_object_get(
		    json_object_get(json_object_get(root, "header"), "functionExecutionStatus"),
		    "statusCodeData"),
		"message")),
	    "a \"q\" \\ \n\x01 ?? end");
	json_decref(root);
	free(body);

	c.no_content = 1;
	assert_int_equal(es9_call_render(&c, ES9_OK, &http, &body, &len), 0);
	assert_int_equal(http, 204);
	assert_null(body);
	assert_int_equal(len, 0);
	es9_call_free(&c);
}

static void status_table_complete(void **state)
{
	unsigned i;

	(void)state;
	for (i = 1; i < ES9_STATUS_COUNT; i++) {
		const struct es9_status_info *info = es9_status_info(i);

		assert_non_null(info->subject);
		assert_true(strlen(info->subject) >= 3);
		assert_true(strlen(info->reason) >= 3);
		assert_true(strlen(info->message) > 0);
	}
	assert_string_equal(es9_status_info(ES9_STATUS_COUNT + 5)->subject,
			    es9_status_info(ES9_E_INTERNAL)->subject);
}

static struct es9_session *new_session(uint8_t fill, enum es9_step step, int64_t deadline)
{
	struct es9_session *s = es9_session_alloc();

	memset(s->tid, fill, sizeof(s->tid));
	s->step = step;
	s->deadline = deadline;
	return s;
}

static unsigned expired_seen;

static void count_expired(const struct es9_session *s, void *arg)
{
	(void)s;
	(void)arg;
	expired_seen++;
}

static void session_table(void **state)
{
	struct es9_sessions *t;
	struct es9_session *s, *s2, *dup;
	uint8_t tid[16];

	(void)state;
	assert_int_equal(es9_sessions_new(&t), 0);
	s = new_session(0x11, ES9_STEP_INITIATED, 100);
	assert_int_equal(es9_session_add(t, s), 0);
	dup = new_session(0x11, ES9_STEP_INITIATED, 100);
	assert_int_equal(es9_session_add(t, dup), -EEXIST);
	free(dup);
	assert_int_equal(es9_session_add(t, new_session(0x22, ES9_STEP_AUTHENTICATED, 50)), 0);
	assert_int_equal(es9_sessions_count(t), 2);

	memset(tid, 0x11, sizeof(tid));
	/* wrong step, wrong length, unknown id, past deadline */
	assert_int_equal(es9_session_claim(t, tid, 16, ES9_STEP_AUTHENTICATED, 10, &s2),
			 ES9_E_TID_UNKNOWN);
	assert_int_equal(es9_session_claim(t, tid, 15, ES9_STEP_INITIATED, 10, &s2),
			 ES9_E_TID_UNKNOWN);
	assert_int_equal(es9_session_claim(t, tid, 16, ES9_STEP_INITIATED, 101, &s2),
			 ES9_E_TID_UNKNOWN);
	tid[15] = 0;
	assert_int_equal(es9_session_claim(t, tid, 16, ES9_STEP_INITIATED, 10, &s2),
			 ES9_E_TID_UNKNOWN);
	tid[15] = 0x11;

	assert_int_equal(es9_session_claim(t, tid, 16, ES9_STEP_INITIATED, 10, &s2), ES9_OK);
	assert_ptr_equal(s2, s);
	/* A concurrent replay of the same step finds nothing while it is claimed. */
	assert_int_equal(es9_session_claim(t, tid, 16, ES9_STEP_INITIATED, 10, &dup),
			 ES9_E_TID_UNKNOWN);
	/* Claimed sessions survive expiry. */
	expired_seen = 0;
	assert_int_equal(es9_sessions_expire(t, 1000, count_expired, NULL), 1);
	assert_int_equal(expired_seen, 1);
	assert_int_equal(es9_sessions_count(t), 1);
	s->step = ES9_STEP_AUTHENTICATED;
	es9_session_put(t, s);
	assert_int_equal(es9_session_claim(t, tid, 16, ES9_STEP_INITIATED, 10, &s2),
			 ES9_E_TID_UNKNOWN);
	assert_int_equal(es9_session_claim(t, tid, 16, ES9_STEP_AUTHENTICATED, 10, &s2), ES9_OK);
	es9_session_end(t, s2);
	assert_int_equal(es9_sessions_count(t), 0);
	es9_sessions_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(hex_codec),     cmocka_unit_test(request_getters),
	    cmocka_unit_test(request_strict_json),
	    cmocka_unit_test(answer_header), cmocka_unit_test(answer_unstored), cmocka_unit_test(status_table_complete),
	    cmocka_unit_test(session_table),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
