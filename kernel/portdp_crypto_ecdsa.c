// SPDX-License-Identifier: GPL-2.0
/*
 * portdp_crypto_ecdsa.c - ECDSA P-256 akciphers on the card.
 *
 * "ecdsa-nist-p256" is the generic algorithm: verify only, with a public
 * key (04 || X || Y) and a DER signature followed by the digest in src, as
 * the 6.1 generic driver does; while no card can verify, another
 * implementation (if the kernel has one) answers.
 * "ecdsa-nist-p256-slot" is ours alone: its private "key" is a card key
 * slot (struct portdp_akcipher_slot_key), since card keys never leave the
 * card; it signs (DER out) and verifies. A distinct name keeps the slot
 * format away from users of the generic one.
 * The DER handling is the only logic here; 6.13 moved ECDSA to sig_alg, so
 * keep it thin.
 */
#include <crypto/akcipher.h>
#include <crypto/internal/akcipher.h>
#include <linux/module.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include "portdp.h"

#define PORTDP_P256_BYTES	32
/* SEQUENCE { INTEGER r, INTEGER s }, each up to 33 bytes. */
#define PORTDP_DER_SIG_MAX	(2 + 2 * (2 + PORTDP_P256_BYTES + 1))

/**
 * struct portdp_ecdsa_ctx - one ecdsa tfm.
 * @pub:      public key for verify, uncompressed.
 * @has_pub:  @pub is set.
 * @slot:     card key slot for sign.
 * @has_slot: @slot is set.
 * @fallback: another "ecdsa-nist-p256" with the same public key, or NULL.
 */
struct portdp_ecdsa_ctx {
	u8 pub[PDC_PUBKEY_LEN];
	bool has_pub;
	u8 slot;
	bool has_slot;
	struct crypto_akcipher *fallback;
};

#define PORTDP_ECDSA_CAPS	(PDC_CAP_P256 | PDC_CAP_ECDSA_VERIFY)

/* One DER INTEGER into a 32-byte big-endian field; 0 or -EBADMSG. */
static int portdp_der_int(const u8 **p, const u8 *end, u8 *out)
{
	const u8 *q = *p;
	size_t len;

	if (end - q < 2 || q[0] != 0x02 || q[1] & 0x80)
		return -EBADMSG;
	len = q[1];
	q += 2;
	if (!len || len > end - q)
		return -EBADMSG;
	/* Positive and minimal: one leading zero only before a high bit. */
	if (q[0] & 0x80 || (len > 1 && !q[0] && !(q[1] & 0x80)))
		return -EBADMSG;
	if (!q[0]) {
		q++;
		len--;
	}
	if (len > PORTDP_P256_BYTES)
		return -EBADMSG;
	memset(out, 0, PORTDP_P256_BYTES - len);
	memcpy(out + PORTDP_P256_BYTES - len, q, len);
	*p = q + len;
	return 0;
}

static int portdp_der_sig_decode(const u8 *der, size_t len, u8 *rs)
{
	const u8 *end = der + len;
	int err;

	if (len < 2 || der[0] != 0x30 || der[1] & 0x80 || der[1] != len - 2)
		return -EBADMSG;
	der += 2;
	err = portdp_der_int(&der, end, rs);
	if (!err)
		err = portdp_der_int(&der, end, rs + PORTDP_P256_BYTES);
	if (!err && der != end)
		err = -EBADMSG;
	return err;
}

static size_t portdp_der_put_int(u8 *out, const u8 *v)
{
	size_t skip = 0, n;

	while (skip < PORTDP_P256_BYTES - 1 && !v[skip])
		skip++;
	n = PORTDP_P256_BYTES - skip;
	out[0] = 0x02;
	if (v[skip] & 0x80) {
		out[1] = n + 1;
		out[2] = 0;
		memcpy(out + 3, v + skip, n);
		return n + 3;
	}
	out[1] = n;
	memcpy(out + 2, v + skip, n);
	return n + 2;
}

static size_t portdp_der_sig_encode(const u8 *rs, u8 *der)
{
	size_t len = 2;

	len += portdp_der_put_int(der + len, rs);
	len += portdp_der_put_int(der + len, rs + PORTDP_P256_BYTES);
	der[0] = 0x30;
	der[1] = len - 2;
	return len;
}

static void portdp_ecdsa_done(struct portdp_req *req)
{
	struct akcipher_request *areq = req->priv;
	u8 der[PORTDP_DER_SIG_MAX];
	size_t len;
	int err = req->err;

	if (req->opcode == PDC_OP_ECDSA_VERIFY) {
		if (err == -EBADMSG)
			err = -EKEYREJECTED;
		goto out;
	}
	if (!err && portdp_resp_body_len(req) != PDC_SIG_LEN)
		err = -EIO;
	if (err)
		goto out;
	len = portdp_der_sig_encode(portdp_resp_body(req), der);
	if (len > areq->dst_len) {
		err = -EOVERFLOW;
	} else {
		sg_copy_from_buffer(areq->dst, sg_nents_for_len(areq->dst, len), der, len);
		areq->dst_len = len;
	}
out:
	portdp_crypto_req_end(req);
	portdp_crypto_complete(&areq->base, err);
}

static int portdp_ecdsa_verify(struct akcipher_request *areq)
{
	struct crypto_akcipher *tfm = crypto_akcipher_reqtfm(areq);
	struct portdp_ecdsa_ctx *ctx = akcipher_tfm_ctx(tfm);
	unsigned int total = areq->src_len + areq->dst_len;
	struct pdc_ecdsa_verify_req *body;
	struct portdp_req *req;
	u8 *buf;
	int err;

	if (!ctx->has_pub)
		return -EINVAL;
	if (areq->src_len > PORTDP_DER_SIG_MAX || !areq->dst_len ||
	    areq->dst_len > PDC_DIGEST_MAX)
		return -EINVAL;
	req = portdp_req_alloc(PDC_OP_ECDSA_VERIFY, sizeof(*body), 0,
			       portdp_crypto_gfp(areq->base.flags));
	buf = kmalloc(total, portdp_crypto_gfp(areq->base.flags));
	if (!req || !buf) {
		err = -ENOMEM;
		goto free;
	}
	if (sg_pcopy_to_buffer(areq->src, sg_nents_for_len(areq->src, total), buf, total, 0) !=
	    total) {
		err = -EINVAL;
		goto free;
	}
	body = portdp_req_body(req);
	err = portdp_der_sig_decode(buf, areq->src_len, body->sig);
	if (err)
		goto free;
	body->curve = PDC_CURVE_P256;
	body->digest_len = areq->dst_len;
	memcpy(body->pub, ctx->pub, sizeof(body->pub));
	memcpy(body->digest, buf + areq->src_len, areq->dst_len);
	kfree(buf);
	err = portdp_crypto_submit(req, PORTDP_ECDSA_CAPS, portdp_ecdsa_done, areq, &areq->base);
	if (err == -EINPROGRESS || err == -EBUSY)
		return err;
	portdp_req_free(req);
	if (err == -ENODEV && ctx->fallback) {
		/* No card: the other implementation, on the same request. */
		akcipher_request_set_tfm(areq, ctx->fallback);
		err = crypto_akcipher_verify(areq);
		akcipher_request_set_tfm(areq, tfm);
	}
	return err;
free:
	kfree(buf);
	portdp_req_free(req);
	return err;
}

static int portdp_ecdsa_sign(struct akcipher_request *areq)
{
	struct portdp_ecdsa_ctx *ctx = akcipher_tfm_ctx(crypto_akcipher_reqtfm(areq));
	struct pdc_ecdsa_sign_req *body;
	struct portdp_req *req;
	int err;

	if (!ctx->has_slot)
		return -EINVAL;
	if (!areq->src_len || areq->src_len > PDC_DIGEST_MAX)
		return -EINVAL;
	req = portdp_req_alloc(PDC_OP_ECDSA_SIGN, sizeof(*body), PDC_SIG_LEN,
			       portdp_crypto_gfp(areq->base.flags));
	if (!req)
		return -ENOMEM;
	body = portdp_req_body(req);
	body->slot = ctx->slot;
	body->digest_len = areq->src_len;
	if (sg_copy_to_buffer(areq->src, sg_nents_for_len(areq->src, areq->src_len),
			      body->digest, areq->src_len) != areq->src_len) {
		portdp_req_free(req);
		return -EINVAL;
	}
	err = portdp_crypto_submit(req, PDC_CAP_P256 | PDC_CAP_ECDSA_SIGN | PDC_CAP_KEY_SLOTS,
				   portdp_ecdsa_done, areq, &areq->base);
	if (err != -EINPROGRESS && err != -EBUSY)
		portdp_req_free(req);
	return err;
}

static int portdp_ecdsa_set_pub_key(struct crypto_akcipher *tfm, const void *key,
				    unsigned int keylen)
{
	struct portdp_ecdsa_ctx *ctx = akcipher_tfm_ctx(tfm);
	const u8 *d = key;

	ctx->has_pub = false;
	if (keylen != PDC_PUBKEY_LEN || d[0] != 0x04)
		return -EINVAL;
	if (ctx->fallback && crypto_akcipher_set_pub_key(ctx->fallback, key, keylen))
		return -EINVAL;
	memcpy(ctx->pub, key, keylen);
	ctx->has_pub = true;
	return 0;
}

static int portdp_ecdsa_set_priv_key(struct crypto_akcipher *tfm, const void *key,
				     unsigned int keylen)
{
	struct portdp_ecdsa_ctx *ctx = akcipher_tfm_ctx(tfm);
	const struct portdp_akcipher_slot_key *sk = key;

	ctx->has_slot = false;
	if (keylen != sizeof(*sk) || memcmp(sk->magic, "PDSL", 4) ||
	    sk->slot >= PDC_KEY_SLOTS || memchr_inv(sk->rsvd, 0, sizeof(sk->rsvd)))
		return -EINVAL;
	ctx->slot = sk->slot;
	ctx->has_slot = true;
	return 0;
}

static unsigned int portdp_ecdsa_max_size(struct crypto_akcipher *tfm)
{
	return PORTDP_DER_SIG_MAX;
}

/* The generic name falls back to another implementation where there is one. */
static int portdp_ecdsa_init(struct crypto_akcipher *tfm)
{
	struct portdp_ecdsa_ctx *ctx = akcipher_tfm_ctx(tfm);
	struct crypto_akcipher *fb;

	fb = crypto_alloc_akcipher("ecdsa-nist-p256", 0, CRYPTO_ALG_NEED_FALLBACK);
	if (IS_ERR(fb))
		return 0;	/* Debian 6.1 builds none: no card is then -ENODEV */
	ctx->fallback = fb;
	if (crypto_akcipher_reqsize(fb) > crypto_akcipher_reqsize(tfm))
		akcipher_set_reqsize(tfm, crypto_akcipher_reqsize(fb));
	return 0;
}

static void portdp_ecdsa_exit(struct crypto_akcipher *tfm)
{
	struct portdp_ecdsa_ctx *ctx = akcipher_tfm_ctx(tfm);

	if (ctx->fallback)
		crypto_free_akcipher(ctx->fallback);
	memzero_explicit(ctx, sizeof(*ctx));
}

static struct akcipher_alg portdp_ecdsa_alg = {
	.verify = portdp_ecdsa_verify,
	.set_pub_key = portdp_ecdsa_set_pub_key,
	.max_size = portdp_ecdsa_max_size,
	.init = portdp_ecdsa_init,
	.exit = portdp_ecdsa_exit,
	.base = {
		.cra_name = "ecdsa-nist-p256",
		.cra_driver_name = "ecdsa-nist-p256-portdp",
		.cra_priority = PORTDP_PRIO_ECC,
		.cra_flags = CRYPTO_ALG_ASYNC | CRYPTO_ALG_KERN_DRIVER_ONLY |
			     CRYPTO_ALG_NEED_FALLBACK,
		.cra_ctxsize = sizeof(struct portdp_ecdsa_ctx),
		.cra_module = THIS_MODULE,
	},
};

static struct akcipher_alg portdp_ecdsa_slot_alg = {
	.sign = portdp_ecdsa_sign,
	.verify = portdp_ecdsa_verify,
	.set_pub_key = portdp_ecdsa_set_pub_key,
	.set_priv_key = portdp_ecdsa_set_priv_key,
	.max_size = portdp_ecdsa_max_size,
	.base = {
		.cra_name = "ecdsa-nist-p256-slot",
		.cra_driver_name = "ecdsa-nist-p256-slot-portdp",
		.cra_priority = PORTDP_PRIO_ECC,
		.cra_flags = CRYPTO_ALG_ASYNC | CRYPTO_ALG_KERN_DRIVER_ONLY,
		.cra_ctxsize = sizeof(struct portdp_ecdsa_ctx),
		.cra_module = THIS_MODULE,
	},
};

int portdp_ecdsa_register(void)
{
	return crypto_register_akcipher(&portdp_ecdsa_alg);
}

void portdp_ecdsa_unregister(void)
{
	crypto_unregister_akcipher(&portdp_ecdsa_alg);
}

int portdp_ecdsa_slot_register(void)
{
	return crypto_register_akcipher(&portdp_ecdsa_slot_alg);
}

void portdp_ecdsa_slot_unregister(void)
{
	crypto_unregister_akcipher(&portdp_ecdsa_slot_alg);
}
