// SPDX-License-Identifier: Apache-2.0
/* The soft backend's life cycle, its random source and its vtable. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/rand.h>

#include "ec_util.h"
#include "soft.h"

static void soft_close(struct pdp_accel *accel)
{
	struct soft_accel *sa = to_soft(accel);
	int i;

	soft_verify_cache_clear(sa);
	for (i = 0; i < SOFT_NCURVES; i++) {
		EVP_PKEY_CTX_free(sa->keygen[i]);
		EVP_PKEY_free(sa->tpl[i]);
	}
	EVP_MD_CTX_free(sa->md);
	EVP_MD_free(sa->sha256);
	bsp_ctx_fini(&sa->bsp);
	free(sa);
}

static EVP_PKEY_CTX *keygen_ctx(enum pdp_curve c)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);

	if (!ctx || EVP_PKEY_keygen_init(ctx) != 1 ||
	    EVP_PKEY_CTX_set_group_name(ctx, ec_group_name(c)) != 1) {
		EVP_PKEY_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

static int soft_open(const char *arg, struct pdp_accel **out)
{
	struct soft_accel *sa;

	if (*arg)
		return -EINVAL; /* "soft:" takes no options yet */
	sa = calloc(1, sizeof(*sa));
	if (!sa)
		return -ENOMEM;
	sa->base.ops = &pdp_soft_ops;
	if (bsp_ctx_init(&sa->bsp)) {
		free(sa);
		return -ENOMEM;
	}
	sa->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
	sa->md = EVP_MD_CTX_new();
	sa->tpl[PDP_CURVE_P256] = ec_pkey_template(PDP_CURVE_P256);
	sa->tpl[PDP_CURVE_BP256R1] = ec_pkey_template(PDP_CURVE_BP256R1);
	sa->keygen[PDP_CURVE_P256] = keygen_ctx(PDP_CURVE_P256);
	sa->keygen[PDP_CURVE_BP256R1] = keygen_ctx(PDP_CURVE_BP256R1);
	if (!sa->sha256 || !sa->md || !sa->tpl[PDP_CURVE_P256] || !sa->tpl[PDP_CURVE_BP256R1] ||
	    !sa->keygen[PDP_CURVE_P256] || !sa->keygen[PDP_CURVE_BP256R1]) {
		ERR_clear_error();
		soft_close(&sa->base);
		return -ENOMEM;
	}
	*out = &sa->base;
	return 0;
}

static int soft_random(struct pdp_accel *accel, uint8_t *buf, size_t len)
{
	(void)accel;
	if (len > INT32_MAX)
		return -EINVAL;
	if (RAND_bytes(buf, len) != 1) {
		ERR_clear_error();
		return -EIO;
	}
	return 0;
}

static int soft_info(struct pdp_accel *accel, struct pdp_accel_info *out)
{
	(void)accel;
	snprintf(out->fw_name, sizeof(out->fw_name), "%s", OpenSSL_version(OPENSSL_VERSION));
	out->caps = PDP_ACCEL_CAP_P256 | PDP_ACCEL_CAP_BP256R1 | PDP_ACCEL_CAP_KEY_GENERATE |
		    PDP_ACCEL_CAP_SIGN | PDP_ACCEL_CAP_VERIFY | PDP_ACCEL_CAP_SESSION |
		    PDP_ACCEL_CAP_REPLACE_KEYS | PDP_ACCEL_CAP_ECDH | PDP_ACCEL_CAP_RANDOM |
		    PDP_ACCEL_CAP_SEALED_UPP | PDP_ACCEL_CAP_RESEAL;
	out->queue_depth = SOFT_RING_SIZE;
	return 0;
}

const struct pdp_backend_ops pdp_soft_ops = {
    .name = "soft",
    .open = soft_open,
    .close = soft_close,
    .key_load = soft_key_load,
    .key_free = soft_key_free,
    .key_generate = soft_key_generate,
    .key_destroy = soft_key_destroy,
    .info = soft_info,
    .sign = soft_sign,
    .sign_digest = soft_sign_digest,
    .ecdh = soft_ecdh,
    .verify = soft_verify,
    .session_create = soft_session_create,
    .bsp_seal = soft_bsp_seal,
    .replace_keys = soft_replace_keys,
    .session_close = soft_session_close,
    .random = soft_random,
    .stock_generate = soft_stock_generate,
    .stock_load = soft_stock_load,
    .stock_wrap = soft_stock_wrap,
    .seal_sealed = soft_seal_sealed,
    .reseal = soft_reseal,
    .submit = soft_submit,
    .reap = soft_reap,
    .inflight = soft_inflight,
};
