// SPDX-License-Identifier: Apache-2.0
/* DER codec: valid forms, every way a header can be wrong, nesting, writer. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "der.h"

static int parse(const uint8_t *p, size_t n, struct der_tlv *t)
{
	return der_parse_one(p, n, t);
}

static void test_valid_headers(void **state)
{
	static const uint8_t short_form[] = {0x04, 0x02, 0xAA, 0xBB, 0xFF};
	static const uint8_t multi_tag[] = {0xBF, 0x36, 0x00};
	static const uint8_t app_tag[] = {0x5F, 0x37, 0x01, 0x00};
	static const uint8_t three_byte_tag[] = {0xBF, 0x81, 0x01, 0x00};
	uint8_t long1[3 + 200] = {0x04, 0x81, 200};
	uint8_t long2[4 + 300] = {0x04, 0x82, 0x01, 0x2C};
	struct der_tlv t;

	(void)state;
	assert_int_equal(parse(short_form, sizeof(short_form), &t), 0);
	assert_int_equal(t.tag, 0x04);
	assert_int_equal(t.len, 2);
	assert_int_equal(t.raw_len, 4);
	assert_ptr_equal(t.val, short_form + 2);
	/* one TLV exactly: the trailing FF is garbage */
	assert_int_equal(der_parse_exact(short_form, sizeof(short_form), &t), -EBADMSG);
	assert_int_equal(der_parse_exact(short_form, 4, &t), 0);

	assert_int_equal(parse(multi_tag, sizeof(multi_tag), &t), 0);
	assert_int_equal(t.tag, 0xBF36);
	assert_true(der_tag_constructed(t.tag));
	assert_int_equal(parse(app_tag, sizeof(app_tag), &t), 0);
	assert_int_equal(t.tag, 0x5F37);
	assert_false(der_tag_constructed(t.tag));
	assert_int_equal(parse(three_byte_tag, sizeof(three_byte_tag), &t), 0);
	assert_int_equal(t.tag, 0xBF8101);
	assert_int_equal(parse(long1, sizeof(long1), &t), 0);
	assert_int_equal(t.len, 200);
	assert_int_equal(parse(long2, sizeof(long2), &t), 0);
	assert_int_equal(t.len, 300);
}

static void test_bad_headers(void **state)
{
	static const struct {
		uint8_t b[8];
		size_t n;
	} bad[] = {
	    {{0x04}, 1},			       /* no length */
	    {{0x04, 0x03, 0x00, 0x00}, 4},	       /* truncated value */
	    {{0x30, 0x80, 0x00, 0x00}, 4},	       /* indefinite length */
	    {{0x04, 0x81, 0x05, 0, 0, 0, 0, 0}, 8},    /* overlong: 81 for < 128 */
	    {{0x04, 0x82, 0x00, 0x80}, 4},	       /* leading zero length byte */
	    {{0x04, 0x85, 1, 0, 0, 0, 0}, 7},	       /* 5 length bytes */
	    {{0x04, 0x84, 0x7F, 0xFF, 0xFF, 0xFF}, 6}, /* 2 GB declared, 0 present */
	    {{0x1F, 0x05, 0x00}, 3},		       /* high form for tag number 5 */
	    {{0x1F, 0x80, 0x21, 0x00}, 4},	       /* leading 80 in tag number */
	    {{0xBF, 0x81, 0x81, 0x01, 0x00}, 5},       /* tag of 4 bytes */
	    {{0xBF}, 1},			       /* tag cut */
	    {{0xBF, 0x36}, 2},			       /* length cut */
	    {{0x04, 0x82, 0x01}, 3},		       /* length bytes cut */
	};
	struct der_tlv t;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(parse(bad[i].b, bad[i].n, &t), -EBADMSG);
	assert_int_equal(der_parse_one(NULL, 0, &t), -EINVAL);
}

static void test_nesting_and_children(void **state)
{
	/* 30 { 80 01 01, A1 { 04 00 }, 81 02 AA BB } */
	static const uint8_t msg[] = {0x30, 0x0B, 0x80, 0x01, 0x01, 0xA1, 0x02,
				      0x04, 0x00, 0x81, 0x02, 0xAA, 0xBB};
	/* constructed child whose content is not TLVs */
	static const uint8_t broken[] = {0x30, 0x04, 0xA1, 0x02, 0x04, 0x05};
	uint8_t deep[2 * (DER_MAX_DEPTH + 2)];
	struct der_tlv t, c;
	struct der_iter it;
	unsigned i, n;

	(void)state;
	assert_int_equal(der_parse_exact(msg, sizeof(msg), &t), 0);
	der_iter_init(&it, &t);
	assert_int_equal(der_take(&it, 0x81, &c), -ENOENT); /* not next */
	assert_int_equal(der_take(&it, 0x80, &c), 0);
	assert_int_equal(der_expect(&it, 0x80, &c), -EBADMSG); /* missing */
	assert_int_equal(der_iter_next(&it, &c), 1);
	assert_int_equal(c.tag, 0xA1);
	assert_int_equal(der_iter_next(&it, &c), 1);
	assert_int_equal(der_iter_next(&it, &c), 0);
	assert_true(der_iter_done(&it));
	assert_int_equal(der_find(&t, 0x81, &c), 0);
	assert_int_equal(c.len, 2);
	assert_int_equal(der_find(&t, 0x82, &c), -ENOENT);
	assert_int_equal(der_parse_exact(broken, sizeof(broken), &t), -EBADMSG);

	/* DER_MAX_DEPTH nested SEQUENCEs are fine, one more is not. */
	for (n = DER_MAX_DEPTH; n <= DER_MAX_DEPTH + 1; n++) {
		for (i = 0; i < n; i++) {
			deep[2 * i] = 0x30;
			deep[2 * i + 1] = (uint8_t)(2 * (n - i - 1));
		}
		assert_int_equal(der_parse_exact(deep, 2 * n, &t),
				 n == DER_MAX_DEPTH ? 0 : -EBADMSG);
	}
}

static void test_integers(void **state)
{
	static const struct {
		uint8_t v[10];
		size_t n;
		int rc;
		uint64_t x;
	} cases[] = {
	    {{0x00}, 1, 0, 0},
	    {{0x7F}, 1, 0, 127},
	    {{0x00, 0x80}, 2, 0, 128},
	    {{0x00, 0x7F}, 2, -EBADMSG, 0}, /* not minimal */
	    {{0x80}, 1, -EBADMSG, 0},	    /* negative */
	    {{0}, 0, -EBADMSG, 0},	    /* empty */
	    {{0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}, 9, 0, UINT64_MAX},
	    {{0x01, 0, 0, 0, 0, 0, 0, 0, 0}, 9, -EBADMSG, 0}, /* > 64 bits */
	};
	struct der_tlv t = {.tag = 0x02};
	uint64_t x;
	size_t i;
	bool b;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		t.val = cases[i].v;
		t.len = cases[i].n;
		assert_int_equal(der_get_uint(&t, UINT64_MAX, &x), cases[i].rc);
		if (!cases[i].rc)
			assert_true(x == cases[i].x);
	}
	t.val = (const uint8_t *)"\x05";
	t.len = 1;
	assert_int_equal(der_get_uint(&t, 4, &x), -EBADMSG); /* above max */
	t.val = (const uint8_t *)"\xFF";
	assert_int_equal(der_get_bool(&t, &b), 0);
	assert_true(b);
	t.val = (const uint8_t *)"\x01";
	assert_int_equal(der_get_bool(&t, &b), -EBADMSG);
}

static void test_writer(void **state)
{
	static const uint8_t want[] = {0xBF, 0x22, 0x0A, 0x02, 0x01, 0x00, 0x02,
				       0x02, 0x00, 0x80, 0x01, 0x01, 0xFF};
	uint8_t big[300], fixed[4];
	struct der_buf b;
	struct der_tlv t;
	uint8_t *out;
	size_t len, i;

	(void)state;
	der_buf_init(&b);
	der_begin(&b, 0xBF22);
	der_put_uint(&b, 0x02, 0);
	der_put_uint(&b, 0x02, 128);
	der_put_bool(&b, 0x01, true);
	der_end(&b);
	assert_int_equal(der_buf_error(&b), 0);
	assert_int_equal(b.len, sizeof(want));
	assert_memory_equal(b.data, want, sizeof(want));

	/* A constructed value that grows past 127 and 255 bytes gets its length widened. */
	der_buf_reset(&b);
	memset(big, 0x5A, sizeof(big));
	der_begin(&b, 0xA3);
	der_begin(&b, 0x30);
	der_put(&b, 0x04, big, 200);
	der_end(&b);
	der_put(&b, 0x04, big, 100);
	der_end(&b);
	assert_int_equal(der_buf_take(&b, &out, &len), 0);
	assert_int_equal(der_parse_exact(out, len, &t), 0);
	assert_int_equal(t.tag, 0xA3);
	assert_int_equal(t.raw[1], 0x82);
	assert_int_equal(t.len, 3 + 203 + 102);
	free(out);

	/* Unbalanced begin/end and overflow of a fixed buffer latch errors. */
	der_buf_init(&b);
	der_begin(&b, 0x30);
	assert_int_equal(der_buf_error(&b), -EINVAL);
	assert_int_equal(der_buf_take(&b, &out, &len), -EINVAL);
	der_end(&b);
	assert_int_equal(der_buf_error(&b), -EINVAL);
	der_buf_free(&b);
	der_buf_init_fixed(&b, fixed, sizeof(fixed));
	der_put(&b, 0x04, big, 3);
	assert_int_equal(der_buf_error(&b), -ENOSPC);
	der_buf_free(&b);
	/* depth limit */
	der_buf_init(&b);
	for (i = 0; i <= DER_MAX_DEPTH; i++)
		der_begin(&b, 0x30);
	assert_int_equal(der_buf_error(&b), -EINVAL);
	der_buf_free(&b);
	/* sizes */
	assert_int_equal(der_tl_size(0x86, 1016), 4);
	assert_int_equal(der_tl_size(0xBF36, 127), 3);
	assert_int_equal(der_tl_size(0xBF36, 128), 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_valid_headers),
	    cmocka_unit_test(test_bad_headers),
	    cmocka_unit_test(test_nesting_and_children),
	    cmocka_unit_test(test_integers),
	    cmocka_unit_test(test_writer),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
