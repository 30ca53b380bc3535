// SPDX-License-Identifier: Apache-2.0
/*
 * ECDSA and static ECDH with card keys. Messages are hashed here (SHA-256,
 * like the soft backend) and only the digest travels to the card.
 */
#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>

#include "dev.h"

/* @digest may be @arg->digest itself (the async path hashes straight into it). */
void dev_sign_prep(struct portdp_ecdsa_sign *arg, const struct pdp_key *key,
		   const uint8_t *digest, size_t len)
{
	memmove(arg->digest, digest, len);
	memset(arg->digest + len, 0, sizeof(arg->digest) - len);
	memset(arg->sig, 0, sizeof(arg->sig));
	arg->slot = dev_slot(key);
	arg->digest_len = len;
	arg->rsvd = 0;
}

static int all_zero(const uint8_t *p, size_t n)
{
	uint8_t acc = 0;

	while (n--)
		acc |= *p++;
	return !acc;
}

/* r and s are both in [1, n-1]: a card answering zeros is broken, not signing. */
static int sig_plausible(const uint8_t sig[PDP_SIG_LEN])
{
	return !all_zero(sig, 32) && !all_zero(sig + 32, 32);
}

/* A sign reply, checked the same way for sync and async calls. */
int dev_sign_reply(const struct portdp_ecdsa_sign *arg, uint8_t sig[PDP_SIG_LEN])
{
	if (!sig_plausible(arg->sig))
		return -EIO;
	memcpy(sig, arg->sig, PDP_SIG_LEN);
	return 0;
}

int dev_sign_digest(struct pdp_accel *accel, struct pdp_key *key, const uint8_t *digest,
		    size_t len, uint8_t sig[PDP_SIG_LEN])
{
	struct portdp_ecdsa_sign arg;
	int ret;

	dev_sign_prep(&arg, key, digest, len);
	ret = dev_call(to_dev(accel), PORTDP_IOC_ECDSA_SIGN, &arg);
	return ret ? ret : dev_sign_reply(&arg, sig);
}

int dev_sign(struct pdp_accel *accel, struct pdp_key *key, const uint8_t *msg, size_t msg_len,
	     uint8_t sig[PDP_SIG_LEN])
{
	uint8_t dgst[32];
	int ret;

	ret = dev_digest(to_dev(accel), msg, msg_len, dgst);
	if (ret)
		return ret;
	return dev_sign_digest(accel, key, dgst, sizeof(dgst), sig);
}

int dev_verify_prep(struct dev_accel *da, struct portdp_ecdsa_verify *arg, enum pdp_curve curve,
		    const uint8_t pub[PDP_PUBKEY_LEN], const uint8_t *msg, size_t msg_len,
		    const uint8_t sig[PDP_SIG_LEN])
{
	memset(arg, 0, sizeof(*arg));
	arg->curve = curve;
	arg->digest_len = 32;
	memcpy(arg->pub, pub, PDP_PUBKEY_LEN);
	memcpy(arg->sig, sig, PDP_SIG_LEN);
	return dev_digest(da, msg, msg_len, arg->digest);
}

int dev_verify(struct pdp_accel *accel, enum pdp_curve curve, const uint8_t pub[PDP_PUBKEY_LEN],
	       const uint8_t *msg, size_t msg_len, const uint8_t sig[PDP_SIG_LEN])
{
	struct dev_accel *da = to_dev(accel);
	struct portdp_ecdsa_verify arg;
	int ret;

	ret = dev_verify_prep(da, &arg, curve, pub, msg, msg_len, sig);
	if (ret)
		return ret;
	return dev_call(da, PORTDP_IOC_ECDSA_VERIFY, &arg);
}

int dev_ecdh(struct pdp_accel *accel, struct pdp_key *key, const uint8_t peer_pub[PDP_PUBKEY_LEN],
	     uint8_t z[32])
{
	struct portdp_ecdh_slot arg = {0};
	int ret;

	arg.slot = dev_slot(key);
	memcpy(arg.peer_pub, peer_pub, PDP_PUBKEY_LEN);
	ret = dev_call(to_dev(accel), PORTDP_IOC_ECDH_SLOT, &arg);
	if (!ret)
		memcpy(z, arg.shared, 32);
	OPENSSL_cleanse(&arg, sizeof(arg));
	return ret;
}
