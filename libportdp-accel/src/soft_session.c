// SPDX-License-Identifier: Apache-2.0
/*
 * Soft sessions: the SM-DP+ half of the SGP.22 key agreement, SCP03t seals
 * with the hidden session keys, and ReplaceSessionKeys (PPKs).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/rand.h>

#include "ec_util.h"
#include "soft.h"

#define ECDH_Z_LEN 32

static struct soft_session *session_new(struct pdp_accel *accel)
{
	struct soft_session *s = OPENSSL_secure_zalloc(sizeof(*s));

	if (s)
		s->base.owner = accel;
	return s;
}

void soft_session_close(struct pdp_accel *accel, struct pdp_session *session)
{
	(void)accel;
	OPENSSL_secure_clear_free(session, sizeof(struct soft_session));
}

/* z = x-coordinate of otSK.DP * @peer. */
static int ecdh(EVP_PKEY *own, EVP_PKEY *peer, uint8_t z[ECDH_Z_LEN])
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, own, NULL);
	size_t zlen = ECDH_Z_LEN;
	int ret = -EIO;

	/*
	 * No full peer check (it costs a scalar multiplication): the import in
	 * ec_pkey_from_point() already refused points off the curve, and both
	 * curves have cofactor 1, so every such point has the group's order.
	 */
	if (ctx && EVP_PKEY_derive_init(ctx) == 1 &&
	    EVP_PKEY_derive_set_peer_ex(ctx, peer, 0) == 1 && EVP_PKEY_derive(ctx, z, &zlen) == 1 &&
	    zlen == ECDH_Z_LEN)
		ret = 0;
	EVP_PKEY_CTX_free(ctx);
	return ret;
}

int soft_ecdh(struct pdp_accel *accel, struct pdp_key *key, const uint8_t peer_pub[PDP_PUBKEY_LEN],
	      uint8_t z[32])
{
	EVP_PKEY *peer;
	int ret;

	ret = ec_pkey_from_point(to_soft(accel)->tpl[key->curve], peer_pub, &peer);
	if (ret)
		return ret;
	ret = ecdh(((struct soft_key *)key)->pkey, peer, z);
	if (ret)
		ERR_clear_error();
	EVP_PKEY_free(peer);
	return ret;
}

int soft_session_create(struct pdp_accel *accel, enum pdp_curve curve,
			const uint8_t peer_pub[PDP_PUBKEY_LEN], const uint8_t *host_id,
			size_t host_id_len, const uint8_t eid[PDP_EID_LEN],
			uint8_t ot_pub[PDP_PUBKEY_LEN], struct pdp_session **out)
{
	struct soft_accel *sa = to_soft(accel);
	EVP_PKEY *peer = NULL, *own = NULL;
	uint8_t z[ECDH_Z_LEN], pub[PDP_PUBKEY_LEN];
	struct soft_session *s = NULL;
	int ret;

	ret = ec_pkey_from_point(sa->tpl[curve], peer_pub, &peer);
	if (ret)
		return ret;
	ret = -EIO;
	if (EVP_PKEY_generate(sa->keygen[curve], &own) != 1)
		goto out;
	ret = ec_pkey_public(own, pub, NULL);
	if (ret)
		goto out;
	ret = ecdh(own, peer, z);
	if (ret)
		goto out;
	ret = -ENOMEM;
	s = session_new(accel);
	if (!s)
		goto out;
	ret = pdp_sgp22_derive(z, sizeof(z), host_id, host_id_len, eid, &s->st);
	if (ret)
		goto out;
	memcpy(ot_pub, pub, PDP_PUBKEY_LEN);
	*out = &s->base;
	s = NULL;
out:
	if (s)
		soft_session_close(accel, &s->base);
	if (ret)
		ERR_clear_error();
	OPENSSL_cleanse(z, sizeof(z));
	EVP_PKEY_free(own);
	EVP_PKEY_free(peer);
	return ret;
}

int soft_bsp_seal(struct pdp_accel *accel, struct pdp_session *session, uint8_t tag,
		  const uint8_t *in, size_t in_len, uint8_t *out, size_t *out_len)
{
	struct soft_session *s = (struct soft_session *)session;
	int ret = bsp_seal(&to_soft(accel)->bsp, &s->st, tag, in, in_len, out, out_len);

	if (ret == -EIO)
		ERR_clear_error();
	return ret;
}

/* ReplaceSessionKeysRequest, rsp.asn order: [0] initialMacChainingValue, [1] ppkEnc, [2] ppkCmac.
 */
#define RSK_LEN (3 + 3 * (2 + 16))

int soft_replace_keys(struct pdp_accel *accel, struct pdp_session *session, uint8_t *out,
		      size_t *out_len, struct pdp_session **ppk_session)
{
	uint8_t req[RSK_LEN], keys[48]; /* MCV || PPK-ENC || PPK-MAC */
	struct soft_session *ppk;
	int i, ret;

	if (*out_len < pdp_bsp_segment_len(PDP_BSP_TAG_ENC, RSK_LEN))
		return -ENOSPC;
	ppk = session_new(accel);
	if (!ppk)
		return -ENOMEM;
	if (RAND_priv_bytes(keys, sizeof(keys)) != 1) {
		ERR_clear_error();
		ret = -EIO;
		goto out;
	}
	req[0] = 0xbf;
	req[1] = 0x26;
	req[2] = RSK_LEN - 3;
	for (i = 0; i < 3; i++) {
		req[3 + i * 18] = 0x80 + i;
		req[4 + i * 18] = 16;
		memcpy(req + 5 + i * 18, keys + i * 16, 16);
	}
	ret = soft_bsp_seal(accel, session, PDP_BSP_TAG_ENC, req, sizeof(req), out, out_len);
	if (ret)
		goto out;
	pdp_scp03t_init(&ppk->st, keys + 16, keys + 32, keys);
	*ppk_session = &ppk->base;
	ppk = NULL;
out:
	if (ppk)
		soft_session_close(accel, &ppk->base);
	OPENSSL_cleanse(keys, sizeof(keys));
	OPENSSL_cleanse(req, sizeof(req));
	return ret;
}
