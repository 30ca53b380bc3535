// SPDX-License-Identifier: Apache-2.0
/*
 * ATRs read for their card capabilities (hand-made vectors: with and without
 * card capabilities, categories 00 and 80, malformed ones, random bytes), the
 * short/extended choice from card and reader, and the link keeping to a reader's
 * smaller extended limit. EF.ATR/INFO (ISO 7816-4 8.2.1.1): its objects parsed
 * (hand-made files: 7F66 in short and long length forms, card capabilities 47,
 * padding, malformed ones, random bytes), read from the card face (SELECT by path,
 * READ BINARY, and the 6Cxx / 61xx answers of T=0 cards), and its word in the choice.
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
#include "ef_atr.h"

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

/* ---- EF.ATR/INFO ---------------------------------------------------------------- */
/* 7F66: commands up to 4105 bytes (4096 + 7-byte header + 2-byte Le), responses 4098 */
#define EF_7F66_4K "7F66 08 02 02 10 09 02 02 10 02"

static int ef_parse(const char *hex, struct ef_atr_info *e)
{
	uint8_t b[300];

	return ef_atr_parse(b, unhex(hex, b), e);
}

static void test_ef_atr_parse(void **state)
{
	struct ef_atr_info e;
	uint8_t b[64];

	(void)state;
	assert_int_equal(ef_parse(EF_7F66_4K, &e), 0);
	assert_true(e.ext_len);
	assert_int_equal(e.max_cmd, 4105);
	assert_int_equal(e.max_resp, 4098);
	assert_false(e.caps);
	/* long length form, a third integer (ENVELOPE), then padding */
	assert_int_equal(ef_parse("7F66 81 0D 02 03 01 00 09 02 03 01 00 02 02 01 FF FF FF FF", &e),
			 0);
	assert_int_equal(e.max_cmd, 65545);
	assert_int_equal(e.max_resp, 65538);
	/* other objects first (43 card service data, 47 card capabilities, 46 pre-issuing) */
	assert_int_equal(ef_parse("43 01 C0 46 04 01 02 03 04 47 03 80 21 5B 00 00", &e), 0);
	assert_false(e.ext_len);
	assert_true(e.caps);
	assert_int_equal(e.cap3, 0x5B);
	/* short sizes only */
	assert_int_equal(ef_parse("7F66 06 02 01 FF 02 01 FF", &e), 0);
	assert_int_equal(e.max_cmd, 255);
	/* nothing: an empty file, all padding */
	assert_int_equal(ef_parse("", &e), 0);
	assert_false(e.ext_len || e.caps);
	assert_int_equal(ef_parse("FF FF FF", &e), 0);
	assert_false(e.ext_len || e.caps);
	/* malformed */
	assert_int_equal(ef_parse("7F66 04 02 02 10", &e), -EBADMSG);      /* past the end */
	assert_int_equal(ef_parse("7F66 04 02 02 10 09", &e), -EBADMSG);   /* one integer */
	assert_int_equal(ef_parse("7F66 05 02 00 02 01 10", &e), -EBADMSG); /* empty integer */
	assert_int_equal(ef_parse("7F66 0C 02 05 01 00 00 00 00 02 03 01 00 02", &e), -EBADMSG);
	assert_int_equal(ef_parse("7F66 06 04 01 10 02 01 10", &e), -EBADMSG); /* not 02 */
	assert_int_equal(ef_parse("7F", &e), -EBADMSG);
	assert_int_equal(ef_parse("7F 66", &e), -EBADMSG);
	assert_int_equal(ef_parse("7F66 84 00 00 00 08", &e), -EBADMSG);
	assert_int_equal(ef_parse("47 05 80", &e), -EBADMSG);
	/* random bytes: an answer, never a crash */
	srand(7);
	for (unsigned i = 0; i < 20000; i++) {
		size_t n = (size_t)(rand() % 40);

		for (size_t k = 0; k < n; k++)
			b[k] = (uint8_t)rand();
		if (n > 2 && rand() % 2) {
			b[0] = 0x7F;
			b[1] = 0x66;
		}
		int r = ef_atr_parse(b, n, &e);

		assert_true(r == 0 || r == -EBADMSG);
	}
}

static int card_xmit(void *ctx, const uint8_t *cmd, size_t len, uint8_t *resp, size_t *rlen)
{
	es10_card_apdu(ctx, cmd, len, resp, rlen);
	return 0;
}

static int no_isdr(void *ctx, const uint8_t *cmd, size_t len, uint8_t **resp, size_t *rlen)
{
	(void)ctx, (void)cmd, (void)len, (void)resp, (void)rlen;
	return -EOPNOTSUPP;
}

static int gone_xmit(void *ctx, const uint8_t *cmd, size_t len, uint8_t *resp, size_t *rlen)
{
	(void)ctx, (void)cmd, (void)len, (void)resp, (void)rlen;
	return -ENODEV;
}

/* A T=0 card: READ BINARY with Le 00 gets 6Cxx, then the data in two GET RESPONSEs. */
static unsigned t0_calls;
static int t0_xmit(void *ctx, const uint8_t *cmd, size_t len, uint8_t *resp, size_t *rlen)
{
	static const uint8_t file[] = { 0x7F, 0x66, 0x08, 0x02, 0x02, 0x10, 0x09,
					0x02, 0x02, 0x10, 0x02 };
	struct apdu a;

	(void)ctx;
	t0_calls++;
	assert_int_equal(apdu_parse(cmd, len, &a), 0);
	*rlen = 0;
	if (a.ins == APDU_INS_SELECT) {
		assert_int_equal(a.p1, 0x08);
		assert_int_equal(a.lc, 2);
		assert_memory_equal(a.data, "\x2F\x01", 2);
		resp[(*rlen)++] = 0x90;
	} else if (a.ins == APDU_INS_READ_BINARY && a.ne != sizeof(file)) {
		resp[(*rlen)++] = 0x6C;
		resp[(*rlen)++] = sizeof(file);
		return 0;
	} else if (a.ins == APDU_INS_READ_BINARY) {
		memcpy(resp, file, 4);
		*rlen = 4;
		resp[(*rlen)++] = 0x61;
		resp[(*rlen)++] = sizeof(file) - 4;
		return 0;
	} else if (a.ins == APDU_INS_GET_RESPONSE) {
		assert_int_equal(a.ne, sizeof(file) - 4);
		memcpy(resp, file + 4, sizeof(file) - 4);
		*rlen = sizeof(file) - 4;
		resp[(*rlen)++] = 0x90;
	} else {
		resp[(*rlen)++] = 0x6D;
	}
	resp[(*rlen)++] = 0x00;
	return 0;
}

static void test_ef_atr_read(void **state)
{
	uint8_t file[300], got[EF_ATR_MAX], resp[300];
	size_t n = unhex("47 03 80 21 5B " EF_7F66_4K, file), gl, rl;
	struct es10_card_opts co = { .extended = true, .ef_atr = file, .ef_atr_len = n };
	struct es10_card *card;
	struct ef_atr_info e;

	(void)state;
	/* the card face serves it: SELECT by path, READ BINARY (6282: the file is shorter) */
	assert_int_equal(es10_card_new(&co, no_isdr, NULL, &card), 0);
	assert_int_equal(ef_atr_read(card_xmit, card, got, sizeof(got), &gl), 0);
	assert_int_equal(gl, n);
	assert_memory_equal(got, file, n);
	assert_int_equal(ef_atr_parse(got, gl, &e), 0);
	assert_true(e.ext_len && e.caps);
	/* the card face's own rules: READ BINARY with nothing selected, past the end */
	es10_card_reset(card);
	card_xmit(card, (const uint8_t *)"\x00\xB0\x00\x00\x00", 5, resp, &rl);
	assert_int_equal(apdu_sw(resp, rl), SW_NO_CURRENT_EF);
	card_xmit(card, (const uint8_t *)"\x00\xA4\x00\x0C\x02\x2F\x01", 7, resp, &rl);
	assert_int_equal(apdu_sw(resp, rl), SW_OK);
	card_xmit(card, (const uint8_t *)"\x00\xB0\x01\x00\x10", 5, resp, &rl);
	assert_int_equal(apdu_sw(resp, rl), SW_WRONG_P1P2_OFFSET);
	card_xmit(card, (const uint8_t *)"\x00\xB0\x00\x02\x03", 5, resp, &rl);
	assert_int_equal(apdu_sw(resp, rl), SW_OK);
	assert_int_equal(rl, 5);
	assert_memory_equal(resp, file + 2, 3);
	/* another file: not found */
	card_xmit(card, (const uint8_t *)"\x00\xA4\x08\x0C\x02\x2F\x00", 7, resp, &rl);
	assert_int_equal(apdu_sw(resp, rl), SW_NOT_FOUND);
	es10_card_free(card);
	/* a card without the file */
	co.ef_atr = NULL;
	assert_int_equal(es10_card_new(&co, no_isdr, NULL, &card), 0);
	assert_int_equal(ef_atr_read(card_xmit, card, got, sizeof(got), &gl), -ENOENT);
	assert_int_equal(gl, 0);
	es10_card_free(card);
	/* the card went: the transmit's error */
	assert_int_equal(ef_atr_read(gone_xmit, NULL, got, sizeof(got), &gl), -ENODEV);
	/* T=0: 6Cxx, then 61xx and GET RESPONSE */
	t0_calls = 0;
	assert_int_equal(ef_atr_read(t0_xmit, NULL, got, sizeof(got), &gl), 0);
	assert_int_equal(t0_calls, 4);
	assert_int_equal(ef_atr_parse(got, gl, &e), 0);
	assert_int_equal(e.max_cmd, 4105);
}

static struct apdu_mode choose_ef(const char *atr_hex, const char *ef_hex, int state)
{
	static uint8_t atr[64];
	static struct ef_atr_info e;
	struct apdu_mode_in in = { .atr = atr, .atr_len = unhex(atr_hex, atr), .t1 = true,
				   .reader_max_data = -1, .reader_src = "test",
				   .ef_atr_state = state, .ef_atr = &e };
	struct apdu_mode m;

	assert_int_equal(ef_hex ? ef_parse(ef_hex, &e) : 0, 0);
	apdu_mode_choose(&in, &m);
	return m;
}

static void test_choice_ef_atr(void **state)
{
	struct apdu_mode m;
	uint8_t a[ATR_MAX];
	char plain[3 * ATR_MAX + 1] = "";
	size_t n = atr_build_plain(true, a);

	(void)state;
	for (size_t i = 0; i < n; i++)
		sprintf(plain + 3 * i, "%02X ", a[i]);
	/* the ATR does not say: ask */
	m = choose_ef(plain, NULL, EF_ATR_NOT_READ);
	assert_true(m.ask_ef_atr);
	assert_false(m.extended);
	m = choose_ef("3B 02 14 50", NULL, EF_ATR_NOT_READ);
	assert_true(m.ask_ef_atr);
	/* b6: "see EF.ATR/INFO", with or without b7 */
	m = choose_ef("3B 88 80 01 80 73 80 21 3B 82 90 00 72", NULL, EF_ATR_NOT_READ);
	assert_true(m.ask_ef_atr);
	/* the ATR says (b7 without b6, or neither): no question */
	m = choose_ef(ATR_UICC_EXT, NULL, EF_ATR_NOT_READ);
	assert_false(m.ask_ef_atr);
	assert_true(m.extended);
	m = choose_ef("3B 88 80 01 80 73 80 21 1B 82 90 00 52", NULL, EF_ATR_NOT_READ);
	assert_false(m.ask_ef_atr);
	assert_false(m.extended);
	/* forced, or a reader for short APDUs only: no question */
	{
		struct apdu_mode_in in = { .atr = a, .atr_len = n, .t1 = true, .reader_max_data = -1,
					   .force = APDU_FORCE_SHORT };

		apdu_mode_choose(&in, &m);
		assert_false(m.ask_ef_atr);
		in.force = APDU_AUTO;
		in.reader_max_data = 0;
		apdu_mode_choose(&in, &m);
		assert_false(m.ask_ef_atr);
	}
	/* EF.ATR/INFO read: 7F66 decides, its limits kept */
	m = choose_ef(plain, EF_7F66_4K, EF_ATR_READ);
	assert_false(m.ask_ef_atr);
	assert_true(m.extended);
	assert_int_equal(m.max_data, 4096);
	assert_non_null(strstr(m.why, "EF.ATR/INFO 7F66"));
	m = choose_ef(plain, "7F66 07 02 02 01 05 02 01 FF", EF_ATR_READ);
	assert_false(m.extended);
	assert_non_null(strstr(m.why, "short only"));
	/* the ATR said extended, EF.ATR/INFO (b6) bounds it */
	m = choose_ef("3B 88 80 01 80 73 80 21 7B 82 90 00 32", "7F66 08 02 02 04 09 02 02 08 02",
		      EF_ATR_READ);
	assert_true(m.extended);
	assert_int_equal(m.max_data, 1024);
	/* its card capabilities decide when there is no 7F66 */
	m = choose_ef(plain, "47 03 80 21 5B", EF_ATR_READ);
	assert_true(m.extended);
	assert_int_equal(m.max_data, 65536);
	m = choose_ef(plain, "47 03 80 21 1B", EF_ATR_READ);
	assert_false(m.extended);
	/* nothing about sizes, or no file: the ATR's word (short) */
	m = choose_ef(plain, "43 01 C0", EF_ATR_READ);
	assert_false(m.extended);
	assert_non_null(strstr(m.why, "EF.ATR/INFO without sizes"));
	m = choose_ef(plain, NULL, EF_ATR_BAD);
	assert_false(m.extended || m.ask_ef_atr);
	assert_non_null(strstr(m.why, "EF.ATR/INFO malformed"));
	m = choose_ef(plain, NULL, EF_ATR_NONE);
	assert_false(m.extended || m.ask_ef_atr);
	assert_non_null(strstr(m.why, "no EF.ATR/INFO"));
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
		cmocka_unit_test(test_ef_atr_parse),
		cmocka_unit_test(test_ef_atr_read),
		cmocka_unit_test(test_choice_ef_atr),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
