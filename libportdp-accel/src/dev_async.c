// SPDX-License-Identifier: Apache-2.0
/*
 * Async ops on the card: each op becomes one IORING_OP_URING_CMD whose
 * argument struct lives in a dev_req until its CQE arrives; pdp_reap()
 * takes CQEs in batches. Ops that fail their checks never reach the ring:
 * they wait on the ready list and come out of pdp_reap() like the others.
 * Seals of one session run on the card in the order they were submitted
 * (the driver queues FIFO).
 */
#include <errno.h>
#include <stdlib.h>

#include "dev.h"

#define REAP_BATCH 64

int dev_async_init(struct dev_accel *da)
{
	unsigned i;
	int ret;

	da->reqs = calloc(da->depth, sizeof(*da->reqs));
	if (!da->reqs)
		return -ENOMEM;
	for (i = 0; i < da->depth; i++)
		da->reqs[i].next = i + 1 < da->depth ? &da->reqs[i + 1] : NULL;
	da->free_reqs = da->reqs;
	da->ready = NULL;
	da->ready_tail = &da->ready;
	/* The CQ (2 x depth) can never overflow: at most depth ops are in flight. */
	ret = io_uring_queue_init(da->depth, &da->ring, 0);
	if (ret) {
		free(da->reqs);
		da->reqs = NULL;
		return ret == -ENOMEM ? -ENOMEM : -ENODEV;
	}
	return 0;
}

static void req_put(struct dev_accel *da, struct dev_req *req)
{
	req->op = NULL;
	req->next = da->free_reqs;
	da->free_reqs = req;
}

/* The op's result from its CQE, with the card's reply checked. */
static int finish(struct dev_accel *da, struct dev_req *req, int res)
{
	struct pdp_op *op = req->op;
	int ret = dev_errno(res);

	if (ret)
		return ret;
	switch (op->type) {
	case PDP_OP_SIGN:
		return dev_sign_reply(&req->arg.sign, op->u.sign.sig);
	case PDP_OP_SESSION_CREATE:
		return dev_session_finish(da, &req->arg.session, op->u.session_create.ot_pub,
					  &op->u.session_create.session);
	case PDP_OP_BSP_SEAL:
		ret = dev_check_seal(op->u.seal.tag, op->u.seal.in_len, op->u.seal.out,
				     req->arg.seal.out_len, req->arg.seal.out_cap);
		if (!ret)
			op->u.seal.out_len = req->arg.seal.out_len;
		return ret;
	default:
		return 0;
	}
}

void dev_async_fini(struct dev_accel *da)
{
	struct io_uring_cqe *cqe;
	struct dev_req *req;

	if (!da->reqs)
		return;
	/* The driver still writes into dev_reqs of unreaped ops: wait for all of them. */
	for (req = da->ready; req; req = req->next)
		da->inflight--;
	while (da->inflight) {
		int ret = io_uring_submit_and_wait(&da->ring, 1);

		if (ret < 0 && ret != -EINTR)
			break;
		while (!io_uring_peek_cqe(&da->ring, &cqe)) {
			req = io_uring_cqe_get_data(cqe);
			/* Nobody will reap it: give back what it made. */
			if (!finish(da, req, cqe->res) && req->op->type == PDP_OP_SESSION_CREATE)
				dev_session_close(&da->base, req->op->u.session_create.session);
			io_uring_cqe_seen(&da->ring, cqe);
			da->inflight--;
		}
	}
	io_uring_queue_exit(&da->ring);
	free(da->reqs);
	da->reqs = NULL;
}

/* Random beyond one command's 1024 bytes: done right here, in pieces. */
static int random_now(struct dev_accel *da, struct pdp_op *op)
{
	return op->u.random.len ? da->base.ops->random(&da->base, op->u.random.buf, op->u.random.len)
				: 0;
}

/*
 * Fill @req's argument for @op; returns the ioctl number to queue, or 0 with
 * op->status set when the op is already finished (bad op, nothing to do).
 */
static unsigned long prep(struct dev_accel *da, struct dev_req *req, struct pdp_op *op)
{
	int ret = pdp_op_check(&da->base, op);

	if (ret)
		goto now;
	switch (op->type) {
	case PDP_OP_SIGN:
		ret = dev_digest(da, op->u.sign.msg, op->u.sign.msg_len, req->arg.sign.digest);
		if (ret)
			goto now;
		dev_sign_prep(&req->arg.sign, op->u.sign.key, req->arg.sign.digest, 32);
		return PORTDP_IOC_ECDSA_SIGN;
	case PDP_OP_VERIFY:
		ret = dev_verify_prep(da, &req->arg.verify, op->u.verify.curve, op->u.verify.pub,
				      op->u.verify.msg, op->u.verify.msg_len, op->u.verify.sig);
		if (ret)
			goto now;
		return PORTDP_IOC_ECDSA_VERIFY;
	case PDP_OP_SESSION_CREATE:
		dev_session_prep(&req->arg.session, op->u.session_create.curve,
				 op->u.session_create.peer_pub, op->u.session_create.host_id,
				 op->u.session_create.host_id_len, op->u.session_create.eid);
		return PORTDP_IOC_SESSION_CREATE;
	case PDP_OP_BSP_SEAL:
		dev_seal_prep(&req->arg.seal, op->u.seal.session, op->u.seal.tag, op->u.seal.in,
			      op->u.seal.in_len, op->u.seal.out, op->u.seal.out_len);
		return PORTDP_IOC_BSP_SEAL;
	case PDP_OP_RANDOM:
		if (!op->u.random.len || op->u.random.len > PORTDP_RANDOM_MAX) {
			ret = random_now(da, op);
			goto now;
		}
		req->arg.random = (struct portdp_random){
		    .buf = (uintptr_t)op->u.random.buf,
		    .len = op->u.random.len,
		};
		return PORTDP_IOC_RANDOM;
	}
	ret = -EINVAL;
now:
	op->status = ret;
	return 0;
}

int dev_submit(struct pdp_accel *accel, struct pdp_op *const *ops, unsigned n)
{
	struct dev_accel *da = to_dev(accel);
	struct io_uring_sqe *sqe;
	struct dev_req *req;
	unsigned long ioc;
	unsigned i;

	for (i = 0; i < n && da->free_reqs; i++) {
		req = da->free_reqs;
		ioc = prep(da, req, ops[i]);
		if (ioc) {
			sqe = io_uring_get_sqe(&da->ring);
			if (!sqe)
				break; /* not while depth bounds the SQ; kept for safety */
			dev_prep_cmd(sqe, da->fd, ioc, &req->arg);
			io_uring_sqe_set_data(sqe, req);
			da->free_reqs = req->next;
		} else {
			da->free_reqs = req->next;
			req->next = NULL;
			*da->ready_tail = req;
			da->ready_tail = &req->next;
		}
		req->op = ops[i];
		da->inflight++;
	}
	if (!i)
		return -EAGAIN;
	/*
	 * A failed enter leaves the SQEs in the shared ring: the next
	 * submit_and_wait() in dev_reap() hands them to the kernel.
	 */
	io_uring_submit(&da->ring);
	return i;
}

static unsigned take_ready(struct dev_accel *da, struct pdp_op **done, unsigned max)
{
	struct dev_req *req;
	unsigned n = 0;

	while (n < max && da->ready) {
		req = da->ready;
		da->ready = req->next;
		if (!da->ready)
			da->ready_tail = &da->ready;
		done[n++] = req->op;
		req_put(da, req);
		da->inflight--;
	}
	return n;
}

int dev_reap(struct pdp_accel *accel, struct pdp_op **done, unsigned max, unsigned min_wait)
{
	struct dev_accel *da = to_dev(accel);
	struct io_uring_cqe *cqes[REAP_BATCH];
	unsigned n, got, i, want;
	struct dev_req *req;
	bool gone = false;
	int ret;

	want = min_wait < da->inflight ? min_wait : da->inflight;
	if (want > max)
		want = max;
	n = take_ready(da, done, max);
	while (n < max) {
		got = io_uring_peek_batch_cqe(&da->ring, cqes,
					      max - n < REAP_BATCH ? max - n : REAP_BATCH);
		for (i = 0; i < got; i++) {
			req = io_uring_cqe_get_data(cqes[i]);
			gone |= cqes[i]->res == -ENODEV;
			req->op->status = finish(da, req, cqes[i]->res);
			done[n++] = req->op;
			req_put(da, req);
			da->inflight--;
		}
		io_uring_cq_advance(&da->ring, got);
		if (got)
			continue; /* more may be ready */
		if (n >= want)
			break;
		ret = io_uring_submit_and_wait(&da->ring, want - n);
		if (ret < 0 && ret != -EINTR)
			return n ? (int)n : -EIO;
	}
	if (gone) /* unplugged: the next submissions go to the card if it is back */
		dev_reconnect(da);
	return n;
}

unsigned dev_inflight(const struct pdp_accel *accel)
{
	return ((const struct dev_accel *)accel)->inflight;
}
