// SPDX-License-Identifier: GPL-2.0
/*
 * portdp_backlog_test.c - the crypto API's backlog contract on the card's
 * cbc-aes-portdp. At load it puts more requests in flight than the card's
 * slots and queue hold: with CRYPTO_TFM_REQ_MAY_BACKLOG every request is
 * accepted (-EINPROGRESS, or -EBUSY and then one -EINPROGRESS through its
 * callback before its answer), and every answer is right (checked against
 * the CPU's "cbc(aes)"); without the flag a full queue refuses (-ENOSPC)
 * and nothing else changes. The verdict is the module's read-only
 * parameter "result": "passed ..." or "failed: why".
 */
#include <crypto/aes.h>
#include <crypto/skcipher.h>
#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/module.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>

#define PBT_DRIVER	"cbc-aes-portdp"
#define PBT_N		6000	/* above 64 slots + 2048 queued */

static char result[160] = "not run";
module_param_string(result, result, sizeof(result), 0444);
MODULE_PARM_DESC(result, "the verdict of the run at load");

/**
 * struct pbt_req - one request of the run.
 * @req:      the skcipher request.
 * @sg:       its data, in place.
 * @buf:      one block.
 * @iv:       its IV.
 * @busy:     submission answered -EBUSY.
 * @notified: -EINPROGRESS callbacks seen.
 * @err:      the final answer (1 until then).
 */
struct pbt_req {
	struct skcipher_request *req;
	struct scatterlist sg;
	u8 buf[AES_BLOCK_SIZE];
	u8 iv[AES_BLOCK_SIZE];
	bool busy;
	int notified;
	int err;
};

static atomic_t pbt_left;
static DECLARE_COMPLETION(pbt_all_done);

static void pbt_cb(struct crypto_async_request *base, int err)
{
	struct pbt_req *r = base->data;

	if (err == -EINPROGRESS) {
		r->notified++;
		return;
	}
	r->err = err;
	if (atomic_dec_and_test(&pbt_left))
		complete(&pbt_all_done);
}

static void pbt_fill(struct pbt_req *r, unsigned int i)
{
	memset(r->buf, i & 0xff, sizeof(r->buf));
	r->buf[0] = i >> 8;
	memset(r->iv, 0xa5, sizeof(r->iv));
	r->iv[15] = i & 0xff;
	r->err = 1;
	r->busy = false;
	r->notified = 0;
	sg_init_one(&r->sg, r->buf, sizeof(r->buf));
}

/* What the CPU's cbc(aes) gives for request @i. */
static int pbt_expect(struct crypto_sync_skcipher *cpu, unsigned int i, u8 *out)
{
	SYNC_SKCIPHER_REQUEST_ON_STACK(req, cpu);
	struct pbt_req r;
	int err;

	pbt_fill(&r, i);
	skcipher_request_set_sync_tfm(req, cpu);
	skcipher_request_set_callback(req, 0, NULL, NULL);
	skcipher_request_set_crypt(req, &r.sg, &r.sg, sizeof(r.buf), r.iv);
	err = crypto_skcipher_encrypt(req);
	skcipher_request_zero(req);
	memcpy(out, r.buf, sizeof(r.buf));
	return err;
}

static int pbt_run(struct crypto_skcipher *tfm, struct crypto_sync_skcipher *cpu,
		   struct pbt_req *rs, u32 flags, unsigned int *busy, unsigned int *nospc)
{
	u8 want[AES_BLOCK_SIZE];
	unsigned int i, issued = 0;
	int err;

	*busy = *nospc = 0;
	atomic_set(&pbt_left, 1);
	reinit_completion(&pbt_all_done);
	for (i = 0; i < PBT_N; i++) {
		struct pbt_req *r = &rs[i];

		pbt_fill(r, i);
		skcipher_request_set_callback(r->req, flags, pbt_cb, r);
		skcipher_request_set_crypt(r->req, &r->sg, &r->sg, sizeof(r->buf), r->iv);
		atomic_inc(&pbt_left);
		err = crypto_skcipher_encrypt(r->req);
		if (err == -EINPROGRESS || err == -EBUSY) {
			r->busy = err == -EBUSY;
			*busy += r->busy;
			issued++;
			continue;
		}
		atomic_dec(&pbt_left);
		r->err = err;
		if (err == -ENOSPC)
			(*nospc)++;
		else if (err)
			return err;
	}
	if (!atomic_dec_and_test(&pbt_left) &&
	    !wait_for_completion_timeout(&pbt_all_done, 60 * HZ))
		return -ETIMEDOUT;
	for (i = 0; i < PBT_N; i++) {
		struct pbt_req *r = &rs[i];

		if (r->err == -ENOSPC)
			continue;
		if (r->err || r->notified != (r->busy ? 1 : 0))
			return -EPROTO;
		if (pbt_expect(cpu, i, want) || memcmp(want, r->buf, sizeof(want)))
			return -EBADMSG;
	}
	return issued ? 0 : -ENODATA;
}

static int __init pbt_init(void)
{
	static const u8 key[AES_KEYSIZE_128] = "portdp-backlog!";
	unsigned int busy, nospc, busy2, nospc2, i;
	struct crypto_sync_skcipher *cpu;
	struct crypto_skcipher *tfm;
	struct pbt_req *rs;
	int err = -ENOMEM;

	tfm = crypto_alloc_skcipher(PBT_DRIVER, 0, 0);
	if (IS_ERR(tfm)) {
		snprintf(result, sizeof(result), "failed: allocate " PBT_DRIVER " (%ld)",
			 PTR_ERR(tfm));
		return 0;
	}
	cpu = crypto_alloc_sync_skcipher("cbc(aes)", 0, CRYPTO_ALG_ASYNC);
	rs = kvcalloc(PBT_N, sizeof(*rs), GFP_KERNEL);
	if (IS_ERR(cpu) || !rs)
		goto out;
	for (i = 0; i < PBT_N; i++) {
		rs[i].req = skcipher_request_alloc(tfm, GFP_KERNEL);
		if (!rs[i].req)
			goto out;
	}
	err = crypto_skcipher_setkey(tfm, key, sizeof(key)) ?:
	      crypto_sync_skcipher_setkey(cpu, key, sizeof(key));
	if (err)
		goto out;
	err = pbt_run(tfm, cpu, rs, CRYPTO_TFM_REQ_MAY_BACKLOG, &busy, &nospc);
	if (!err && (!busy || nospc))
		err = -EPROTO;
	if (err) {
		snprintf(result, sizeof(result), "failed: MAY_BACKLOG run %d (busy %u, nospc %u)",
			 err, busy, nospc);
		goto out;
	}
	err = pbt_run(tfm, cpu, rs, 0, &busy2, &nospc2);
	if (!err && (busy2 || !nospc2))
		err = -EPROTO;
	if (err) {
		snprintf(result, sizeof(result), "failed: plain run %d (busy %u, nospc %u)",
			 err, busy2, nospc2);
		goto out;
	}
	snprintf(result, sizeof(result),
		 "passed: %u of %u backlogged, all right; without MAY_BACKLOG %u refused",
		 busy, PBT_N, nospc2);
out:
	if (err == -ENOMEM)
		snprintf(result, sizeof(result), "failed: out of memory");
	for (i = 0; rs && i < PBT_N; i++)
		skcipher_request_free(rs[i].req);
	kvfree(rs);
	if (!IS_ERR(cpu))
		crypto_free_sync_skcipher(cpu);
	crypto_free_skcipher(tfm);
	pr_info("portdp_backlog_test: %s\n", result);
	return 0;
}

static void __exit pbt_exit(void)
{
}

module_init(pbt_init);
module_exit(pbt_exit);
MODULE_DESCRIPTION("Port-DP+ test: the crypto API backlog contract on the card");
MODULE_LICENSE("GPL");
