// SPDX-License-Identifier: Apache-2.0
/*
 * What the host checks of the card's answers (a bad reply is -EIO, never
 * passed on), and the host-side SHA-256 the card's sign/verify start from.
 */
#include <errno.h>

#include <openssl/err.h>

#include "dev.h"
#include "ec_util.h"
#include "portdp/scp03t.h"

int dev_check_point(struct dev_accel *da, enum pdp_curve curve, const uint8_t pub[PDP_PUBKEY_LEN])
{
	EVP_PKEY *k;

	if ((curve != PDP_CURVE_P256 && curve != PDP_CURVE_BP256R1) ||
	    ec_pkey_from_point(da->tpl[curve], pub, &k))
		return -EIO;
	EVP_PKEY_free(k);
	return 0;
}

/* A segment must be exactly the TLV pdp_scp03t_seal() would make for this input. */
int dev_check_seal(uint8_t tag, size_t in_len, const uint8_t *out, uint32_t out_len, size_t cap)
{
	size_t want = pdp_bsp_segment_len(tag, in_len), hdr, len;

	if (!want || out_len != want || out_len > cap || out[0] != tag)
		return -EIO;
	if (out[1] < 0x80) {
		hdr = 2;
		len = out[1];
	} else if (out[1] == 0x81) {
		hdr = 3;
		len = out[2];
	} else if (out[1] == 0x82) {
		hdr = 4;
		len = (size_t)out[2] << 8 | out[3];
	} else {
		return -EIO;
	}
	return hdr + len == out_len ? 0 : -EIO;
}

int dev_digest(struct dev_accel *da, const uint8_t *msg, size_t len, uint8_t dgst[32])
{
	if (!EVP_DigestInit_ex2(da->md, da->sha256, NULL) || !EVP_DigestUpdate(da->md, msg, len) ||
	    !EVP_DigestFinal_ex(da->md, dgst, NULL)) {
		ERR_clear_error();
		return -EIO;
	}
	return 0;
}
