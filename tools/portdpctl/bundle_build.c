// SPDX-License-Identifier: Apache-2.0
/*
 * A transfer bundle from inventory rows, sealed for the destination and signed: the one
 * builder of `portdpctl transfer export` and of portdpd's online pull (transfer_serve.c),
 * so both write the same bytes for the same profiles. Nothing in the inventory changes here.
 * On the card path (a stock key on the card) the card re-seals each stored UPP for the
 * destination: the host gets the envelope, never the UPP.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <openssl/crypto.h>
#include <portdp/accel.h>
#include "bundle.h"
#include "inventory.h"

/* The card path: the stored blob goes to the card still sealed; it comes back an envelope. */
static int card_seal(struct inventory *inv, struct pdp_accel *accel, struct pdp_stock_key *stock,
		     int64_t pid, const uint8_t bid[16], const char *iccid,
		     const uint8_t dest_pub[65], struct bundle_item *it, uint8_t **sealed,
		     size_t *sealed_len)
{
	struct inv_sealed s = {0};
	struct pdp_sealed_form in = {.kind = PDP_SEAL_STOCK}, out = {.kind = PDP_SEAL_XFER};
	uint8_t *ct;
	int err;

	err = inv_get_sealed_upp(inv, pid, &s);
	if (err)
		return err;
	in.stock = stock;
	in.aad = s.aad;
	in.aad_len = s.aad_len;
	memcpy(in.wrapped, s.wrapped, sizeof(in.wrapped));
	memcpy(in.nonce, s.nonce, sizeof(in.nonce));
	memcpy(in.tag, s.tag, sizeof(in.tag));
	memcpy(out.peer_pub, dest_pub, sizeof(out.peer_pub));
	memcpy(out.id, bid, sizeof(out.id));
	ct = malloc(s.ct_len + PDP_UPP_TAG_LEN);
	err = ct ? pdp_upp_reseal(accel, iccid, &in, s.ct, s.ct_len, &out, ct) : -ENOMEM;
	if (!err) {
		memcpy(ct + s.ct_len, out.tag, PDP_UPP_TAG_LEN);
		memcpy(it->eph_pub, out.pub, sizeof(it->eph_pub));
		memcpy(it->nonce, out.nonce, sizeof(it->nonce));
		*sealed = ct;
		*sealed_len = s.ct_len + PDP_UPP_TAG_LEN;
		ct = NULL;
	}
	free(ct);
	free(s.blob);
	return err;
}

int bundle_build(struct inventory *inv, struct pdp_accel *accel, struct pdp_key *key,
		 struct pdp_stock_key *stock, int kind,
		 const uint8_t bid[16], const uint8_t *signer_der, size_t signer_len,
		 const uint8_t dest_fp[32], const uint8_t dest_pub[65], const int64_t *ids,
		 unsigned n, struct bundle_buf *w, char *why, size_t why_len)
{
	uint8_t sig[64];
	unsigned i;
	int err;

	bundle_write_head(w, (enum bundle_kind)kind, bid, (uint64_t)time(NULL), signer_der,
			  signer_len, dest_fp, NULL, n);
	for (i = 0; i < n; i++) {
		struct bundle_item it = {0};
		struct inv_profile p;
		uint8_t *upp = NULL, *sealed = NULL;
		size_t upp_len = 0, sealed_len = 0;

		err = inv_get_by_id(inv, ids[i], &p);
		if (!err && stock)
			err = card_seal(inv, accel, stock, ids[i], bid, p.iccid, dest_pub, &it,
					&sealed, &sealed_len);
		else if (!err)
			err = inv_get_upp(inv, ids[i], &upp, &upp_len);
		if (!err && !stock)
			err = bundle_seal(bid, p.iccid, dest_pub, upp, upp_len, it.eph_pub,
					  it.nonce, &sealed, &sealed_len);
		if (upp) {
			OPENSSL_cleanse(upp, upp_len);
			free(upp);
		}
		if (err) {
			snprintf(why, why_len, "sealing profile %s: %s", p.iccid,
				 err == -EIO		? "crypto failure"
				 : err == -EBADMSG	? "its stored UPP fails its integrity check"
				 : err == -EKEYREJECTED ? "its stored UPP is not under this stock key"
							: inv_errmsg(inv));
			return err;
		}
		memcpy(it.iccid, p.iccid, sizeof(it.iccid));
		memcpy(it.sp_name, p.sp_name, sizeof(it.sp_name));
		memcpy(it.profile_name, p.profile_name, sizeof(it.profile_name));
		memcpy(it.profile_type, p.profile_type, sizeof(it.profile_type));
		it.profile_class = (uint8_t)p.profile_class;
		it.reuse = (uint8_t)p.reuse;
		it.sealed = sealed;
		it.sealed_len = sealed_len;
		bundle_write_item(w, &it);
		free(sealed);
	}
	err = w->oom ? -ENOMEM : pdp_sign(accel, key, w->p, w->len, sig);
	if (!err)
		bb_bytes(w, sig, 64);
	if (!err && w->oom)
		err = -ENOMEM;
	if (err)
		snprintf(why, why_len, "signing the bundle: %s", strerror(-err));
	return err;
}
