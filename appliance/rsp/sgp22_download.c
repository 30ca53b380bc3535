// SPDX-License-Identifier: Apache-2.0
/* Download preparation: SmdpSigned2, PrepareDownloadRequest/Response (BF21),
 * EUICCSigned2. */
#include "sgp22_codec.h"

/* Optional hashCc (04, 32 bytes). */
static int take_hash_cc(struct der_iter *it, uint8_t hash[32], bool *has)
{
	struct der_tlv t;
	int rc = der_take(it, DER_OCTET_STRING, &t);

	*has = false;
	if (rc == -ENOENT)
		return 0;
	if (rc)
		return rc;
	if (t.len != 32)
		return -EBADMSG;
	memcpy(hash, t.val, 32);
	*has = true;
	return 0;
}

/* ---- SmdpSigned2 -------------------------------------------------------- */

int sgp22_smdp_signed2_from(const struct der_tlv *msg, struct sgp22_smdp_signed2 *out)
{
	struct der_iter it;
	struct der_tlv t;
	int rc;

	memset(out, 0, sizeof(*out));
	if (msg->tag != DER_SEQUENCE)
		return -EBADMSG;
	out->raw = sgp22_raw(msg);
	der_iter_init(&it, msg);
	TRY(sgp22_take_bytes(&it, 0x80, 1, SGP22_TID_MAX, &out->transaction_id));
	TRY(der_expect(&it, DER_BOOLEAN, &t));
	TRY(der_get_bool(&t, &out->cc_required));
	TRY(sgp22_take_opt_bytes(&it, SGP22_TAG_OTPK, SGP22_OTPK_LEN, SGP22_OTPK_LEN,
				 &out->bpp_euicc_otpk));
fail:
	if (rc)
		memset(out, 0, sizeof(*out));
	return rc;
}

SGP22_DEFINE_DECODE(smdp_signed2, DER_SEQUENCE)

static int smdp_signed2_ok(const struct sgp22_smdp_signed2 *in)
{
	return sgp22_tid_ok(&in->transaction_id) &&
	       (in->bpp_euicc_otpk.len == 0 ||
		sgp22_len_ok(&in->bpp_euicc_otpk, SGP22_OTPK_LEN, SGP22_OTPK_LEN));
}

int sgp22_encode_smdp_signed2(struct der_buf *b, const struct sgp22_smdp_signed2 *in)
{
	if (!b || !in || !smdp_signed2_ok(in))
		return -EINVAL;
	der_begin(b, DER_SEQUENCE);
	der_put(b, 0x80, in->transaction_id.p, in->transaction_id.len);
	der_put_bool(b, DER_BOOLEAN, in->cc_required);
	if (in->bpp_euicc_otpk.len)
		der_put(b, SGP22_TAG_OTPK, in->bpp_euicc_otpk.p, in->bpp_euicc_otpk.len);
	der_end(b);
	return sgp22_enc_done(b);
}

/* ---- PrepareDownloadRequest --------------------------------------------- */

int sgp22_decode_prepare_download_req(const uint8_t *buf, size_t len,
				      struct sgp22_prepare_download_req *out)
{
	struct der_tlv msg, t;
	struct der_iter it;
	int rc;

	if (!out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	TRY(sgp22_open_msg(buf, len, SGP22_TAG_PREPARE_DOWNLOAD, &msg));
	der_iter_init(&it, &msg);
	TRY(der_expect(&it, DER_SEQUENCE, &t));
	TRY(sgp22_smdp_signed2_from(&t, &out->smdp_signed2));
	TRY(sgp22_take_signature(&it, out->smdp_signature2, NULL));
	TRY(take_hash_cc(&it, out->hash_cc, &out->has_hash_cc));
	TRY(sgp22_take_certificate(&it, &out->smdp_certificate));
fail:
	return sgp22_close_msg(rc, out, sizeof(*out));
}

int sgp22_encode_prepare_download_req(struct der_buf *b,
				      const struct sgp22_prepare_download_req *in)
{
	if (!b || !in || !smdp_signed2_ok(&in->smdp_signed2) ||
	    !sgp22_cert_ok(&in->smdp_certificate))
		return -EINVAL;
	der_begin(b, SGP22_TAG_PREPARE_DOWNLOAD);
	sgp22_encode_smdp_signed2(b, &in->smdp_signed2);
	sgp22_put_signature(b, in->smdp_signature2);
	if (in->has_hash_cc)
		der_put(b, DER_OCTET_STRING, in->hash_cc, 32);
	der_put_raw(b, in->smdp_certificate.p, in->smdp_certificate.len);
	der_end(b);
	return sgp22_enc_done(b);
}

/* ---- EUICCSigned2 ------------------------------------------------------- */

int sgp22_euicc_signed2_from(const struct der_tlv *msg, struct sgp22_euicc_signed2 *out)
{
	struct der_iter it;
	int rc;

	memset(out, 0, sizeof(*out));
	if (msg->tag != DER_SEQUENCE)
		return -EBADMSG;
	out->raw = sgp22_raw(msg);
	der_iter_init(&it, msg);
	TRY(sgp22_take_bytes(&it, 0x80, 1, SGP22_TID_MAX, &out->transaction_id));
	TRY(sgp22_take_fixed(&it, SGP22_TAG_OTPK, out->euicc_otpk, SGP22_OTPK_LEN));
	TRY(take_hash_cc(&it, out->hash_cc, &out->has_hash_cc));
fail:
	if (rc)
		memset(out, 0, sizeof(*out));
	return rc;
}

SGP22_DEFINE_DECODE(euicc_signed2, DER_SEQUENCE)

int sgp22_encode_euicc_signed2(struct der_buf *b, const struct sgp22_euicc_signed2 *in)
{
	if (!b || !in || !sgp22_tid_ok(&in->transaction_id))
		return -EINVAL;
	der_begin(b, DER_SEQUENCE);
	der_put(b, 0x80, in->transaction_id.p, in->transaction_id.len);
	der_put(b, SGP22_TAG_OTPK, in->euicc_otpk, SGP22_OTPK_LEN);
	if (in->has_hash_cc)
		der_put(b, DER_OCTET_STRING, in->hash_cc, 32);
	der_end(b);
	return sgp22_enc_done(b);
}

/* ---- PrepareDownloadResponse -------------------------------------------- */

int sgp22_decode_prepare_download_resp(const uint8_t *buf, size_t len,
				       struct sgp22_prepare_download_resp *out)
{
	struct der_tlv msg, choice, t;
	struct der_iter it;
	int rc;

	if (!out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	TRY(sgp22_open_msg(buf, len, SGP22_TAG_PREPARE_DOWNLOAD, &msg));
	TRY(sgp22_take_only_child(&msg, &choice));
	der_iter_init(&it, &choice);
	if (choice.tag == 0xA0) {
		out->ok = true;
		TRY(der_expect(&it, DER_SEQUENCE, &t));
		TRY(sgp22_euicc_signed2_from(&t, &out->euicc_signed2));
		TRY(sgp22_take_signature(&it, out->euicc_signature2, NULL));
	} else if (choice.tag == 0xA1) {
		TRY(sgp22_take_error_result(&it, &out->error_transaction_id, &out->error_code));
	} else {
		TRY(-EBADMSG);
	}
fail:
	return sgp22_close_msg(rc, out, sizeof(*out));
}

int sgp22_encode_prepare_download_resp(struct der_buf *b,
				       const struct sgp22_prepare_download_resp *in)
{
	if (!b || !in)
		return -EINVAL;
	if (!in->ok)
		return sgp22_encode_error_result(b, SGP22_TAG_PREPARE_DOWNLOAD,
						 &in->error_transaction_id, in->error_code);
	if (!sgp22_tid_ok(&in->euicc_signed2.transaction_id))
		return -EINVAL;
	der_begin(b, SGP22_TAG_PREPARE_DOWNLOAD);
	der_begin(b, 0xA0);
	sgp22_encode_euicc_signed2(b, &in->euicc_signed2);
	sgp22_put_signature(b, in->euicc_signature2);
	der_end(b);
	der_end(b);
	return sgp22_enc_done(b);
}
