// SPDX-License-Identifier: Apache-2.0
/* SGP.22 message codecs: round trips of every message, hand-checked
 * encodings from the vectors, signed-byte pointers, malformed input. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "samples.h"
#include "sgp22.h"
#include "testutil.h"

static void test_round_trips(void **state)
{
	struct sample s[40];
	size_t n = samples_build(s, 40), i;

	(void)state;
	assert_true(n >= 25);
	for (i = 0; i < n; i++) {
		struct der_buf b;
		struct der_tlv t;

		assert_int_equal(der_parse_exact(s[i].der, s[i].len, &t), 0);
		assert_int_equal(s[i].decode(s[i].der, s[i].len), 0);
		der_buf_init(&b);
		assert_int_equal(s[i].reencode(s[i].der, s[i].len, &b), 0);
		if (b.len != s[i].len || memcmp(b.data, s[i].der, b.len))
			fail_msg("%s: decode+encode is not the identity", s[i].name);
		der_buf_free(&b);
		printf("# %-24s %4zu bytes ok\n", s[i].name, s[i].len);
	}
	samples_free(s, n);
}

static uint8_t *hex(const char *h, size_t *n)
{
	uint8_t *p = tu_unhex(h, n);

	assert_non_null(p);
	return p;
}

/* Encodings taken from vectors/bsp.json (a third-party SM-DP+). */
static void test_vector_encodings(void **state)
{
	static const char *smd1 = "bf25285a0a89000123456789012341910a4f736d6f636f6d53504e920e4f"
				  "736d6f636f6d50726f66696c65";
	static const char *smd2 = "bf252d5a0a98001032547698103214910947534d415f5445535492114753"
				  "4d415f544553545f50524f46494c45950100";
	static const char *rskh = "bf26368010000102030405060708090a0b0c0d0e0f811001010203040506"
				  "0708090a0b0c0d0e0f8210020102030405060708090a0b0c0d0e0f";
	struct sgp22_store_metadata md;
	struct sgp22_replace_session_keys rsk;
	struct sgp22_configure_isdp cfg;
	struct der_buf b;
	uint8_t *p;
	size_t n;
	char iccid[21];

	(void)state;
	p = hex(smd1, &n);
	assert_int_equal(sgp22_decode_store_metadata(p, n, &md), 0);
	assert_int_equal(md.sp_name.len, 10);
	assert_memory_equal(md.sp_name.p, "OsmocomSPN", 10);
	assert_memory_equal(md.profile_name.p, "OsmocomProfile", 14);
	assert_int_equal(md.profile_class, -1);
	assert_int_equal(md.icon_type, -1);
	der_buf_init(&b);
	assert_int_equal(sgp22_encode_store_metadata(&b, &md), 0);
	assert_int_equal(b.len, n);
	assert_memory_equal(b.data, p, n);
	der_buf_free(&b);
	free(p);

	p = hex(smd2, &n);
	assert_int_equal(sgp22_decode_store_metadata(p, n, &md), 0);
	assert_int_equal(md.profile_class, SGP22_CLASS_TEST);
	assert_int_equal(sgp22_iccid_to_string(md.iccid, iccid), 0);
	assert_string_equal(iccid, "89000123456789012341");
	der_buf_init(&b);
	assert_int_equal(sgp22_encode_store_metadata(&b, &md), 0);
	assert_memory_equal(b.data, p, n);
	der_buf_free(&b);
	free(p);

	/* ReplaceSessionKeys: 80 initial MCV, 81 PPK-ENC, 82 PPK-CMAC (rsp.asn order). */
	p = hex(rskh, &n);
	assert_int_equal(sgp22_decode_replace_session_keys(p, n, &rsk), 0);
	assert_int_equal(rsk.initial_mcv[0], 0x00);
	assert_int_equal(rsk.ppk_enc[0], 0x01);
	assert_int_equal(rsk.ppk_cmac[0], 0x02);
	free(p);

	assert_int_equal(sgp22_decode_configure_isdp((const uint8_t *)"\xBF\x24\x00", 3, &cfg), 0);
	assert_int_equal(cfg.dp_oid.len, 0);
}

/* Hand-written DER (from the ASN.1 tagging rules) decodes as expected. */
static void test_hand_encodings(void **state)
{
	/* NotificationMetadata: seq 5, install (03 02 07 80), "a.b", iccid */
	static const uint8_t nm[] = {0xBF, 0x2F, 0x18, 0x80, 0x01, 0x05, 0x81, 0x02, 0x07,
				     0x80, 0x0C, 0x03, 'a',  '.',  'b',	 0x5A, 0x0A, 0x98,
				     0x10, 0x32, 0x54, 0x76, 0x98, 0x10, 0x32, 0x54, 0xF6};
	/* CancelSessionResponse error: BF41 03 81 01 05 */
	static const uint8_t ce[] = {0xBF, 0x41, 0x03, 0x81, 0x01, 0x05};
	/* AuthenticateServerResponse error: BF38 { A1 { 80 01 AA, 02 01 07 } } */
	static const uint8_t ae[] = {0xBF, 0x38, 0x08, 0xA1, 0x06, 0x80,
				     0x01, 0xAA, 0x02, 0x01, 0x07};
	struct sgp22_notification_metadata m;
	struct sgp22_cancel_session_resp c;
	struct sgp22_auth_server_resp a;
	uint8_t bad[sizeof(nm)];

	(void)state;
	assert_int_equal(sgp22_decode_notification_metadata(nm, sizeof(nm), &m), 0);
	assert_true(m.seq_number == 5);
	assert_int_equal(m.operation, SGP22_NOTIFY_INSTALL);
	assert_true(m.has_iccid);
	assert_ptr_equal(m.raw.p, nm);
	assert_int_equal(m.raw.len, sizeof(nm));
	/* two bits set is no single operation */
	memcpy(bad, nm, sizeof(nm));
	bad[9] = 0xC0;
	assert_int_equal(sgp22_decode_notification_metadata(bad, sizeof(bad), &m), -EBADMSG);
	assert_int_equal(sgp22_decode_cancel_session_resp(ce, sizeof(ce), &c), 0);
	assert_false(c.ok);
	assert_int_equal(c.error_code, 5);
	assert_int_equal(sgp22_decode_auth_server_resp(ae, sizeof(ae), &a), 0);
	assert_false(a.ok);
	assert_int_equal(a.error_code, SGP22_AUTH_CI_PK_UNKNOWN);
	assert_int_equal(a.error_transaction_id.len, 1);
}

/* The *_raw pointers name exactly the bytes the signatures cover. */
static void test_signed_bytes(void **state)
{
	struct sample s[40];
	size_t n = samples_build(s, 40), i;
	int seen = 0;

	(void)state;
	for (i = 0; i < n; i++) {
		const uint8_t *d = s[i].der;

		if (!strcmp(s[i].name, "auth_server_resp") && s[i].len > 100) {
			struct sgp22_auth_server_resp r;

			assert_int_equal(sgp22_decode_auth_server_resp(d, s[i].len, &r), 0);
			assert_int_equal(r.euicc_signed1.raw.p[0], 0x30);
			/* the signature TLV follows the signed TLV directly */
			assert_ptr_equal(r.euicc_signature1_tlv.p,
					 r.euicc_signed1.raw.p + r.euicc_signed1.raw.len);
			assert_int_equal(r.euicc_signature1_tlv.len, 67);
			assert_memory_equal(r.euicc_signature1_tlv.p, "\x5F\x37\x40", 3);
			assert_int_equal(r.euicc_signed1.euicc_info2_raw.p[0], 0xBF);
			assert_int_equal(r.euicc_signed1.euicc_info2.euicc_category, 2);
			seen++;
		} else if (!strcmp(s[i].name, "isc")) {
			struct sgp22_isc c;

			assert_int_equal(sgp22_decode_isc(d, s[i].len, &c), 0);
			assert_int_equal(c.signed_part.p[0], 0x82);
			assert_memory_equal(c.signed_part.p + c.signed_part.len, "\x5F\x37\x40", 3);
			assert_int_equal(c.signed_part.len + 67 + 4, s[i].len);
			seen++;
		} else if (!strcmp(s[i].name, "pir") && s[i].len > 150) {
			struct sgp22_pir p;

			assert_int_equal(sgp22_decode_pir(d, s[i].len, &p), 0);
			assert_true(p.success);
			assert_memory_equal(p.data_raw.p, "\xBF\x27", 2);
			assert_memory_equal(p.data_raw.p + p.data_raw.len, "\x5F\x37\x40", 3);
			seen++;
		} else if (!strcmp(s[i].name, "cancel_session_resp") && s[i].len > 10) {
			struct sgp22_cancel_session_resp c;

			assert_int_equal(sgp22_decode_cancel_session_resp(d, s[i].len, &c), 0);
			assert_int_equal(c.signed_raw.p[0], 0x30);
			assert_int_equal(c.reason, SGP22_CANCEL_POSTPONED);
			seen++;
		}
	}
	assert_int_equal(seen, 4);
	samples_free(s, n);
}

static void test_malformed(void **state)
{
	struct sample s[40];
	size_t n = samples_build(s, 40), i;
	struct sgp22_store_metadata md = {.icon_type = -1, .profile_class = -1};
	struct sgp22_isc isc = {0};
	struct der_buf b;

	(void)state;
	for (i = 0; i < n; i++) {
		uint8_t *p = malloc(s[i].len + 1);

		memcpy(p, s[i].der, s[i].len);
		p[s[i].len] = 0x00;
		/* trailing byte, truncation, wrong outer tag */
		assert_int_equal(s[i].decode(p, s[i].len + 1), -EBADMSG);
		assert_int_equal(s[i].decode(p, s[i].len - 1), -EBADMSG);
		p[0] ^= 0x01;
		assert_int_equal(s[i].decode(p, s[i].len), -EBADMSG);
		assert_int_equal(s[i].decode(NULL, 0), -EINVAL);
		free(p);
	}
	/* Encoders refuse impossible fields and append nothing. */
	der_buf_init(&b);
	der_put(&b, 0x04, "x", 1);
	md.sp_name =
	    (struct sgp22_bytes){(const uint8_t *)"0123456789012345678901234567890123", 34};
	assert_int_equal(sgp22_encode_store_metadata(&b, &md), -EINVAL);
	assert_int_equal(sgp22_encode_isc(&b, &isc), -EINVAL); /* empty transactionId */
	assert_int_equal(b.len, 3);
	der_buf_free(&b);
	samples_free(s, n);
}

/* DeviceInfo.tac: 4 bytes in SGP.22 v2.x (lpac), 8 in our rsp.asn copy; 3 is neither. */
static void test_tac_sizes(void **state)
{
	static const uint8_t tac4[] = {0xA0, 0x0C, 0xA1, 0x0A, 0x80, 0x04, 0x35, 0x29,
				       0x06, 0x11, 0xA1, 0x02, 0x80, 0x00};
	static const uint8_t tac3[] = {0xA0, 0x0B, 0xA1, 0x09, 0x80, 0x03, 0x35, 0x29,
				       0x06, 0xA1, 0x02, 0x80, 0x00};
	struct sgp22_ctx_params1 cp;
	struct der_buf b;

	(void)state;
	assert_int_equal(sgp22_decode_ctx_params1(tac4, sizeof(tac4), &cp), 0);
	assert_int_equal(cp.tac_len, 4);
	assert_memory_equal(cp.tac, "\x35\x29\x06\x11", 4);
	der_buf_init(&b);
	assert_int_equal(sgp22_encode_ctx_params1(&b, &cp), 0);
	assert_int_equal(b.len, sizeof(tac4));
	assert_memory_equal(b.data, tac4, sizeof(tac4));
	der_buf_free(&b);
	assert_int_equal(sgp22_decode_ctx_params1(tac3, sizeof(tac3), &cp), -EBADMSG);
}

static void test_iccid(void **state)
{
	uint8_t bcd[10];
	char s[21];

	(void)state;
	assert_int_equal(sgp22_iccid_from_string("8949449999999990023", bcd), 0);
	assert_memory_equal(bcd, "\x98\x94\x44\x99\x99\x99\x99\x09\x20\xF3", 10);
	assert_int_equal(sgp22_iccid_to_string(bcd, s), 0);
	assert_string_equal(s, "8949449999999990023");
	assert_int_equal(sgp22_iccid_from_string("89494499999999900x3", bcd), -EINVAL);
	assert_int_equal(sgp22_iccid_from_string("894944", bcd), -EINVAL);
	memcpy(bcd, "\x98\xF4\x44\x99\x99\x99\x99\x09\x20\xF3", 10); /* digit after F */
	assert_int_equal(sgp22_iccid_to_string(bcd, s), -EBADMSG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_trips),	   cmocka_unit_test(test_vector_encodings),
	    cmocka_unit_test(test_hand_encodings), cmocka_unit_test(test_signed_bytes),
	    cmocka_unit_test(test_malformed),	   cmocka_unit_test(test_iccid),
	    cmocka_unit_test(test_tac_sizes),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
