// SPDX-License-Identifier: Apache-2.0
/*
 * pdp_upp_reseal() on the card: RESEAL_OPEN, RESEAL_DATA in order (the card
 * answers each piece re-sealed), RESEAL_FINISH (the output's tag only if the
 * input's verified). The plaintext never reaches the host. A failure before
 * FINISH aborts the re-seal on the card so it holds nothing.
 */
#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>

#include "dev.h"

int dev_reseal(struct pdp_accel *accel, const char *iccid, size_t iccid_len,
	       const struct pdp_sealed_form *in, const uint8_t *ct_in, size_t ct_len,
	       struct pdp_sealed_form *out, uint8_t *ct_out)
{
	struct dev_accel *da = to_dev(accel);
	struct portdp_reseal_open o = {.in_kind = (uint8_t)in->kind,
				       .out_kind = (uint8_t)out->kind};
	struct portdp_reseal_data d = {0};
	struct portdp_reseal_finish f = {0};
	const struct pdp_sealed_form *stock = in->kind == PDP_SEAL_STOCK ? in : out;
	size_t off, n;
	int ret;

	if (!(da->info.caps & PORTDP_CAP_RESEAL))
		return -EOPNOTSUPP;
	o.ct_len = (uint32_t)ct_len;
	o.iccid_len = (uint8_t)iccid_len;
	if (iccid_len)
		memcpy(o.iccid, iccid, iccid_len);
	if (stock->kind == PDP_SEAL_STOCK) {
		o.aad_len = (uint8_t)stock->aad_len;
		memcpy(o.aad, stock->aad, stock->aad_len);
	}
	memcpy(o.in_nonce, in->nonce, sizeof(o.in_nonce));
	if (in->kind == PDP_SEAL_STOCK) {
		o.in_slot = in->stock->slot;
		memcpy(o.in_wrapped, in->wrapped, sizeof(o.in_wrapped));
	} else {
		o.in_slot = dev_slot(in->unit);
		memcpy(o.in_id, in->id, sizeof(o.in_id));
		memcpy(o.in_pub, in->pub, sizeof(o.in_pub));
	}
	if (out->kind == PDP_SEAL_STOCK) {
		o.out_slot = out->stock->slot;
	} else {
		memcpy(o.out_id, out->id, sizeof(o.out_id));
		memcpy(o.peer_pub, out->peer_pub, sizeof(o.peer_pub));
	}
	ret = dev_call(da, PORTDP_IOC_RESEAL_OPEN, &o);
	if (ret)
		return ret;
	d.handle = f.handle = o.handle;
	for (off = 0; off < ct_len && !ret; off += n) {
		n = ct_len - off < PORTDP_UPP_DATA_MAX ? ct_len - off : PORTDP_UPP_DATA_MAX;
		d.offset = (uint32_t)off;
		d.len = (uint32_t)n;
		d.in = (uintptr_t)(ct_in + off);
		d.out = (uintptr_t)(ct_out + off);
		ret = dev_call(da, PORTDP_IOC_RESEAL_DATA, &d);
	}
	if (ret) {
		struct portdp_session a = {.handle = o.handle};

		dev_call(da, PORTDP_IOC_RESEAL_ABORT, &a);
		return ret;
	}
	memcpy(f.tag, in->tag, sizeof(f.tag));
	ret = dev_call(da, PORTDP_IOC_RESEAL_FINISH, &f);
	if (ret)
		return ret;
	memcpy(out->nonce, o.out_nonce, sizeof(out->nonce));
	if (out->kind == PDP_SEAL_STOCK)
		memcpy(out->wrapped, o.out_wrapped, sizeof(out->wrapped));
	else
		memcpy(out->pub, o.out_pub, sizeof(out->pub));
	memcpy(out->tag, f.out_tag, sizeof(out->tag));
	return 0;
}
