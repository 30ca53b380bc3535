// SPDX-License-Identifier: Apache-2.0
/*
 * Sealed stock: the argument checks of accel.h's pdp_stock_* and
 * pdp_bsp_seal_sealed(), then the backend.
 */
#include <errno.h>
#include <stdlib.h>

#include <openssl/crypto.h>

#include "backend.h"
#include "portdp/scp03t.h"

/* The A3 segments of @len plaintext bytes: the bytes pdp_bsp_seal_sealed() writes. */
static size_t a3_len(size_t len)
{
	size_t max = PDP_BSP_MAX_PLAIN_ENC, full = len / max, rest = len % max;

	return full * pdp_bsp_segment_len(PDP_BSP_TAG_PROFILE, max) +
	       (rest ? pdp_bsp_segment_len(PDP_BSP_TAG_PROFILE, rest) : 0);
}

int pdp_stock_key_generate(struct pdp_accel *accel, const char *key_uri, struct pdp_stock_key **out)
{
	if (!accel || !key_uri || !out)
		return -EINVAL;
	if (!accel->ops->stock_generate)
		return -EOPNOTSUPP;
	return accel->ops->stock_generate(accel, key_uri, out);
}

int pdp_stock_key_load(struct pdp_accel *accel, const char *key_uri, struct pdp_stock_key **out)
{
	if (!accel || !key_uri || !out)
		return -EINVAL;
	if (!accel->ops->stock_load)
		return -EOPNOTSUPP;
	return accel->ops->stock_load(accel, key_uri, out);
}

void pdp_stock_key_free(struct pdp_stock_key *key)
{
	OPENSSL_clear_free(key, key ? sizeof(*key) : 0);
}

int pdp_stock_wrap(struct pdp_accel *accel, struct pdp_stock_key *key,
		   const uint8_t data_key[PDP_STOCK_KEY_LEN], uint8_t wrapped[PDP_STOCK_WRAP_LEN])
{
	if (!accel || !key || key->owner != accel || !data_key || !wrapped)
		return -EINVAL;
	return accel->ops->stock_wrap(accel, key, data_key, wrapped);
}

int pdp_bsp_seal_sealed(struct pdp_accel *accel, struct pdp_session *session,
			struct pdp_stock_key *key, const struct pdp_sealed_upp *upp, uint8_t *out,
			size_t *out_len)
{
	size_t need;
	int ret;

	if (!accel || !session || session->owner != accel || !key || key->owner != accel || !upp ||
	    !upp->aad || !upp->aad_len || upp->aad_len > PDP_UPP_AAD_MAX || !upp->wrapped ||
	    !upp->nonce || !upp->ct || !upp->ct_len || upp->ct_len > PDP_UPP_MAX_LEN || !upp->tag ||
	    !out || !out_len)
		return -EINVAL;
	need = a3_len(upp->ct_len);
	if (*out_len < need)
		return -ENOSPC;
	ret = accel->ops->seal_sealed(accel, session, key, upp, out, need);
	if (ret) {
		OPENSSL_cleanse(out, need);
		return ret;
	}
	*out_len = need;
	return 0;
}
