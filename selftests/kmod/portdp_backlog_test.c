// SPDX-License-Identifier: GPL-2.0
/*
 * portdp_backlog_test.c - the crypto API's backlog contract on the card. At
 * load it puts more requests in flight than the card's slots and queue
 * hold: ECDH public keys on ecdh-nist-p256-portdp, a slow command on the
 * card, so the submitting loop outruns it. With CRYPTO_TFM_REQ_MAY_BACKLOG
 * every request is accepted (-EINPROGRESS, or -EBUSY and then one
 * -EINPROGRESS through its callback before its answer) and every answer is
 * right (the generic driver's public key for the same secret); without the
 * flag nothing is ever -EBUSY: a full queue refuses (-ENOSPC) and the rest
 * is answered right. The verdict is the module's read-only parameter
 * "result": "passed ..." or "failed: why".
 */
#include <crypto/ecdh.h>
#include <crypto/kpp.h>
#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/module.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>

#define PBT_DRIVER	"ecdh-nist-p256-portdp"
#define PBT_GENERIC	"ecdh-nist-p256-generic"
#define PBT_N		4000	/* above 64 slots + 2048 queued */
#define PBT_PUB		64	/* X || Y */

static char result[160] = "not run";
module_param_string(result, result, sizeof(result), 0444);
MODULE_PARM_DESC(result, "the verdict of the run at load");

/**
 * struct pbt_req - one request of the run.
 * @req:      the kpp request.
 * @sg:       its output.
 * @pub:      the public key it computes (kmalloc'ed: a scatterlist needs
 *            linear memory).
 * @busy:     submission answered -EBUSY.
 * @notified: -EINPROGRESS callbacks seen.
 * @err:      the final answer (1 until then).
 */
struct pbt_req {
	struct kpp_request *req;
	struct scatterlist sg;
	u8 *pub;
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

/* The same fixed secret on both tfms, so every public key is the same. */
static int pbt_set_secret(struct crypto_kpp *tfm)
{
	static const u8 d[32] = "portdp backlog test secret key!";
	struct ecdh p = { .key = (char *)d, .key_size = sizeof(d) };
	u8 buf[64];
	int err;

	err = crypto_ecdh_encode_key(buf, crypto_ecdh_key_len(&p), &p);
	return err ?: crypto_kpp_set_secret(tfm, buf, crypto_ecdh_key_len(&p));
}

static int pbt_generic_pub(u8 *want)
{
	struct crypto_kpp *tfm = crypto_alloc_kpp(PBT_GENERIC, 0, 0);
	struct kpp_request *req;
	struct scatterlist sg;
	DECLARE_CRYPTO_WAIT(wait);
	u8 *out;
	int err = -ENOMEM;

	if (IS_ERR(tfm))
		return PTR_ERR(tfm);
	req = kpp_request_alloc(tfm, GFP_KERNEL);
	out = kmalloc(PBT_PUB, GFP_KERNEL);
	if (req && out)
		err = pbt_set_secret(tfm);
	if (!err) {
		sg_init_one(&sg, out, PBT_PUB);
		kpp_request_set_input(req, NULL, 0);
		kpp_request_set_output(req, &sg, PBT_PUB);
		kpp_request_set_callback(req, CRYPTO_TFM_REQ_MAY_SLEEP, crypto_req_done, &wait);
		err = crypto_wait_req(crypto_kpp_generate_public_key(req), &wait);
		memcpy(want, out, PBT_PUB);
	}
	kfree(out);
	kpp_request_free(req);
	crypto_free_kpp(tfm);
	return err;
}

static int pbt_run(struct pbt_req *rs, const u8 *want, u32 flags, unsigned int *busy,
		   unsigned int *nospc)
{
	unsigned int i, issued = 0;
	int err;

	*busy = *nospc = 0;
	atomic_set(&pbt_left, 1);
	reinit_completion(&pbt_all_done);
	for (i = 0; i < PBT_N; i++) {
		struct pbt_req *r = &rs[i];

		memset(r->pub, 0, PBT_PUB);
		r->err = 1;
		r->busy = false;
		r->notified = 0;
		sg_init_one(&r->sg, r->pub, PBT_PUB);
		kpp_request_set_input(r->req, NULL, 0);
		kpp_request_set_output(r->req, &r->sg, PBT_PUB);
		kpp_request_set_callback(r->req, flags, pbt_cb, r);
		atomic_inc(&pbt_left);
		err = crypto_kpp_generate_public_key(r->req);
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
	    !wait_for_completion_timeout(&pbt_all_done, 120 * HZ))
		return -ETIMEDOUT;
	for (i = 0; i < PBT_N; i++) {
		struct pbt_req *r = &rs[i];

		if (r->err == -ENOSPC)
			continue;
		if (r->err || r->notified != (r->busy ? 1 : 0))
			return -EPROTO;
		if (memcmp(want, r->pub, PBT_PUB))
			return -EBADMSG;
	}
	return issued ? 0 : -ENODATA;
}

static int __init pbt_init(void)
{
	unsigned int busy = 0, nospc = 0, busy2 = 0, nospc2 = 0, i;
	struct crypto_kpp *tfm;
	u8 want[PBT_PUB];
	struct pbt_req *rs;
	int err;

	tfm = crypto_alloc_kpp(PBT_DRIVER, 0, 0);
	if (IS_ERR(tfm)) {
		snprintf(result, sizeof(result), "failed: allocate " PBT_DRIVER " (%ld)",
			 PTR_ERR(tfm));
		return 0;
	}
	err = pbt_generic_pub(want) ?: pbt_set_secret(tfm);
	if (err) {
		snprintf(result, sizeof(result), "failed: setting up (%d)", err);
		goto free_tfm;
	}
	err = -ENOMEM;
	rs = kvcalloc(PBT_N, sizeof(*rs), GFP_KERNEL);
	for (i = 0; rs && i < PBT_N; i++) {
		rs[i].req = kpp_request_alloc(tfm, GFP_KERNEL);
		rs[i].pub = kmalloc(PBT_PUB, GFP_KERNEL);
		if (!rs[i].req || !rs[i].pub)
			break;
	}
	if (rs && i == PBT_N) {
		err = pbt_run(rs, want, CRYPTO_TFM_REQ_MAY_BACKLOG, &busy, &nospc);
		if (!err && (!busy || nospc))
			err = -EPROTO;
	}
	if (err) {
		snprintf(result, sizeof(result), "failed: MAY_BACKLOG run %d (busy %u, nospc %u)",
			 err, busy, nospc);
		goto free_reqs;
	}
	err = pbt_run(rs, want, 0, &busy2, &nospc2);
	if (!err && busy2)
		err = -EPROTO;
	if (err) {
		snprintf(result, sizeof(result), "failed: plain run %d (busy %u, nospc %u)",
			 err, busy2, nospc2);
		goto free_reqs;
	}
	snprintf(result, sizeof(result),
		 "passed: %u of %u backlogged, all right; without MAY_BACKLOG %u refused",
		 busy, PBT_N, nospc2);
free_reqs:
	for (i = 0; rs && i < PBT_N; i++) {
		kpp_request_free(rs[i].req);
		kfree(rs[i].pub);
	}
	kvfree(rs);
free_tfm:
	crypto_free_kpp(tfm);
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
