// SPDX-License-Identifier: Apache-2.0
/*
 * Sealed stock on the card: the stock key is a slot ("slot:N") whose key
 * never leaves the card; a sealed UPP goes to the card in pieces (UPP_OPEN,
 * UPP_DATA, UPP_FINISH) and comes back only as sealed 86 segments
 * (UPP_SEAL). The host never holds the data key or a byte of plaintext.
 */
#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>

#include "dev.h"
#include "portdp/scp03t.h"

static int stock_new(struct dev_accel *da, uint8_t slot, struct pdp_stock_key **out)
{
	struct pdp_stock_key *k = OPENSSL_zalloc(sizeof(*k));

	if (!k)
		return -ENOMEM;
	k->owner = &da->base;
	k->slot = slot;
	*out = k;
	return 0;
}

static int need_cap(struct dev_accel *da)
{
	return da->info.caps & PORTDP_CAP_SEALED_UPP ? 0 : -EOPNOTSUPP;
}

int dev_stock_generate(struct pdp_accel *accel, const char *key_uri, struct pdp_stock_key **out)
{
	struct dev_accel *da = to_dev(accel);
	struct portdp_key arg = {0};
	int ret;

	ret = need_cap(da);
	if (!ret)
		ret = dev_parse_slot(da, key_uri, &arg.slot);
	if (!ret)
		ret = dev_call(da, PORTDP_IOC_STOCK_KEY_GENERATE, &arg);
	return ret ? ret : stock_new(da, arg.slot, out);
}

int dev_stock_load(struct pdp_accel *accel, const char *key_uri, struct pdp_stock_key **out)
{
	struct dev_accel *da = to_dev(accel);
	struct portdp_key_list kl;
	uint8_t slot;
	int ret;

	ret = need_cap(da);
	if (!ret)
		ret = dev_parse_slot(da, key_uri, &slot);
	if (!ret)
		ret = dev_call(da, PORTDP_IOC_KEY_LIST, &kl);
	if (ret)
		return ret;
	if (!(kl.used & (1u << slot)))
		return -ENOENT;
	if (kl.curve[slot] != PORTDP_KEY_STOCK_AES256)
		return -EINVAL;
	return stock_new(da, slot, out);
}

int dev_stock_wrap(struct pdp_accel *accel, struct pdp_stock_key *key,
		   const uint8_t data_key[PDP_STOCK_KEY_LEN], uint8_t wrapped[PDP_STOCK_WRAP_LEN])
{
	struct portdp_stock_wrap arg = {.slot = key->slot};
	int ret;

	memcpy(arg.key, data_key, sizeof(arg.key));
	ret = dev_call(to_dev(accel), PORTDP_IOC_STOCK_WRAP, &arg);
	if (!ret)
		memcpy(wrapped, arg.wrapped, PDP_STOCK_WRAP_LEN);
	OPENSSL_cleanse(&arg, sizeof(arg));
	return ret;
}

/* Hand the sealed UPP to the card; it checks the tag before anything can be sealed. */
static int upp_load(struct dev_accel *da, uint32_t handle, const struct pdp_stock_key *key,
		    const struct pdp_sealed_upp *upp)
{
	struct portdp_upp_open op = {.handle = handle, .slot = key->slot};
	struct portdp_upp_finish fin = {.handle = handle};
	size_t off, n;
	int ret;

	op.aad_len = (uint8_t)upp->aad_len;
	op.ct_len = (uint32_t)upp->ct_len;
	memcpy(op.wrapped, upp->wrapped, sizeof(op.wrapped));
	memcpy(op.nonce, upp->nonce, sizeof(op.nonce));
	memcpy(op.aad, upp->aad, upp->aad_len);
	ret = dev_call(da, PORTDP_IOC_UPP_OPEN, &op);
	for (off = 0; !ret && off < upp->ct_len; off += n) {
		struct portdp_upp_data d = {.handle = handle, .offset = (uint32_t)off};

		n = upp->ct_len - off < PORTDP_UPP_DATA_MAX ? upp->ct_len - off
							    : PORTDP_UPP_DATA_MAX;
		d.len = (uint32_t)n;
		d.in = (uintptr_t)(upp->ct + off);
		ret = dev_call(da, PORTDP_IOC_UPP_DATA, &d);
	}
	if (ret)
		return ret;
	memcpy(fin.tag, upp->tag, sizeof(fin.tag));
	return dev_call(da, PORTDP_IOC_UPP_FINISH, &fin);
}

int dev_seal_sealed(struct pdp_accel *accel, struct pdp_session *session,
		    struct pdp_stock_key *key, const struct pdp_sealed_upp *upp, uint8_t *out,
		    size_t out_len)
{
	struct dev_accel *da = to_dev(accel);
	uint32_t handle = dev_handle(session);
	size_t off, n, done = 0;
	int ret;

	ret = need_cap(da);
	if (!ret)
		ret = upp_load(da, handle, key, upp);
	for (off = 0; !ret && off < upp->ct_len; off += n) {
		struct portdp_upp_seal s = {.handle = handle, .tag = PDP_BSP_TAG_PROFILE};

		n = upp->ct_len - off < PDP_BSP_MAX_PLAIN_ENC ? upp->ct_len - off
							      : PDP_BSP_MAX_PLAIN_ENC;
		s.in_len = (uint16_t)n;
		s.out = (uintptr_t)(out + done);
		s.out_cap = out_len - done < PDP_BSP_MAX_SEGMENT ? out_len - done
								 : PDP_BSP_MAX_SEGMENT;
		ret = dev_call(da, PORTDP_IOC_UPP_SEAL, &s);
		if (!ret)
			ret = dev_check_seal(PDP_BSP_TAG_PROFILE, n, out + done, s.out_len,
					     s.out_cap);
		done += s.out_len;
	}
	return ret;
}
