// SPDX-License-Identifier: Apache-2.0
/*
 * Periodic checkpoints of the tamper-evident audit (issue 11, section 4): every
 * audit_interval seconds, when the chain has grown since the last one, the unit key
 * (audit_key: a card slot, or a key file in soft mode) signs its head, in the worker's open
 * group commit. Rows cut off the end, or a chain recomputed by someone who can write the
 * file, no longer match a signed head (portdpctl audit verify).
 */
#include <string.h>
#include "es9_internal.h"

static int sign_with(const uint8_t *msg, size_t len, uint8_t sig[64], void *arg)
{
	struct es9_worker *w = arg;

	return pdp_sign(w->accel, w->audit_key, msg, len, sig);
}

void es9_audit_checkpoint(struct es9_worker *w, int64_t now)
{
	struct inv_checkpoint c = {0};
	uint8_t pub[PDP_PUBKEY_LEN];
	enum pdp_curve curve;
	int64_t seq;

	if (!w->audit_key || now < w->audit_next)
		return;
	w->audit_next = now + w->svc->cfg.audit_interval;
	if (inv_audit_head(w->inv, &seq, c.head)) {
		es9_log("audit checkpoint: %s", inv_errmsg(w->inv));
		return;
	}
	if (seq == w->audit_seq)
		return; /* nothing new to sign */
	if (pdp_key_public(w->audit_key, pub, &curve) || curve != PDP_CURVE_P256) {
		es9_log("audit checkpoint: audit_key is not a P-256 key");
		return;
	}
	/* in the worker's open group (es9_service_expire opened it) */
	if (inv_checkpoint_sign(w->inv, sign_with, w, pub, "periodic", now, &c)) {
		es9_log("audit checkpoint: %s", inv_errmsg(w->inv));
		return;
	}
	w->audit_seq = c.head_seq;
}
