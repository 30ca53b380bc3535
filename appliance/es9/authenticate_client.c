// SPDX-License-Identifier: Apache-2.0
/*
 * ES9+.AuthenticateClient (SGP.22 §5.6.3): authenticate the eUICC (chain,
 * euiccSignature1, the session's transactionId, serverChallenge and address),
 * pick the profile (matchingId, or the next available one when the eUICC
 * came without one: default SM-DP+ on a factory line), allocate it until the
 * session deadline and sign smdpSigned2 with SK.DPpb.
 *
 * Order: everything that can fail runs before the one inventory write, so a
 * failure changes nothing; the session only moves on after that write.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../rsp/sgp22.h"
#include "es9_internal.h"
#include "euicc_identity.h"
#include "profile_metadata.h"
#include "progress.h"

struct auth_ctx {
	struct sgp22_auth_server_resp r;
	struct es9_euicc_identity id;
	struct inv_profile profile;
	int64_t deadline;
	uint8_t *metadata;
	size_t metadata_len;
	uint8_t *smdp_signed2;
	size_t smdp_signed2_len;
	uint8_t sig2_do[ES9_SIG_DO_LEN];
};

/* The eUICC signed what this session sent it. */
static enum es9_status check_signed1(struct es9_worker *w, struct es9_call *c,
				     const struct es9_session *s, struct auth_ctx *a)
{
	const struct sgp22_euicc_signed1 *e = &a->r.euicc_signed1;
	enum es9_status st;

	st = es9_euicc_verify(w, c, a->id.curve, a->id.pub, e->raw.p, e->raw.len,
			      a->r.euicc_signature1, "euiccSignature1");
	if (st)
		return st;
	if (e->transaction_id.len != ES9_TID_LEN ||
	    memcmp(e->transaction_id.p, s->tid, ES9_TID_LEN))
		return es9_fail(c, ES9_E_TID_UNKNOWN, "signed transactionId differs");
	if (memcmp(e->server_challenge, s->server_challenge, ES9_CHALLENGE_LEN))
		return es9_fail(c, ES9_E_EUICC_VERIFY, "serverChallenge differs");
	if (e->server_address.len != strlen(s->server_address) ||
	    memcmp(e->server_address.p, s->server_address, e->server_address.len))
		return es9_fail(c, ES9_E_EUICC_VERIFY, "serverAddress differs");
	return ES9_OK;
}

/*
 * An operator's profile (ES2+) goes only where its order says: released, and to the order's
 * EID when it names one. Before confirmOrder its matching ID is a placeholder nobody was
 * given; confirmed but not released is not downloadable yet. The database refuses the
 * allocation anyway; this picks the SGP.22 code.
 */
static enum es9_status check_order(struct es9_call *c, const struct auth_ctx *a)
{
	const struct inv_profile *p = &a->profile;

	switch (p->order) {
	case INV_ORDER_DIRECT:
		return ES9_OK;
	case INV_ORDER_RELEASED:
		if (p->order_eid[0] && strcasecmp(p->order_eid, a->id.eid))
			return es9_fail(c, ES9_E_EID_REFUSED, "profile is ordered for another EID");
		return ES9_OK;
	case INV_ORDER_CONFIRMED:
		return es9_fail(c, ES9_E_PROFILE_NOT_RELEASED, "the order is not released");
	default:
		return es9_fail(c, ES9_E_MATCHING_ID_REFUSED, "no order confirmed this matchingId");
	}
}

/* A profile named by matchingId must be available; it is allocated last. */
static enum es9_status find_by_matching_id(struct es9_worker *w, struct es9_call *c,
					   struct auth_ctx *a)
{
	const struct sgp22_bytes *m = &a->r.euicc_signed1.ctx_params1.matching_id;
	char mid[INV_MATCHING_ID_MAX];
	int ret;

	if (m->len >= sizeof(mid) || memchr(m->p, 0, m->len))
		return es9_fail(c, ES9_E_MATCHING_ID_REFUSED, "%s", "");
	memcpy(mid, m->p, m->len);
	mid[m->len] = '\0';
	ret = inv_get_by_matching_id(w->inv, mid, &a->profile);
	if (ret == -ENOENT || ret == -EINVAL)
		return es9_fail(c, ES9_E_MATCHING_ID_REFUSED, "%s", "");
	if (ret)
		return es9_fail(c, ES9_E_INTERNAL, "inventory: %s", inv_errmsg(w->inv));
	if (a->profile.state != INV_AVAILABLE)
		return es9_fail(c, ES9_E_PROFILE_NOT_RELEASED, "profile is %s",
				inv_state_name(a->profile.state));
	return check_order(c, a);
}

static enum es9_status build_answer(struct es9_worker *w, struct es9_call *c,
				    const struct es9_session *s, struct auth_ctx *a)
{
	struct sgp22_smdp_signed2 sd2 = {0};
	struct der_buf b;
	size_t tbs_len;
	uint8_t *tbs;

	if (es9_profile_metadata(&a->profile, s->server_address, &a->metadata, &a->metadata_len))
		return es9_fail(c, ES9_E_INTERNAL, "profile metadata of %s", a->profile.iccid);

	sd2.transaction_id.p = s->tid;
	sd2.transaction_id.len = ES9_TID_LEN;
	sd2.cc_required = a->profile.cc_required != 0;
	der_buf_init(&b);
	if (sgp22_encode_smdp_signed2(&b, &sd2) ||
	    der_buf_take(&b, &a->smdp_signed2, &a->smdp_signed2_len))
		return es9_fail(c, ES9_E_INTERNAL, "smdpSigned2 encoding failed");

	/* smdpSignature2 covers smdpSigned2 || euiccSignature1 (the 5F37 TLV). */
	tbs_len = a->smdp_signed2_len + a->r.euicc_signature1_tlv.len;
	tbs = malloc(tbs_len);
	if (!tbs)
		return es9_fail(c, ES9_E_INTERNAL, "out of memory");
	memcpy(tbs, a->smdp_signed2, a->smdp_signed2_len);
	memcpy(tbs + a->smdp_signed2_len, a->r.euicc_signature1_tlv.p,
	       a->r.euicc_signature1_tlv.len);
	a->sig2_do[0] = 0x5F;
	a->sig2_do[1] = 0x37;
	a->sig2_do[2] = PDP_SIG_LEN;
	if (pdp_sign(w->accel, w->dppb_key, tbs, tbs_len, a->sig2_do + 3)) {
		free(tbs);
		return es9_fail(c, ES9_E_INTERNAL, "signing with SK.DPpb failed");
	}
	free(tbs);
	return ES9_OK;
}

static enum es9_status render(struct es9_worker *w, struct es9_call *c, const struct es9_session *s,
			      const struct auth_ctx *a)
{
	const uint8_t *cert;
	size_t cert_len;
	enum es9_status st;

	cert = pdp_cert_der(w->svc->dppb_cert, &cert_len);
	st = es9_out_hex(c, "transactionId", s->tid, ES9_TID_LEN);
	if (!st)
		st = es9_out_b64(c, "profileMetadata", a->metadata, a->metadata_len);
	if (!st)
		st = es9_out_b64(c, "smdpSigned2", a->smdp_signed2, a->smdp_signed2_len);
	if (!st)
		st = es9_out_b64(c, "smdpSignature2", a->sig2_do, sizeof(a->sig2_do));
	if (!st)
		st = es9_out_b64(c, "smdpCertificate", cert, cert_len);
	return st;
}

/* Allocate (the one state change) and answer; undo the allocation if answering fails. */
static enum es9_status allocate_and_answer(struct es9_worker *w, struct es9_call *c,
					   const struct es9_session *s, struct auth_ctx *a)
{
	const struct sgp22_ctx_params1 *ctx = &a->r.euicc_signed1.ctx_params1;
	int by_matching_id = ctx->has_matching_id && ctx->matching_id.len > 0;
	enum es9_status st;
	int64_t id;
	int ret;

	if (by_matching_id) {
		/* Read and sign first: the write lock is taken only for the allocation. */
		st = find_by_matching_id(w, c, a);
		if (!st)
			st = build_answer(w, c, s, a);
		if (!st)
			st = es9_worker_txn(w, c);
		if (st)
			return st;
		/* Refused unless still available: a profile taken meanwhile is caught here. */
		ret = inv_allocate(w->inv, a->profile.id, a->id.eid, s->tid, ES9_TID_LEN,
				   a->deadline);
		if (ret == -EBUSY || ret == -ENOENT)
			return es9_fail(c, ES9_E_PROFILE_NOT_RELEASED, "profile was just taken");
		if (ret)
			return es9_fail(c, ES9_E_INTERNAL, "inventory: %s", inv_errmsg(w->inv));
	} else {
		st = es9_worker_txn(w, c);
		if (st)
			return st;
		ret = inv_allocate_any(w->inv, a->id.eid, s->tid, ES9_TID_LEN, a->deadline, &id);
		if (ret == -ENOENT)
			return es9_fail(c, ES9_E_NO_ELIGIBLE, "no profile available");
		if (ret)
			return es9_fail(c, ES9_E_INTERNAL, "inventory: %s", inv_errmsg(w->inv));
		ret = inv_get_by_id(w->inv, id, &a->profile);
		st = ret ? es9_fail(c, ES9_E_INTERNAL, "inventory: %s", inv_errmsg(w->inv))
			 : build_answer(w, c, s, a);
		if (st) {
			inv_release(w->inv, id, s->tid, ES9_TID_LEN, "authenticateClient failed");
			return st;
		}
	}
	st = render(w, c, s, a);
	/* The owner learns that this eUICC passed the eligibility check (point 1). */
	if (!st && es9_progress(w, &a->profile, a->id.eid, ES9_POINT_ELIGIBILITY, ES9_OK, NULL))
		st = es9_fail(c, ES9_E_INTERNAL, "cannot queue the progress report");
	if (st)
		inv_release(w->inv, a->profile.id, s->tid, ES9_TID_LEN,
			    "authenticateClient failed");
	return st;
}

enum es9_status es9_authenticate_client(struct es9_worker *w, struct es9_call *c)
{
	struct es9_service *svc = w->svc;
	struct auth_ctx a;
	struct es9_session *s = NULL;
	uint8_t tid[SGP22_TID_MAX], *asr = NULL;
	size_t tid_len, asr_len;
	enum es9_status st;

	memset(&a, 0, sizeof(a));
	st = es9_req_tid_and_b64(c, tid, sizeof(tid), &tid_len, "authenticateServerResponse", &asr,
				 &asr_len);
	if (st)
		goto out;
	if (sgp22_decode_auth_server_resp(asr, asr_len, &a.r)) {
		st = es9_fail(c, ES9_E_FIELD_INVALID, "authenticateServerResponse does not decode");
		goto out;
	}
	st = es9_session_claim(svc->sessions, tid, tid_len, ES9_STEP_INITIATED, es9_now(svc), &s);
	if (st)
		goto out;
	if (!a.r.ok) {
		st = es9_fail(c, ES9_E_EUICC_VERIFY, "eUICC answered authenticateResponseError %u",
			      a.r.error_code);
		goto out;
	}
	st = es9_euicc_identify(w, c, a.r.eum_certificate.p, a.r.eum_certificate.len,
				a.r.euicc_certificate.p, a.r.euicc_certificate.len, s->ci_pkid,
				s->ci_pkid_len, &a.id);
	if (!st)
		st = check_signed1(w, c, s, &a);
	if (st)
		goto out;

	a.deadline = es9_now(svc) + svc->cfg.session_timeout_s;
	st = allocate_and_answer(w, c, s, &a);
	if (st)
		goto out;

	memcpy(s->eid, a.id.eid, sizeof(s->eid));
	memcpy(s->eid_bin, a.id.eid_bin, sizeof(s->eid_bin));
	s->euicc_curve = a.id.curve;
	memcpy(s->euicc_pub, a.id.pub, sizeof(s->euicc_pub));
	s->profile = a.profile;
	memcpy(s->smdp_sig2_do, a.sig2_do, sizeof(s->smdp_sig2_do));
	es9_session_step(w, s, ES9_STEP_AUTHENTICATED, a.deadline);
out:
	if (s)
		es9_session_put(svc->sessions, s);
	free(a.metadata);
	free(a.smdp_signed2);
	free(asr);
	return st;
}
