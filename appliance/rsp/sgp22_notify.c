// SPDX-License-Identifier: Apache-2.0
/* Notifications and session cancel: NotificationMetadata (BF2F),
 * ProfileInstallationResult (BF37), OtherSignedNotification,
 * PendingNotification, CancelSessionResponse (BF41). */
#include "sgp22_codec.h"

/* ---- NotificationMetadata ----------------------------------------------- */

/* NotificationEvent with exactly one of bits 0..3 set (any unused-bit
 * count whose padding is zero: eUICCs differ on trimming). */
static int get_event(const struct der_tlv *t, enum sgp22_notification_event *out)
{
	struct sgp22_bytes v = sgp22_val(t);
	unsigned bit;

	if (v.len != 2 || !sgp22_bitstring_ok(&v))
		return -EBADMSG;
	for (bit = 0; bit < 4; bit++) {
		if (v.p[1] == (0x80 >> bit)) {
			*out = (enum sgp22_notification_event)bit;
			return 0;
		}
	}
	return -EBADMSG;
}

static void put_event(struct der_buf *b, uint32_t tag, enum sgp22_notification_event e)
{
	uint8_t v[2] = {(uint8_t)(7 - e), (uint8_t)(0x80 >> e)};

	der_put(b, tag, v, 2);
}

int sgp22_notification_metadata_from(const struct der_tlv *msg,
				     struct sgp22_notification_metadata *out)
{
	struct der_iter it;
	struct der_tlv t;
	int rc;

	memset(out, 0, sizeof(*out));
	if (msg->tag != SGP22_TAG_NOTIFICATION_METADATA)
		return -EBADMSG;
	out->raw = sgp22_raw(msg);
	der_iter_init(&it, msg);
	TRY(sgp22_take_uint(&it, 0x80, UINT64_MAX, &out->seq_number));
	TRY(der_expect(&it, 0x81, &t));
	TRY(get_event(&t, &out->operation));
	TRY(sgp22_take_bytes(&it, DER_UTF8STRING, 1, 255, &out->notification_address));
	rc = der_take(&it, SGP22_TAG_ICCID, &t);
	if (!rc) {
		if (t.len != SGP22_ICCID_LEN)
			TRY(-EBADMSG);
		memcpy(out->iccid, t.val, SGP22_ICCID_LEN);
		out->has_iccid = true;
	} else if (rc != -ENOENT) {
		goto fail;
	}
	rc = 0;
fail:
	if (rc)
		memset(out, 0, sizeof(*out));
	return rc;
}

SGP22_DEFINE_DECODE(notification_metadata, SGP22_TAG_NOTIFICATION_METADATA)

static int notification_ok(const struct sgp22_notification_metadata *in)
{
	return (unsigned)in->operation <= SGP22_NOTIFY_DELETE &&
	       sgp22_len_ok(&in->notification_address, 1, 255);
}

int sgp22_encode_notification_metadata(struct der_buf *b,
				       const struct sgp22_notification_metadata *in)
{
	if (!b || !in || !notification_ok(in))
		return -EINVAL;
	der_begin(b, SGP22_TAG_NOTIFICATION_METADATA);
	der_put_uint(b, 0x80, in->seq_number);
	put_event(b, 0x81, in->operation);
	der_put(b, DER_UTF8STRING, in->notification_address.p, in->notification_address.len);
	if (in->has_iccid)
		der_put(b, SGP22_TAG_ICCID, in->iccid, SGP22_ICCID_LEN);
	der_end(b);
	return sgp22_enc_done(b);
}

/* ---- ProfileInstallationResult ------------------------------------------ */

static int pir_data_from(const struct der_tlv *data, struct sgp22_pir *out)
{
	struct der_tlv t, res;
	struct der_iter it, ri;
	uint64_t v;
	int rc;

	der_iter_init(&it, data);
	TRY(sgp22_take_bytes(&it, 0x80, 1, SGP22_TID_MAX, &out->transaction_id));
	TRY(der_expect(&it, SGP22_TAG_NOTIFICATION_METADATA, &t));
	TRY(sgp22_notification_metadata_from(&t, &out->notification));
	TRY(sgp22_take_opt_bytes(&it, DER_OID, 1, 64, &out->smdp_oid));
	TRY(der_expect(&it, 0xA2, &t));
	TRY(sgp22_take_only_child(&t, &res));
	der_iter_init(&ri, &res);
	if (res.tag == 0xA0) {
		out->success = true;
		TRY(sgp22_take_bytes(&ri, 0x4F, 5, 16, &out->aid));
		TRY(sgp22_take_bytes(&ri, DER_OCTET_STRING, 0, SIZE_MAX, &out->sima_response));
	} else if (res.tag == 0xA1) {
		TRY(sgp22_take_uint(&ri, 0x80, 127, &v));
		out->bpp_command_id = (unsigned)v;
		TRY(sgp22_take_uint(&ri, 0x81, 127, &v));
		out->error_reason = (unsigned)v;
		TRY(sgp22_take_opt_bytes(&ri, 0x82, 0, SIZE_MAX, &out->sima_response));
	} else {
		TRY(-EBADMSG);
	}
fail:
	return rc;
}

int sgp22_pir_from(const struct der_tlv *msg, struct sgp22_pir *out)
{
	struct der_iter it;
	struct der_tlv data;
	int rc;

	memset(out, 0, sizeof(*out));
	if (msg->tag != SGP22_TAG_PIR)
		return -EBADMSG;
	der_iter_init(&it, msg);
	TRY(der_expect(&it, SGP22_TAG_PIR_DATA, &data));
	out->data_raw = sgp22_raw(&data);
	TRY(pir_data_from(&data, out));
	TRY(sgp22_take_signature(&it, out->signature, NULL));
fail:
	if (rc)
		memset(out, 0, sizeof(*out));
	return rc;
}

SGP22_DEFINE_DECODE(pir, SGP22_TAG_PIR)

static int pir_ok(const struct sgp22_pir *in)
{
	if (!sgp22_tid_ok(&in->transaction_id) || !notification_ok(&in->notification) ||
	    !sgp22_len_ok(&in->smdp_oid, 0, 64))
		return 0;
	if (in->success)
		return sgp22_len_ok(&in->aid, 5, 16) &&
		       (in->sima_response.p || !in->sima_response.len);
	return in->bpp_command_id <= 127 && in->error_reason <= 127 &&
	       (in->sima_response.p || !in->sima_response.len);
}

static void put_pir_data(struct der_buf *b, const struct sgp22_pir *in)
{
	der_begin(b, SGP22_TAG_PIR_DATA);
	der_put(b, 0x80, in->transaction_id.p, in->transaction_id.len);
	sgp22_encode_notification_metadata(b, &in->notification);
	if (in->smdp_oid.len)
		der_put(b, DER_OID, in->smdp_oid.p, in->smdp_oid.len);
	der_begin(b, 0xA2);
	if (in->success) {
		der_begin(b, 0xA0);
		der_put(b, 0x4F, in->aid.p, in->aid.len);
		der_put(b, DER_OCTET_STRING, in->sima_response.p, in->sima_response.len);
	} else {
		der_begin(b, 0xA1);
		der_put_uint(b, 0x80, in->bpp_command_id);
		der_put_uint(b, 0x81, in->error_reason);
		if (in->sima_response.len)
			der_put(b, 0x82, in->sima_response.p, in->sima_response.len);
	}
	der_end(b);
	der_end(b);
	der_end(b);
}

int sgp22_encode_pir_data(struct der_buf *b, const struct sgp22_pir *in)
{
	if (!b || !in || !pir_ok(in))
		return -EINVAL;
	put_pir_data(b, in);
	return sgp22_enc_done(b);
}

int sgp22_encode_pir(struct der_buf *b, const struct sgp22_pir *in)
{
	if (!b || !in || !pir_ok(in))
		return -EINVAL;
	der_begin(b, SGP22_TAG_PIR);
	put_pir_data(b, in);
	sgp22_put_signature(b, in->signature);
	der_end(b);
	return sgp22_enc_done(b);
}

/* ---- OtherSignedNotification -------------------------------------------- */

int sgp22_other_notification_from(const struct der_tlv *msg, struct sgp22_other_notification *out)
{
	struct der_iter it;
	struct der_tlv t;
	int rc;

	memset(out, 0, sizeof(*out));
	if (msg->tag != DER_SEQUENCE)
		return -EBADMSG;
	der_iter_init(&it, msg);
	TRY(der_expect(&it, SGP22_TAG_NOTIFICATION_METADATA, &t));
	TRY(sgp22_notification_metadata_from(&t, &out->tbs));
	TRY(sgp22_take_signature(&it, out->signature, NULL));
	TRY(sgp22_take_certificate(&it, &out->euicc_certificate));
	TRY(sgp22_take_certificate(&it, &out->eum_certificate));
fail:
	if (rc)
		memset(out, 0, sizeof(*out));
	return rc;
}

SGP22_DEFINE_DECODE(other_notification, DER_SEQUENCE)

int sgp22_encode_other_notification(struct der_buf *b, const struct sgp22_other_notification *in)
{
	if (!b || !in || !notification_ok(&in->tbs) || !sgp22_cert_ok(&in->euicc_certificate) ||
	    !sgp22_cert_ok(&in->eum_certificate))
		return -EINVAL;
	der_begin(b, DER_SEQUENCE);
	sgp22_encode_notification_metadata(b, &in->tbs);
	sgp22_put_signature(b, in->signature);
	der_put_raw(b, in->euicc_certificate.p, in->euicc_certificate.len);
	der_put_raw(b, in->eum_certificate.p, in->eum_certificate.len);
	der_end(b);
	return sgp22_enc_done(b);
}

/* ---- PendingNotification ------------------------------------------------ */

int sgp22_decode_pending_notification(const uint8_t *buf, size_t len,
				      struct sgp22_pending_notification *out)
{
	struct der_tlv msg;
	int rc;

	if (!out || !buf)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	TRY(der_parse_exact(buf, len, &msg));
	if (msg.tag == SGP22_TAG_PIR) {
		out->is_pir = true;
		TRY(sgp22_pir_from(&msg, &out->pir));
	} else {
		TRY(sgp22_other_notification_from(&msg, &out->other));
	}
fail:
	return sgp22_close_msg(rc, out, sizeof(*out));
}

int sgp22_encode_pending_notification(struct der_buf *b,
				      const struct sgp22_pending_notification *in)
{
	if (!b || !in)
		return -EINVAL;
	return in->is_pir ? sgp22_encode_pir(b, &in->pir)
			  : sgp22_encode_other_notification(b, &in->other);
}

/* ---- CancelSessionResponse ---------------------------------------------- */

int sgp22_decode_cancel_session_resp(const uint8_t *buf, size_t len,
				     struct sgp22_cancel_session_resp *out)
{
	struct der_tlv msg, choice, s;
	struct der_iter it, si;
	uint64_t v;
	int rc;

	if (!out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	TRY(sgp22_open_msg(buf, len, SGP22_TAG_CANCEL_SESSION, &msg));
	TRY(sgp22_take_only_child(&msg, &choice));
	if (choice.tag == 0xA0) {
		out->ok = true;
		der_iter_init(&it, &choice);
		TRY(der_expect(&it, DER_SEQUENCE, &s));
		out->signed_raw = sgp22_raw(&s);
		der_iter_init(&si, &s);
		TRY(sgp22_take_bytes(&si, 0x80, 1, SGP22_TID_MAX, &out->transaction_id));
		TRY(sgp22_take_bytes(&si, 0x81, 1, 64, &out->smdp_oid));
		TRY(sgp22_take_uint(&si, 0x82, 127, &v));
		out->reason = (unsigned)v;
		TRY(sgp22_take_signature(&it, out->signature, NULL));
	} else if (choice.tag == 0x81) {
		TRY(der_get_uint(&choice, 127, &v));
		out->error_code = (unsigned)v;
	} else {
		TRY(-EBADMSG);
	}
fail:
	return sgp22_close_msg(rc, out, sizeof(*out));
}

static int cancel_ok(const struct sgp22_cancel_session_resp *in)
{
	return sgp22_tid_ok(&in->transaction_id) && sgp22_len_ok(&in->smdp_oid, 1, 64) &&
	       in->reason <= 127;
}

static void put_cancel_signed(struct der_buf *b, const struct sgp22_cancel_session_resp *in)
{
	der_begin(b, DER_SEQUENCE);
	der_put(b, 0x80, in->transaction_id.p, in->transaction_id.len);
	der_put(b, 0x81, in->smdp_oid.p, in->smdp_oid.len);
	der_put_uint(b, 0x82, in->reason);
	der_end(b);
}

int sgp22_encode_cancel_session_signed(struct der_buf *b,
				       const struct sgp22_cancel_session_resp *in)
{
	if (!b || !in || !cancel_ok(in))
		return -EINVAL;
	put_cancel_signed(b, in);
	return sgp22_enc_done(b);
}

int sgp22_encode_cancel_session_resp(struct der_buf *b, const struct sgp22_cancel_session_resp *in)
{
	if (!b || !in)
		return -EINVAL;
	if (in->ok) {
		if (!cancel_ok(in))
			return -EINVAL;
		der_begin(b, SGP22_TAG_CANCEL_SESSION);
		der_begin(b, 0xA0);
		put_cancel_signed(b, in);
		sgp22_put_signature(b, in->signature);
		der_end(b);
	} else {
		if (in->error_code > 127)
			return -EINVAL;
		der_begin(b, SGP22_TAG_CANCEL_SESSION);
		der_put_uint(b, 0x81, in->error_code);
	}
	der_end(b);
	return sgp22_enc_done(b);
}
