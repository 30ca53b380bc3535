// SPDX-License-Identifier: Apache-2.0
/*
 * ES9+.HandleNotification (SGP.22 §5.6.4): always HTTP 204 once the
 * notification decodes; it changes the inventory only when its signature
 * verifies and it names something we know. Everything else is logged.
 *
 * Rule for ProfileInstallationResult: it is verified with PK.EUICC of the
 * eUICC the BPP was bound to. The session that handed out the BPP keeps that
 * key for ES9_NOTIFY_RETENTION_S; the inventory keeps it with the downloaded
 * profile (inv_mark_downloaded), so a result that no session claims (sent
 * after a restart, after the retention, or while a duplicate holds the
 * session) is verified with the stored key instead. Either way the ICCID must
 * match, and only a profile still "downloaded" changes: a replayed result
 * finds nothing to change. Profiles downloaded before the inventory kept keys
 * stay "downloaded" for the operator to reconcile (portdpctl), which is
 * safe: a downloaded profile is never offered again.
 * Other notifications (delete, enable, disable) carry their own certificates
 * and are verified through the full chain, and must come from the eUICC the
 * profile is bound to. A delete changes the profile (so a replay finds nothing
 * to change); enable and disable change nothing here, and are recorded by the
 * eUICC's seqNumber so that a replay is reported once. Each goes to the
 * profile's operator (points 5 delete, 6 enable, 7 disable; the signed
 * notification as resultData).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../rsp/sgp22.h"
#include "es9_internal.h"
#include "euicc_identity.h"
#include "progress.h"

/* A verified result for profile @p bound to @eid: check its ICCID, then apply it. 0 if applied. */
static int apply_installation_result(struct es9_worker *w, struct es9_call *c,
				     const struct sgp22_pir *pir, const struct inv_profile *p,
				     const char *eid)
{
	char iccid[21], reason[64];
	int ret;

	if (pir->notification.has_iccid &&
	    (sgp22_iccid_to_string(pir->notification.iccid, iccid) || strcmp(iccid, p->iccid))) {
		es9_log("installation result names another ICCID than %s: ignored", p->iccid);
		return -1;
	}
	es9_call_set_tid(c, pir->transaction_id.p, pir->transaction_id.len);
	if (es9_worker_txn(w, c) || inv_atomic_begin(w->inv))
		return -1;
	if (pir->success) {
		ret = inv_mark_installed(w->inv, p->id, eid);
	} else {
		snprintf(reason, sizeof(reason), "bppCommandId %u errorReason %u",
			 pir->bpp_command_id, pir->error_reason);
		ret = inv_mark_install_failed(w->inv, p->id, eid, reason);
	}
	/* Point 4, with the eUICC's signed result: it commits with the change, or neither. */
	if (!ret && es9_progress(w, p, eid, ES9_POINT_BPP_INSTALLATION,
				 pir->success ? ES9_OK : ES9_E_DOWNLOAD_ABORTED,
				 w->notification_b64))
		ret = -EIO;
	ret = inv_atomic_end(w->inv, ret);
	if (ret) {
		es9_log("installation result for %s: %s", p->iccid, inv_errmsg(w->inv));
		return -1;
	}
	es9_log("profile %s %s on %s", p->iccid, pir->success ? "installed" : "failed", eid);
	return 0;
}

/* No session claims the result: verify it with the key stored with the downloaded profile. */
static void stored_key_installation_result(struct es9_worker *w, struct es9_call *c,
					   const struct sgp22_pir *pir)
{
	struct inv_euicc_key key;
	struct inv_profile p;

	if (inv_get_downloaded_by_tid(w->inv, pir->transaction_id.p, pir->transaction_id.len, &p,
				      &key)) {
		es9_log("installation result without a session: %s: ignored", inv_errmsg(w->inv));
		return;
	}
	if (es9_euicc_verify(w, c, (enum pdp_curve)key.curve, key.pub, pir->data_raw.p,
			     pir->data_raw.len, pir->signature, "euiccSignPIR")) {
		es9_log("installation result for %s (stored eUICC key): %s: ignored", p.iccid,
			c->msg);
		return;
	}
	apply_installation_result(w, c, pir, &p, p.eid);
}

static void installation_result(struct es9_worker *w, struct es9_call *c,
				const struct sgp22_pir *pir)
{
	struct es9_service *svc = w->svc;
	struct es9_session *s;

	if (es9_session_claim(svc->sessions, pir->transaction_id.p, pir->transaction_id.len,
			      ES9_STEP_DOWNLOADED, es9_now(svc), &s)) {
		stored_key_installation_result(w, c, pir);
		return;
	}
	if (es9_euicc_verify(w, c, s->euicc_curve, s->euicc_pub, pir->data_raw.p, pir->data_raw.len,
			     pir->signature, "euiccSignPIR")) {
		es9_log("installation result: %s: ignored", c->msg);
		es9_session_put(svc->sessions, s);
		return;
	}
	if (apply_installation_result(w, c, pir, &s->profile, s->eid))
		es9_session_put(svc->sessions, s);
	else
		es9_session_end(svc->sessions, s);
}

static const char *event_name(enum sgp22_notification_event e)
{
	return e == SGP22_NOTIFY_ENABLE ? "enable" : e == SGP22_NOTIFY_DISABLE ? "disable" : "delete";
}

/*
 * Enable or disable of profile @p on the eUICC it is bound to: nothing changes in the
 * inventory, its operator gets the report. The notification's seqNumber is recorded in the
 * report's transaction, so the same notification sent again is reported once.
 */
static void enable_disable(struct es9_worker *w, struct es9_call *c,
			   const struct sgp22_other_notification *n, const struct inv_profile *p,
			   const char *eid)
{
	const char *what = event_name(n->tbs.operation);
	int ret;

	if (p->state != INV_INSTALLED && p->state != INV_DOWNLOADED) {
		es9_log("%s notification for %s, which is %s: ignored", what, p->iccid,
			inv_state_name(p->state));
		return;
	}
	if (!p->owner[0]) {
		es9_log("profile %s %sd on %s", p->iccid, what, eid);
		return;
	}
	es9_call_set_tid(c, p->transaction_id, p->transaction_id_len);
	if (es9_worker_txn(w, c) || inv_atomic_begin(w->inv))
		return;
	ret = inv_notification_record(w->inv, eid, n->tbs.seq_number, p->id,
				      (int)n->tbs.operation);
	if (!ret && es9_progress(w, p, eid, es9_point_of_event((int)n->tbs.operation), ES9_OK,
				 w->notification_b64))
		ret = -EIO;
	ret = inv_atomic_end(w->inv, ret);
	if (ret == -EEXIST)
		es9_log("%s notification %llu for %s from %s: already taken", what,
			(unsigned long long)n->tbs.seq_number, p->iccid, eid);
	else if (ret)
		es9_log("%s notification for %s: %s", what, p->iccid, inv_errmsg(w->inv));
	else
		es9_log("profile %s %sd on %s: reported to %s", p->iccid, what, eid, p->owner);
}

static void other_notification(struct es9_worker *w, struct es9_call *c,
			       const struct sgp22_other_notification *n)
{
	struct es9_euicc_identity id;
	struct inv_profile p;
	char iccid[21];
	int ret;

	if (es9_euicc_identify(w, c, n->eum_certificate.p, n->eum_certificate.len,
			       n->euicc_certificate.p, n->euicc_certificate.len, NULL, 0, &id) ||
	    es9_euicc_verify(w, c, id.curve, id.pub, n->tbs.raw.p, n->tbs.raw.len, n->signature,
			     "euiccNotificationSignature")) {
		es9_log("notification: %s: ignored", c->msg);
		return;
	}
	if ((n->tbs.operation != SGP22_NOTIFY_DELETE && n->tbs.operation != SGP22_NOTIFY_ENABLE &&
	     n->tbs.operation != SGP22_NOTIFY_DISABLE) ||
	    !n->tbs.has_iccid) {
		es9_log("notification %u from %s: nothing to do", (unsigned)n->tbs.operation,
			id.eid);
		return;
	}
	if (sgp22_iccid_to_string(n->tbs.iccid, iccid) || inv_get_by_iccid(w->inv, iccid, &p)) {
		es9_log("%s notification for a profile we do not hold: ignored",
			event_name(n->tbs.operation));
		return;
	}
	/* Only the eUICC the profile is bound to speaks for it. */
	if (strcmp(p.eid, id.eid)) {
		es9_log("%s notification for %s from %s, bound to %s: ignored",
			event_name(n->tbs.operation), iccid, id.eid, p.eid[0] ? p.eid : "nobody");
		return;
	}
	if (n->tbs.operation != SGP22_NOTIFY_DELETE) {
		enable_disable(w, c, n, &p, id.eid);
		return;
	}
	/* A delete notification names no transaction: the row names the one that bound it. */
	es9_call_set_tid(c, p.transaction_id, p.transaction_id_len);
	if (es9_worker_txn(w, c) || inv_atomic_begin(w->inv))
		return;
	ret = inv_mark_deleted(w->inv, p.id, id.eid);
	if (!ret && es9_progress(w, &p, id.eid, ES9_POINT_DELETE, ES9_OK, w->notification_b64))
		ret = -EIO;
	ret = inv_atomic_end(w->inv, ret);
	if (ret)
		es9_log("delete notification for %s: %s", iccid, inv_errmsg(w->inv));
	else
		es9_log("profile %s deleted on %s", iccid, id.eid);
}

enum es9_status es9_handle_notification(struct es9_worker *w, struct es9_call *c)
{
	struct sgp22_pending_notification n;
	struct es9_call scratch = {.client = c->client};
	uint8_t *der = NULL;
	size_t len;
	enum es9_status st;

	st = es9_req_b64(c, "pendingNotification", &der, &len);
	if (st)
		return st;
	if (sgp22_decode_pending_notification(der, len, &n)) {
		free(der);
		return es9_fail(c, ES9_E_FIELD_INVALID, "pendingNotification does not decode");
	}
	/* From here the answer is 204 whatever we find; details go to the log. */
	c->no_content = 1;
	w->notification_b64 = es9_req_b64_text(c, "pendingNotification");
	if (n.is_pir)
		installation_result(w, &scratch, &n.pir);
	else
		other_notification(w, &scratch, &n.other);
	w->notification_b64 = NULL;
	free(der);
	return ES9_OK;
}
