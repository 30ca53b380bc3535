// SPDX-License-Identifier: Apache-2.0
/*
 * Async ops on the soft backend: each op runs to completion inside
 * pdp_submit() and its pointer waits in a ring until pdp_reap(). Callers
 * written for the card's real queue thus work unchanged on soft.
 */
#include <errno.h>

#include "soft.h"

static int run_op(struct pdp_accel *a, struct pdp_op *op)
{
	int ret = pdp_op_check(a, op);

	if (ret)
		return ret;
	switch (op->type) {
	case PDP_OP_SIGN:
		return soft_sign(a, op->u.sign.key, op->u.sign.msg, op->u.sign.msg_len,
				 op->u.sign.sig);
	case PDP_OP_VERIFY:
		return soft_verify(a, op->u.verify.curve, op->u.verify.pub, op->u.verify.msg,
				   op->u.verify.msg_len, op->u.verify.sig);
	case PDP_OP_SESSION_CREATE:
		return soft_session_create(
		    a, op->u.session_create.curve, op->u.session_create.peer_pub,
		    op->u.session_create.host_id, op->u.session_create.host_id_len,
		    op->u.session_create.eid, op->u.session_create.ot_pub,
		    &op->u.session_create.session);
	case PDP_OP_BSP_SEAL:
		return soft_bsp_seal(a, op->u.seal.session, op->u.seal.tag, op->u.seal.in,
				     op->u.seal.in_len, op->u.seal.out, &op->u.seal.out_len);
	case PDP_OP_RANDOM:
		return op->u.random.len ? a->ops->random(a, op->u.random.buf, op->u.random.len) : 0;
	}
	return -EINVAL;
}

int soft_submit(struct pdp_accel *accel, struct pdp_op *const *ops, unsigned n)
{
	struct soft_accel *sa = to_soft(accel);
	unsigned room = SOFT_RING_SIZE - (sa->ring_tail - sa->ring_head), i;

	if (!room)
		return -EAGAIN;
	if (n > room)
		n = room;
	for (i = 0; i < n; i++) {
		ops[i]->status = run_op(accel, ops[i]);
		sa->ring[sa->ring_tail++ % SOFT_RING_SIZE] = ops[i];
	}
	return n;
}

int soft_reap(struct pdp_accel *accel, struct pdp_op **done, unsigned max, unsigned min_wait)
{
	struct soft_accel *sa = to_soft(accel);
	unsigned n = 0;

	(void)min_wait; /* everything queued has already completed */
	while (n < max && sa->ring_head != sa->ring_tail)
		done[n++] = sa->ring[sa->ring_head++ % SOFT_RING_SIZE];
	return n;
}

unsigned soft_inflight(const struct pdp_accel *accel)
{
	const struct soft_accel *sa = (const struct soft_accel *)accel;

	return sa->ring_tail - sa->ring_head;
}
