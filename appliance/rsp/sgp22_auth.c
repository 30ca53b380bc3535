// SPDX-License-Identifier: Apache-2.0
/* Mutual authentication messages: CtxParams1, ServerSigned1,
 * AuthenticateServerRequest/Response (BF38) and EuiccSigned1. */
#include "sgp22_codec.h"

/* ---- CtxParams1 ------------------------------------------------------- */

int sgp22_ctx_params1_from(const struct der_tlv *msg, struct sgp22_ctx_params1 *out)
{
	struct der_iter it, di;
	struct der_tlv t, dev;
	int rc;

	memset(out, 0, sizeof(*out));
	if (msg->tag != 0xA0)
		return -EBADMSG;
	out->raw = sgp22_raw(msg);
	der_iter_init(&it, msg);
	rc = der_take(&it, 0x80, &t);
	if (!rc) {
		out->has_matching_id = true;
		out->matching_id = sgp22_val(&t);
	} else if (rc != -ENOENT) {
		goto fail;
	}
	TRY(der_expect(&it, 0xA1, &dev));
	der_iter_init(&di, &dev);
	/* SGP.22 v2.x has a 4-byte TAC (what lpac sends); our rsp.asn copy says 8. */
	TRY(der_expect(&di, 0x80, &t));
	if (t.len != 4 && t.len != 8)
		TRY(-EBADMSG);
	memcpy(out->tac, t.val, t.len);
	out->tac_len = t.len;
	TRY(der_expect(&di, 0xA1, &t));
	out->device_capabilities = sgp22_val(&t);
	rc = der_take(&di, 0x82, &t);
	if (!rc) {
		if (t.len != 8)
			TRY(-EBADMSG);
		memcpy(out->imei, t.val, 8);
		out->has_imei = true;
	} else if (rc != -ENOENT) {
		goto fail;
	}
	rc = 0;
fail:
	if (rc)
		memset(out, 0, sizeof(*out));
	return rc;
}

SGP22_DEFINE_DECODE(ctx_params1, 0xA0)

static int ctx_ok(const struct sgp22_ctx_params1 *in)
{
	struct der_iter it;
	struct der_tlv t;
	int rc;

	if (in->has_matching_id && !sgp22_len_ok(&in->matching_id, 0, 255))
		return 0;
	if (!sgp22_len_ok(&in->device_capabilities, 0, 1024))
		return 0;
	/* deviceCapabilities is put as is: it must be a list of TLVs. */
	der_iter_init_buf(&it, in->device_capabilities.p, in->device_capabilities.len);
	while ((rc = der_iter_next(&it, &t)) == 1)
		;
	return rc == 0;
}

int sgp22_encode_ctx_params1(struct der_buf *b, const struct sgp22_ctx_params1 *in)
{
	if (!b || !in || !ctx_ok(in))
		return -EINVAL;
	der_begin(b, 0xA0);
	if (in->has_matching_id)
		der_put(b, 0x80, in->matching_id.p, in->matching_id.len);
	der_begin(b, 0xA1);
	der_put(b, 0x80, in->tac, in->tac_len ? in->tac_len : 8);
	der_put(b, 0xA1, in->device_capabilities.p, in->device_capabilities.len);
	if (in->has_imei)
		der_put(b, 0x82, in->imei, 8);
	der_end(b);
	der_end(b);
	return sgp22_enc_done(b);
}

/* ---- ServerSigned1 ---------------------------------------------------- */

int sgp22_server_signed1_from(const struct der_tlv *msg, struct sgp22_server_signed1 *out)
{
	struct der_iter it;
	int rc;

	memset(out, 0, sizeof(*out));
	if (msg->tag != DER_SEQUENCE)
		return -EBADMSG;
	out->raw = sgp22_raw(msg);
	der_iter_init(&it, msg);
	TRY(sgp22_take_bytes(&it, 0x80, 1, SGP22_TID_MAX, &out->transaction_id));
	TRY(sgp22_take_fixed(&it, 0x81, out->euicc_challenge, 16));
	TRY(sgp22_take_bytes(&it, 0x83, 1, 255, &out->server_address));
	TRY(sgp22_take_fixed(&it, 0x84, out->server_challenge, 16));
fail:
	if (rc)
		memset(out, 0, sizeof(*out));
	return rc;
}

SGP22_DEFINE_DECODE(server_signed1, DER_SEQUENCE)

int sgp22_encode_server_signed1(struct der_buf *b, const struct sgp22_server_signed1 *in)
{
	if (!b || !in || !sgp22_tid_ok(&in->transaction_id) ||
	    !sgp22_len_ok(&in->server_address, 1, 255))
		return -EINVAL;
	der_begin(b, DER_SEQUENCE);
	der_put(b, 0x80, in->transaction_id.p, in->transaction_id.len);
	der_put(b, 0x81, in->euicc_challenge, 16);
	der_put(b, 0x83, in->server_address.p, in->server_address.len);
	der_put(b, 0x84, in->server_challenge, 16);
	der_end(b);
	return sgp22_enc_done(b);
}

/* ---- AuthenticateServerRequest ------------------------------------------ */

int sgp22_decode_auth_server_req(const uint8_t *buf, size_t len, struct sgp22_auth_server_req *out)
{
	struct der_tlv msg, t;
	struct der_iter it;
	int rc;

	if (!out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	TRY(sgp22_open_msg(buf, len, SGP22_TAG_AUTH_SERVER, &msg));
	der_iter_init(&it, &msg);
	TRY(der_expect(&it, DER_SEQUENCE, &t));
	TRY(sgp22_server_signed1_from(&t, &out->server_signed1));
	TRY(sgp22_take_signature(&it, out->server_signature1, NULL));
	TRY(sgp22_take_bytes(&it, DER_OCTET_STRING, 1, 32, &out->ci_pkid));
	TRY(sgp22_take_certificate(&it, &out->server_certificate));
	TRY(der_expect(&it, 0xA0, &t));
	TRY(sgp22_ctx_params1_from(&t, &out->ctx_params1));
fail:
	return sgp22_close_msg(rc, out, sizeof(*out));
}

int sgp22_encode_auth_server_req(struct der_buf *b, const struct sgp22_auth_server_req *in)
{
	const struct sgp22_server_signed1 *s = &in->server_signed1;

	if (!b || !in || !sgp22_tid_ok(&s->transaction_id) ||
	    !sgp22_len_ok(&s->server_address, 1, 255) || !sgp22_len_ok(&in->ci_pkid, 1, 32) ||
	    !sgp22_cert_ok(&in->server_certificate) || !ctx_ok(&in->ctx_params1))
		return -EINVAL;
	der_begin(b, SGP22_TAG_AUTH_SERVER);
	sgp22_encode_server_signed1(b, s);
	sgp22_put_signature(b, in->server_signature1);
	der_put(b, DER_OCTET_STRING, in->ci_pkid.p, in->ci_pkid.len);
	der_put_raw(b, in->server_certificate.p, in->server_certificate.len);
	sgp22_encode_ctx_params1(b, &in->ctx_params1);
	der_end(b);
	return sgp22_enc_done(b);
}

/* ---- EuiccSigned1 ------------------------------------------------------- */

int sgp22_euicc_signed1_from(const struct der_tlv *msg, struct sgp22_euicc_signed1 *out)
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
	TRY(sgp22_take_bytes(&it, 0x83, 1, 255, &out->server_address));
	TRY(sgp22_take_fixed(&it, 0x84, out->server_challenge, 16));
	TRY(der_expect(&it, SGP22_TAG_EUICC_INFO2, &t));
	TRY(sgp22_euicc_info2_from(&t, &out->euicc_info2));
	out->euicc_info2_raw = sgp22_raw(&t);
	TRY(der_expect(&it, 0xA0, &t));
	TRY(sgp22_ctx_params1_from(&t, &out->ctx_params1));
fail:
	if (rc)
		memset(out, 0, sizeof(*out));
	return rc;
}

SGP22_DEFINE_DECODE(euicc_signed1, DER_SEQUENCE)

static int info2_raw_ok(const struct sgp22_bytes *r)
{
	struct der_tlv t;

	return r->p && der_parse_exact(r->p, r->len, &t) == 0 && t.tag == SGP22_TAG_EUICC_INFO2;
}

static int euicc_signed1_ok(const struct sgp22_euicc_signed1 *in)
{
	return sgp22_tid_ok(&in->transaction_id) && sgp22_len_ok(&in->server_address, 1, 255) &&
	       (in->euicc_info2_raw.len ? info2_raw_ok(&in->euicc_info2_raw)
					: sgp22_euicc_info2_ok(&in->euicc_info2)) &&
	       ctx_ok(&in->ctx_params1);
}

int sgp22_encode_euicc_signed1(struct der_buf *b, const struct sgp22_euicc_signed1 *in)
{
	if (!b || !in || !euicc_signed1_ok(in))
		return -EINVAL;
	der_begin(b, DER_SEQUENCE);
	der_put(b, 0x80, in->transaction_id.p, in->transaction_id.len);
	der_put(b, 0x83, in->server_address.p, in->server_address.len);
	der_put(b, 0x84, in->server_challenge, 16);
	if (in->euicc_info2_raw.len)
		der_put_raw(b, in->euicc_info2_raw.p, in->euicc_info2_raw.len);
	else
		sgp22_encode_euicc_info2(b, &in->euicc_info2);
	sgp22_encode_ctx_params1(b, &in->ctx_params1);
	der_end(b);
	return sgp22_enc_done(b);
}

/* ---- AuthenticateServerResponse ---------------------------------------- */

int sgp22_decode_auth_server_resp(const uint8_t *buf, size_t len,
				  struct sgp22_auth_server_resp *out)
{
	struct der_tlv msg, choice, t;
	struct der_iter it;
	int rc;

	if (!out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	TRY(sgp22_open_msg(buf, len, SGP22_TAG_AUTH_SERVER, &msg));
	TRY(sgp22_take_only_child(&msg, &choice));
	der_iter_init(&it, &choice);
	if (choice.tag == 0xA0) {
		out->ok = true;
		TRY(der_expect(&it, DER_SEQUENCE, &t));
		TRY(sgp22_euicc_signed1_from(&t, &out->euicc_signed1));
		TRY(sgp22_take_signature(&it, out->euicc_signature1, &out->euicc_signature1_tlv));
		TRY(sgp22_take_certificate(&it, &out->euicc_certificate));
		TRY(sgp22_take_certificate(&it, &out->eum_certificate));
	} else if (choice.tag == 0xA1) {
		TRY(sgp22_take_error_result(&it, &out->error_transaction_id, &out->error_code));
	} else {
		TRY(-EBADMSG);
	}
fail:
	return sgp22_close_msg(rc, out, sizeof(*out));
}

int sgp22_encode_auth_server_resp(struct der_buf *b, const struct sgp22_auth_server_resp *in)
{
	if (!b || !in)
		return -EINVAL;
	if (!in->ok)
		return sgp22_encode_error_result(b, SGP22_TAG_AUTH_SERVER,
						 &in->error_transaction_id, in->error_code);
	if (!euicc_signed1_ok(&in->euicc_signed1) || !sgp22_cert_ok(&in->euicc_certificate) ||
	    !sgp22_cert_ok(&in->eum_certificate))
		return -EINVAL;
	der_begin(b, SGP22_TAG_AUTH_SERVER);
	der_begin(b, 0xA0);
	sgp22_encode_euicc_signed1(b, &in->euicc_signed1);
	sgp22_put_signature(b, in->euicc_signature1);
	der_put_raw(b, in->euicc_certificate.p, in->euicc_certificate.len);
	der_put_raw(b, in->eum_certificate.p, in->eum_certificate.len);
	der_end(b);
	der_end(b);
	return sgp22_enc_done(b);
}
