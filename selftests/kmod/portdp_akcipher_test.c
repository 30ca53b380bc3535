// SPDX-License-Identifier: GPL-2.0
/*
 * portdp_akcipher_test.c - reaches the card's ECDSA sign through the kernel
 * crypto API, which testmgr cannot check on 6.1 (its ECDSA vectors suit
 * deterministic signatures only). At load it signs with a card key slot via
 * akcipher "ecdsa-nist-p256-slot", verifies through the same tfm and through
 * the generic "ecdsa-nist-p256" (which must not take a slot), checks that
 * bad signatures, digests and slots are refused, and
 * leaves TAP lines plus the signature in debugfs
 * (portdp_akcipher_test/results) for the guest test, which also verifies
 * the signature with OpenSSL. Parameters: slot (holds a P-256 key), pub
 * (its public key, 130 hex digits), empty_slot (holds none).
 */
#include <crypto/akcipher.h>
#include <crypto/hash.h>
#include <linux/debugfs.h>
#include <linux/module.h>
#include <linux/scatterlist.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/portdp_accel.h>

#define PAT_ALG		"ecdsa-nist-p256-slot"
#define PAT_DRIVER	"ecdsa-nist-p256-slot-portdp"
#define PAT_GENERIC	"ecdsa-nist-p256"
#define PAT_GENERIC_DRV	"ecdsa-nist-p256-portdp"
#define PAT_DIGEST	32
#define PAT_SIG_MAX	72
#define PAT_RESULTS	4096

static unsigned int slot = PORTDP_KEY_SLOTS;
module_param(slot, uint, 0444);
MODULE_PARM_DESC(slot, "card key slot holding a P-256 key");

static unsigned int empty_slot = PORTDP_KEY_SLOTS;
module_param(empty_slot, uint, 0444);
MODULE_PARM_DESC(empty_slot, "card key slot holding no key");

static char *pub;
module_param(pub, charp, 0444);
MODULE_PARM_DESC(pub, "public key of @slot, 04||X||Y in hex");

/**
 * struct pat_state - what one run found, read back through debugfs.
 * @out:  TAP lines, then "sig <hex>" and "digest <hex>".
 * @len:  bytes used in @out.
 * @n:    tests reported so far.
 * @failed: tests that failed.
 */
struct pat_state {
	char *out;
	size_t len;
	unsigned int n;
	unsigned int failed;
};

static struct pat_state pat;
static struct dentry *pat_dir;

static __printf(1, 2) void pat_printf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pat.len += vscnprintf(pat.out + pat.len, PAT_RESULTS - pat.len, fmt, ap);
	va_end(ap);
}

static void pat_result(bool ok, const char *name, int err)
{
	pat.n++;
	if (!ok)
		pat.failed++;
	pat_printf("%sok %u - %s (%d)\n", ok ? "" : "not ", pat.n, name, err);
}

/* One request, waited for: the card answers asynchronously. */
static int pat_sign(struct crypto_akcipher *tfm, const u8 *digest, u8 *sig,
		    unsigned int sig_cap, unsigned int *sig_len)
{
	struct akcipher_request *req;
	struct scatterlist src, dst;
	DECLARE_CRYPTO_WAIT(wait);
	int err;

	req = akcipher_request_alloc(tfm, GFP_KERNEL);
	if (!req)
		return -ENOMEM;
	sg_init_one(&src, digest, PAT_DIGEST);
	sg_init_one(&dst, sig, sig_cap);
	akcipher_request_set_crypt(req, &src, &dst, PAT_DIGEST, sig_cap);
	akcipher_request_set_callback(req, CRYPTO_TFM_REQ_MAY_SLEEP, crypto_req_done, &wait);
	err = crypto_wait_req(crypto_akcipher_sign(req), &wait);
	*sig_len = req->dst_len;
	akcipher_request_free(req);
	return err;
}

/* 6.1 verify: src is the DER signature followed by the digest, no dst. */
static int pat_verify(struct crypto_akcipher *tfm, const u8 *sig, unsigned int sig_len,
		      const u8 *digest)
{
	struct akcipher_request *req;
	struct scatterlist src;
	DECLARE_CRYPTO_WAIT(wait);
	u8 *buf;
	int err;

	buf = kmalloc(sig_len + PAT_DIGEST, GFP_KERNEL);
	req = akcipher_request_alloc(tfm, GFP_KERNEL);
	if (!buf || !req) {
		err = -ENOMEM;
		goto out;
	}
	memcpy(buf, sig, sig_len);
	memcpy(buf + sig_len, digest, PAT_DIGEST);
	sg_init_one(&src, buf, sig_len + PAT_DIGEST);
	akcipher_request_set_crypt(req, &src, NULL, sig_len, PAT_DIGEST);
	akcipher_request_set_callback(req, CRYPTO_TFM_REQ_MAY_SLEEP, crypto_req_done, &wait);
	err = crypto_wait_req(crypto_akcipher_verify(req), &wait);
out:
	akcipher_request_free(req);
	kfree(buf);
	return err;
}

static int pat_set_slot(struct crypto_akcipher *tfm, unsigned int s, const char *magic)
{
	struct portdp_akcipher_slot_key key = { .slot = s };

	memcpy(key.magic, magic, sizeof(key.magic));
	return crypto_akcipher_set_priv_key(tfm, &key, sizeof(key));
}

static int pat_sha256(const char *msg, u8 *digest)
{
	struct crypto_shash *h = crypto_alloc_shash("sha256", 0, 0);
	int err;

	if (IS_ERR(h))
		return PTR_ERR(h);
	err = crypto_shash_tfm_digest(h, msg, strlen(msg), digest);
	crypto_free_shash(h);
	return err;
}

static void pat_run(const u8 *pubkey)
{
	u8 digest[PAT_DIGEST], other[PAT_DIGEST], sig[PAT_SIG_MAX], sig2[PAT_SIG_MAX];
	unsigned int sig_len = 0, sig2_len = 0, tiny_len;
	struct crypto_akcipher *tfm, *tfm2;
	const char *drv;
	unsigned int i;
	int err;

	tfm = crypto_alloc_akcipher(PAT_ALG, 0, 0);
	if (IS_ERR(tfm)) {
		pat_result(false, "allocate " PAT_ALG, PTR_ERR(tfm));
		return;
	}
	drv = crypto_tfm_alg_driver_name(crypto_akcipher_tfm(tfm));
	pat_result(!strcmp(drv, PAT_DRIVER), "the tfm is the card's " PAT_DRIVER, 0);
	pat_result(crypto_akcipher_maxsize(tfm) <= PAT_SIG_MAX &&
		   crypto_akcipher_maxsize(tfm) >= 70, "max_size fits a DER P-256 signature",
		   crypto_akcipher_maxsize(tfm));

	err = pat_set_slot(tfm, slot, "XXXX");
	pat_result(err == -EINVAL, "set_priv_key refuses key material (bad magic)", err);
	err = pat_set_slot(tfm, PORTDP_KEY_SLOTS, "PDSL");
	pat_result(err == -EINVAL, "set_priv_key refuses a slot out of range", err);
	err = pat_set_slot(tfm, slot, "PDSL");
	pat_result(!err, "set_priv_key takes the slot", err);

	err = pat_sha256("Port-DP+ akcipher sign test", digest);
	if (err) {
		pat_result(false, "sha256 of the message", err);
		goto free_tfm;
	}
	err = pat_sign(tfm, digest, sig, sizeof(sig), &sig_len);
	pat_result(!err && sig_len >= 8 && sig_len <= PAT_SIG_MAX && sig[0] == 0x30 &&
		   sig[1] == sig_len - 2, "sign returns a DER signature", err);
	if (err)
		goto free_tfm;
	err = pat_sign(tfm, digest, sig2, sizeof(sig2), &sig2_len);
	pat_result(!err && (sig2_len != sig_len || memcmp(sig, sig2, sig_len)),
		   "a second signature of the same digest differs (random k)", err);
	err = pat_sign(tfm, digest, sig2, 8, &tiny_len);
	pat_result(err == -EOVERFLOW, "sign into a too small buffer is refused", err);

	err = crypto_akcipher_set_pub_key(tfm, pubkey, PORTDP_PUBKEY_LEN);
	pat_result(!err, "set_pub_key on the signing tfm", err);
	err = pat_verify(tfm, sig, sig_len, digest);
	pat_result(!err, "verify through the signing tfm", err);
	err = pat_verify(tfm, sig2, sig2_len, digest);
	pat_result(!err, "the second signature verifies too", err);

	tfm2 = crypto_alloc_akcipher(PAT_GENERIC, 0, 0);
	if (IS_ERR(tfm2)) {
		pat_result(false, "allocate " PAT_GENERIC, PTR_ERR(tfm2));
		goto free_tfm;
	}
	drv = crypto_tfm_alg_driver_name(crypto_akcipher_tfm(tfm2));
	pat_result(!strcmp(drv, PAT_GENERIC_DRV), PAT_GENERIC " is the card's (the only one)", 0);
	err = crypto_akcipher_set_pub_key(tfm2, pubkey, PORTDP_PUBKEY_LEN);
	if (!err)
		err = pat_verify(tfm2, sig, sig_len, digest);
	pat_result(!err, "verify through " PAT_GENERIC " with only the public key", err);
	memcpy(other, digest, sizeof(other));
	other[5] ^= 0x01;
	err = pat_verify(tfm2, sig, sig_len, other);
	pat_result(err == -EKEYREJECTED, "a changed digest is rejected", err);
	sig[sig_len - 3] ^= 0x01;
	err = pat_verify(tfm2, sig, sig_len, digest);
	pat_result(err == -EKEYREJECTED, "a changed signature is rejected", err);
	sig[sig_len - 3] ^= 0x01;
	err = pat_verify(tfm2, sig, sig_len - 1, digest);
	pat_result(err == -EBADMSG, "a truncated DER signature is rejected", err);
	err = pat_set_slot(tfm2, slot, "PDSL");
	pat_result(err == -ENOSYS, PAT_GENERIC " takes no slot handle", err);
	err = pat_sign(tfm2, digest, sig2, sizeof(sig2), &sig2_len);
	pat_result(err == -ENOSYS, PAT_GENERIC " does not sign", err);
	crypto_free_akcipher(tfm2);

	tfm2 = crypto_alloc_akcipher(PAT_ALG, 0, 0);
	if (IS_ERR(tfm2)) {
		pat_result(false, "allocate a second " PAT_ALG, PTR_ERR(tfm2));
		goto free_tfm;
	}
	err = pat_sign(tfm2, digest, sig2, sizeof(sig2), &sig2_len);
	pat_result(err == -EINVAL, "sign without a slot is refused", err);
	crypto_free_akcipher(tfm2);

	if (empty_slot < PORTDP_KEY_SLOTS) {
		err = pat_set_slot(tfm, empty_slot, "PDSL");
		if (!err)
			err = pat_sign(tfm, digest, sig2, sizeof(sig2), &sig2_len);
		pat_result(err == -ENOENT, "sign with an empty slot fails (ENOENT)", err);
	}
	/* %*ph stops at 64 bytes; a DER signature has up to 72. */
	pat_printf("sig ");
	for (i = 0; i < sig_len; i++)
		pat_printf("%02x", sig[i]);
	pat_printf("\ndigest %*phN\n", PAT_DIGEST, digest);
free_tfm:
	crypto_free_akcipher(tfm);
}

static int pat_results_show(struct seq_file *m, void *v)
{
	seq_write(m, pat.out, pat.len);
	seq_printf(m, "1..%u\n", pat.n);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(pat_results);

static int __init pat_init(void)
{
	u8 pubkey[PORTDP_PUBKEY_LEN];

	if (slot >= PORTDP_KEY_SLOTS || !pub || strlen(pub) != 2 * PORTDP_PUBKEY_LEN ||
	    hex2bin(pubkey, pub, PORTDP_PUBKEY_LEN) || pubkey[0] != 0x04)
		return -EINVAL;
	pat.out = kzalloc(PAT_RESULTS, GFP_KERNEL);
	if (!pat.out)
		return -ENOMEM;
	pat_run(pubkey);
	pat_dir = debugfs_create_dir("portdp_akcipher_test", NULL);
	debugfs_create_file("results", 0400, pat_dir, NULL, &pat_results_fops);
	pr_info("portdp_akcipher_test: %u tests, %u failed\n", pat.n, pat.failed);
	return 0;
}

static void __exit pat_exit(void)
{
	debugfs_remove_recursive(pat_dir);
	kfree(pat.out);
}

module_init(pat_init);
module_exit(pat_exit);
MODULE_DESCRIPTION("Port-DP+ test: ECDSA sign and verify on the card via the crypto API");
MODULE_LICENSE("GPL");
