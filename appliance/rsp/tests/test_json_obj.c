// SPDX-License-Identifier: Apache-2.0
/*
 * Strict JSON object reader: lookups at any depth with their types, what
 * yajl alone lets through and the reader refuses, limits, and a member
 * count that outgrows the inline table.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "json_obj.h"

static int parse(struct rsp_json *j, const char *text)
{
	return rsp_json_parse(j, text, strlen(text));
}

static void test_lookup(void **state)
{
	static const char text[] =
	    "{\"header\":{\"functionExecutionStatus\":{\"status\":\"Failed\","
	    "\"statusCodeData\":{\"subjectCode\":\"8.1\",\"reasonCode\":\"4.2\"}}},"
	    "\"transactionId\":\"0A\",\"e\":\"a\\u00e9\\\"\\n\",\"n\":null,\"x\":[{\"status\":\"no\"}],"
	    "\"b\":true}";
	const struct rsp_json_member *h, *fes, *scd, *m;
	struct rsp_json j;
	char *copy = strdup(text);

	(void)state;
	assert_int_equal(parse(&j, copy), 0);
	memset(copy, 'x', strlen(copy)); /* the result is its own */
	free(copy);
	h = rsp_json_get(&j, "header");
	assert_non_null(h);
	assert_int_equal(h->type, RSP_JSON_OBJECT);
	fes = rsp_json_get_in(&j, h, "functionExecutionStatus");
	m = rsp_json_get_in(&j, fes, "status");
	assert_int_equal(m->type, RSP_JSON_STRING);
	assert_string_equal(m->str, "Failed");
	scd = rsp_json_get_in(&j, fes, "statusCodeData");
	assert_string_equal(rsp_json_get_in(&j, scd, "reasonCode")->str, "4.2");
	assert_null(rsp_json_get(&j, "status"));	       /* only in its own object */
	assert_null(rsp_json_get_in(&j, m, "x"));	       /* a string has no members */
	assert_null(rsp_json_get_in(&j, NULL, "e"));	       /* chains: no object, no member */
	m = rsp_json_get(&j, "e");
	assert_int_equal(m->len, 5);
	assert_string_equal(m->str, "a\xc3\xa9\"\n");
	assert_int_equal(rsp_json_get(&j, "n")->type, RSP_JSON_NULL);
	assert_int_equal(rsp_json_get(&j, "x")->type, RSP_JSON_OTHER);
	assert_int_equal(rsp_json_get(&j, "b")->type, RSP_JSON_BOOL);
	assert_int_equal(rsp_json_get(&j, "b")->len, 1);
	assert_string_equal(rsp_json_get(&j, "transactionId")->str, "0A");
	rsp_json_free(&j);
	rsp_json_free(&j); /* twice is harmless */
}

/* Each passes yajl 2.1.0 alone (or is not an object); the reader refuses it. */
static void test_refused(void **state)
{
	static const char *bad[] = {
	    "{\"a\":1}\"",		     /* an unterminated string after the object */
	    "{\"a\":1} \"x",
	    "\v{}",			     /* \v, \f: not JSON whitespace */
	    "{}\f",
	    "{\"a\":\"\xc0\xaf\"}",	     /* overlong */
	    "{\"a\":\"\xed\xa0\x80\"}",     /* surrogate as UTF-8 */
	    "{\"a\":\"\xf4\x90\x80\x80\"}", /* above U+10FFFF */
	    "{\"\xc1\xbf\":1}",	     /* ... in a name too */
	    "{\"a\":\"\\ud800\"}",	     /* lone high surrogate (yajl: '?') */
	    "{\"a\":\"\\ud800\\u0041\"}",   /* high one not followed by a low one */
	    "{\"a\":\"\\udc00\"}",	     /* lone low surrogate */
	    "{\"a\":\"x\\u0000y\"}",	     /* NUL */
	    "{\"a\\u0000\":1}",
	    "{\"a\":-2.5e311}",		     /* beyond a double */
	    "{\"a\":[1e999]}",
	    "{\"a\":{\"b\":1,\"b\":2}}",     /* duplicate, nested */
	    "{\"a\":[{\"b\":1,\"b\":2}]}",   /* ... in an array */
	    "[1]", "\"x\"", "1", "null", "", " ",
	    "{\"a\":1}{}",
	};
	struct rsp_json j;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse(&j, bad[i]) != -EBADMSG)
			fail_msg("accepted: %s", bad[i]);
		assert_true(j.err[0]);
		rsp_json_free(&j);
	}
	/* Length-bounded: a NUL after the given length is not read. */
	assert_int_equal(rsp_json_parse(&j, "{}\0garbage", 2), 0);
	rsp_json_free(&j);
	assert_int_equal(rsp_json_parse(&j, "{}\0", 3), -EBADMSG);
	rsp_json_free(&j);
}

static void test_accepted(void **state)
{
	static const char *good[] = {
	    " {\"a\":-0.5e+3, \"b\":[1,2.25,1E9,true,false,null], \"c\":{}}\r\n",
	    "{\"a\":\"\\\\u0000\"}", /* an escaped backslash, then plain text */
	    "{\"a\":\"\\ud83d\\ude00 \xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"}",
	    "{\"a\":{\"b\":1},\"b\":{\"b\":2},\"c\":[{\"b\":1},{\"b\":1}]}", /* same names, other objects */
	    "{\"a\":1e-400}", /* underflow is a number (jansson too) */
	};
	struct rsp_json j;

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		if (parse(&j, good[i]))
			fail_msg("refused: %s (%s)", good[i], j.err);
		rsp_json_free(&j);
	}
}

static void test_limits_and_growth(void **state)
{
	size_t cap = 64 * 1024, n, i;
	char *t = malloc(cap);
	struct rsp_json j;

	(void)state;
	/* 3000 members: the table grows; the last one still found; a late duplicate named. */
	n = (size_t)snprintf(t, cap, "{");
	for (i = 0; i < 3000; i++)
		n += (size_t)snprintf(t + n, cap - n, "\"k%zu\":\"v%zu\",", i, i);
	snprintf(t + n, cap - n, "\"last\":{\"k1\":1}}");
	assert_int_equal(parse(&j, t), 0);
	assert_string_equal(rsp_json_get(&j, "k2999")->str, "v2999");
	assert_non_null(rsp_json_get_in(&j, rsp_json_get(&j, "last"), "k1"));
	rsp_json_free(&j);
	snprintf(t + n, cap - n, "\"k7\":0}");
	assert_int_equal(parse(&j, t), -EBADMSG);
	assert_non_null(strstr(j.err, "k7"));
	rsp_json_free(&j);

	/* Nesting: RSP_JSON_MAX_DEPTH levels pass, one more is refused. */
	for (int extra = 0; extra < 2; extra++) {
		size_t d = RSP_JSON_MAX_DEPTH + (size_t)extra;

		n = 0;
		for (i = 1; i < d; i++)
			n += (size_t)snprintf(t + n, cap - n, "{\"a\":");
		n += (size_t)snprintf(t + n, cap - n, "{}");
		for (i = 1; i < d; i++)
			t[n++] = '}';
		assert_int_equal(rsp_json_parse(&j, t, n), extra ? -EBADMSG : 0);
		rsp_json_free(&j);
	}
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_lookup),
	    cmocka_unit_test(test_refused),
	    cmocka_unit_test(test_accepted),
	    cmocka_unit_test(test_limits_and_growth),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
