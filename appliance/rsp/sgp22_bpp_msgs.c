// SPDX-License-Identifier: Apache-2.0
/* The plaintext commands a BPP carries: InitialiseSecureChannelRequest (BF23),
 * ConfigureISDPRequest (BF24), StoreMetadataRequest (BF25),
 * ReplaceSessionKeysRequest (BF26). */
#include "sgp22_codec.h"

#define ISC_REMOTE_OP_INSTALL_BPP 1
#define ISC_KEY_TYPE_AES 0x88
#define ISC_KEY_LEN 16

/* ---- InitialiseSecureChannelRequest -------------------------------------- */

int sgp22_decode_isc(const uint8_t *buf, size_t len, struct sgp22_isc *out)
{
	struct der_tlv msg, t, crt;
	struct der_iter it, ci;
	uint64_t op;
	int rc;

	if (!out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	TRY(sgp22_open_msg(buf, len, SGP22_TAG_ISC, &msg));
	der_iter_init(&it, &msg);
	TRY(sgp22_take_uint(&it, 0x82, 255, &op));
	if (op != ISC_REMOTE_OP_INSTALL_BPP)
		TRY(-EBADMSG);
	TRY(sgp22_take_bytes(&it, 0x80, 1, SGP22_TID_MAX, &out->transaction_id));
	TRY(der_expect(&it, 0xA6, &crt));
	der_iter_init(&ci, &crt);
	TRY(der_expect(&ci, 0x80, &t));
	if (t.len != 1 || t.val[0] != ISC_KEY_TYPE_AES)
		TRY(-EBADMSG);
	TRY(der_expect(&ci, 0x81, &t));
	if (t.len != 1 || t.val[0] != ISC_KEY_LEN)
		TRY(-EBADMSG);
	TRY(sgp22_take_bytes(&ci, 0x84, 1, 16, &out->host_id));
	if (!der_iter_done(&ci))
		TRY(-EBADMSG);
	TRY(sgp22_take_fixed(&it, SGP22_TAG_OTPK, out->smdp_otpk, SGP22_OTPK_LEN));
	out->signed_part.p = msg.val;
	out->signed_part.len = (size_t)(it.p - msg.val);
	TRY(sgp22_take_signature(&it, out->smdp_sign, NULL));
	if (!der_iter_done(&it))
		TRY(-EBADMSG);
fail:
	return sgp22_close_msg(rc, out, sizeof(*out));
}

static int isc_ok(const struct sgp22_isc *in)
{
	return sgp22_tid_ok(&in->transaction_id) && sgp22_len_ok(&in->host_id, 1, 16);
}

/* The signed data objects 82 .. 5F49 (no BF23 header). */
static void put_isc_body(struct der_buf *b, const struct sgp22_isc *in)
{
	der_put_uint(b, 0x82, ISC_REMOTE_OP_INSTALL_BPP);
	der_put(b, 0x80, in->transaction_id.p, in->transaction_id.len);
	der_begin(b, 0xA6);
	der_put(b, 0x80, (const uint8_t[]){ISC_KEY_TYPE_AES}, 1);
	der_put(b, 0x81, (const uint8_t[]){ISC_KEY_LEN}, 1);
	der_put(b, 0x84, in->host_id.p, in->host_id.len);
	der_end(b);
	der_put(b, SGP22_TAG_OTPK, in->smdp_otpk, SGP22_OTPK_LEN);
}

int sgp22_encode_isc(struct der_buf *b, const struct sgp22_isc *in)
{
	if (!b || !in || !isc_ok(in))
		return -EINVAL;
	der_begin(b, SGP22_TAG_ISC);
	put_isc_body(b, in);
	sgp22_put_signature(b, in->smdp_sign);
	der_end(b);
	return sgp22_enc_done(b);
}

int sgp22_isc_tbs(struct der_buf *b, const struct sgp22_isc *in,
		  const uint8_t euicc_otpk[SGP22_OTPK_LEN])
{
	if (!b || !in || !euicc_otpk || !isc_ok(in))
		return -EINVAL;
	put_isc_body(b, in);
	der_put(b, SGP22_TAG_OTPK, euicc_otpk, SGP22_OTPK_LEN);
	return sgp22_enc_done(b);
}

/* ---- ConfigureISDPRequest ----------------------------------------------- */

int sgp22_decode_configure_isdp(const uint8_t *buf, size_t len, struct sgp22_configure_isdp *out)
{
	struct der_tlv msg, t;
	struct der_iter it, pi;
	int rc;

	if (!out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	TRY(sgp22_open_msg(buf, len, SGP22_TAG_CONFIGURE_ISDP, &msg));
	der_iter_init(&it, &msg);
	rc = der_take(&it, 0xB8, &t);
	if (!rc) {
		/* DpProprietaryData: at most 128 bytes including tag and length. */
		if (t.raw_len > 128)
			TRY(-EBADMSG);
		der_iter_init(&pi, &t);
		TRY(sgp22_take_bytes(&pi, DER_OID, 1, 64, &out->dp_oid));
	} else if (rc != -ENOENT) {
		goto fail;
	}
	rc = 0;
fail:
	return sgp22_close_msg(rc, out, sizeof(*out));
}

int sgp22_encode_configure_isdp(struct der_buf *b, const struct sgp22_configure_isdp *in)
{
	if (!b || !in || !sgp22_len_ok(&in->dp_oid, 0, 64))
		return -EINVAL;
	der_begin(b, SGP22_TAG_CONFIGURE_ISDP);
	if (in->dp_oid.len) {
		der_begin(b, 0xB8);
		der_put(b, DER_OID, in->dp_oid.p, in->dp_oid.len);
		der_end(b);
	}
	der_end(b);
	return sgp22_enc_done(b);
}

/* ---- StoreMetadataRequest ----------------------------------------------- */

static int take_opt_small_uint(struct der_iter *it, uint32_t tag, unsigned max, int *out)
{
	struct der_tlv t;
	uint64_t v;
	int rc = der_take(it, tag, &t);

	*out = -1;
	if (rc == -ENOENT)
		return 0;
	if (rc)
		return rc;
	rc = der_get_uint(&t, max, &v);
	if (!rc)
		*out = (int)v;
	return rc;
}

int sgp22_decode_store_metadata(const uint8_t *buf, size_t len, struct sgp22_store_metadata *out)
{
	struct der_tlv msg;
	struct der_iter it;
	int rc;

	if (!out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	TRY(sgp22_open_msg(buf, len, SGP22_TAG_STORE_METADATA, &msg));
	der_iter_init(&it, &msg);
	TRY(sgp22_take_fixed(&it, SGP22_TAG_ICCID, out->iccid, SGP22_ICCID_LEN));
	TRY(sgp22_take_bytes(&it, 0x91, 0, 32, &out->sp_name));
	TRY(sgp22_take_bytes(&it, 0x92, 0, 64, &out->profile_name));
	TRY(take_opt_small_uint(&it, 0x93, 1, &out->icon_type));
	TRY(sgp22_take_opt_bytes(&it, 0x94, 0, 1024, &out->icon));
	if (out->icon.p && out->icon_type < 0)
		TRY(-EBADMSG); /* icon only with iconType */
	TRY(take_opt_small_uint(&it, 0x95, 2, &out->profile_class));
	TRY(sgp22_take_opt_bytes(&it, 0xB6, 0, SIZE_MAX, &out->notification_config));
	TRY(sgp22_take_opt_bytes(&it, 0xB7, 0, SIZE_MAX, &out->profile_owner));
	TRY(sgp22_take_opt_bytes(&it, 0x99, 1, SIZE_MAX, &out->ppr));
	if (out->ppr.p && !sgp22_bitstring_ok(&out->ppr))
		TRY(-EBADMSG);
fail:
	return sgp22_close_msg(rc, out, sizeof(*out));
}

int sgp22_encode_store_metadata(struct der_buf *b, const struct sgp22_store_metadata *in)
{
	if (!b || !in || !sgp22_len_ok(&in->sp_name, 0, 32) ||
	    !sgp22_len_ok(&in->profile_name, 0, 64) || in->icon_type > 1 || in->profile_class > 2 ||
	    !sgp22_len_ok(&in->icon, 0, 1024) || (in->icon.len && in->icon_type < 0) ||
	    (in->ppr.len && !sgp22_bitstring_ok(&in->ppr)) ||
	    (in->notification_config.len && !in->notification_config.p) ||
	    (in->profile_owner.len && !in->profile_owner.p))
		return -EINVAL;
	der_begin(b, SGP22_TAG_STORE_METADATA);
	der_put(b, SGP22_TAG_ICCID, in->iccid, SGP22_ICCID_LEN);
	der_put(b, 0x91, in->sp_name.p, in->sp_name.len);
	der_put(b, 0x92, in->profile_name.p, in->profile_name.len);
	if (in->icon_type >= 0) {
		der_put_uint(b, 0x93, (uint64_t)in->icon_type);
		der_put(b, 0x94, in->icon.p, in->icon.len);
	}
	if (in->profile_class >= 0)
		der_put_uint(b, 0x95, (uint64_t)in->profile_class);
	if (in->notification_config.len)
		der_put(b, 0xB6, in->notification_config.p, in->notification_config.len);
	if (in->profile_owner.len)
		der_put(b, 0xB7, in->profile_owner.p, in->profile_owner.len);
	if (in->ppr.len)
		der_put(b, 0x99, in->ppr.p, in->ppr.len);
	der_end(b);
	return sgp22_enc_done(b);
}

/* ---- ReplaceSessionKeysRequest ------------------------------------------ */

int sgp22_decode_replace_session_keys(const uint8_t *buf, size_t len,
				      struct sgp22_replace_session_keys *out)
{
	struct der_tlv msg;
	struct der_iter it;
	int rc;

	if (!out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	TRY(sgp22_open_msg(buf, len, SGP22_TAG_REPLACE_SESSION_KEYS, &msg));
	der_iter_init(&it, &msg);
	TRY(sgp22_take_fixed(&it, 0x80, out->initial_mcv, 16));
	TRY(sgp22_take_fixed(&it, 0x81, out->ppk_enc, 16));
	TRY(sgp22_take_fixed(&it, 0x82, out->ppk_cmac, 16));
	if (!der_iter_done(&it))
		TRY(-EBADMSG);
fail:
	return sgp22_close_msg(rc, out, sizeof(*out));
}

int sgp22_encode_replace_session_keys(struct der_buf *b,
				      const struct sgp22_replace_session_keys *in)
{
	if (!b || !in)
		return -EINVAL;
	der_begin(b, SGP22_TAG_REPLACE_SESSION_KEYS);
	der_put(b, 0x80, in->initial_mcv, 16);
	der_put(b, 0x81, in->ppk_enc, 16);
	der_put(b, 0x82, in->ppk_cmac, 16);
	der_end(b);
	return sgp22_enc_done(b);
}
