// SPDX-License-Identifier: Apache-2.0
/*
 * ES9+.GetBoundProfilePackage (SGP.22 §5.6.2): verify euiccSignature2 and the
 * confirmation code, agree session keys with otPK.EUICC.ECKA, sign the
 * InitialiseSecureChannelRequest with SK.DPpb and bind the profile with fresh
 * profile protection keys. The profile turns "downloaded" only after the
 * whole answer is ready, so a failure leaves it allocated to this session.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../rsp/bpp.h"
#include "../rsp/sgp22.h"
#include "es9_internal.h"
#include "progress.h"
#include "euicc_identity.h"
#include "profile_metadata.h"

/* The inventory stores enum pdp_curve values and accel's point encoding as they are. */
_Static_assert(PDP_CURVE_P256 == 1 && PDP_CURVE_BP256R1 == 2, "inventory curve numbers");
_Static_assert(INV_EUICC_PUB_LEN == PDP_PUBKEY_LEN, "inventory eUICC key length");

/* Host ID of InitialiseSecureChannel (SGP.22: any 1..16 bytes the SM-DP+ chooses). */
static const uint8_t host_id[] = {'P', 'o', 'r', 't', '-', 'D', 'P', '+'};

/* The session ends and its profile returns to the stock (eUICC refused, CC retries spent). */
static void abandon(struct es9_worker *w, struct es9_session *s, const char *why)
{
	int ret = inv_release(w->inv, s->profile.id, s->tid, ES9_TID_LEN, why);

	if (ret)
		es9_log("release of profile %lld: %s", (long long)s->profile.id,
			inv_errmsg(w->inv));
	es9_session_end(w->svc->sessions, s);
}

static enum es9_status check_signed2(struct es9_worker *w, struct es9_call *c,
				     const struct es9_session *s,
				     const struct sgp22_prepare_download_resp *r)
{
	const struct sgp22_euicc_signed2 *e = &r->euicc_signed2;
	enum es9_status st;
	uint8_t *tbs;

	if (e->transaction_id.len != ES9_TID_LEN ||
	    memcmp(e->transaction_id.p, s->tid, ES9_TID_LEN))
		return es9_fail(c, ES9_E_TID_UNKNOWN, "signed transactionId differs");
	/* euiccSignature2 covers euiccSigned2 || smdpSignature2 (the 5F37 TLV). */
	tbs = malloc(e->raw.len + ES9_SIG_DO_LEN);
	if (!tbs)
		return es9_fail(c, ES9_E_INTERNAL, "out of memory");
	memcpy(tbs, e->raw.p, e->raw.len);
	memcpy(tbs + e->raw.len, s->smdp_sig2_do, ES9_SIG_DO_LEN);
	st = es9_euicc_verify(w, c, s->euicc_curve, s->euicc_pub, tbs, e->raw.len + ES9_SIG_DO_LEN,
			      r->euicc_signature2, "euiccSignature2");
	free(tbs);
	return st;
}

/* ES9_OK, or the failure with the session already ended when retries are spent. */
static enum es9_status check_confirmation_code(struct es9_worker *w, struct es9_call *c,
					       struct es9_session **sp, const struct inv_profile *p,
					       const struct sgp22_euicc_signed2 *e)
{
	struct es9_session *s = *sp;
	uint8_t expected[32];
	enum es9_status st;

	if (!s->profile.cc_required)
		return ES9_OK;
	if (!e->has_hash_cc)
		return es9_fail(c, ES9_E_CC_MISSING, "%s", "");
	if (inv_expected_hash_cc(p, s->tid, ES9_TID_LEN, expected))
		return es9_fail(c, ES9_E_INTERNAL, "no confirmation code stored");
	if (!memcmp(expected, e->hash_cc, sizeof(expected)))
		return ES9_OK;
	if (++s->cc_failures < ES9_CC_MAX_FAILURES)
		return es9_fail(c, ES9_E_CC_REFUSED, "%s", "");
	st = es9_worker_txn(w, c);
	if (st)
		return st;
	/* Point 2: the operator hears of it (a report lost with a failed queue is logged). */
	es9_progress(w, &s->profile, s->eid, ES9_POINT_CONFIRMATION_FAILURE, ES9_E_CC_RETRIES,
		     NULL);
	abandon(w, s, "confirmation code retries exceeded");
	*sp = NULL;
	return es9_fail(c, ES9_E_CC_RETRIES, "%s", "");
}

static int sign_dppb(void *ctx, const uint8_t *tbs, size_t tbs_len, uint8_t sig[SGP22_SIG_LEN])
{
	struct es9_worker *w = ctx;

	return pdp_sign(w->accel, w->dppb_key, tbs, tbs_len, sig);
}

static enum es9_status bind_profile(struct es9_worker *w, struct es9_call *c,
				    const struct es9_session *s, const struct inv_profile *p,
				    const struct sgp22_euicc_signed2 *e, uint8_t **bpp,
				    size_t *bpp_len)
{
	struct der_buf isc_buf, cfg_buf;
	struct sgp22_configure_isdp cfg = {0};
	struct sgp22_isc isc = {0};
	struct bpp_build_in in = {0};
	struct pdp_session *session = NULL;
	struct inv_sealed sealed = {0};
	struct pdp_sealed_upp su;
	uint8_t *metadata = NULL, *upp = NULL;
	size_t metadata_len, upp_len = 0;
	enum pdp_curve curve;
	uint8_t dp_pub[PDP_PUBKEY_LEN];
	enum es9_status st = ES9_OK;
	int ret;

	der_buf_init(&isc_buf);
	der_buf_init(&cfg_buf);
	/* otPK.DP.ECKA lives on the curve of CERT.DPpb (SGP.22 §5.6.2). */
	if (pdp_key_public(w->dppb_key, dp_pub, &curve)) {
		st = es9_fail(c, ES9_E_INTERNAL, "SK.DPpb has no public key");
		goto out;
	}
	ret = pdp_session_create(w->accel, curve, e->euicc_otpk, host_id, sizeof(host_id),
				 s->eid_bin, isc.smdp_otpk, &session);
	if (ret == -EINVAL) {
		st = es9_fail(c, ES9_E_FIELD_INVALID, "euiccOtpk is no point of the DPpb curve");
		goto out;
	}
	if (ret) {
		st = es9_fail(c, ES9_E_INTERNAL, "key agreement failed (%d)", ret);
		goto out;
	}
	isc.transaction_id.p = s->tid;
	isc.transaction_id.len = ES9_TID_LEN;
	isc.host_id.p = host_id;
	isc.host_id.len = sizeof(host_id);
	if (bpp_build_isc(&isc_buf, &isc, e->euicc_otpk, sign_dppb, w) ||
	    sgp22_encode_configure_isdp(&cfg_buf, &cfg) || der_buf_error(&isc_buf) ||
	    der_buf_error(&cfg_buf)) {
		st = es9_fail(c, ES9_E_INTERNAL, "InitialiseSecureChannel/ConfigureISDP failed");
		goto out;
	}
	if (es9_profile_metadata(p, s->server_address, &metadata, &metadata_len)) {
		st = es9_fail(c, ES9_E_INTERNAL, "profile metadata of %s", p->iccid);
		goto out;
	}
	if (w->stock) {
		/* The card path: the sealed UPP goes to the card, which opens and seals it. */
		if (inv_get_sealed_upp(w->inv, p->id, &sealed)) {
			st = es9_fail(c, ES9_E_INTERNAL, "inventory: %s", inv_errmsg(w->inv));
			goto out;
		}
		su.aad = sealed.aad;
		su.aad_len = sealed.aad_len;
		su.wrapped = sealed.wrapped;
		su.nonce = sealed.nonce;
		su.ct = sealed.ct;
		su.ct_len = sealed.ct_len;
		su.tag = sealed.tag;
		in.sealed = &su;
		in.stock = w->stock;
		upp_len = sealed.ct_len;
	} else if (inv_get_upp(w->inv, p->id, &upp, &upp_len)) {
		/* Opened for this one binding, wiped after it (never kept, never logged). */
		st = es9_fail(c, ES9_E_INTERNAL, "inventory: %s", inv_errmsg(w->inv));
		goto out;
	}
	in.isc = isc_buf.data;
	in.isc_len = isc_buf.len;
	in.configure_isdp = cfg_buf.data;
	in.configure_isdp_len = cfg_buf.len;
	in.store_metadata = metadata;
	in.store_metadata_len = metadata_len;
	in.upp = upp;
	in.upp_len = upp_len;
	in.replace_session_keys = true;
	in.mode = BPP_SEAL_BATCH;
	ret = bpp_build(w->accel, session, &in, bpp, bpp_len);
	if (ret == -EBADMSG || ret == -EKEYREJECTED)
		st = es9_fail(c, ES9_E_INTERNAL, "the sealed UPP of %s does not open (%s)", p->iccid,
			      ret == -EBADMSG ? "it fails its integrity check"
					      : "another stock key");
	else if (ret)
		st = es9_fail(c, ES9_E_INTERNAL, "binding the profile failed (%d)", ret);
out:
	if (session)
		pdp_session_close(w->accel, session);
	der_buf_free(&isc_buf);
	der_buf_free(&cfg_buf);
	free(metadata);
	free(sealed.blob);
	inv_free_upp(upp, upp ? upp_len : 0);
	return st;
}

enum es9_status es9_get_bound_profile_package(struct es9_worker *w, struct es9_call *c)
{
	struct es9_service *svc = w->svc;
	struct sgp22_prepare_download_resp r;
	struct es9_session *s = NULL;
	struct inv_euicc_key key;
	uint8_t tid[SGP22_TID_MAX], *pdr = NULL, *bpp = NULL;
	size_t tid_len, pdr_len, bpp_len = 0;
	enum es9_status st;
	int ret;

	st = es9_req_tid_and_b64(c, tid, sizeof(tid), &tid_len, "prepareDownloadResponse", &pdr,
				 &pdr_len);
	if (st)
		goto out;
	if (sgp22_decode_prepare_download_resp(pdr, pdr_len, &r)) {
		st = es9_fail(c, ES9_E_FIELD_INVALID, "prepareDownloadResponse does not decode");
		goto out;
	}
	st = es9_session_claim(svc->sessions, tid, tid_len, ES9_STEP_AUTHENTICATED, es9_now(svc),
			       &s);
	if (st)
		goto out;
	if (!r.ok) {
		/* The eUICC gave up on this download: SGP.22 ends the session. */
		if (r.error_transaction_id.len != ES9_TID_LEN ||
		    memcmp(r.error_transaction_id.p, s->tid, ES9_TID_LEN)) {
			st = es9_fail(c, ES9_E_TID_UNKNOWN, "error names another transactionId");
			goto out;
		}
		st = es9_worker_txn(w, c);
		if (st)
			goto out;
		abandon(w, s, "eUICC download error");
		s = NULL;
		st =
		    es9_fail(c, ES9_E_DOWNLOAD_ABORTED, "eUICC downloadErrorCode %u", r.error_code);
		goto out;
	}
	st = check_signed2(w, c, s, &r);
	if (st)
		goto out;
	/* May end the session (retries spent): nothing below reads s->profile on failure. */
	st = check_confirmation_code(w, c, &s, &s->profile, &r.euicc_signed2);
	if (st)
		goto out;
	st = bind_profile(w, c, s, &s->profile, &r.euicc_signed2, &bpp, &bpp_len);
	if (!st)
		st = es9_out_hex(c, "transactionId", s->tid, ES9_TID_LEN);
	if (!st)
		st = es9_out_b64(c, "boundProfilePackage", bpp, bpp_len);
	if (!st)
		st = es9_worker_txn(w, c);
	if (st)
		goto out;
	/*
	 * The one state change, last: from here the BPP may reach an eUICC. The eUICC's key
	 * goes with it, so its installation result can be verified after a restart too.
	 */
	key.curve = s->euicc_curve;
	memcpy(key.pub, s->euicc_pub, sizeof(key.pub));
	ret = inv_atomic_begin(w->inv);
	if (!ret) {
		ret = inv_mark_downloaded(w->inv, s->profile.id, s->tid, ES9_TID_LEN, &key);
		/* Point 3 commits with the download it reports, or neither does. */
		if (!ret && es9_progress(w, &s->profile, s->eid, ES9_POINT_BPP_DOWNLOAD, ES9_OK,
					 NULL))
			ret = -EIO;
		ret = inv_atomic_end(w->inv, ret);
	}
	if (ret == -EBUSY || ret == -ENOENT) {
		st = es9_fail(c, ES9_E_BPP_UNAVAILABLE, "allocation expired");
		goto out;
	}
	if (ret) {
		st = es9_fail(c, ES9_E_INTERNAL, "inventory: %s", inv_errmsg(w->inv));
		goto out;
	}
	es9_session_step(w, s, ES9_STEP_DOWNLOADED, es9_now(svc) + ES9_NOTIFY_RETENTION_S);
out:
	if (s)
		es9_session_put(svc->sessions, s);
	free(bpp);
	free(pdr);
	return st;
}
