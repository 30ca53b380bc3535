// SPDX-License-Identifier: Apache-2.0
/*
 * ES9+.CancelSession (SGP.22 §5.6.5): the eUICC's signed cancellation ends
 * the session and returns its profile to the stock. It can be verified only
 * once AuthenticateClient gave us PK.EUICC, so only such sessions are
 * cancelled; a session that is merely initiated holds nothing and expires.
 *
 * The eUICC's error answer (cancelSessionResponseError: it lost the session, or
 * the LPA lost the eUICC, e.g. a chip pulled from a factory station) carries no
 * signature, yet it ends the session and returns the profile too: a session at
 * this step has handed out no BPP (the profile never left us), and the LPA that
 * sends it is the one holding the transactionId, which could as well let the
 * session expire: the error form only spares the stock the wait.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../rsp/sgp22.h"
#include "es9_internal.h"
#include "euicc_identity.h"

enum es9_status es9_cancel_session(struct es9_worker *w, struct es9_call *c)
{
	struct es9_service *svc = w->svc;
	struct sgp22_cancel_session_resp r;
	struct es9_session *s = NULL;
	uint8_t tid[SGP22_TID_MAX], *csr = NULL;
	size_t tid_len, csr_len;
	enum es9_status st;
	char why[48];
	int ret;

	st = es9_req_tid_and_b64(c, tid, sizeof(tid), &tid_len, "cancelSessionResponse", &csr,
				 &csr_len);
	if (st)
		goto out;
	if (sgp22_decode_cancel_session_resp(csr, csr_len, &r)) {
		st = es9_fail(c, ES9_E_FIELD_INVALID, "cancelSessionResponse does not decode");
		goto out;
	}
	st = es9_session_claim(svc->sessions, tid, tid_len, ES9_STEP_AUTHENTICATED, es9_now(svc),
			       &s);
	if (st)
		goto out;
	if (!r.ok) {
		snprintf(why, sizeof(why), "cancelSession, eUICC error %u", r.error_code);
		goto release;
	}
	st = es9_euicc_verify(w, c, s->euicc_curve, s->euicc_pub, r.signed_raw.p, r.signed_raw.len,
			      r.signature, "euiccCancelSessionSignature");
	if (st)
		goto out;
	/* Our OID as the eUICC signed it: value bytes of the 06 TLV kept at startup. */
	if (r.smdp_oid.len != svc->smdp_oid_len - 2 ||
	    memcmp(r.smdp_oid.p, svc->smdp_oid + 2, r.smdp_oid.len)) {
		st = es9_fail(c, ES9_E_OID_INVALID, "%s", "");
		goto out;
	}
	if (r.transaction_id.len != ES9_TID_LEN ||
	    memcmp(r.transaction_id.p, s->tid, ES9_TID_LEN)) {
		st = es9_fail(c, ES9_E_TID_UNKNOWN, "signed transactionId differs");
		goto out;
	}
	snprintf(why, sizeof(why), "cancelSession reason %u", r.reason);
release:
	st = es9_worker_txn(w, c);
	if (st)
		goto out;
	ret = inv_release(w->inv, s->profile.id, s->tid, ES9_TID_LEN, why);
	if (ret) {
		st = es9_fail(c, ES9_E_INTERNAL, "inventory: %s", inv_errmsg(w->inv));
		goto out;
	}
	es9_session_end(svc->sessions, s);
	s = NULL;
out:
	if (s)
		es9_session_put(svc->sessions, s);
	free(csr);
	return st;
}
