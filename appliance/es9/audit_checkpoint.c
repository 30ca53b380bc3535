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

void es9_audit_checkpoint(struct es9_worker *w, int64_t now)
{
	uint8_t msg[INV_CHECKPOINT_MSG_LEN];
	struct inv_checkpoint c = {0};
	enum pdp_curve curve;

	if (!w->audit_key || now < w->audit_next)
		return;
	w->audit_next = now + w->svc->cfg.audit_interval;
	if (inv_audit_head(w->inv, &c.head_seq, c.head)) {
		es9_log("audit checkpoint: %s", inv_errmsg(w->inv));
		return;
	}
	if (c.head_seq == w->audit_seq)
		return; /* nothing new to sign */
	c.time = now;
	strcpy(c.reason, "periodic");
	if (pdp_key_public(w->audit_key, c.signer_pub, &curve) || curve != PDP_CURVE_P256) {
		es9_log("audit checkpoint: audit_key is not a P-256 key");
		return;
	}
	inv_checkpoint_message(&c, msg);
	if (pdp_sign(w->accel, w->audit_key, msg, sizeof(msg), c.sig)) {
		es9_log("audit checkpoint: signing failed");
		return;
	}
	if (inv_checkpoint_add(w->inv, &c)) {
		es9_log("audit checkpoint: %s", inv_errmsg(w->inv));
		return;
	}
	w->audit_seq = c.head_seq;
}
