// SPDX-License-Identifier: Apache-2.0
/* Valid sample encodings of every SGP.22 message (see samples.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "samples.h"
#include "sgp22.h"
#include "testutil.h"

/* Per message type: a decoder adapter and a decode+encode adapter. */
#define ADAPTERS(name, type)                                                                       \
	static int dec_##name(const uint8_t *buf, size_t len)                                      \
	{                                                                                          \
		type m;                                                                            \
		return sgp22_decode_##name(buf, len, &m);                                          \
	}                                                                                          \
	static int re_##name(const uint8_t *buf, size_t len, struct der_buf *b)                    \
	{                                                                                          \
		type m;                                                                            \
		int rc = sgp22_decode_##name(buf, len, &m);                                        \
		return rc ? rc : sgp22_encode_##name(b, &m);                                       \
	}

ADAPTERS(euicc_info1, struct sgp22_euicc_info1)
ADAPTERS(euicc_info2, struct sgp22_euicc_info2)
ADAPTERS(ctx_params1, struct sgp22_ctx_params1)
ADAPTERS(server_signed1, struct sgp22_server_signed1)
ADAPTERS(auth_server_req, struct sgp22_auth_server_req)
ADAPTERS(euicc_signed1, struct sgp22_euicc_signed1)
ADAPTERS(auth_server_resp, struct sgp22_auth_server_resp)
ADAPTERS(smdp_signed2, struct sgp22_smdp_signed2)
ADAPTERS(prepare_download_req, struct sgp22_prepare_download_req)
ADAPTERS(euicc_signed2, struct sgp22_euicc_signed2)
ADAPTERS(prepare_download_resp, struct sgp22_prepare_download_resp)
ADAPTERS(isc, struct sgp22_isc)
ADAPTERS(configure_isdp, struct sgp22_configure_isdp)
ADAPTERS(store_metadata, struct sgp22_store_metadata)
ADAPTERS(replace_session_keys, struct sgp22_replace_session_keys)
ADAPTERS(notification_metadata, struct sgp22_notification_metadata)
ADAPTERS(pir, struct sgp22_pir)
ADAPTERS(other_notification, struct sgp22_other_notification)
ADAPTERS(pending_notification, struct sgp22_pending_notification)
ADAPTERS(cancel_session_resp, struct sgp22_cancel_session_resp)

static uint8_t *euicc_cert, *eum_cert, *dp_cert;
static size_t euicc_cert_len, eum_cert_len, dp_cert_len;

#define B(s) ((struct sgp22_bytes){(const uint8_t *)(s), sizeof(s) - 1})
#define BN(p, n) ((struct sgp22_bytes){(const uint8_t *)(p), (n)})

static const uint8_t TID[16] = "0123456789abcdef";
static const uint8_t CHAL1[16] = "eUICC-challenge!";
static const uint8_t CHAL2[16] = "server-challenge";
static const uint8_t PKID[20] = {0xF5, 0x41, 0x72, 0xBD, 0xF9, 0x8A, 0x95, 0xD6, 0x5C, 0xBE,
				 0xB8, 0x8A, 0x38, 0xA1, 0xC1, 0x1D, 0x80, 0x0A, 0x85, 0xC3};
static uint8_t SIG[64], OTPK[65];
static const uint8_t DEVCAPS[] = {0x80, 0x03, 0x0D, 0x00, 0x00, 0x85, 0x03, 0x0F, 0x00, 0x00};
static const uint8_t SMDP_OID[] = {0x2B, 0x06, 0x01, 0x04, 0x01, 0x82, 0xED, 0x3C, 0x01};

static void info2(struct sgp22_euicc_info2 *i)
{
	memset(i, 0, sizeof(*i));
	memcpy(i->profile_version, "\x02\x03\x00", 3);
	memcpy(i->svn, "\x02\x02\x02", 3);
	memcpy(i->firmware_version, "\x01\x00\x00", 3);
	i->ext_card_resource = B("\x81\x01\x00\x82\x04\x00\x04\x00\x00\x83\x02\x22\x00");
	i->uicc_capability = B("\x02\x7F\xFC");
	i->has_javacard_version = true;
	memcpy(i->javacard_version, "\x03\x00\x05", 3);
	i->has_gp_version = true;
	memcpy(i->gp_version, "\x02\x03\x01", 3);
	i->rsp_capability = B("\x04\xB0");
	i->ci_verify.n = i->ci_sign.n = 1;
	i->ci_verify.id[0] = i->ci_sign.id[0] = BN(PKID, sizeof(PKID));
	i->euicc_category = 2;
	memcpy(i->pp_version, "\x00\x00\x01", 3);
	i->sas_accreditation = B("PORTDP-TEST-0001");
}

static void ctx(struct sgp22_ctx_params1 *c)
{
	memset(c, 0, sizeof(*c));
	c->has_matching_id = true;
	c->matching_id = B("MATCHING-ID-1");
	memcpy(c->tac, "\x35\x29\x06\x11\x00\x00\x00\x00", 8);
	c->device_capabilities = BN(DEVCAPS, sizeof(DEVCAPS));
}

static void notif(struct sgp22_notification_metadata *n, enum sgp22_notification_event e)
{
	memset(n, 0, sizeof(*n));
	n->seq_number = 300;
	n->operation = e;
	n->notification_address = B("smdp.example.com");
	n->has_iccid = true;
	memcpy(n->iccid, "\x98\x10\x32\x54\x76\x98\x10\x32\x54\xF6", 10);
}

static void add(struct sample *s, size_t *n, size_t max, const char *name, struct der_buf *b,
		int rc, sample_decode_fn dec, sample_reencode_fn re)
{
	assert_int_equal(rc, 0);
	assert_true(*n < max);
	s[*n].name = name;
	assert_int_equal(der_buf_take(b, &s[*n].der, &s[*n].len), 0);
	s[*n].decode = dec;
	s[*n].reencode = re;
	(*n)++;
	der_buf_init(b);
}

#define ADD(name, expr) add(s, &n, max, #name, &b, (expr), dec_##name, re_##name)

size_t samples_build(struct sample *s, size_t max)
{
	struct sgp22_euicc_info1 i1 = {.svn = {2, 2, 2}};
	struct sgp22_euicc_info2 i2;
	struct sgp22_ctx_params1 cp;
	struct sgp22_server_signed1 ss1 = {.transaction_id = BN(TID, 16),
					   .server_address = B("smdp.example.com")};
	struct sgp22_auth_server_req asr;
	struct sgp22_euicc_signed1 es1 = {.transaction_id = BN(TID, 16),
					  .server_address = B("smdp.example.com")};
	struct sgp22_auth_server_resp ar = {.ok = true};
	struct sgp22_auth_server_resp ae = {.error_transaction_id = BN(TID, 16),
					    .error_code = SGP22_AUTH_CI_PK_UNKNOWN};
	struct sgp22_smdp_signed2 sd2 = {.transaction_id = BN(TID, 16), .cc_required = true};
	struct sgp22_prepare_download_req pdr = {.has_hash_cc = true};
	struct sgp22_euicc_signed2 es2 = {.transaction_id = BN(TID, 16), .has_hash_cc = true};
	struct sgp22_prepare_download_resp pok = {.ok = true},
					   perr = {.error_transaction_id = BN(TID, 16),
						   .error_code = SGP22_DL_INVALID_SIGNATURE};
	struct sgp22_isc isc = {.transaction_id = BN(TID, 16), .host_id = B("mahlzeit")};
	struct sgp22_configure_isdp cfg = {.dp_oid = BN(SMDP_OID, sizeof(SMDP_OID))};
	struct sgp22_store_metadata md = {.sp_name = B("Port-DP+"),
					  .profile_name = B("Test"),
					  .icon_type = 1,
					  .icon = B("\x89PNG"),
					  .profile_class = 2,
					  .ppr = B("\x05\x40")};
	struct sgp22_replace_session_keys rsk;
	struct sgp22_notification_metadata nm;
	struct sgp22_pir pir_ok = {
	    .transaction_id = BN(TID, 16),
	    .smdp_oid = BN(SMDP_OID, sizeof(SMDP_OID)),
	    .success = true,
	    .aid = B("\xA0\x00\x00\x05\x59\x10\x10\xFF\xFF\xFF\xFF\x89\x00\x00\x01\x00"),
	    .sima_response = B("\x30\x03\x80\x01\x00")};
	struct sgp22_pir pir_err = {.transaction_id = BN(TID, 16),
				    .bpp_command_id = SGP22_BPP_CMD_LOAD_PROFILE_ELEMENTS,
				    .error_reason = SGP22_ERR_SCP03T_SECURITY_ERROR};
	struct sgp22_other_notification on;
	struct sgp22_pending_notification pn;
	struct sgp22_cancel_session_resp cs = {.ok = true,
					       .transaction_id = BN(TID, 16),
					       .smdp_oid = BN(SMDP_OID, sizeof(SMDP_OID)),
					       .reason = SGP22_CANCEL_POSTPONED};
	struct sgp22_cancel_session_resp ce = {.error_code = 5};
	struct der_buf b;
	size_t n = 0, i;

	for (i = 0; i < 64; i++)
		SIG[i] = (uint8_t)(0xA0 + i);
	OTPK[0] = 0x04;
	for (i = 1; i < 65; i++)
		OTPK[i] = (uint8_t)i;
	if (!euicc_cert) {
		euicc_cert = tu_load(tu_path("sgp26/euicc/euicc.der"), &euicc_cert_len);
		eum_cert = tu_load(tu_path("sgp26/euicc/eum.der"), &eum_cert_len);
		dp_cert =
		    tu_load(tu_path("sgp26/dppb/CERT_S_SM_DPpb_ECDSA_NIST.der"), &dp_cert_len);
	}
	assert_non_null(euicc_cert);
	assert_non_null(eum_cert);
	assert_non_null(dp_cert);
	der_buf_init(&b);

	i1.ci_verify.n = 1;
	i1.ci_verify.id[0] = BN(PKID, sizeof(PKID));
	i1.ci_sign = i1.ci_verify;
	ADD(euicc_info1, sgp22_encode_euicc_info1(&b, &i1));
	info2(&i2);
	ADD(euicc_info2, sgp22_encode_euicc_info2(&b, &i2));
	ctx(&cp);
	ADD(ctx_params1, sgp22_encode_ctx_params1(&b, &cp));
	memcpy(ss1.euicc_challenge, CHAL1, 16);
	memcpy(ss1.server_challenge, CHAL2, 16);
	ADD(server_signed1, sgp22_encode_server_signed1(&b, &ss1));
	memset(&asr, 0, sizeof(asr));
	asr.server_signed1 = ss1;
	memcpy(asr.server_signature1, SIG, 64);
	asr.ci_pkid = BN(PKID, sizeof(PKID));
	asr.server_certificate = BN(dp_cert, dp_cert_len);
	ctx(&asr.ctx_params1);
	ADD(auth_server_req, sgp22_encode_auth_server_req(&b, &asr));
	memcpy(es1.server_challenge, CHAL2, 16);
	info2(&es1.euicc_info2);
	ctx(&es1.ctx_params1);
	ADD(euicc_signed1, sgp22_encode_euicc_signed1(&b, &es1));
	ar.euicc_signed1 = es1;
	memcpy(ar.euicc_signature1, SIG, 64);
	ar.euicc_certificate = BN(euicc_cert, euicc_cert_len);
	ar.eum_certificate = BN(eum_cert, eum_cert_len);
	ADD(auth_server_resp, sgp22_encode_auth_server_resp(&b, &ar));
	ADD(auth_server_resp, sgp22_encode_auth_server_resp(&b, &ae));
	sd2.bpp_euicc_otpk = BN(OTPK, 65);
	ADD(smdp_signed2, sgp22_encode_smdp_signed2(&b, &sd2));
	pdr.smdp_signed2 = sd2;
	memcpy(pdr.smdp_signature2, SIG, 64);
	memset(pdr.hash_cc, 0x3C, 32);
	pdr.smdp_certificate = BN(dp_cert, dp_cert_len);
	ADD(prepare_download_req, sgp22_encode_prepare_download_req(&b, &pdr));
	memcpy(es2.euicc_otpk, OTPK, 65);
	memset(es2.hash_cc, 0x3C, 32);
	ADD(euicc_signed2, sgp22_encode_euicc_signed2(&b, &es2));
	pok.euicc_signed2 = es2;
	memcpy(pok.euicc_signature2, SIG, 64);
	ADD(prepare_download_resp, sgp22_encode_prepare_download_resp(&b, &pok));
	ADD(prepare_download_resp, sgp22_encode_prepare_download_resp(&b, &perr));
	memcpy(isc.smdp_otpk, OTPK, 65);
	memcpy(isc.smdp_sign, SIG, 64);
	ADD(isc, sgp22_encode_isc(&b, &isc));
	ADD(configure_isdp, sgp22_encode_configure_isdp(&b, &cfg));
	memcpy(md.iccid, "\x98\x10\x32\x54\x76\x98\x10\x32\x54\xF6", 10);
	md.notification_config = B("\x30\x13\x80\x02\x07\x80\x81\x0D"
				   "notify.exa.co");
	ADD(store_metadata, sgp22_encode_store_metadata(&b, &md));
	memset(rsk.initial_mcv, 0x22, 16);
	memset(rsk.ppk_enc, 0x00, 16);
	memset(rsk.ppk_cmac, 0x11, 16);
	ADD(replace_session_keys, sgp22_encode_replace_session_keys(&b, &rsk));
	notif(&nm, SGP22_NOTIFY_DELETE);
	ADD(notification_metadata, sgp22_encode_notification_metadata(&b, &nm));
	notif(&pir_ok.notification, SGP22_NOTIFY_INSTALL);
	memcpy(pir_ok.signature, SIG, 64);
	ADD(pir, sgp22_encode_pir(&b, &pir_ok));
	notif(&pir_err.notification, SGP22_NOTIFY_INSTALL);
	ADD(pir, sgp22_encode_pir(&b, &pir_err));
	memset(&on, 0, sizeof(on));
	notif(&on.tbs, SGP22_NOTIFY_ENABLE);
	memcpy(on.signature, SIG, 64);
	on.euicc_certificate = BN(euicc_cert, euicc_cert_len);
	on.eum_certificate = BN(eum_cert, eum_cert_len);
	ADD(other_notification, sgp22_encode_other_notification(&b, &on));
	memset(&pn, 0, sizeof(pn));
	pn.other = on;
	ADD(pending_notification, sgp22_encode_pending_notification(&b, &pn));
	memset(&pn, 0, sizeof(pn));
	pn.is_pir = true;
	pn.pir = pir_ok;
	ADD(pending_notification, sgp22_encode_pending_notification(&b, &pn));
	memcpy(cs.signature, SIG, 64);
	ADD(cancel_session_resp, sgp22_encode_cancel_session_resp(&b, &cs));
	ADD(cancel_session_resp, sgp22_encode_cancel_session_resp(&b, &ce));
	der_buf_free(&b);
	return n;
}

void samples_free(struct sample *s, size_t n)
{
	while (n--)
		free(s[n].der);
}
