// SPDX-License-Identifier: Apache-2.0
/* EUICCInfo1 (BF20) and EUICCInfo2 (BF22): what the eUICC says about itself. */
#include "sgp22_codec.h"

int sgp22_decode_euicc_info1(const uint8_t *buf, size_t len, struct sgp22_euicc_info1 *out)
{
	struct der_tlv msg, t;
	struct der_iter it;
	int rc;

	if (!out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	TRY(sgp22_open_msg(buf, len, SGP22_TAG_EUICC_INFO1, &msg));
	der_iter_init(&it, &msg);
	TRY(sgp22_take_fixed(&it, 0x82, out->svn, 3));
	TRY(der_expect(&it, 0xA9, &t));
	TRY(sgp22_decode_pkids(&t, &out->ci_verify));
	TRY(der_expect(&it, 0xAA, &t));
	TRY(sgp22_decode_pkids(&t, &out->ci_sign));
fail:
	return sgp22_close_msg(rc, out, sizeof(*out));
}

int sgp22_encode_euicc_info1(struct der_buf *b, const struct sgp22_euicc_info1 *in)
{
	if (!b || !in || !sgp22_check_pkids(&in->ci_verify) || !sgp22_check_pkids(&in->ci_sign))
		return -EINVAL;
	der_begin(b, SGP22_TAG_EUICC_INFO1);
	der_put(b, 0x82, in->svn, 3);
	sgp22_encode_pkids(b, 0xA9, &in->ci_verify);
	sgp22_encode_pkids(b, 0xAA, &in->ci_sign);
	der_end(b);
	return sgp22_enc_done(b);
}

static int take_version(struct der_iter *it, uint32_t tag, bool *has, uint8_t v[3])
{
	struct der_tlv t;
	int rc = der_take(it, tag, &t);

	if (rc == -ENOENT) {
		*has = false;
		return 0;
	}
	if (rc)
		return rc;
	if (t.len != 3)
		return -EBADMSG;
	memcpy(v, t.val, 3);
	*has = true;
	return 0;
}

int sgp22_euicc_info2_from(const struct der_tlv *msg, struct sgp22_euicc_info2 *out)
{
	struct der_iter it;
	struct der_tlv t;
	uint64_t v;
	int rc;

	memset(out, 0, sizeof(*out));
	if (msg->tag != SGP22_TAG_EUICC_INFO2)
		return -EBADMSG;
	der_iter_init(&it, msg);
	TRY(sgp22_take_fixed(&it, 0x81, out->profile_version, 3));
	TRY(sgp22_take_fixed(&it, 0x82, out->svn, 3));
	TRY(sgp22_take_fixed(&it, 0x83, out->firmware_version, 3));
	TRY(sgp22_take_bytes(&it, 0x84, 0, SIZE_MAX, &out->ext_card_resource));
	TRY(sgp22_take_bitstring(&it, 0x85, &out->uicc_capability));
	TRY(take_version(&it, 0x86, &out->has_javacard_version, out->javacard_version));
	TRY(take_version(&it, 0x87, &out->has_gp_version, out->gp_version));
	TRY(sgp22_take_bitstring(&it, 0x88, &out->rsp_capability));
	TRY(der_expect(&it, 0xA9, &t));
	TRY(sgp22_decode_pkids(&t, &out->ci_verify));
	TRY(der_expect(&it, 0xAA, &t));
	TRY(sgp22_decode_pkids(&t, &out->ci_sign));
	out->euicc_category = -1;
	rc = der_take(&it, 0x8B, &t);
	if (!rc) {
		TRY(der_get_uint(&t, 255, &v));
		out->euicc_category = (int)v;
	} else if (rc != -ENOENT) {
		goto fail;
	}
	rc = der_take(&it, 0x99, &t);
	if (!rc) {
		out->forbidden_ppr = sgp22_val(&t);
		if (!sgp22_bitstring_ok(&out->forbidden_ppr))
			TRY(-EBADMSG);
	} else if (rc != -ENOENT) {
		goto fail;
	}
	TRY(sgp22_take_fixed(&it, DER_OCTET_STRING, out->pp_version, 3));
	TRY(sgp22_take_bytes(&it, DER_UTF8STRING, 0, 64, &out->sas_accreditation));
	TRY(sgp22_take_opt_bytes(&it, 0xAC, 1, SIZE_MAX, &out->certification_data));
	rc = 0; /* later fields (SGP.22 v2.2+) are skipped */
fail:
	if (rc)
		memset(out, 0, sizeof(*out));
	return rc;
}

SGP22_DEFINE_DECODE(euicc_info2, SGP22_TAG_EUICC_INFO2)

int sgp22_euicc_info2_ok(const struct sgp22_euicc_info2 *in)
{
	return sgp22_bitstring_ok(&in->uicc_capability) &&
	       sgp22_bitstring_ok(&in->rsp_capability) && sgp22_check_pkids(&in->ci_verify) &&
	       sgp22_check_pkids(&in->ci_sign) && sgp22_len_ok(&in->ext_card_resource, 0, 65535) &&
	       sgp22_len_ok(&in->sas_accreditation, 0, 64) && in->euicc_category <= 255 &&
	       (!in->forbidden_ppr.len || sgp22_bitstring_ok(&in->forbidden_ppr)) &&
	       (!in->certification_data.len || in->certification_data.p);
}

int sgp22_encode_euicc_info2(struct der_buf *b, const struct sgp22_euicc_info2 *in)
{
	if (!b || !in || !sgp22_euicc_info2_ok(in))
		return -EINVAL;
	der_begin(b, SGP22_TAG_EUICC_INFO2);
	der_put(b, 0x81, in->profile_version, 3);
	der_put(b, 0x82, in->svn, 3);
	der_put(b, 0x83, in->firmware_version, 3);
	der_put(b, 0x84, in->ext_card_resource.p, in->ext_card_resource.len);
	der_put(b, 0x85, in->uicc_capability.p, in->uicc_capability.len);
	if (in->has_javacard_version)
		der_put(b, 0x86, in->javacard_version, 3);
	if (in->has_gp_version)
		der_put(b, 0x87, in->gp_version, 3);
	der_put(b, 0x88, in->rsp_capability.p, in->rsp_capability.len);
	sgp22_encode_pkids(b, 0xA9, &in->ci_verify);
	sgp22_encode_pkids(b, 0xAA, &in->ci_sign);
	if (in->euicc_category >= 0)
		der_put_uint(b, 0x8B, (uint64_t)in->euicc_category);
	if (in->forbidden_ppr.len)
		der_put(b, 0x99, in->forbidden_ppr.p, in->forbidden_ppr.len);
	der_put(b, DER_OCTET_STRING, in->pp_version, 3);
	der_put(b, DER_UTF8STRING, in->sas_accreditation.p, in->sas_accreditation.len);
	if (in->certification_data.len)
		der_put(b, 0xAC, in->certification_data.p, in->certification_data.len);
	der_end(b);
	return sgp22_enc_done(b);
}
