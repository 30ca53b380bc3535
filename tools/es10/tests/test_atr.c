// SPDX-License-Identifier: Apache-2.0
/*
 * ATRs read for their card capabilities (hand-made vectors: with and without
 * card capabilities, categories 00 and 80, malformed ones, random bytes), the
 * short/extended choice from card and reader, and the link keeping to a reader's
 * smaller extended limit.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "apdu.h"
#include "atr.h"
#include "es10_card.h"
#include "es10_link.h"

static size_t unhex(const char *h, uint8_t *out)
{
	size_t n = 0;

	while (h[0] && h[1]) {
		unsigned v;

		if (h[0] == ' ') {
			h++;
			continue;
		}
		sscanf(h, "%2x", &v);
		out[n++] = (uint8_t)v;
		h += 2;
	}
	return n;
}

static int parse_hex(const char *hex, struct atr_info *ai)
{
	uint8_t b[64];
	size_t n = unhex(hex, b);

	return atr_parse(b, n, ai);
}

/* A UICC-like ATR: TA1 96, TD1 80 (T=0), TD2 1F (T=15), TA3 C7; historical bytes
 * 80, 31 E0, 73 FE 21 5B (extended Lc/Le, 4 channels), 64 01020304, 82 9000; TCK 85. */
#define ATR_UICC_EXT "3B 9F 96 80 1F C7 80 31 E0 73 FE 21 5B 64 01 02 03 04 82 90 00 85"

static void test_with_caps(void **state)
{
	struct atr_info ai;

	(void)state;
	assert_int_equal(parse_hex(ATR_UICC_EXT, &ai), 0);
	assert_true(ai.valid);
	assert_true(ai.caps);
	assert_true(ai.extended);
	assert_int_equal(ai.cap3, 0x5B);
	assert_int_equal(ai.channels, 4);
	assert_int_equal(ai.protocols, 1u << 0); /* T=15 is not a protocol */

	/* the same card without the extended bit (1B), TCK C5 */
	assert_int_equal(parse_hex("3B 9F 96 80 1F C7 80 31 E0 73 FE 21 1B 64 01 02 03 04 82 90 00 C5",
				   &ai), 0);
	assert_true(ai.caps);
	assert_false(ai.extended);

	/* category 00: objects, then the status indicator; C0: chaining + extended, no channels */
	assert_int_equal(parse_hex("3B 08 00 73 80 21 C0 00 90 00", &ai), 0);
	assert_true(ai.caps);
	assert_true(ai.extended);
	assert_int_equal(ai.channels, 1);
	assert_int_equal(ai.protocols, 1u);

	/* T=0 and T=1 (TD1 80, TD2 01), card capabilities 73 80 21 5B, TCK */
	assert_int_equal(parse_hex("3B 88 80 01 80 73 80 21 5B 82 90 00 12", &ai), 0);
	assert_true(ai.extended);
	assert_int_equal(ai.protocols, 3u);
}

static void test_without_caps(void **state)
{
	struct atr_info ai;

	(void)state;
	/* what es10_card_atr() gives: proprietary historical bytes */
	assert_int_equal(parse_hex("3B 02 14 50", &ai), 0);
	assert_true(ai.valid);
	assert_false(ai.caps);
	assert_false(ai.extended);
	/* no historical bytes at all */
	assert_int_equal(parse_hex("3B 00", &ai), 0);
	assert_false(ai.caps);
	/* category 80 with a card service data object only */
	assert_int_equal(parse_hex("3B 03 80 31 E0", &ai), 0);
	assert_false(ai.caps);
	/* card capabilities of one byte (no third table) */
	assert_int_equal(parse_hex("3B 03 80 71 80", &ai), 0);
	assert_false(ai.caps);
	assert_false(ai.extended);
	/* category 10 (DIR data reference): bytes that look like 73 .. 40 mean nothing */
	assert_int_equal(parse_hex("3B 05 10 73 80 21 40", &ai), 0);
	assert_false(ai.extended);
}

static void test_malformed(void **state)
{
	static const char *bad[] = {
		"",                              /* nothing */
		"3B",                            /* no T0 */
		"3C 00",                         /* TS */
		"3B 05 80 73 80",                /* fewer historical bytes than K */
		"3B 02 14 50 00",                /* one byte too many */
		"3B 80",                         /* TD1 missing */
		"3B F0 11 22",                   /* TC1, TD1 missing */
		"3B 04 80 73 80 21",             /* object 73 runs past the end */
		"3B 03 80 7F 00",                /* object of 15 bytes in 2 */
		"3B 02 00 90",                   /* category 00 without its status */
		"3B 88 80 01 80 73 80 21 5B 82 90 00 13", /* TCK */
		"3B 88 80 01 80 73 80 21 5B 82 90 00",    /* TCK missing */
		"3B 0F 80 73 80 21 40 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 "
		"00 00 00 00", /* 34 bytes */
	};
	struct atr_info ai;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(parse_hex(bad[i], &ai), -EBADMSG);
		assert_false(ai.valid);
		assert_false(ai.extended);
		assert_true(ai.err[0] != '\0');
	}
	assert_int_equal(atr_parse(NULL, 5, &ai), -EBADMSG);
}

/* Random bytes and every cut of a good ATR: an answer, never a crash. */
static void test_random(void **state)
{
	uint8_t b[40];
	struct atr_info ai;
	size_t n;

	(void)state;
	srand(7);
	for (unsigned i = 0; i < 200000; i++) {
		n = (size_t)(rand() % 40);
		for (size_t k = 0; k < n; k++)
			b[k] = (uint8_t)rand();
		if (n && rand() % 2)
			b[0] = 0x3B;
		int r = atr_parse(b, n, &ai);

		assert_true(r == 0 || r == -EBADMSG);
		assert_true(!ai.extended || (r == 0 && ai.caps));
	}
	n = unhex(ATR_UICC_EXT, b);
	for (size_t k = 0; k < n; k++)
		assert_int_equal(atr_parse(b, k, &ai), -EBADMSG);
}

static void test_build(void **state)
{
	uint8_t a[ATR_MAX];
	struct atr_info ai;
	size_t n;

	(void)state;
	n = atr_build(true, true, a);
	assert_int_equal(atr_parse(a, n, &ai), 0);
	assert_true(ai.extended);
	assert_int_equal(ai.protocols, 3u);
	assert_int_equal(ai.channels, ES10_CARD_CHANNELS);
	n = atr_build(false, true, a);
	assert_int_equal(atr_parse(a, n, &ai), 0);
	assert_true(ai.caps);
	assert_false(ai.extended);
	n = atr_build(true, false, a);
	assert_int_equal(atr_parse(a, n, &ai), 0);
	assert_true(ai.extended);
	assert_int_equal(ai.protocols, 1u);
}

static struct apdu_mode choose(const char *atr_hex, bool t1, long reader, enum apdu_force f)
{
	static uint8_t atr[64];
	struct apdu_mode_in in = { .atr = atr, .atr_len = unhex(atr_hex, atr), .t1 = t1,
				   .reader_max_data = reader, .reader_src = "test", .force = f };
	struct apdu_mode m;

	apdu_mode_choose(&in, &m);
	return m;
}

static void test_choice(void **state)
{
	struct apdu_mode m;

	(void)state;
	/* both allow: the reader does not say, T=1 */
	m = choose(ATR_UICC_EXT, true, -1, APDU_AUTO);
	assert_true(m.extended);
	assert_int_equal(m.max_data, 65536);
	assert_non_null(strstr(m.why, "extended-length"));
	/* the reader says 65536 (part 10), T=0 */
	m = choose(ATR_UICC_EXT, false, 65536, APDU_AUTO);
	assert_true(m.extended);
	/* a reader limit of 1000 bytes is kept */
	m = choose(ATR_UICC_EXT, true, 1000, APDU_AUTO);
	assert_true(m.extended);
	assert_int_equal(m.max_data, 1000);
	/* the reader: short APDUs only (dwMaxAPDUDataSize 0, MAXINPUT 261 - 9) */
	m = choose(ATR_UICC_EXT, true, 0, APDU_AUTO);
	assert_false(m.extended);
	assert_non_null(strstr(m.why, "short APDUs only"));
	m = choose(ATR_UICC_EXT, true, 252, APDU_AUTO);
	assert_false(m.extended);
	/* T=0 and the reader does not say */
	m = choose(ATR_UICC_EXT, false, -1, APDU_AUTO);
	assert_false(m.extended);
	assert_non_null(strstr(m.why, "T=0"));
	/* the card does not say, or says no */
	m = choose("3B 02 14 50", true, 65536, APDU_AUTO);
	assert_false(m.extended);
	assert_non_null(strstr(m.why, "no card capabilities"));
	m = choose("3B 9F 96 80 1F C7 80 31 E0 73 FE 21 1B 64 01 02 03 04 82 90 00 C5", true,
		   65536, APDU_AUTO);
	assert_false(m.extended);
	/* malformed: short */
	m = choose("3B 04 80 73 80 21", true, 65536, APDU_AUTO);
	assert_false(m.extended);
	assert_non_null(strstr(m.why, "unreadable"));
	m = choose("", true, 65536, APDU_AUTO);
	assert_false(m.extended);
	/* overrides */
	m = choose("3B 02 14 50", false, 0, APDU_FORCE_EXTENDED);
	assert_true(m.extended);
	assert_int_equal(m.max_data, 65536);
	assert_non_null(strstr(m.why, "forced by --extended"));
	m = choose(ATR_UICC_EXT, true, -1, APDU_FORCE_SHORT);
	assert_false(m.extended);
	assert_non_null(strstr(m.why, "forced by --no-extended"));
}

/* ---- the link within a reader's 1000-byte extended limit ----------------------- */
static size_t max_cmd_seen;

static int xmit(void *ctx, const uint8_t *cmd, size_t len, uint8_t *resp, size_t *rlen)
{
	struct apdu a;

	if (!apdu_parse(cmd, len, &a) && a.lc > max_cmd_seen)
		max_cmd_seen = a.lc;
	if (!apdu_parse(cmd, len, &a) && a.ne > 1000)
		return -EIO; /* more than this reader carries */
	es10_card_apdu(ctx, cmd, len, resp, rlen);
	return 0;
}

static int echo_big(void *ctx, const uint8_t *cmd, size_t len, uint8_t **resp, size_t *rlen)
{
	(void)ctx;
	(void)cmd;
	(void)len;
	*resp = calloc(1, 2500);
	(*resp)[0] = 0x30;
	*rlen = 2500;
	return 0;
}

static void test_link_reader_limit(void **state)
{
	struct es10_card_opts co = { .extended = true };
	struct es10_card *card;
	struct es10_transport t = { .transmit = xmit, .extended = true, .max_data = 1000 };
	struct es10_link *l;
	uint8_t cmd[3000] = { 0xBF, 0x21 }, *resp;
	size_t rlen;
	char err[200];

	(void)state;
	assert_int_equal(es10_card_new(&co, echo_big, NULL, &card), 0);
	t.ctx = card;
	assert_int_equal(es10_link_open(&t, NULL, &l, err, sizeof(err)), 0);
	assert_int_equal(es10_link_call(l, cmd, sizeof(cmd), &resp, &rlen), 0);
	assert_int_equal(rlen, 2500);
	assert_true(max_cmd_seen <= 1000);
	free(resp);
	es10_link_close(l);
	es10_card_free(card);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_with_caps),
		cmocka_unit_test(test_without_caps),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_random),
		cmocka_unit_test(test_build),
		cmocka_unit_test(test_choice),
		cmocka_unit_test(test_link_reader_limit),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
