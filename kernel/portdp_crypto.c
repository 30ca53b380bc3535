// SPDX-License-Identifier: GPL-2.0
/*
 * portdp_crypto.c - registers the card's kernel crypto API algorithms once,
 * when the first card is ready, and unregisters them at module unload only:
 * a live tfm pins the module, so no algorithm goes away under its users.
 * Requests go to whichever card is ready (-ENODEV when none is).
 */
#include <linux/module.h>
#include <linux/mutex.h>
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
