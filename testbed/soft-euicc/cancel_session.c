// SPDX-License-Identifier: Apache-2.0
/*
 * ES10b.CancelSession: the eUICC signs that it gives up the download in
 * progress, so the SM-DP+ can release the profile at once (ES9+.CancelSession)
 * instead of holding it until the session expires. Only the transaction this
 * eUICC is in can be cancelled; a refused cancel leaves that download alone.
 */
#include "seuicc_internal.h"

#include <errno.h>
#include <string.h>

#include "sgp22.h"

static bool reason_known(enum seuicc_cancel_reason r)
{
	switch (r) {
	case SEUICC_CANCEL_END_USER_REJECTION:
	case SEUICC_CANCEL_POSTPONED:
	case SEUICC_CANCEL_TIMEOUT:
	case SEUICC_CANCEL_PPR_NOT_ALLOWED:
	case SEUICC_CANCEL_METADATA_MISMATCH:
	case SEUICC_CANCEL_LOAD_BPP_EXECUTION_ERROR:
	case SEUICC_CANCEL_UNDEFINED_REASON:
		return true;
	}
	return false;
}

static int answer_error(struct seuicc *e, enum seuicc_cancel_error code, uint8_t **resp,
			size_t *resp_len, int *sgp_err)
{
	struct sgp22_cancel_session_resp r = { .ok = false, .error_code = code };
	struct der_buf b;
	int ret;

	der_buf_init(&b);
	ret = sgp22_encode_cancel_session_resp(&b, &r);
	if (ret) {
		der_buf_free(&b);
		return seuicc_fail(e, ret, "encoding CancelSessionResponse failed");
	}
	*sgp_err = code;
	return der_buf_take(&b, resp, resp_len);
}

/* Sign euiccCancelSessionSigned and build the ok answer. */
static int answer_ok(struct seuicc *e, struct sgp22_cancel_session_resp *r, uint8_t **resp,
		     size_t *resp_len)
{
	struct der_buf tbs, out;
	int ret;

	der_buf_init(&tbs);
	der_buf_init(&out);
	ret = sgp22_encode_cancel_session_signed(&tbs, r);
	if (!ret)
		ret = pdp_sign(e->accel, e->key, tbs.data, tbs.len, r->signature);
	if (!ret)
		ret = sgp22_encode_cancel_session_resp(&out, r);
	der_buf_free(&tbs);
	if (!ret)
		ret = der_buf_take(&out, resp, resp_len);
	if (ret) {
		der_buf_free(&out);
		return seuicc_fail(e, -EIO, "signing euiccCancelSessionSigned failed");
	}
	return 0;
}

int seuicc_cancel_session(struct seuicc *e, const uint8_t *tid, size_t tid_len,
			  enum seuicc_cancel_reason reason, uint8_t **resp, size_t *resp_len,
			  int *sgp_err)
{
	struct sgp22_cancel_session_resp r = { .ok = true };
	struct der_tlv oid;
	int ret;

	*sgp_err = 0;
	if (!tid || tid_len < 1 || tid_len > SGP22_TID_MAX)
		return seuicc_fail(e, -EINVAL, "CancelSession: transactionId of %zu bytes", tid_len);
	if (!reason_known(reason))
		return seuicc_fail(e, -EINVAL, "CancelSession: unknown reason %d", (int)reason);
	if (e->s.stage != SEUICC_AUTHENTICATED && e->s.stage != SEUICC_PREPARED) {
		seuicc_fail(e, 0, "CancelSession: no download in progress");
		return answer_error(e, SEUICC_CANCEL_E_INVALID_TID, resp, resp_len, sgp_err);
	}
	if (tid_len != e->s.tid_len || memcmp(tid, e->s.tid, tid_len)) {
		seuicc_fail(e, 0, "CancelSession: transactionId is not the session's");
		return answer_error(e, SEUICC_CANCEL_E_INVALID_TID, resp, resp_len, sgp_err);
	}
	/* The smdpOid field carries the OID's value bytes (81 ..), not the 06 TLV. */
	if (!e->s.dpauth_oid_len ||
	    der_parse_exact(e->s.dpauth_oid, e->s.dpauth_oid_len, &oid) || oid.tag != 0x06) {
		seuicc_fail(e, 0, "CancelSession: CERT.DPauth named no SM-DP+ OID");
		return answer_error(e, SEUICC_CANCEL_E_UNDEFINED, resp, resp_len, sgp_err);
	}
	r.transaction_id.p = e->s.tid;
	r.transaction_id.len = e->s.tid_len;
	r.smdp_oid.p = oid.val;
	r.smdp_oid.len = oid.len;
	r.reason = (unsigned)reason;
	ret = answer_ok(e, &r, resp, resp_len);
	if (ret)
		return ret;
	seuicc_session_reset(e);
	return 0;
}
