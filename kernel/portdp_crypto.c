// SPDX-License-Identifier: GPL-2.0
/*
 * portdp_crypto.c - registers each kernel crypto API algorithm once a ready
 * card has the capabilities it needs, and unregisters them at module unload
 * only: a live tfm pins the module, so no algorithm goes away under its
 * users. Requests go to a capable ready card, or wait in the queue of one
 * that is resetting; with neither, each algorithm runs its software
 * fallback, so a kernel user never sees a card that is not there.
 */
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/crypto.h>
#include <linux/workqueue.h>
#include "portdp.h"

/*
 * The crypto API's backlog: requests that found every slot and the core's
 * queue full, in order. A worker moves them to a card as requests end.
 * portdp_overflow_lock protects portdp_overflow.
 */
static LIST_HEAD(portdp_overflow);
static DEFINE_SPINLOCK(portdp_overflow_lock);
static void portdp_overflow_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(portdp_overflow_work, portdp_overflow_fn);

/* portdp_crypto_lock protects portdp_crypto_registered. */
static DEFINE_MUTEX(portdp_crypto_lock);
static unsigned long portdp_crypto_registered;	/* bit i: portdp_crypto_algs[i] */

/* Each algorithm with the card capabilities it needs. */
static const struct {
	const char *name;
	u32 caps;
	int (*reg)(void);
	void (*unreg)(void);
} portdp_crypto_algs[] = {
	{ "cbc(aes)", PDC_CAP_AES_CBC, portdp_cbc_register, portdp_cbc_unregister },
	{ "cmac(aes)", PDC_CAP_AES_CMAC, portdp_cmac_register, portdp_cmac_unregister },
	{ "ecdh-nist-p256", PDC_CAP_P256 | PDC_CAP_ECDH_RAW,
	  portdp_ecdh_register, portdp_ecdh_unregister },
	{ "ecdsa-nist-p256", PDC_CAP_P256 | PDC_CAP_ECDSA_VERIFY,
	  portdp_ecdsa_register, portdp_ecdsa_unregister },
	{ "ecdsa-nist-p256-slot", PDC_CAP_P256 | PDC_CAP_ECDSA_SIGN | PDC_CAP_KEY_SLOTS,
	  portdp_ecdsa_slot_register, portdp_ecdsa_slot_unregister },
};

/**
 * portdp_crypto_register() - register what a ready card can do.
 * @caps: PDC_CAP_* of the ready cards.
 *
 * Algorithms already registered stay; one that fails to register is
 * tried again at the next card's reset.
 */
void portdp_crypto_register(u32 caps)
{
	unsigned int i;
	int err;

	mutex_lock(&portdp_crypto_lock);
	for (i = 0; i < ARRAY_SIZE(portdp_crypto_algs); i++) {
		if (test_bit(i, &portdp_crypto_registered) ||
		    (caps & portdp_crypto_algs[i].caps) != portdp_crypto_algs[i].caps)
			continue;
		err = portdp_crypto_algs[i].reg();
		if (err)
			pr_warn(PORTDP_NAME ": %s registration failed (%d)\n",
				portdp_crypto_algs[i].name, err);
		else
			__set_bit(i, &portdp_crypto_registered);
	}
	mutex_unlock(&portdp_crypto_lock);
}

void portdp_crypto_unregister(void)
{
	unsigned int i;

	/* no tfm is left at unload, so no request waits in the backlog */
	cancel_delayed_work_sync(&portdp_overflow_work);
	mutex_lock(&portdp_crypto_lock);
	for (i = ARRAY_SIZE(portdp_crypto_algs); i-- > 0;)
		if (__test_and_clear_bit(i, &portdp_crypto_registered))
			portdp_crypto_algs[i].unreg();
	mutex_unlock(&portdp_crypto_lock);
}

gfp_t portdp_crypto_gfp(u32 flags)
{
	return (flags & CRYPTO_TFM_REQ_MAY_SLEEP) ? GFP_KERNEL : GFP_ATOMIC;
}

static void portdp_overflow_add(struct portdp_req *req, bool head)
{
	spin_lock_bh(&portdp_overflow_lock);
	if (head)
		list_add(&req->node, &portdp_overflow);
	else
		list_add_tail(&req->node, &portdp_overflow);
	spin_unlock_bh(&portdp_overflow_lock);
}

static void portdp_overflow_fn(struct work_struct *work)
{
	struct portdp_dev *pd;
	struct portdp_req *req;
	int err;

	for (;;) {
		spin_lock_bh(&portdp_overflow_lock);
		req = list_first_entry_or_null(&portdp_overflow, struct portdp_req, node);
		if (req)
			list_del_init(&req->node);
		spin_unlock_bh(&portdp_overflow_lock);
		if (!req)
			return;
		/* -EINPROGRESS before the request can complete on the card. */
		if (req->cbase) {
			portdp_crypto_complete(req->cbase, -EINPROGRESS);
			req->cbase = NULL;
		}
		pd = portdp_dev_pick(req->caps);
		req->pd = pd;
		err = pd ? portdp_submit(pd, req) : -ENODEV;
		if (!err)
			continue;
		req->pd = NULL;
		if (pd)
			portdp_dev_put(pd);
		if (err == -EBUSY) {
			/* still full: wait for an answer, or a tick at most */
			portdp_overflow_add(req, true);
			schedule_delayed_work(&portdp_overflow_work, 1);
			return;
		}
		req->err = err;
		req->done(req);		/* the algorithm falls back or fails */
	}
}

/**
 * portdp_crypto_submit() - send a crypto API request's card command to a
 * ready card.
 * @req:   the card request.
 * @caps:  PDC_CAP_* the command needs.
 * @done:  runs with the answer; must end with portdp_crypto_req_end().
 * @priv:  the algorithm's request.
 * @first: the crypto API request when this is its first command (a full
 *         queue may then backlog it), NULL for a later one of the same
 *         request (already in progress: it waits silently).
 *
 * Return: -EINPROGRESS when queued; -EBUSY when backlogged (the first
 * command of a CRYPTO_TFM_REQ_MAY_BACKLOG request on a full queue: it gets
 * -EINPROGRESS through its callback once it moves on, then its answer);
 * else -errno and @done will not run: -ENOSPC for a full queue without
 * MAY_BACKLOG, -ENODEV when no card can take it (the algorithm's fallback
 * then runs it).
 */
int portdp_crypto_submit(struct portdp_req *req, u32 caps, portdp_done_t done, void *priv,
			 struct crypto_async_request *first)
{
	bool backlog = !first || (first->flags & CRYPTO_TFM_REQ_MAY_BACKLOG);
	struct portdp_dev *pd = portdp_dev_pick(caps);
	int err = -EBUSY;

	if (!pd)
		return -ENODEV;
	req->pd = pd;
	req->caps = caps;
	req->done = done;
	req->priv = priv;
	req->cbase = NULL;
	/* Nobody overtakes the backlog. */
	if (list_empty_careful(&portdp_overflow))
		err = portdp_submit(pd, req);
	if (!err)
		return -EINPROGRESS;
	req->pd = NULL;
	portdp_dev_put(pd);
	if (err != -EBUSY)
		return err;
	if (!backlog)
		return -ENOSPC;
	req->cbase = first;
	portdp_overflow_add(req, false);
	mod_delayed_work(system_wq, &portdp_overflow_work, 0);
	return first ? -EBUSY : -EINPROGRESS;
}

void portdp_crypto_req_end(struct portdp_req *req)
{
	if (req->pd)
		portdp_dev_put(req->pd);
	portdp_req_free(req);
	if (!list_empty_careful(&portdp_overflow))
		mod_delayed_work(system_wq, &portdp_overflow_work, 0);
}

/* Our answers arrive in process context; crypto callbacks expect BH off. */
void portdp_crypto_complete(struct crypto_async_request *base, int err)
{
	local_bh_disable();
	base->complete(base, err);
	local_bh_enable();
}
