// SPDX-License-Identifier: Apache-2.0
/*
 * ES10b.PrepareDownload: check CERT.DPpb and smdpSignature2 (it covers
 * smdpSigned2 || the 5F37 euiccSignature1 TLV this eUICC made in
 * AuthenticateServer, so it binds the two steps), make the one-time key pair
 * otPK/otSK.EUICC.ECKA and sign euiccSigned2 || 5F37 smdpSignature2.
 */
#include "seuicc_internal.h"

#include <errno.h>
#include <string.h>

enum dl_err {
	DL_INVALID_CERTIFICATE = 1,
	DL_INVALID_SIGNATURE = 2,
	DL_UNSUPPORTED_CURVE = 3,
	DL_NO_SESSION = 4,
	DL_INVALID_TID = 5,
	DL_UNDEFINED = 127,
};

static int check_dppb(struct seuicc *e, const struct der_tlv *cert_tlv)
{
	enum pdp_cert_status st;
	struct pdp_cert *cert;

	st = seuicc_dp_cert(e, cert_tlv, &cert);
	/* Sign-only still needs the curve and the SM-DP+ OID, not the chain. */
	if (!st && !e->sign_only)
		st = pdp_cert_verify_dp(e->verifier, cert, PDP_CERT_ROLE_DP_PB, seuicc_now(e));
	if (!st)
		st = pdp_cert_public_key(cert, e->s.dppb_pub, &e->s.dppb_curve);
	if (!st && seuicc_cert_smdp_oid(cert, e->s.smdp_oid, sizeof(e->s.smdp_oid),
					&e->s.smdp_oid_len))
		e->s.smdp_oid_len = 0;
	pdp_cert_free(cert);
	if (st == PDP_CERT_ERR_CURVE)
		return seuicc_fail(e, DL_UNSUPPORTED_CURVE, "CERT.DPpb: unsupported curve");
	if (st)
		return seuicc_fail(e, DL_INVALID_CERTIFICATE, "CERT.DPpb: %s",
				   pdp_cert_strerror(st));
	return 0;
}

/* Append 5F37 over euiccSigned2 (from @start) || smdpSignature2 TLV. */
static int sign_euicc_signed2(struct seuicc *e, struct der_buf *b, size_t start,
			      const struct der_tlv *sig2)
{
	size_t mlen = b->len - start;
	uint8_t msg[512];

	if (mlen + sig2->raw_len > sizeof(msg))
		return -EINVAL;
	memcpy(msg, b->data + start, mlen);
	memcpy(msg + mlen, sig2->raw, sig2->raw_len);
	return seuicc_sign_tlv(e, msg, mlen + sig2->raw_len, b);
}

int seuicc_prepare_download(struct seuicc *e, const uint8_t *req, size_t req_len,
			    uint8_t **resp, size_t *resp_len, int *sgp_err)
{
	struct der_tlv top, signed2, sig2, hash_cc = { 0 }, cert, tid, ccflag, otpk;
	struct der_iter it, sit;
	bool cc_required;
	struct der_buf b;
	size_t s2_start;
	int code, r;

	*sgp_err = 0;
	if (der_parse_exact(req, req_len, &top) || top.tag != 0xBF21)
		return seuicc_fail(e, -EINVAL, "PrepareDownloadRequest is no BF21 TLV");
	der_iter_init(&it, &top);
	if (der_expect(&it, DER_SEQUENCE, &signed2) || der_expect(&it, 0x5F37, &sig2))
		return seuicc_fail(e, -EINVAL, "PrepareDownloadRequest malformed");
	r = der_take(&it, DER_OCTET_STRING, &hash_cc);
	if (r == -EBADMSG || (!r && hash_cc.len != 32) || der_expect(&it, DER_SEQUENCE, &cert) ||
	    !der_iter_done(&it))
		return seuicc_fail(e, -EINVAL, "PrepareDownloadRequest malformed");
	der_iter_init(&sit, &signed2);
	if (der_expect(&sit, 0x80, &tid) || tid.len < 1 || tid.len > 16 ||
	    der_expect(&sit, DER_BOOLEAN, &ccflag) || der_get_bool(&ccflag, &cc_required))
		return seuicc_fail(e, -EINVAL, "smdpSigned2 malformed");
	r = der_take(&sit, 0x5F49, &otpk);
	if (r == -EBADMSG || !der_iter_done(&sit))
		return seuicc_fail(e, -EINVAL, "smdpSigned2 malformed");
	/* A retry with bppEuiccOtpk (re-using a bound BPP) needs a kept otSK: we keep none. */
	if (!r)
		return seuicc_answer_error(e, 0xBF21, &tid, DL_UNDEFINED, resp, resp_len, sgp_err);

	if (e->s.stage != SEUICC_AUTHENTICATED) {
		seuicc_fail(e, 0, "PrepareDownload without AuthenticateServer");
		return seuicc_answer_error(e, 0xBF21, &tid, DL_NO_SESSION, resp, resp_len, sgp_err);
	}
	code = check_dppb(e, &cert);
	if (code)
		return seuicc_answer_error(e, 0xBF21, &tid, code, resp, resp_len, sgp_err);
	if (tid.len != e->s.tid_len || memcmp(tid.val, e->s.tid, tid.len)) {
		seuicc_fail(e, 0, "smdpSigned2 transactionId is not the session's");
		return seuicc_answer_error(e, 0xBF21, &tid, DL_INVALID_TID,
					   resp, resp_len, sgp_err);
	}
	if (!e->sign_only && seuicc_verify_concat(e, e->s.dppb_curve, e->s.dppb_pub, signed2.raw, signed2.raw_len,
				 e->s.euicc_sig1_tlv, e->s.euicc_sig1_tlv_len, &sig2)) {
		seuicc_fail(e, 0, "smdpSignature2 does not verify");
		return seuicc_answer_error(e, 0xBF21, &tid, DL_INVALID_SIGNATURE,
					   resp, resp_len, sgp_err);
	}
	if (cc_required != !!hash_cc.len) {
		seuicc_fail(e, 0, cc_required ? "confirmation code required but no hashCc"
					     : "hashCc given but none required");
		return seuicc_answer_error(e, 0xBF21, &tid, DL_UNDEFINED, resp, resp_len, sgp_err);
	}
	if (seuicc_ecdh_keygen(e, e->s.dppb_curve, &e->s.ot_key, e->s.ot_pub))
		return seuicc_fail(e, -EIO, "one-time key generation failed");

	der_buf_init(&b);
	der_begin(&b, 0xBF21);
	der_begin(&b, 0xA0);
	s2_start = b.len;
	der_begin(&b, DER_SEQUENCE);
	der_put(&b, 0x80, tid.val, tid.len);
	der_put(&b, 0x5F49, e->s.ot_pub, PDP_PUBKEY_LEN);
	if (hash_cc.len)
		der_put(&b, DER_OCTET_STRING, hash_cc.val, hash_cc.len);
	der_end(&b);
	if (!b.err && sign_euicc_signed2(e, &b, s2_start, &sig2)) {
		der_buf_free(&b);
		return seuicc_fail(e, -EIO, "signing euiccSigned2 failed");
	}
	der_end(&b);
	der_end(&b);
	e->s.stage = SEUICC_PREPARED;
	return der_buf_take(&b, resp, resp_len);
}
