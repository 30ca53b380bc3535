// SPDX-License-Identifier: GPL-2.0
/*
 * portdp_core.c - transport-neutral heart of the Port-DP+ card driver:
 * device lifetime, the request queues (slots, then one queue per opener
 * served round-robin), tags, timeouts,
 * reset and recovery. Transports call portdp_complete() for answers and
 * portdp_card_restarted() when the card lost its state.
 */
#include <linux/idr.h>
#include <linux/io.h>
#include <linux/jiffies.h>
#include <linux/module.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include "portdp.h"

/*
 * Both intervals are bounded: 0 would reset the card on every scan (a reset
 * storm), and hours would leave a hung request holding its slot for hours.
 */
#define PORTDP_MIN_MS	10
#define PORTDP_MAX_MS	60000

static int portdp_param_set_ms(const char *val, const struct kernel_param *kp)
{
	unsigned int ms;
	int err = kstrtouint(val, 0, &ms);

	if (err)
		return err;
	if (ms < PORTDP_MIN_MS || ms > PORTDP_MAX_MS)
		return -EINVAL;
	WRITE_ONCE(*(unsigned int *)kp->arg, ms);
	return 0;
}

static const struct kernel_param_ops portdp_param_ms_ops = {
	.set = portdp_param_set_ms,
	.get = param_get_uint,
};

static unsigned int timeout_ms = 2000;
module_param_cb(timeout_ms, &portdp_param_ms_ops, &timeout_ms, 0644);
MODULE_PARM_DESC(timeout_ms, "card request timeout before a reset (ms, 10..60000)");

static unsigned int retry_ms = 1000;
module_param_cb(retry_ms, &portdp_param_ms_ops, &retry_ms, 0644);
MODULE_PARM_DESC(retry_ms, "interval between resets of a dead card (ms, 10..60000)");

/* The AER core may give up on a recovery without telling the driver. */
static unsigned int freeze_ms = 30000;
module_param_cb(freeze_ms, &portdp_param_ms_ops, &freeze_ms, 0644);
MODULE_PARM_DESC(freeze_ms, "longest PCI error recovery before waiting requests fail (ms, 10..60000)");

#define PORTDP_SCAN_INTERVAL	(HZ / 10)

static DEFINE_IDA(portdp_ida);
/* portdp_list_lock protects portdp_list (cards the crypto algs may use). */
static DEFINE_SPINLOCK(portdp_list_lock);
static LIST_HEAD(portdp_list);

static void portdp_crypto_reg_fn(struct work_struct *work);
static DECLARE_WORK(portdp_crypto_reg_work, portdp_crypto_reg_fn);

static const char *const portdp_state_names[] = {
	[PORTDP_STATE_PROBING] = "probing",
	[PORTDP_STATE_READY] = "ready",
	[PORTDP_STATE_RESETTING] = "resetting",
	[PORTDP_STATE_DEAD] = "dead",
	[PORTDP_STATE_REMOVED] = "removed",
	[PORTDP_STATE_FAILED] = "failed",
};

const char *portdp_state_name(int state)
{
	if (state < 0 || state >= ARRAY_SIZE(portdp_state_names))
		return "unknown";
	return portdp_state_names[state];
}

int portdp_status_to_errno(u16 status)
{
	switch (status) {
	case PDC_ST_OK:
		return 0;
	case PDC_ST_BAD_SIGNATURE:
		return -EBADMSG;
	case PDC_ST_KEY_REJECTED:
		return -EKEYREJECTED;
	case PDC_ST_SLOT_EMPTY:
		return -ENOENT;
	case PDC_ST_SLOT_IN_USE:
		return -EEXIST;
	case PDC_ST_NO_RESOURCES:
	case PDC_ST_SESSION_LIMIT:
		return -ENOSPC;
	case PDC_ST_BAD_OPCODE:
		return -EOPNOTSUPP;
	case PDC_ST_BAD_TRANSPORT:
	case PDC_ST_CRYPTO:
	case PDC_ST_STORAGE:
	case PDC_ST_SELF_TEST:
	case PDC_ST_TOO_LARGE:
		return -EIO;
	default:
		return -EINVAL;
	}
}

/**
 * portdp_req_alloc_data() - a request whose body ends in caller-filled data.
 * @opcode:        PDC_OP_*.
 * @fixed_len:     body bytes before the data; zeroed here.
 * @data_len:      body bytes after them, left for the caller, who must write
 *                 every one before the request is submitted (copy_from_user()
 *                 of a whole user buffer: zeroing them first only costs time).
 * @resp_body_cap: room for the response body.
 * @gfp:           allocation flags.
 *
 * Only the first @resp_len bytes of @resp are ever defined: the response
 * buffer is not zeroed, its readers check the length first.
 * Return: the request, or NULL.
 */
struct portdp_req *portdp_req_alloc_data(u16 opcode, size_t fixed_len, size_t data_len,
					 size_t resp_body_cap, gfp_t gfp)
{
	size_t body_len = fixed_len + data_len;
	struct portdp_req *req;
	struct pdc_hdr *hdr;

	if (body_len > PDC_MAX_BODY || resp_body_cap > PDC_MAX_BODY)
		return NULL;
	req = kzalloc(sizeof(*req), gfp);
	if (!req)
		return NULL;
	req->msg_len = sizeof(*hdr) + body_len;
	req->resp_cap = sizeof(*hdr) + resp_body_cap;
	req->msg = kmalloc(req->msg_len, gfp);
	req->resp = kmalloc(req->resp_cap, gfp);
	if (!req->msg || !req->resp) {
		portdp_req_free(req);
		return NULL;
	}
	memset(req->msg, 0, sizeof(*hdr) + fixed_len);
	hdr = req->msg;
	hdr->magic = cpu_to_le32(PDC_MAGIC_REQ);
	hdr->version = cpu_to_le16(PDC_PROTO_VERSION);
	hdr->opcode = cpu_to_le16(opcode);
	hdr->len = cpu_to_le16(body_len);
	req->opcode = opcode;
	req->slot = -1;
	INIT_LIST_HEAD(&req->node);
	init_completion(&req->wait);
	return req;
}

/* A request with a zeroed body of @body_len bytes (see portdp_req_alloc_data()). */
struct portdp_req *portdp_req_alloc(u16 opcode, size_t body_len,
				    size_t resp_body_cap, gfp_t gfp)
{
	return portdp_req_alloc_data(opcode, body_len, 0, resp_body_cap, gfp);
}

void portdp_req_free(struct portdp_req *req)
{
	if (!req)
		return;
	/* Keys and profile data pass through both: wipe what was written. */
	if (req->msg)
		memzero_explicit(req->msg, req->msg_len);
	kfree(req->msg);
	if (req->resp)
		memzero_explicit(req->resp, req->resp_len);
	kfree(req->resp);
	kfree(req);
}

/* Called with pd->lock held: put @req into a free slot and send it. */
static void portdp_start_locked(struct portdp_dev *pd, struct portdp_req *req, int slot)
{
	struct pdc_hdr *hdr = req->msg;

	pd->seq++;
	req->slot = slot;
	req->tag = (pd->seq << 8) | slot;
	hdr->tag = cpu_to_le32(req->tag);
	req->deadline = jiffies + msecs_to_jiffies(timeout_ms);
	pd->slots[slot] = req;
	pd->inflight++;
	if (req->opcode < PORTDP_OPS)
		pd->stats.submitted[req->opcode]++;
	pd->ops->start(pd, req);
	if (!delayed_work_pending(&pd->timeout_work))
		schedule_delayed_work(&pd->timeout_work, PORTDP_SCAN_INTERVAL);
}

static int portdp_free_slot_locked(struct portdp_dev *pd)
{
	int i;

	if (pd->inflight >= pd->max_inflight)
		return -1;
	for (i = 0; i < PORTDP_MAX_INFLIGHT; i++)
		if (!pd->slots[i])
			return i;
	return -1;
}

/*
 * A card that answers: ready, or failed its self-test (it still answers
 * GET_INFO, SELF_TEST and GET_COUNTERS, so it can be diagnosed; it refuses
 * the rest with PDC_ST_SELF_TEST).
 */
static bool portdp_answers(int state)
{
	return state == PORTDP_STATE_READY || state == PORTDP_STATE_FAILED;
}

void portdp_queue_init(struct portdp_queue *q)
{
	INIT_LIST_HEAD(&q->reqs);
	INIT_LIST_HEAD(&q->active);
	q->len = 0;
}

/* Called with pd->lock held: free slots go round-robin over the queues. */
static void portdp_kick_locked(struct portdp_dev *pd)
{
	struct portdp_queue *q;
	struct portdp_req *req;
	int slot;

	while (portdp_answers(pd->state) && !list_empty(&pd->active)) {
		slot = portdp_free_slot_locked(pd);
		if (slot < 0)
			break;
		q = list_first_entry(&pd->active, struct portdp_queue, active);
		req = list_first_entry(&q->reqs, struct portdp_req, node);
		list_del_init(&req->node);
		q->len--;
		pd->backlog_len--;
		if (list_empty(&q->reqs))
			list_del_init(&q->active);
		else
			list_move_tail(&q->active, &pd->active);
		portdp_start_locked(pd, req, slot);
	}
}

/* Called with pd->lock held: every waiting request onto @list. */
static void portdp_take_queued_locked(struct portdp_dev *pd, struct list_head *list)
{
	struct portdp_queue *q, *tmp;

	list_for_each_entry_safe(q, tmp, &pd->active, active) {
		list_splice_tail_init(&q->reqs, list);
		q->len = 0;
		list_del_init(&q->active);
	}
	pd->backlog_len = 0;
}

/* Called with pd->lock held: take every in-flight request out, to @out. */
static void portdp_drain_inflight_locked(struct portdp_dev *pd, struct list_head *out)
{
	int i;

	for (i = 0; i < PORTDP_MAX_INFLIGHT; i++) {
		if (!pd->slots[i])
			continue;
		list_add_tail(&pd->slots[i]->node, out);
		pd->slots[i] = NULL;
	}
	pd->inflight = 0;
}

static void portdp_finish_list(struct list_head *list, int err)
{
	struct portdp_req *req, *tmp;

	list_for_each_entry_safe(req, tmp, list, node) {
		list_del_init(&req->node);
		req->err = err;
		req->done(req);
	}
}

/**
 * portdp_submit() - queue a request for the card.
 * @pd:  the card.
 * @req: filled request; its @done runs once it has an answer or failed.
 *
 * Return: 0 if queued, or -errno (and @done is not called).
 */
int portdp_submit(struct portdp_dev *pd, struct portdp_req *req)
{
	struct portdp_queue *q;
	int slot, err = 0;

	spin_lock_bh(&pd->lock);
	switch (pd->state) {
	case PORTDP_STATE_READY:
	case PORTDP_STATE_FAILED:
	case PORTDP_STATE_RESETTING:
	case PORTDP_STATE_PROBING:
		break;
	case PORTDP_STATE_DEAD:
		err = -EIO;
		goto out;
	default:
		err = -ENODEV;
		goto out;
	}
	slot = -1;
	if (portdp_answers(pd->state) && list_empty(&pd->active))
		slot = portdp_free_slot_locked(pd);
	q = req->queue ?: &pd->kqueue;
	if (slot >= 0) {
		portdp_start_locked(pd, req, slot);
	} else if (q->len >= PORTDP_MAX_BACKLOG) {
		err = -EBUSY;
	} else {
		list_add_tail(&req->node, &q->reqs);
		q->len++;
		pd->backlog_len++;
		if (list_empty(&q->active))
			list_add_tail(&q->active, &pd->active);
	}
out:
	spin_unlock_bh(&pd->lock);
	return err;
}

static void portdp_exec_done(struct portdp_req *req)
{
	complete(&req->wait);
}

/**
 * portdp_exec() - submit a request and wait for it.
 * @pd:  the card.
 * @req: filled request (its @done is set here).
 *
 * Bounded by the request timeout and the reset that follows it.
 * Return: 0, or -errno from the queue or the card.
 */
int portdp_exec(struct portdp_dev *pd, struct portdp_req *req)
{
	int err;

	req->done = portdp_exec_done;
	err = portdp_submit(pd, req);
	if (err)
		return err;
	wait_for_completion(&req->wait);
	return req->err;
}

/* Checks the answer the transport copied into @req->resp. */
static int portdp_check_resp(struct portdp_req *req, u16 status)
{
	const struct pdc_hdr *hdr = req->resp;

	if (req->resp_len < sizeof(*hdr))
		return status == PDC_ST_OK ? -EIO : portdp_status_to_errno(status);
	if (le32_to_cpu(hdr->magic) != PDC_MAGIC_RESP ||
	    le16_to_cpu(hdr->opcode) != req->opcode ||
	    le32_to_cpu(hdr->tag) != req->tag ||
	    le16_to_cpu(hdr->status) != status ||
	    le16_to_cpu(hdr->len) != req->resp_len - sizeof(*hdr))
		return -EIO;
	return portdp_status_to_errno(status);
}

/**
 * portdp_complete() - the transport got an answer.
 * @pd:       the card.
 * @tag:      tag of the ring entry.
 * @status:   card status of the ring entry.
 * @resp:     response message in transport memory (NULL if none); it is
 *            copied before the slot is reused.
 * @resp_len: its length.
 *
 * Runs in process context (threaded IRQ).
 */
void portdp_complete(struct portdp_dev *pd, u32 tag, u16 status,
		     const void __iomem *resp, size_t resp_len)
{
	unsigned int slot = tag & 0xff;
	struct portdp_req *req;

	spin_lock_bh(&pd->lock);
	if (slot >= PORTDP_MAX_INFLIGHT || !pd->slots[slot] || pd->slots[slot]->tag != tag) {
		spin_unlock_bh(&pd->lock);
		dev_dbg(pd->parent, "stale completion tag %#x\n", tag);
		return;
	}
	req = pd->slots[slot];
	pd->slots[slot] = NULL;
	pd->inflight--;
	req->card_status = status;
	req->resp_len = 0;
	if (resp && resp_len <= req->resp_cap) {
		memcpy_fromio(req->resp, resp, resp_len);
		req->resp_len = resp_len;
	}
	req->err = portdp_check_resp(req, status);
	pd->stats.completed++;
	if (req->err)
		pd->stats.errors++;
	portdp_kick_locked(pd);
	spin_unlock_bh(&pd->lock);
	req->done(req);
}

/*
 * Called with pd->lock held: (re)arm the reset @delay jiffies from now,
 * unless the device is being removed. portdp_dev_unregister() sets REMOVED
 * under the lock before it cancels the work, so the interrupt thread or a
 * timeout cannot queue a reset that would run after the transport is gone.
 */
static void portdp_queue_reset_locked(struct portdp_dev *pd, unsigned long delay)
{
	if (pd->state != PORTDP_STATE_REMOVED && !pd->frozen)
		mod_delayed_work(system_wq, &pd->reset_work, delay);
}

static void portdp_timeout_fn(struct work_struct *work)
{
	struct portdp_dev *pd = container_of(to_delayed_work(work), struct portdp_dev,
					     timeout_work);
	bool expired = false;
	LIST_HEAD(failed);
	int i;

	spin_lock_bh(&pd->lock);
	for (i = 0; i < PORTDP_MAX_INFLIGHT; i++)
		if (pd->slots[i] && time_after(jiffies, pd->slots[i]->deadline))
			expired = true;
	if (expired && portdp_answers(pd->state)) {
		pd->state = PORTDP_STATE_RESETTING;
		pd->stats.timeouts += pd->inflight;
		portdp_drain_inflight_locked(pd, &failed);
		portdp_queue_reset_locked(pd, 0);
	} else if (pd->inflight) {
		schedule_delayed_work(&pd->timeout_work, PORTDP_SCAN_INTERVAL);
	}
	spin_unlock_bh(&pd->lock);
	if (list_empty(&failed))
		return;
	dev_warn(pd->parent, "card did not answer in %u ms, resetting\n", timeout_ms);
	portdp_finish_list(&failed, -ETIMEDOUT);
}

/**
 * portdp_card_restarted() - the card lost its state.
 * @pd: the card.
 *
 * Everything in flight is lost: fail it and reset.
 */
void portdp_card_restarted(struct portdp_dev *pd)
{
	LIST_HEAD(failed);

	spin_lock_bh(&pd->lock);
	/* A failed link reads garbage: nothing the card says counts until thawed. */
	if (pd->frozen) {
		spin_unlock_bh(&pd->lock);
		return;
	}
	if (portdp_answers(pd->state) || pd->state == PORTDP_STATE_DEAD) {
		pd->state = PORTDP_STATE_RESETTING;
		pd->stats.card_restarts++;
		portdp_drain_inflight_locked(pd, &failed);
	}
	portdp_queue_reset_locked(pd, 0);
	spin_unlock_bh(&pd->lock);
	if (!list_empty(&failed))
		portdp_finish_list(&failed, -EIO);
}

static int portdp_refresh_info(struct portdp_dev *pd)
{
	struct portdp_req *req;
	int err;

	req = portdp_req_alloc(PDC_OP_GET_INFO, 0, sizeof(pd->info), GFP_KERNEL);
	if (!req)
		return -ENOMEM;
	err = portdp_exec(pd, req);
	if (!err && portdp_resp_body_len(req) != sizeof(pd->info))
		err = -EIO;
	if (!err) {
		spin_lock_bh(&pd->lock);
		memcpy(&pd->info, portdp_resp_body(req), sizeof(pd->info));
		pd->info.fw_name[sizeof(pd->info.fw_name) - 1] = '\0';
		pd->have_info = true;
		spin_unlock_bh(&pd->lock);
	}
	portdp_req_free(req);
	return err;
}

static void portdp_reset_fn(struct work_struct *work)
{
	struct portdp_dev *pd = container_of(to_delayed_work(work), struct portdp_dev,
					     reset_work);
	LIST_HEAD(failed);
	int err;

	mutex_lock(&pd->reset_lock);
	spin_lock_bh(&pd->lock);
	if (pd->frozen && pd->state != PORTDP_STATE_REMOVED) {
		/* The freeze's time limit: what waits through it fails now. */
		pd->state = PORTDP_STATE_DEAD;
		portdp_take_queued_locked(pd, &failed);
		spin_unlock_bh(&pd->lock);
		portdp_finish_list(&failed, -EIO);
		dev_warn(pd->parent, "PCI error recovery did not end in %u ms, failing requests\n",
			 freeze_ms);
		goto unlock;
	}
	if (pd->state == PORTDP_STATE_REMOVED) {
		spin_unlock_bh(&pd->lock);
		goto unlock;
	}
	pd->state = PORTDP_STATE_RESETTING;
	portdp_drain_inflight_locked(pd, &failed);
	pd->stats.resets++;
	spin_unlock_bh(&pd->lock);
	portdp_finish_list(&failed, -EIO);

	err = pd->ops->reset(pd);

	spin_lock_bh(&pd->lock);
	if (pd->state != PORTDP_STATE_RESETTING) {
		spin_unlock_bh(&pd->lock);
		goto unlock;
	}
	if (err < 0) {
		pd->state = PORTDP_STATE_DEAD;
		portdp_take_queued_locked(pd, &failed);
		portdp_queue_reset_locked(pd, msecs_to_jiffies(retry_ms));
	} else {
		pd->state = err == PORTDP_RESET_FAILED ? PORTDP_STATE_FAILED : PORTDP_STATE_READY;
		portdp_kick_locked(pd);
	}
	spin_unlock_bh(&pd->lock);
	portdp_finish_list(&failed, -EIO);
	if (err == PORTDP_RESET_FAILED)
		dev_err(pd->parent, "card self-test failed: only diagnostics are served\n");
	if (err < 0) {
		dev_warn_ratelimited(pd->parent, "card reset failed (%d), retrying\n", err);
		goto unlock;
	}
	err = portdp_refresh_info(pd);
	if (err)
		dev_warn(pd->parent, "GET_INFO after reset failed (%d)\n", err);
	else
		schedule_work(&portdp_crypto_reg_work);
unlock:
	mutex_unlock(&pd->reset_lock);
}

static void portdp_crypto_reg_fn(struct work_struct *work)
{
	portdp_crypto_register(portdp_ready_caps());
}

static void portdp_dev_release(struct kref *ref)
{
	struct portdp_dev *pd = container_of(ref, struct portdp_dev, ref);

	put_device(pd->parent);
	ida_free(&portdp_ida, pd->id);
	kfree(pd);
}

void portdp_dev_get(struct portdp_dev *pd)
{
	kref_get(&pd->ref);
}

void portdp_dev_put(struct portdp_dev *pd)
{
	kref_put(&pd->ref, portdp_dev_release);
}

/* A card that does everything @caps names (info from its last GET_INFO). */
static bool portdp_can(struct portdp_dev *pd, u32 caps)
{
	return pd->have_info && (le32_to_cpu(pd->info.caps) & caps) == caps;
}

/**
 * portdp_dev_pick() - a card for the crypto algorithms, with a
 * reference the caller drops with portdp_dev_put(); NULL if there is none.
 * @caps: PDC_CAP_* the request needs.
 *
 * A ready card first; else one that is resetting or probing, whose backlog
 * holds the request until the reset ends (or fails it with -EIO), so that a
 * request made during a short reset (testmgr's at registration, too) waits
 * instead of failing.
 */
struct portdp_dev *portdp_dev_pick(u32 caps)
{
	struct portdp_dev *pd, *found = NULL;
	int state;

	spin_lock_bh(&portdp_list_lock);
	list_for_each_entry(pd, &portdp_list, list_node) {
		if (!portdp_can(pd, caps))
			continue;
		state = READ_ONCE(pd->state);
		if (state == PORTDP_STATE_READY) {
			found = pd;
			break;
		}
		if (!found && (state == PORTDP_STATE_RESETTING || state == PORTDP_STATE_PROBING))
			found = pd;
	}
	if (found)
		portdp_dev_get(found);
	spin_unlock_bh(&portdp_list_lock);
	return found;
}

/* What the ready cards can do together (PDC_CAP_* of each, or'ed). */
u32 portdp_ready_caps(void)
{
	struct portdp_dev *pd;
	u32 caps = 0;

	spin_lock_bh(&portdp_list_lock);
	list_for_each_entry(pd, &portdp_list, list_node)
		if (pd->have_info && READ_ONCE(pd->state) == PORTDP_STATE_READY)
			caps |= le32_to_cpu(pd->info.caps);
	spin_unlock_bh(&portdp_list_lock);
	return caps;
}

struct portdp_dev *portdp_dev_alloc(struct device *parent,
				    const struct portdp_transport_ops *ops,
				    void *transport)
{
	struct portdp_dev *pd;

	pd = kzalloc(sizeof(*pd), GFP_KERNEL);
	if (!pd)
		return NULL;
	pd->id = ida_alloc(&portdp_ida, GFP_KERNEL);
	if (pd->id < 0) {
		kfree(pd);
		return NULL;
	}
	kref_init(&pd->ref);
	snprintf(pd->name, sizeof(pd->name), "portdp-accel%d", pd->id);
	/* held until the last reference (an open fd may outlive the device) */
	pd->parent = get_device(parent);
	pd->ops = ops;
	pd->transport = transport;
	pd->state = PORTDP_STATE_PROBING;
	spin_lock_init(&pd->lock);
	mutex_init(&pd->reset_lock);
	INIT_LIST_HEAD(&pd->active);
	portdp_queue_init(&pd->kqueue);
	INIT_LIST_HEAD(&pd->list_node);
	INIT_DELAYED_WORK(&pd->timeout_work, portdp_timeout_fn);
	INIT_DELAYED_WORK(&pd->reset_work, portdp_reset_fn);
	pd->max_inflight = PORTDP_MAX_INFLIGHT;
	init_waitqueue_head(&pd->hup);
	return pd;
}

/**
 * portdp_dev_register() - publish a card: char device, then first reset.
 * @pd: the card.
 *
 * A card that does not answer yet still gets its node; the reset is retried.
 * Return: 0 or -errno.
 */
int portdp_dev_register(struct portdp_dev *pd)
{
	int err;

	err = portdp_cdev_register(pd);
	if (err)
		return err;
	spin_lock_bh(&portdp_list_lock);
	list_add_tail(&pd->list_node, &portdp_list);
	spin_unlock_bh(&portdp_list_lock);
	/* Synchronous first reset so the device is usable when probe returns. */
	schedule_delayed_work(&pd->reset_work, 0);
	flush_delayed_work(&pd->reset_work);
	return 0;
}

/**
 * portdp_dev_unregister() - the bus device goes away.
 * @pd: the card.
 *
 * No new requests, everything queued fails with -ENODEV, open files keep a
 * dead device. The transport may tear down its resources when this returns.
 */
void portdp_dev_unregister(struct portdp_dev *pd)
{
	LIST_HEAD(failed);

	spin_lock_bh(&portdp_list_lock);
	list_del_init(&pd->list_node);
	spin_unlock_bh(&portdp_list_lock);
	portdp_cdev_unregister(pd);

	spin_lock_bh(&pd->lock);
	pd->state = PORTDP_STATE_REMOVED;
	portdp_drain_inflight_locked(pd, &failed);
	portdp_take_queued_locked(pd, &failed);
	spin_unlock_bh(&pd->lock);
	portdp_finish_list(&failed, -ENODEV);
	/* Pollers learn it now; later calls on open files get -ENODEV. */
	wake_up_interruptible_poll(&pd->hup, EPOLLHUP | EPOLLERR);

	cancel_delayed_work_sync(&pd->reset_work);
	cancel_delayed_work_sync(&pd->timeout_work);
}

/**
 * portdp_dev_freeze() - the link to the card failed (PCI error recovery).
 * @pd: the card.
 *
 * What is in flight fails with -EIO (its answer may never come); new and
 * queued requests wait. No reset runs until portdp_dev_thaw(): one that is
 * running now ends first (reset_lock), a pending one is cancelled. The wait
 * is bounded: a recovery that does not end within freeze_ms (the AER core
 * may give up without telling the driver) fails what waits with
 * -EIO and leaves the card dead until a thaw or a remove.
 */
void portdp_dev_freeze(struct portdp_dev *pd)
{
	LIST_HEAD(failed);

	mutex_lock(&pd->reset_lock);
	spin_lock_bh(&pd->lock);
	pd->frozen = true;
	if (pd->state != PORTDP_STATE_REMOVED) {
		pd->state = PORTDP_STATE_RESETTING;
		portdp_drain_inflight_locked(pd, &failed);
	}
	spin_unlock_bh(&pd->lock);
	mutex_unlock(&pd->reset_lock);
	cancel_delayed_work_sync(&pd->reset_work);
	portdp_finish_list(&failed, -EIO);
	spin_lock_bh(&pd->lock);
	if (pd->frozen && pd->state != PORTDP_STATE_REMOVED)
		mod_delayed_work(system_wq, &pd->reset_work, msecs_to_jiffies(freeze_ms));
	spin_unlock_bh(&pd->lock);
}

/**
 * portdp_dev_thaw() - the link works again: reset the card, then serve
 * what waited.
 * @pd: the card.
 */
void portdp_dev_thaw(struct portdp_dev *pd)
{
	spin_lock_bh(&pd->lock);
	pd->frozen = false;
	portdp_queue_reset_locked(pd, 0);
	spin_unlock_bh(&pd->lock);
}

/* True once the bus device is gone (unplugged, unbound, module unload). */
bool portdp_dev_gone(struct portdp_dev *pd)
{
	return READ_ONCE(pd->state) == PORTDP_STATE_REMOVED;
}

/**
 * portdp_set_max_inflight() - the transport's room for requests at once.
 * @pd: the card.
 * @n:  1..PORTDP_MAX_INFLIGHT (clamped); what is in flight beyond it drains.
 */
void portdp_set_max_inflight(struct portdp_dev *pd, unsigned int n)
{
	spin_lock_bh(&pd->lock);
	pd->max_inflight = clamp_t(unsigned int, n, 1, PORTDP_MAX_INFLIGHT);
	spin_unlock_bh(&pd->lock);
}

/**
 * portdp_complete_msg() - a transport that receives whole response
 * messages in kernel memory (USB) hands one over; its header names the
 * request (tag) and the status.
 * @pd:  the card.
 * @msg: the response message, at least a header (the caller checked).
 * @len: its length.
 */
void portdp_complete_msg(struct portdp_dev *pd, const void *msg, size_t len)
{
	const struct pdc_hdr *hdr = msg;

	/* memcpy_fromio() of normal memory is a plain copy */
	portdp_complete(pd, le32_to_cpu(hdr->tag), le16_to_cpu(hdr->status),
			(__force const void __iomem *)msg, len);
}

static int __init portdp_init(void)
{
	int err = portdp_pci_init();

	if (err)
		return err;
	err = portdp_usb_init();
	if (err)
		portdp_pci_exit();
	return err;
}

static void __exit portdp_exit(void)
{
	portdp_usb_exit();
	portdp_pci_exit();
	cancel_work_sync(&portdp_crypto_reg_work);
	portdp_crypto_unregister();
	ida_destroy(&portdp_ida);
}

module_init(portdp_init);
module_exit(portdp_exit);
MODULE_DESCRIPTION("Port-DP+ accelerator card (SGP.22 SM-DP+ keys) driver");
MODULE_AUTHOR("Port-DP+ project");
MODULE_LICENSE("GPL");
