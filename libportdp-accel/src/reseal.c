// SPDX-License-Identifier: Apache-2.0
/*
 * pdp_upp_reseal(): the argument checks of accel.h, then the backend. The
 * card checks the same again; here a caller's mistake gets -EINVAL before
 * anything reaches it.
 */
#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>

#include "backend.h"

static int iccid_ok(const char *iccid, size_t *len)
{
	size_t n;

	if (!iccid)
		return 0;
	n = strnlen(iccid, 21);
	if (n < 10 || n > 20 || strspn(iccid, "0123456789") != n)
		return 0;
	*len = n;
	return 1;
}

static int form_ok(const struct pdp_accel *accel, const struct pdp_sealed_form *f, int input,
		   const char *iccid, size_t iccid_len)
{
	if (f->kind == PDP_SEAL_STOCK) {
		if (!f->stock || f->stock->owner != accel || !f->aad || !f->aad_len ||
		    f->aad_len > PDP_UPP_AAD_MAX)
			return 0;
		/* a profile keeps its ICCID across forms */
		return !iccid_len || (f->aad_len >= iccid_len &&
				      !memcmp(f->aad + f->aad_len - iccid_len, iccid, iccid_len));
	}
	if (f->kind != PDP_SEAL_XFER)
		return 0;
	return !input || (f->unit && f->unit->owner == accel && f->unit->curve == PDP_CURVE_P256);
}

int pdp_upp_reseal(struct pdp_accel *accel, const char *iccid, const struct pdp_sealed_form *in,
		   const uint8_t *ct_in, size_t ct_len, struct pdp_sealed_form *out,
		   uint8_t *ct_out)
{
	size_t iccid_len = 0;
	int ret = -EINVAL;

	if (!accel || !in || !out || !ct_in || !ct_out || !ct_len || ct_len > PDP_UPP_MAX_LEN)
		return -EINVAL;
	if ((in->kind == PDP_SEAL_XFER || out->kind == PDP_SEAL_XFER) &&
	    !iccid_ok(iccid, &iccid_len))
		goto fail;
	if (!form_ok(accel, in, 1, iccid, iccid_len) || !form_ok(accel, out, 0, iccid, iccid_len))
		goto fail;
	ret = -EOPNOTSUPP;
	if (!accel->ops->reseal)
		goto fail;
	ret = accel->ops->reseal(accel, iccid_len ? iccid : NULL, iccid_len, in, ct_in, ct_len, out,
				 ct_out);
	if (!ret)
		return 0;
fail:
	OPENSSL_cleanse(ct_out, ct_len);
	OPENSSL_cleanse(out->wrapped, sizeof(out->wrapped));
	OPENSSL_cleanse(out->nonce, sizeof(out->nonce));
	OPENSSL_cleanse(out->tag, sizeof(out->tag));
	if (out->kind == PDP_SEAL_XFER)
		OPENSSL_cleanse(out->pub, sizeof(out->pub));
	return ret;
}
