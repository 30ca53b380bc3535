// SPDX-License-Identifier: Apache-2.0
/*
 * A transfer bundle from inventory rows, sealed for the destination and signed: the one
 * builder of `portdpctl transfer export` and of portdpd's online pull (transfer_serve.c),
 * so both write the same bytes for the same profiles. Nothing in the inventory changes here.
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

int bundle_build(struct inventory *inv, struct pdp_accel *accel, struct pdp_key *key, int kind,
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
		if (!err)
			err = inv_get_upp(inv, ids[i], &upp, &upp_len);
		if (!err)
			err = bundle_seal(bid, p.iccid, dest_pub, upp, upp_len, it.eph_pub,
					  it.nonce, &sealed, &sealed_len);
		if (upp) {
			OPENSSL_cleanse(upp, upp_len);
			free(upp);
		}
		if (err) {
			snprintf(why, why_len, "sealing profile %s: %s", p.iccid,
				 err == -EIO ? "crypto failure" : inv_errmsg(inv));
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
