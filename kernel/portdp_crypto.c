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
#include "portdp.h"

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

/**
 * portdp_crypto_submit() - send a crypto API request's card command to a
 * ready card.
 * @req:  the card request.
 * @caps: PDC_CAP_* the command needs.
 * @done: runs with the answer; must end with portdp_crypto_req_end().
 * @priv: the algorithm's request.
 *
 * Return: -EINPROGRESS when queued, else -errno (@done will not run):
 * -ENODEV when no card can take it (the algorithm's fallback then runs it).
 * A full queue is -ENOSPC: -EBUSY would mean "backlogged" to the caller.
 */
int portdp_crypto_submit(struct portdp_req *req, u32 caps, portdp_done_t done, void *priv)
{
	struct portdp_dev *pd = portdp_dev_pick(caps);
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
