// SPDX-License-Identifier: GPL-2.0
/*
 * portdp_crypto_aes.c - "cbc(aes)" skcipher and "cmac(aes)" ahash on the
 * card (AES_CBC / AES_CMAC commands). The card keeps no state: long
 * requests go as a chain of commands, each carrying the chaining value
 * (the IV for CBC, the CMAC state) of the one before. The same chaining
 * value lets the CPU (the AES library) take over at any command: when no
 * card is there, or when the card goes away in the middle of a request.
 */
#include <crypto/aes.h>
#include <crypto/internal/hash.h>
#include <crypto/internal/skcipher.h>
#include <crypto/scatterwalk.h>
#include <linux/module.h>
#include <linux/slab.h>
#include "portdp.h"

/* Largest chunk per command: a multiple of the block size. */
#define PORTDP_AES_CHUNK	(PDC_AES_MAX_DATA & ~(AES_BLOCK_SIZE - 1))

/**
 * struct portdp_aes_key - key of a cbc(aes) or cmac(aes) tfm.
 * @key:  raw AES key, for the card.
 * @len:  16, 24 or 32 (0 until set).
 * @soft: the expanded key, for the CPU fallback.
 */
struct portdp_aes_key {
	u8 key[AES_MAX_KEY_SIZE];
	unsigned int len;
	struct crypto_aes_ctx soft;
};

static int portdp_aes_setkey(struct portdp_aes_key *k, const u8 *key, unsigned int len)
{
	int err = aes_expandkey(&k->soft, key, len);

	if (err)
		return err;
	memcpy(k->key, key, len);
	k->len = len;
	return 0;
}

/* Whether the card path failed for want of a card: the CPU takes over. */
static bool portdp_aes_no_card(int err)
{
	return err == -ENODEV;
}

/* ---- cbc(aes) ---------------------------------------------------------- */

/**
 * struct portdp_cbc_rctx - progress of one skcipher request.
 * @done: bytes already through the card.
 * @enc:  PDC_AES_ENCRYPT or PDC_AES_DECRYPT.
 */
struct portdp_cbc_rctx {
	unsigned int done;
	u8 enc;
};

static int portdp_cbc_step(struct skcipher_request *sreq, bool first);

/* CBC on the CPU from @rctx->done to the end, a few blocks per copy. */
static void portdp_cbc_soft(struct skcipher_request *sreq)
{
	struct portdp_aes_key *k = crypto_skcipher_ctx(crypto_skcipher_reqtfm(sreq));
	struct portdp_cbc_rctx *rctx = skcipher_request_ctx(sreq);
	u8 in[4 * AES_BLOCK_SIZE], out[4 * AES_BLOCK_SIZE], *prev;
	unsigned int len, i;

	while (rctx->done < sreq->cryptlen) {
		len = min_t(unsigned int, sreq->cryptlen - rctx->done, sizeof(in));
		sg_pcopy_to_buffer(sreq->src, sg_nents(sreq->src), in, len, rctx->done);
		prev = sreq->iv;
		for (i = 0; i < len; i += AES_BLOCK_SIZE) {
			if (rctx->enc == PDC_AES_ENCRYPT) {
				crypto_xor_cpy(out + i, in + i, prev, AES_BLOCK_SIZE);
				aes_encrypt(&k->soft, out + i, out + i);
				prev = out + i;
			} else {
				aes_decrypt(&k->soft, out + i, in + i);
				crypto_xor(out + i, prev, AES_BLOCK_SIZE);
				prev = in + i;
			}
		}
		memcpy(sreq->iv, prev, AES_BLOCK_SIZE);
		sg_pcopy_from_buffer(sreq->dst, sg_nents(sreq->dst), out, len, rctx->done);
		rctx->done += len;
	}
	memzero_explicit(in, sizeof(in));
	memzero_explicit(out, sizeof(out));
}

static void portdp_cbc_done(struct portdp_req *req)
{
	struct skcipher_request *sreq = req->priv;
	struct portdp_cbc_rctx *rctx = skcipher_request_ctx(sreq);
	const struct pdc_aes_cbc_resp *resp = portdp_resp_body(req);
	size_t len = req->msg_len - sizeof(struct pdc_hdr) - sizeof(struct pdc_aes_cbc_req);
	int err = req->err;

	if (!err && (portdp_resp_body_len(req) != sizeof(*resp) + len ||
		     le16_to_cpu(resp->data_len) != len))
		err = -EIO;
	if (!err) {
		sg_pcopy_from_buffer(sreq->dst, sg_nents(sreq->dst), resp + 1, len, rctx->done);
		memcpy(sreq->iv, resp->iv_out, AES_BLOCK_SIZE);
		rctx->done += len;
	}
	portdp_crypto_req_end(req);
	if (portdp_aes_no_card(err)) {
		portdp_cbc_soft(sreq);
		err = 0;
	}
	if (!err && rctx->done < sreq->cryptlen) {
		err = portdp_cbc_step(sreq, false);
		if (err == -EINPROGRESS)
			return;
	}
	portdp_crypto_complete(&sreq->base, err);
}

/* One command; @first: the request's first, which a full queue may backlog. */
static int portdp_cbc_step(struct skcipher_request *sreq, bool first)
{
	struct portdp_aes_key *k = crypto_skcipher_ctx(crypto_skcipher_reqtfm(sreq));
	struct portdp_cbc_rctx *rctx = skcipher_request_ctx(sreq);
	unsigned int len = min_t(unsigned int, sreq->cryptlen - rctx->done, PORTDP_AES_CHUNK);
	struct pdc_aes_cbc_req *body;
	struct portdp_req *req;
	int err;

	req = portdp_req_alloc(PDC_OP_AES_CBC, sizeof(*body) + len,
			       sizeof(struct pdc_aes_cbc_resp) + len,
			       portdp_crypto_gfp(sreq->base.flags));
	if (!req)
		return -ENOMEM;
	body = portdp_req_body(req);
	body->key_len = k->len;
	body->dir = rctx->enc;
	body->data_len = cpu_to_le16(len);
	memcpy(body->key, k->key, k->len);
	memcpy(body->iv, sreq->iv, AES_BLOCK_SIZE);
	sg_pcopy_to_buffer(sreq->src, sg_nents(sreq->src), body + 1, len, rctx->done);
	err = portdp_crypto_submit(req, PDC_CAP_AES_CBC, portdp_cbc_done, sreq,
				   first ? &sreq->base : NULL);
	if (err == -EINPROGRESS || err == -EBUSY)
		return err;
	portdp_req_free(req);
	if (!portdp_aes_no_card(err))
		return err;
	portdp_cbc_soft(sreq);
	return 0;
}

static int portdp_cbc_crypt(struct skcipher_request *sreq, u8 enc)
{
	struct portdp_aes_key *k = crypto_skcipher_ctx(crypto_skcipher_reqtfm(sreq));
	struct portdp_cbc_rctx *rctx = skcipher_request_ctx(sreq);

	if (!k->len || sreq->cryptlen % AES_BLOCK_SIZE)
		return -EINVAL;
	if (!sreq->cryptlen)
		return 0;
	rctx->done = 0;
	rctx->enc = enc;
	return portdp_cbc_step(sreq, true);
}

static int portdp_cbc_encrypt(struct skcipher_request *sreq)
{
	return portdp_cbc_crypt(sreq, PDC_AES_ENCRYPT);
}

static int portdp_cbc_decrypt(struct skcipher_request *sreq)
{
	return portdp_cbc_crypt(sreq, PDC_AES_DECRYPT);
}

static int portdp_cbc_setkey(struct crypto_skcipher *tfm, const u8 *key, unsigned int len)
{
	return portdp_aes_setkey(crypto_skcipher_ctx(tfm), key, len);
}

static int portdp_cbc_init(struct crypto_skcipher *tfm)
{
	crypto_skcipher_set_reqsize(tfm, sizeof(struct portdp_cbc_rctx));
	return 0;
}

static void portdp_cbc_exit(struct crypto_skcipher *tfm)
{
	memzero_explicit(crypto_skcipher_ctx(tfm), sizeof(struct portdp_aes_key));
}

static struct skcipher_alg portdp_cbc_alg = {
	.base = {
		.cra_name = "cbc(aes)",
		.cra_driver_name = "cbc-aes-portdp",
		.cra_priority = PORTDP_PRIO_AES,
		.cra_flags = CRYPTO_ALG_ASYNC | CRYPTO_ALG_KERN_DRIVER_ONLY |
			     CRYPTO_ALG_ALLOCATES_MEMORY,
		.cra_blocksize = AES_BLOCK_SIZE,
		.cra_ctxsize = sizeof(struct portdp_aes_key),
		.cra_module = THIS_MODULE,
	},
	.min_keysize = AES_MIN_KEY_SIZE,
	.max_keysize = AES_MAX_KEY_SIZE,
	.ivsize = AES_BLOCK_SIZE,
	.setkey = portdp_cbc_setkey,
	.encrypt = portdp_cbc_encrypt,
	.decrypt = portdp_cbc_decrypt,
	.init = portdp_cbc_init,
	.exit = portdp_cbc_exit,
};

/* ---- cmac(aes) --------------------------------------------------------- */

/**
 * struct portdp_cmac_state - what export()/import() carry between calls.
 * @state:  chaining value after the blocks already sent (zero at start).
 * @buf:    bytes not sent yet: the last 1..16 bytes seen, or none.
 * @buflen: used bytes of @buf.
 */
struct portdp_cmac_state {
	u8 state[AES_BLOCK_SIZE];
	u8 buf[AES_BLOCK_SIZE];
	u32 buflen;
};

/**
 * struct portdp_cmac_rctx - one ahash request. Its input is a stream: the
 * bytes held over in @st.buf, then the request's scatterlist; commands copy
 * their chunk straight from it (no linear copy of the whole update).
 * @st:    exported state.
 * @len:   bytes in the stream.
 * @sent:  bytes of the stream already through the card.
 * @until: send up to here; the rest goes back into @st.buf.
 * @final: the last command carries PDC_CMAC_FINAL and makes the MAC.
 */
struct portdp_cmac_rctx {
	struct portdp_cmac_state st;
	unsigned int len;
	unsigned int sent;
	unsigned int until;
	bool final;
};

static int portdp_cmac_step(struct ahash_request *areq, bool first);

/* Bytes [@off, @off + @n) of the request's stream into @dst. */
static void portdp_cmac_read(struct ahash_request *areq, unsigned int off, u8 *dst,
			     unsigned int n)
{
	struct portdp_cmac_rctx *rctx = ahash_request_ctx(areq);
	unsigned int held = 0;

	if (off < rctx->st.buflen) {
		held = min(n, rctx->st.buflen - off);
		memcpy(dst, rctx->st.buf + off, held);
	}
	if (n > held)
		sg_pcopy_to_buffer(areq->src, sg_nents(areq->src), dst + held, n - held,
				   off + held - rctx->st.buflen);
}

/* CMAC subkey doubling in GF(2^128) (RFC 4493, 2.3). */
static void portdp_cmac_dbl(u8 *k)
{
	u8 carry = k[0] >> 7;
	int i;

	for (i = 0; i < AES_BLOCK_SIZE - 1; i++)
		k[i] = k[i] << 1 | k[i + 1] >> 7;
	k[AES_BLOCK_SIZE - 1] = k[AES_BLOCK_SIZE - 1] << 1 ^ (carry ? 0x87 : 0);
}

/*
 * The card's work on the CPU, from @rctx->sent to @rctx->until: CBC-MAC of
 * whole blocks into @rctx->st.state and, when final, the last block with
 * its subkey (K1 whole, K2 padded), as RFC 4493 and the card do.
 */
static void portdp_cmac_soft(struct ahash_request *areq)
{
	struct portdp_aes_key *k = crypto_ahash_ctx(crypto_ahash_reqtfm(areq));
	struct portdp_cmac_rctx *rctx = ahash_request_ctx(areq);
	u8 last[AES_BLOCK_SIZE], sub[AES_BLOCK_SIZE] = { };
	unsigned int tail;

	while (rctx->until - rctx->sent > (rctx->final ? AES_BLOCK_SIZE : 0)) {
		portdp_cmac_read(areq, rctx->sent, last, AES_BLOCK_SIZE);
		crypto_xor(rctx->st.state, last, AES_BLOCK_SIZE);
		aes_encrypt(&k->soft, rctx->st.state, rctx->st.state);
		rctx->sent += AES_BLOCK_SIZE;
	}
	if (!rctx->final)
		return;
	tail = rctx->until - rctx->sent;
	aes_encrypt(&k->soft, sub, sub);
	portdp_cmac_dbl(sub);
	memset(last, 0, sizeof(last));
	portdp_cmac_read(areq, rctx->sent, last, tail);
	if (tail < AES_BLOCK_SIZE) {
		last[tail] = 0x80;
		portdp_cmac_dbl(sub);
	}
	crypto_xor(last, sub, AES_BLOCK_SIZE);
	crypto_xor(rctx->st.state, last, AES_BLOCK_SIZE);
	aes_encrypt(&k->soft, rctx->st.state, rctx->st.state);
	rctx->sent = rctx->until;
	memzero_explicit(sub, sizeof(sub));
	memzero_explicit(last, sizeof(last));
}

static void portdp_cmac_finish(struct ahash_request *areq)
{
	struct portdp_cmac_rctx *rctx = ahash_request_ctx(areq);

	u8 tail[AES_BLOCK_SIZE];
	unsigned int n = rctx->len - rctx->until;

	if (rctx->final)
		return;
	/* through a copy: the tail may come from @st.buf itself */
	portdp_cmac_read(areq, rctx->until, tail, n);
	memcpy(rctx->st.buf, tail, n);
	rctx->st.buflen = n;
	memzero_explicit(tail, sizeof(tail));
}

static void portdp_cmac_done(struct portdp_req *req)
{
	struct ahash_request *areq = req->priv;
	struct portdp_cmac_rctx *rctx = ahash_request_ctx(areq);
	const struct pdc_aes_cmac_req *body = portdp_req_body(req);
	unsigned int chunk = le16_to_cpu(body->data_len);
	bool was_last = body->flags & PDC_CMAC_FINAL;
	int err = req->err;

	if (!err && portdp_resp_body_len(req) != AES_BLOCK_SIZE)
		err = -EIO;
	if (!err) {
		memcpy(rctx->st.state, portdp_resp_body(req), AES_BLOCK_SIZE);
		rctx->sent += chunk;
	}
	portdp_crypto_req_end(req);
	if (portdp_aes_no_card(err)) {
		portdp_cmac_soft(areq);
		err = 0;
	} else if (!err && !was_last && rctx->sent < rctx->until) {
		err = portdp_cmac_step(areq, false);
		if (err == -EINPROGRESS)
			return;
	}
	if (!err && rctx->final)
		memcpy(areq->result, rctx->st.state, AES_BLOCK_SIZE);
	if (!err)
		portdp_cmac_finish(areq);
	portdp_crypto_complete(&areq->base, err);
}

/* One command; @first: the request's first, which a full queue may backlog. */
static int portdp_cmac_step(struct ahash_request *areq, bool first)
{
	struct portdp_aes_key *k = crypto_ahash_ctx(crypto_ahash_reqtfm(areq));
	struct portdp_cmac_rctx *rctx = ahash_request_ctx(areq);
	unsigned int left = rctx->until - rctx->sent;
	unsigned int len = min_t(unsigned int, left, PORTDP_AES_CHUNK);
	bool last = rctx->final && len == left;
	struct pdc_aes_cmac_req *body;
	struct portdp_req *req;
	int err;

	req = portdp_req_alloc(PDC_OP_AES_CMAC, sizeof(*body) + len, AES_BLOCK_SIZE,
			       portdp_crypto_gfp(areq->base.flags));
	if (!req)
		return -ENOMEM;
	body = portdp_req_body(req);
	body->key_len = k->len;
	body->flags = last ? PDC_CMAC_FINAL : 0;
	body->data_len = cpu_to_le16(len);
	memcpy(body->key, k->key, k->len);
	memcpy(body->state, rctx->st.state, AES_BLOCK_SIZE);
	portdp_cmac_read(areq, rctx->sent, (u8 *)(body + 1), len);
	err = portdp_crypto_submit(req, PDC_CAP_AES_CMAC, portdp_cmac_done, areq,
				   first ? &areq->base : NULL);
	if (err == -EINPROGRESS || err == -EBUSY)
		return err;
	portdp_req_free(req);
	if (!portdp_aes_no_card(err))
		return err;
	portdp_cmac_soft(areq);
	return 0;
}

/* Sends buffered + new data; keeps the last 1..16 bytes unless @final. */
static int portdp_cmac_run(struct ahash_request *areq, unsigned int nbytes, bool final)
{
	struct portdp_aes_key *k = crypto_ahash_ctx(crypto_ahash_reqtfm(areq));
	struct portdp_cmac_rctx *rctx = ahash_request_ctx(areq);
	int err;

	if (!k->len)
		return -ENOKEY;
	rctx->len = rctx->st.buflen + nbytes;
	rctx->final = final;
	rctx->sent = 0;
	rctx->until = final ? rctx->len :
		      (rctx->len ? round_down(rctx->len - 1, AES_BLOCK_SIZE) : 0);
	if (!final && !rctx->until) {
		scatterwalk_map_and_copy(rctx->st.buf + rctx->st.buflen, areq->src, 0, nbytes, 0);
		rctx->st.buflen += nbytes;
		return 0;
	}
	err = portdp_cmac_step(areq, true);
	if (err)
		return err;
	/* done on the CPU, synchronously */
	if (rctx->final)
		memcpy(areq->result, rctx->st.state, AES_BLOCK_SIZE);
	portdp_cmac_finish(areq);
	return 0;
}

static int portdp_cmac_init(struct ahash_request *areq)
{
	struct portdp_cmac_rctx *rctx = ahash_request_ctx(areq);

	memset(rctx, 0, sizeof(*rctx));
	return 0;
}

static int portdp_cmac_update(struct ahash_request *areq)
{
	return portdp_cmac_run(areq, areq->nbytes, false);
}

static int portdp_cmac_final(struct ahash_request *areq)
{
	return portdp_cmac_run(areq, 0, true);
}

static int portdp_cmac_finup(struct ahash_request *areq)
{
	return portdp_cmac_run(areq, areq->nbytes, true);
}

static int portdp_cmac_digest(struct ahash_request *areq)
{
	portdp_cmac_init(areq);
	return portdp_cmac_run(areq, areq->nbytes, true);
}

static int portdp_cmac_export(struct ahash_request *areq, void *out)
{
	struct portdp_cmac_rctx *rctx = ahash_request_ctx(areq);

	memcpy(out, &rctx->st, sizeof(rctx->st));
	return 0;
}

static int portdp_cmac_import(struct ahash_request *areq, const void *in)
{
	struct portdp_cmac_rctx *rctx = ahash_request_ctx(areq);

	memset(rctx, 0, sizeof(*rctx));
	memcpy(&rctx->st, in, sizeof(rctx->st));
	if (rctx->st.buflen > AES_BLOCK_SIZE)
		return -EINVAL;
	return 0;
}

static int portdp_cmac_setkey(struct crypto_ahash *tfm, const u8 *key, unsigned int len)
{
	return portdp_aes_setkey(crypto_ahash_ctx(tfm), key, len);
}

static int portdp_cmac_cra_init(struct crypto_tfm *tfm)
{
	crypto_ahash_set_reqsize(__crypto_ahash_cast(tfm), sizeof(struct portdp_cmac_rctx));
	return 0;
}

static void portdp_cmac_cra_exit(struct crypto_tfm *tfm)
{
	memzero_explicit(crypto_tfm_ctx(tfm), sizeof(struct portdp_aes_key));
}

static struct ahash_alg portdp_cmac_alg = {
	.init = portdp_cmac_init,
	.update = portdp_cmac_update,
	.final = portdp_cmac_final,
	.finup = portdp_cmac_finup,
	.digest = portdp_cmac_digest,
	.export = portdp_cmac_export,
	.import = portdp_cmac_import,
	.setkey = portdp_cmac_setkey,
	.halg = {
		.digestsize = AES_BLOCK_SIZE,
		.statesize = sizeof(struct portdp_cmac_state),
		.base = {
			.cra_name = "cmac(aes)",
			.cra_driver_name = "cmac-aes-portdp",
			.cra_priority = PORTDP_PRIO_AES,
			.cra_flags = CRYPTO_ALG_ASYNC | CRYPTO_ALG_KERN_DRIVER_ONLY |
				     CRYPTO_ALG_ALLOCATES_MEMORY,
			.cra_blocksize = AES_BLOCK_SIZE,
			.cra_ctxsize = sizeof(struct portdp_aes_key),
			.cra_init = portdp_cmac_cra_init,
			.cra_exit = portdp_cmac_cra_exit,
			.cra_module = THIS_MODULE,
		},
	},
};

int portdp_cbc_register(void)
{
	return crypto_register_skcipher(&portdp_cbc_alg);
}

void portdp_cbc_unregister(void)
{
	crypto_unregister_skcipher(&portdp_cbc_alg);
}

int portdp_cmac_register(void)
{
	return crypto_register_ahash(&portdp_cmac_alg);
}

void portdp_cmac_unregister(void)
{
	crypto_unregister_ahash(&portdp_cmac_alg);
}
