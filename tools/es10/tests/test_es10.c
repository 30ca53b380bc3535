// SPDX-License-Identifier: Apache-2.0
/*
 * ES10 over APDUs: each command's APDUs against hand-made vectors (SGP.22
 * encodings, written out by hand from the ASN.1, not produced by this code),
 * the link's chaining/61xx/6Cxx/error handling against a scripted reader, and
 * the card side against the link (and against garbage).
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
#include "es10.h"
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

static void tohex(const uint8_t *p, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02X", p[i]);
	out[2 * n] = '\0';
}

/* ---- a scripted reader: expected command -> canned answer ------------------ */
struct step {
	const char *cmd;   /* expected, hex */
	const char *resp;  /* answer, hex; NULL: transport error */
};

struct script {
	const struct step *s;
	size_t n, at;
};

static int scripted(void *ctx, const uint8_t *cmd, size_t len, uint8_t *resp, size_t *resp_len)
{
	struct script *sc = ctx;
	char got[2 * APDU_MAX_CMD + 1];

	tohex(cmd, len, got);
	if (sc->at >= sc->n)
		fail_msg("unexpected APDU %s", got);
	assert_string_equal(got, sc->s[sc->at].cmd);
	if (!sc->s[sc->at].resp) {
		sc->at++;
		return -ENODEV;
	}
	*resp_len = unhex(sc->s[sc->at++].resp, resp);
	return 0;
}

#define OPEN_STEPS                                                                     \
	{ "0070000001", "019000" },                                                    \
	{ "01A4040010A0000005591010FFFFFFFF890000010000", "6F1284" "10A0000005591010FFFFFFFF8900000100A5009000" }

static struct es10_link *open_scripted(struct script *sc)
{
	struct es10_transport t = { .transmit = scripted, .ctx = sc };
	struct es10_link *l;
	char err[200];

	assert_int_equal(es10_link_open(&t, NULL, &l, err, sizeof(err)), 0);
	assert_int_equal(es10_link_channel(l), 1);
	return l;
}

static int link_call(void *ctx, const uint8_t *cmd, size_t len, uint8_t **resp, size_t *rlen)
{
	return es10_link_call(ctx, cmd, len, resp, rlen);
}

static const char *link_err(void *ctx)
{
	return es10_link_error(ctx);
}

#define ICCID "89049032123451234512"
#define ICCID_BCD "98400923214315325421"

/* One vector: the request's only STORE DATA APDU (channel 1, short), answered @resp. */
struct vector {
	const char *name;
	const char *apdu;
	const char *resp;
};

static void send_req(struct es10_link *l, struct der_buf *b)
{
	uint8_t *req, *resp;
	size_t len, rlen;

	assert_int_equal(der_buf_take(b, &req, &len), 0);
	assert_int_equal(es10_link_call(l, req, len, &resp, &rlen), 0);
	free(req);
	free(resp);
}

static void test_request_vectors(void **state)
{
	static const struct vector v[] = {
		{ "GetEID", "81E2910006BF3E035C015A", "9000" },
		{ "GetEUICCInfo1", "81E2910003BF2000", "9000" },
		{ "GetEUICCInfo2", "81E2910003BF2200", "9000" },
		{ "GetEUICCChallenge", "81E2910003BF2E00", "9000" },
		{ "GetEuiccConfiguredAddresses", "81E2910003BF3C00", "9000" },
		{ "SetDefaultDpAddress", "81E2910009BF3F06800461" "2E6263", "9000" },
		{ "GetProfilesInfo", "81E2910003BF2D00", "9000" },
		{ "GetProfilesInfo(iccid)", "81E2910011BF2D0EA00C5A0A" ICCID_BCD, "9000" },
		{ "EnableProfile", "81E2910014BF3111A00C5A0A" ICCID_BCD "810100", "9000" },
		{ "DisableProfile", "81E2910014BF3211A00C5A0A" ICCID_BCD "8101FF", "9000" },
		{ "DeleteProfile", "81E291000FBF330C5A0A" ICCID_BCD, "9000" },
		{ "SetNickname", "81E2910012BF290F5A0A" ICCID_BCD "900178", "9000" },
		{ "eUICCMemoryReset", "81E2910007BF3404820206C0", "9000" },
		{ "ListNotification", "81E2910003BF2800", "9000" },
		{ "RetrieveNotificationsList", "81E2910008BF2B05A003800105", "9000" },
		{ "RemoveNotificationFromList", "81E2910006BF3003800105", "9000" },
		{ "CancelSession", "81E291000BBF410880030102038101" "00", "9000" },
	};
	struct step steps[2 + sizeof(v) / sizeof(v[0]) + 1] = { OPEN_STEPS };
	struct script sc = { .s = steps, .n = 2 };
	static const uint8_t tid[3] = { 1, 2, 3 };
	struct es10_link *l;
	struct der_buf b;

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		steps[sc.n++] = (struct step){ v[i].apdu, v[i].resp };
	steps[sc.n++] = (struct step){ "00708001", "9000" };
	l = open_scripted(&sc);
#define REQ(call)                   \
	do {                        \
		der_buf_init(&b);   \
		call;               \
		send_req(l, &b);    \
	} while (0)
	REQ(es10_req_get_eid(&b));
	REQ(es10_req_info1(&b));
	REQ(es10_req_info2(&b));
	REQ(es10_req_challenge(&b));
	REQ(es10_req_addresses(&b));
	REQ(es10_req_set_default_dp(&b, "a.bc"));
	REQ(es10_req_profiles(&b, NULL));
	REQ(es10_req_profiles(&b, ICCID));
	REQ(es10_req_enable(&b, ICCID, false));
	REQ(es10_req_disable(&b, ICCID, true));
	REQ(es10_req_delete(&b, ICCID));
	REQ(es10_req_nickname(&b, ICCID, "x"));
	REQ(es10_req_memory_reset(&b, ES10_RESET_OPERATIONAL | ES10_RESET_TEST));
	REQ(es10_req_list_notifications(&b));
	REQ(es10_req_retrieve_notification(&b, 5));
	REQ(es10_req_remove_notification(&b, 5));
	REQ(es10_req_cancel_session(&b, tid, sizeof(tid), 0));
	es10_link_close(l);
	assert_int_equal(sc.at, sc.n);
	/* A bad ICCID is no request at all. */
	der_buf_init(&b);
	es10_req_delete(&b, "89X4");
	assert_int_not_equal(der_buf_error(&b), 0);
	der_buf_free(&b);
}

/* Answers decoded: 61xx + GET RESPONSE, 6Cxx, result codes, EID, profiles. */
static void test_answers(void **state)
{
	static const struct step steps[] = {
		OPEN_STEPS,
		/* GetEID: the card says 61 12, the LPA fetches 0x12 bytes */
		{ "81E2910006BF3E035C015A", "6115" },
		{ "01C0000015", "BF3E125A1089049032123456789012345678901234" "9000" },
		/* Enable: 6Cxx on GET RESPONSE means: ask again with the exact Le */
		{ "81E2910014BF3111A00C5A0A" ICCID_BCD "810100", "6106" },
		{ "01C0000006", "6C06" },
		{ "01C0000006", "BF3103800100" "9000" },
		/* GetProfilesInfo: one enabled profile with a nickname */
		{ "81E2910003BF2D00", "611D" },
		{ "01C000001D", "BF2D1AA018E3165A0A" ICCID_BCD "9F700101" "9004" "6E69636B" "9000" },
		/* Delete refused by the card with a status word */
		{ "81E291000FBF330C5A0A" ICCID_BCD, "6A88" },
		/* Answer with the wrong tag */
		{ "81E2910003BF2E00", "BF2F00" "9000" },
		/* The card is gone */
		{ "81E2910003BF2E00", NULL },
		{ "00708001", NULL },
	};
	struct script sc = { .s = steps, .n = sizeof(steps) / sizeof(steps[0]) };
	struct es10_link *l = open_scripted(&sc);
	struct es10_chip c = { .call = link_call, .error = link_err, .ctx = l };
	struct es10_profile *p;
	uint8_t ch[16];
	char eid[33];
	size_t n;
	int result = -1;

	(void)state;
	assert_int_equal(es10_get_eid(&c, eid), 0);
	assert_string_equal(eid, "89049032123456789012345678901234");
	assert_int_equal(es10_enable(&c, ICCID, false, &result), 0);
	assert_int_equal(result, 0);
	assert_int_equal(es10_get_profiles(&c, NULL, &p, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(p[0].iccid, ICCID);
	assert_int_equal(p[0].state, 1);
	assert_string_equal(p[0].nickname, "nick");
	free(p);
	assert_int_equal(es10_delete(&c, ICCID, &result), -EPROTO);
	assert_non_null(strstr(c.err, "6A88"));
	assert_int_equal(es10_get_challenge(&c, ch), -EBADMSG);
	assert_int_equal(es10_get_challenge(&c, ch), -EIO);
	es10_link_close(l);
	assert_int_equal(sc.at, sc.n);
}

/* Chaining: 300 bytes in 120-byte blocks, P1 11/11/91, P2 0/1/2. */
static void test_chaining(void **state)
{
	uint8_t cmd[300], *resp;
	char b0[320], b1[320], b2[320], hex[300];
	struct step steps[7] = { OPEN_STEPS };
	struct script sc = { .s = steps, .n = 7 };
	struct es10_link *l;
	size_t rlen;

	(void)state;
	cmd[0] = 0xBF;
	cmd[1] = 0x38;
	cmd[2] = 0x82;
	cmd[3] = 0x01;
	cmd[4] = 0x28;
	for (size_t i = 5; i < sizeof(cmd); i++)
		cmd[i] = (uint8_t)i;
	tohex(cmd, 120, hex);
	snprintf(b0, sizeof(b0), "81E2110078%s", hex);
	tohex(cmd + 120, 120, hex);
	snprintf(b1, sizeof(b1), "81E2110178%s", hex);
	tohex(cmd + 240, 60, hex);
	snprintf(b2, sizeof(b2), "81E291023C%s", hex);
	steps[2] = (struct step){ b0, "9000" };
	steps[3] = (struct step){ b1, "9000" };
	steps[4] = (struct step){ b2, "6102" };
	steps[5] = (struct step){ "01C0000002", "AABB9000" };
	steps[6] = (struct step){ "00708001", "9000" };
	l = open_scripted(&sc);
	assert_int_equal(es10_link_call(l, cmd, sizeof(cmd), &resp, &rlen), 0);
	assert_int_equal(rlen, 2);
	assert_int_equal(resp[0], 0xAA);
	free(resp);
	assert_int_equal(es10_link_round_trips(l), 6);
	es10_link_close(l);
	assert_int_equal(sc.at, sc.n);
}

/* No logical channels: the basic channel; an unknown AID: a clear error. */
static void test_open_errors(void **state)
{
	static const struct step basic[] = {
		{ "0070000001", "6881" },
		{ "00A4040010A0000005591010FFFFFFFF890000010000", "9000" },
		{ "80E2910003BF2E00", "9000" },
	};
	static const struct step noaid[] = {
		{ "0070000001", "029000" },
		{ "02A4040010A0000005591010FFFFFFFF890000010000", "6A82" },
		{ "00708002", "9000" },
	};
	static const uint8_t req[] = { 0xBF, 0x2E, 0x00 };
	struct script sc = { .s = basic, .n = 3 };
	struct es10_transport t = { .transmit = scripted, .ctx = &sc };
	struct es10_link *l;
	uint8_t *resp;
	size_t rlen;
	char err[200];

	(void)state;
	assert_int_equal(es10_link_open(&t, NULL, &l, err, sizeof(err)), 0);
	assert_int_equal(es10_link_channel(l), 0);
	assert_int_equal(es10_link_call(l, req, sizeof(req), &resp, &rlen), 0);
	assert_null(resp);
	es10_link_close(l);
	assert_int_equal(sc.at, sc.n);

	sc = (struct script){ .s = noaid, .n = 3 };
	assert_int_equal(es10_link_open(&t, NULL, &l, err, sizeof(err)), -EPROTO);
	assert_non_null(strstr(err, "no application with this AID"));
	assert_int_equal(sc.at, sc.n);
}

/* ---- the card side against the link --------------------------------------- */
struct echo {
	unsigned calls;
	size_t last_len;
	int fail;
};

/* Answers 80 { the command } (so long commands give long answers). */
static int echo_handler(void *ctx, const uint8_t *cmd, size_t len, uint8_t **resp, size_t *rlen)
{
	struct echo *e = ctx;
	struct der_buf b;

	e->calls++;
	e->last_len = len;
	if (e->fail)
		return e->fail;
	if (len == 3 && cmd[0] == 0xBF && cmd[1] == 0x30) {
		*resp = NULL;
		*rlen = 0;
		return 0;
	}
	der_buf_init(&b);
	der_put(&b, 0x80, cmd, len);
	return der_buf_take(&b, resp, rlen);
}

static int card_xmit(void *ctx, const uint8_t *cmd, size_t len, uint8_t *resp, size_t *rlen)
{
	es10_card_apdu(ctx, cmd, len, resp, rlen);
	return 0;
}

static void roundtrip_sizes(bool extended)
{
	struct echo e = { 0 };
	struct es10_card *card;
	struct es10_card_opts co = { .extended = extended };
	struct es10_transport t = { .transmit = card_xmit, .extended = extended };
	struct es10_link *l;
	static const size_t sizes[] = { 3, 119, 120, 121, 255, 256, 257, 1020, 5000, 30000 };
	char err[200];

	assert_int_equal(es10_card_new(&co, echo_handler, &e, &card), 0);
	t.ctx = card;
	assert_int_equal(es10_link_open(&t, NULL, &l, err, sizeof(err)), 0);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t n = sizes[i], rlen;
		uint8_t *cmd = malloc(n), *resp;
		struct der_tlv t2;

		for (size_t k = 0; k < n; k++)
			cmd[k] = (uint8_t)(k * 7 + 1);
		assert_int_equal(es10_link_call(l, cmd, n, &resp, &rlen), 0);
		assert_int_equal(e.last_len, n);
		assert_int_equal(der_parse_exact(resp, rlen, &t2), 0);
		assert_int_equal(t2.len, n);
		assert_memory_equal(t2.val, cmd, n);
		free(resp);
		free(cmd);
	}
	/* Status words from the handler's errors reach the LPA as clear errors. */
	{
		uint8_t cmd[3] = { 0xBF, 0x99, 0 }, *resp;
		size_t rlen;

		e.fail = -EOPNOTSUPP;
		assert_int_equal(es10_link_call(l, cmd, 3, &resp, &rlen), -EPROTO);
		assert_non_null(strstr(es10_link_error(l), "6A81"));
		e.fail = 0;
		cmd[1] = 0x30;
		assert_int_equal(es10_link_call(l, cmd, 3, &resp, &rlen), 0);
		assert_null(resp);
	}
	es10_link_close(l);
	es10_card_free(card);
}

static void test_card_roundtrip_short(void **state)
{
	(void)state;
	roundtrip_sizes(false);
}

static void test_card_roundtrip_extended(void **state)
{
	(void)state;
	roundtrip_sizes(true);
}

static void card_expect(struct es10_card *c, const char *cmd_hex, const char *resp_hex)
{
	uint8_t cmd[600], resp[APDU_MAX_RESP];
	char got[2 * 600];
	size_t n = unhex(cmd_hex, cmd), rlen;

	es10_card_apdu(c, cmd, n, resp, &rlen);
	tohex(resp, rlen, got);
	assert_string_equal(got, resp_hex);
}

/* What the card says to APDUs an LPA should not send. */
static void test_card_garbage(void **state)
{
	struct echo e = { 0 };
	struct es10_card *c;

	(void)state;
	assert_int_equal(es10_card_new(NULL, echo_handler, &e, &c), 0);
	card_expect(c, "00", "6700");                              /* too short */
	card_expect(c, "00A40400", "6A82");                        /* SELECT nothing */
	card_expect(c, "80E2910003BF2E00", "6985");                /* nothing selected */
	card_expect(c, "01A4040010A0000005591010FFFFFFFF8900000100", "6881"); /* closed channel */
	card_expect(c, "00A4040010A0000005591010FFFFFFFF8900000100", "6116");
	card_expect(c, "00C0000004", "6F148410" "6112");           /* Le 4 of 0x16 */
	card_expect(c, "00C0000020", "6C12");                      /* exact Le too big */
	card_expect(c, "00C0000012", "A0000005591010FFFFFFFF8900000100A500" "9000");
	card_expect(c, "00C0000000", "6985");                      /* nothing pending */
	card_expect(c, "80E2110102AAAA", "6A86");                  /* block 1 first */
	card_expect(c, "80E2910003BF2E", "6700");                  /* Lc says more than there is */
	card_expect(c, "80E2510003BF2E00", "6A86");                /* P1 neither 11 nor 91 */
	card_expect(c, "80E2110001BF", "9000");
	card_expect(c, "80E2910202AAAA", "6A86");                  /* block 2 after block 0 */
	card_expect(c, "80E2910102AAAA", "6A86");                  /* the sequence is gone */
	card_expect(c, "00E2910003BF2E00", "6E00");                /* STORE DATA, wrong class */
	card_expect(c, "20E2910003BF2E00", "6E00");
	card_expect(c, "8012000000", "6D00");
	card_expect(c, "80E29100000003BF2E00", "6700");            /* extended, not taken */
	card_expect(c, "0070000001", "019000");
	card_expect(c, "0070000001", "029000");
	card_expect(c, "0070000001", "039000");
	card_expect(c, "0070000001", "6A81");                      /* no fourth */
	card_expect(c, "00708002", "9000");
	card_expect(c, "00708002", "6A86");                        /* closed already */
	assert_int_equal(e.calls, 0);
	es10_card_free(c);
}

static void test_apdu_parse(void **state)
{
	uint8_t b[70000];
	struct apdu a;
	size_t n;

	(void)state;
	n = unhex("80E2910003BF2E0000", b);
	assert_int_equal(apdu_parse(b, n, &a), 0);
	assert_int_equal(a.lc, 3);
	assert_int_equal(a.ne, 256);
	n = unhex("80E29100000001AA0000", b);
	assert_int_equal(apdu_parse(b, n, &a), 0);
	assert_true(a.extended);
	assert_int_equal(a.lc, 1);
	assert_int_equal(a.ne, 65536);
	n = unhex("00C0000000", b);
	assert_int_equal(apdu_parse(b, n, &a), 0);
	assert_int_equal(a.ne, 256);
	n = unhex("80E2910000", b);
	b[4] = 0;
	assert_int_equal(apdu_parse(b, 6, &a), -EBADMSG);
	/* build: extended needs the flag */
	a = (struct apdu){ .cla = 0x80, .ins = 0xE2, .lc = 300, .data = b };
	assert_int_equal(apdu_build(&a, b + 1000, 1000, &n), -EINVAL);
	a.extended = true;
	assert_int_equal(apdu_build(&a, b + 1000, 1000, &n), 0);
	assert_int_equal(n, 307);
	assert_int_equal(apdu_cla(1, true), 0x81);
	assert_int_equal(apdu_cla(5, false), 0x41);
	assert_int_equal(apdu_channel(0xC3), 7);
	assert_non_null(strstr(apdu_sw_str(0x6A82), "not found"));
}

/* The BPP split: BF36 header + BF23, A0, A1 header, 88s, A2, A3 header, 86s. */
static void test_bpp_segments(void **state)
{
	uint8_t bpp[200];
	size_t n = unhex("BF3619"
			 "BF2302" "8000"
			 "A003" "870100"
			 "A106" "880100" "880100"
			 "A305" "860100" "8600",
			 bpp), ns;
	struct es10_seg *s;
	static const size_t want[] = { 3 + 5, 5, 2, 3, 3, 2, 3, 2 };

	(void)state;
	assert_int_equal(es10_bpp_segments(bpp, n, &s, &ns), 0);
	assert_int_equal(ns, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < ns; i++)
		assert_int_equal(s[i].len, want[i]);
	assert_ptr_equal(s[0].p, bpp);
	assert_int_equal(s[1].p[0], 0xA0);
	assert_int_equal(s[2].p[0], 0xA1);
	assert_int_equal(s[5].p[0], 0xA3);
	free(s);
	bpp[0] = 0xBF;
	bpp[1] = 0x37;
	assert_int_equal(es10_bpp_segments(bpp, n, &s, &ns), -EBADMSG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_apdu_parse),
		cmocka_unit_test(test_request_vectors),
		cmocka_unit_test(test_answers),
		cmocka_unit_test(test_chaining),
		cmocka_unit_test(test_open_errors),
		cmocka_unit_test(test_card_roundtrip_short),
		cmocka_unit_test(test_card_roundtrip_extended),
		cmocka_unit_test(test_card_garbage),
		cmocka_unit_test(test_bpp_segments),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
