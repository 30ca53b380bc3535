// SPDX-License-Identifier: GPL-2.0
/*
 * portdp_crypto.c - registers the card's kernel crypto API algorithms once,
 * when the first card is ready, and unregisters them at module unload only:
 * a live tfm pins the module, so no algorithm goes away under its users.
 * Requests go to a ready card, or wait in the queue of one that is resetting
 * (-ENODEV when there is neither).
 */
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/crypto.h>
#include "portdp.h"

/* portdp_crypto_lock protects portdp_crypto_registered. */
static DEFINE_MUTEX(portdp_crypto_lock);
static bool portdp_crypto_registered;

int portdp_crypto_register(void)
{
	int err = 0;

	mutex_lock(&portdp_crypto_lock);
	if (portdp_crypto_registered)
		goto unlock;
	err = portdp_aes_register();
	if (err)
		goto unlock;
	err = portdp_ecdh_register();
	if (err)
		goto unregister_aes;
	err = portdp_ecdsa_register();
	if (err)
		goto unregister_ecdh;
	portdp_crypto_registered = true;
	goto unlock;

unregister_ecdh:
	portdp_ecdh_unregister();
unregister_aes:
	portdp_aes_unregister();
unlock:
	mutex_unlock(&portdp_crypto_lock);
	return err;
}

void portdp_crypto_unregister(void)
{
	mutex_lock(&portdp_crypto_lock);
	if (portdp_crypto_registered) {
		portdp_ecdsa_unregister();
		portdp_ecdh_unregister();
		portdp_aes_unregister();
		portdp_crypto_registered = false;
	}
	mutex_unlock(&portdp_crypto_lock);
}

gfp_t portdp_crypto_gfp(u32 flags)
{
	return (flags & CRYPTO_TFM_REQ_MAY_SLEEP) ? GFP_KERNEL : GFP_ATOMIC;
}

/**
 * portdp_crypto_submit() - send a crypto API request's card command to a
 * ready card.
 * @req:  the card request.
 * @done: runs with the answer; must end with portdp_crypto_req_end().
 * @priv: the algorithm's request.
 *
 * Return: -EINPROGRESS when queued, else -errno (@done will not run). A
 * full queue is -ENOSPC: -EBUSY would mean "backlogged" to the caller.
 */
int portdp_crypto_submit(struct portdp_req *req, portdp_done_t done, void *priv)
{
	struct portdp_dev *pd = portdp_dev_pick();
	int err;

	if (!pd)
		return -ENODEV;
	req->pd = pd;
	req->done = done;
	req->priv = priv;
	err = portdp_submit(pd, req);
	if (err) {
		req->pd = NULL;
		portdp_dev_put(pd);
		return err == -EBUSY ? -ENOSPC : err;
	}
	return -EINPROGRESS;
}

void portdp_crypto_req_end(struct portdp_req *req)
{
	if (req->pd)
		portdp_dev_put(req->pd);
	portdp_req_free(req);
}

/* Our answers arrive in process context; crypto callbacks expect BH off. */
void portdp_crypto_complete(struct crypto_async_request *base, int err)
{
	local_bh_disable();
	base->complete(base, err);
	local_bh_enable();
}
