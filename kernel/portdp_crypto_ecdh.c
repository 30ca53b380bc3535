// SPDX-License-Identifier: GPL-2.0
/*
 * portdp_crypto_ecdh.c - "ecdh-nist-p256" kpp on the card (ECDH_RAW_*
 * commands). The kpp API hands the private scalar to the driver, so the
 * card gets it with each command and keeps nothing; DP and session keys
 * never take this path. While no card can take a request, the generic
 * implementation (a fallback tfm with the same key) answers it.
 */
#include <crypto/ecdh.h>
#include <crypto/internal/kpp.h>
#include <crypto/kpp.h>
#include <linux/module.h>
#include <linux/random.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include "portdp.h"

#define PORTDP_P256_BYTES	32

/* Order n of the P-256 group, big-endian: private scalars are 0 < d < n. */
static const u8 portdp_p256_n[PORTDP_P256_BYTES] = {
	0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84,
	0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
};

/**
 * struct portdp_ecdh_ctx - one ecdh tfm.
 * @priv:     private scalar, big-endian.
 * @has_key:  @priv is set.
 * @fallback: the generic ecdh-nist-p256, holding the same key.
 */
struct portdp_ecdh_ctx {
	u8 priv[PORTDP_P256_BYTES];
	bool has_key;
	struct crypto_kpp *fallback;
};

/* The fallback gets the scalar we hold, so both compute the same keys. */
static int portdp_ecdh_set_fallback(struct portdp_ecdh_ctx *ctx)
{
	struct ecdh params = { .key = (char *)ctx->priv, .key_size = PORTDP_P256_BYTES };
	unsigned int len = crypto_ecdh_key_len(&params);
	u8 *buf;
	int err;

	buf = kmalloc(len, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	err = crypto_ecdh_encode_key(buf, len, &params);
	if (!err)
		err = crypto_kpp_set_secret(ctx->fallback, buf, len);
	kfree_sensitive(buf);
	return err;
}

static bool portdp_p256_scalar_ok(const u8 *d)
{
	return memchr_inv(d, 0, PORTDP_P256_BYTES) &&
	       memcmp(d, portdp_p256_n, PORTDP_P256_BYTES) < 0;
}

static int portdp_ecdh_set_secret(struct crypto_kpp *tfm, const void *buf, unsigned int len)
{
	struct portdp_ecdh_ctx *ctx = kpp_tfm_ctx(tfm);
	struct ecdh params;
	u8 d[PORTDP_P256_BYTES] = { };

	if (crypto_ecdh_decode_key(buf, len, &params) < 0 ||
	    params.key_size > PORTDP_P256_BYTES)
		return -EINVAL;
	if (!params.key || !params.key_size) {
		/* An empty key asks for a fresh one. */
		do {
			get_random_bytes(d, sizeof(d));
		} while (!portdp_p256_scalar_ok(d));
	} else {
		memcpy(d + PORTDP_P256_BYTES - params.key_size, params.key, params.key_size);
		if (!portdp_p256_scalar_ok(d)) {
			memzero_explicit(d, sizeof(d));
			return -EINVAL;
		}
	}
	memcpy(ctx->priv, d, sizeof(d));
	memzero_explicit(d, sizeof(d));
	ctx->has_key = portdp_ecdh_set_fallback(ctx) == 0;
	return ctx->has_key ? 0 : -EINVAL;
}

static void portdp_ecdh_done(struct portdp_req *req)
{
	struct kpp_request *kreq = req->priv;
	const u8 *out = portdp_resp_body(req);
	size_t want, n;
	int err = req->err;

	if (req->opcode == PDC_OP_ECDH_RAW_PUBLIC) {
		want = sizeof(struct pdc_ecdh_public_resp);
		out++;		/* X || Y without the 04 */
		n = 2 * PORTDP_P256_BYTES;
	} else {
		want = sizeof(struct pdc_ecdh_shared_resp);
		n = PORTDP_P256_BYTES;
	}
	if (!err && portdp_resp_body_len(req) != want)
		err = -EIO;
	if (!err && req->opcode == PDC_OP_ECDH_RAW_PUBLIC && out[-1] != 0x04)
		err = -EIO;
	if (!err) {
		n = min_t(size_t, n, kreq->dst_len);
		if (sg_copy_from_buffer(kreq->dst, sg_nents_for_len(kreq->dst, n), out, n) != n)
			err = -EINVAL;
	}
	portdp_crypto_req_end(req);
	portdp_crypto_complete(&kreq->base, err);
}

static int portdp_ecdh_run(struct kpp_request *kreq, u16 opcode)
{
	struct crypto_kpp *tfm = crypto_kpp_reqtfm(kreq);
	struct portdp_ecdh_ctx *ctx = kpp_tfm_ctx(tfm);
	struct pdc_ecdh_raw_req *body;
	struct portdp_req *req;
	int err;

	if (!ctx->has_key)
		return -EINVAL;
	req = portdp_req_alloc(opcode, sizeof(*body),
			       opcode == PDC_OP_ECDH_RAW_PUBLIC ?
			       sizeof(struct pdc_ecdh_public_resp) :
			       sizeof(struct pdc_ecdh_shared_resp),
			       portdp_crypto_gfp(kreq->base.flags));
	if (!req)
		return -ENOMEM;
	body = portdp_req_body(req);
	body->curve = PDC_CURVE_P256;
	memcpy(body->priv, ctx->priv, sizeof(body->priv));
	if (opcode == PDC_OP_ECDH_RAW_SHARED) {
		/* The peer's key comes as X || Y. */
		if (kreq->src_len != 2 * PORTDP_P256_BYTES ||
		    sg_copy_to_buffer(kreq->src, sg_nents_for_len(kreq->src, kreq->src_len),
				      body->peer_pub + 1, kreq->src_len) != kreq->src_len) {
			portdp_req_free(req);
			return -EINVAL;
		}
		body->peer_pub[0] = 0x04;
	}
	err = portdp_crypto_submit(req, PDC_CAP_P256 | PDC_CAP_ECDH_RAW, portdp_ecdh_done, kreq,
				   &kreq->base);
	if (err == -EINPROGRESS || err == -EBUSY)
		return err;
	portdp_req_free(req);
	if (err != -ENODEV)
		return err;
	/* No card: the generic code, synchronous, on the same request. */
	kpp_request_set_tfm(kreq, ctx->fallback);
	err = opcode == PDC_OP_ECDH_RAW_PUBLIC ? crypto_kpp_generate_public_key(kreq) :
						  crypto_kpp_compute_shared_secret(kreq);
	kpp_request_set_tfm(kreq, tfm);
	return err;
}

static int portdp_ecdh_generate_public_key(struct kpp_request *kreq)
{
	return portdp_ecdh_run(kreq, PDC_OP_ECDH_RAW_PUBLIC);
}

static int portdp_ecdh_compute_shared_secret(struct kpp_request *kreq)
{
	return portdp_ecdh_run(kreq, PDC_OP_ECDH_RAW_SHARED);
}

static unsigned int portdp_ecdh_max_size(struct crypto_kpp *tfm)
{
	return 2 * PORTDP_P256_BYTES;
}

static int portdp_ecdh_init(struct crypto_kpp *tfm)
{
	struct portdp_ecdh_ctx *ctx = kpp_tfm_ctx(tfm);

	ctx->fallback = crypto_alloc_kpp("ecdh-nist-p256", 0, CRYPTO_ALG_NEED_FALLBACK);
	if (IS_ERR(ctx->fallback))
		return PTR_ERR(ctx->fallback);
	/* The generic code is synchronous and gets our request as it is. */
	if (crypto_kpp_reqsize(ctx->fallback) > crypto_kpp_reqsize(tfm))
		kpp_set_reqsize(tfm, crypto_kpp_reqsize(ctx->fallback));
	return 0;
}

static void portdp_ecdh_exit(struct crypto_kpp *tfm)
{
	struct portdp_ecdh_ctx *ctx = kpp_tfm_ctx(tfm);

	crypto_free_kpp(ctx->fallback);
	memzero_explicit(ctx, sizeof(*ctx));
}

static struct kpp_alg portdp_ecdh_alg = {
	.set_secret = portdp_ecdh_set_secret,
	.generate_public_key = portdp_ecdh_generate_public_key,
	.compute_shared_secret = portdp_ecdh_compute_shared_secret,
	.max_size = portdp_ecdh_max_size,
	.init = portdp_ecdh_init,
	.exit = portdp_ecdh_exit,
	.base = {
		.cra_name = "ecdh-nist-p256",
		.cra_driver_name = "ecdh-nist-p256-portdp",
		.cra_priority = PORTDP_PRIO_ECC,
		.cra_flags = CRYPTO_ALG_ASYNC | CRYPTO_ALG_KERN_DRIVER_ONLY |
			     CRYPTO_ALG_NEED_FALLBACK,
		.cra_ctxsize = sizeof(struct portdp_ecdh_ctx),
		.cra_module = THIS_MODULE,
	},
};

int portdp_ecdh_register(void)
{
	return crypto_register_kpp(&portdp_ecdh_alg);
}

void portdp_ecdh_unregister(void)
{
	crypto_unregister_kpp(&portdp_ecdh_alg);
}
