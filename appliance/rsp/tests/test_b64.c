// SPDX-License-Identifier: Apache-2.0
/*
 * Strict base64: every value round-trips, the known non-canonical spellings are
 * refused, and nothing but the canonical spelling is accepted (any text that
 * decodes must re-encode to itself), tried over every byte at every position.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "b64.h"

static void test_roundtrip(void **state)
{
	uint8_t in[300], *out;
	ssize_t n, got;
	size_t len;
	char *s;

	(void)state;
	srand(7);
	for (len = 0; len < sizeof(in); len++) {
		for (size_t i = 0; i < len; i++)
			in[i] = (uint8_t)rand();
		n = rsp_b64_encode(in, len, &s);
		assert_int_equal(n, (ssize_t)((len + 2) / 3 * 4));
		assert_int_equal(strlen(s), (size_t)n);
		got = rsp_b64_decode(s, (size_t)n, &out);
		assert_int_equal(got, (ssize_t)len);
		assert_memory_equal(out, in, len);
		free(out);
		free(s);
	}
	assert_int_equal(rsp_b64_decode("QQ==", 4, &out), 1);
	assert_int_equal(out[0], 'A');
	free(out);
}

static void test_refused(void **state)
{
	static const char *bad[] = {
	    "QUJD\n",	/* whitespace */
	    " QUJ",	/* leading whitespace */
	    "QUJ ",	/* trailing whitespace */
	    "QU\nJDQUJD", /* whitespace inside */
	    "QUJ",	/* not a multiple of 4 */
	    "QU=D",	/* padding in the middle */
	    "Q===",	/* three pad characters */
	    "====",
	    "QUJ*",	/* alphabet */
	    "QUJD-_==", /* the URL-safe alphabet */
	    "QR==",	/* non-zero unused bits (canonical is QQ==) */
	    "QUI=x===", /* data after padding */
	    "QUJ=QUJD", /* padding before more data */
	};
	uint8_t *out = (uint8_t *)1;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(rsp_b64_decode(bad[i], strlen(bad[i]), &out), -EINVAL);
		assert_null(out);
	}
	/* NUL inside the given length is just another non-alphabet byte */
	assert_int_equal(rsp_b64_decode("QU\0D", 4, &out), -EINVAL);
}

/* Only canonical text decodes: one byte changed anywhere either fails or is canonical too. */
static void test_only_canonical(void **state)
{
	static const char *base[] = {"QUJDRA==", "QUJDREU=", "QUJDREVG", "/+/+AA=="};
	char s[9], *again;
	uint8_t *out;
	ssize_t n;

	(void)state;
	for (size_t b = 0; b < sizeof(base) / sizeof(base[0]); b++) {
		for (size_t pos = 0; pos < 8; pos++) {
			for (int c = 0; c < 256; c++) {
				memcpy(s, base[b], 9);
				s[pos] = (char)c;
				n = rsp_b64_decode(s, 8, &out);
				if (n < 0) {
					assert_int_equal(n, -EINVAL);
					continue;
				}
				assert_true(rsp_b64_encode(out, (size_t)n, &again) == 8);
				assert_memory_equal(again, s, 8);
				free(again);
				free(out);
			}
		}
	}
}

/* The alphabet, one character per 6 bits: what the encoder's pair tables must agree with. */
static void ref_encode(const uint8_t *in, size_t len, char *out)
{
	static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i, o = 0;

	for (i = 0; i < len; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16;

		if (i + 1 < len)
			v |= (uint32_t)in[i + 1] << 8;
		if (i + 2 < len)
			v |= in[i + 2];
		out[o++] = abc[v >> 18];
		out[o++] = abc[(v >> 12) & 63];
		out[o++] = i + 1 < len ? abc[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < len ? abc[v & 63] : '=';
	}
	out[o] = '\0';
}

/*
 * RFC 4648 section 10, and every byte value at every position of inputs of 1 to 20 bytes
 * (the 6-byte steps, the 3-byte steps and both tails).
 */
static void test_vectors(void **state)
{
	static const char *const plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
	static const char *const text[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=",
					   "Zm9vYmFy"};
	uint8_t in[20];
	char want[32], *s;

	(void)state;
	for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
		assert_int_equal(rsp_b64_encode((const uint8_t *)plain[i], strlen(plain[i]), &s),
				 (ssize_t)strlen(text[i]));
		assert_string_equal(s, text[i]);
		free(s);
	}
	for (size_t len = 1; len <= sizeof(in); len++)
		for (size_t pos = 0; pos < len; pos++)
			for (unsigned b = 0; b < 256; b++) {
				for (size_t k = 0; k < len; k++)
					in[k] = (uint8_t)(0xa5 + 37 * k);
				in[pos] = (uint8_t)b;
				ref_encode(in, len, want);
				assert_int_equal(rsp_b64_encode(in, len, &s), (ssize_t)strlen(want));
				assert_string_equal(s, want);
				free(s);
			}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_roundtrip),
	    cmocka_unit_test(test_vectors),
	    cmocka_unit_test(test_refused),
	    cmocka_unit_test(test_only_canonical),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
