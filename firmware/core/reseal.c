// SPDX-License-Identifier: Apache-2.0
/*
 * reseal.c - RESEAL_OPEN/DATA/FINISH/ABORT (reseal.h). Two GCM contexts per
 * re-seal, the input's decrypting and the output's encrypting; each piece of
 * ciphertext is decrypted into a buffer on the card's stack, encrypted again
 * and the buffer wiped. The envelope of a transfer bundle is the one of
 * tools/portdpctl/bundle.h, byte for byte (test-card-reseal checks it
 * against OpenSSL).
 */
#include <stdlib.h>
#include <string.h>

#include <mbedtls/gcm.h>
#include <mbedtls/hkdf.h>
#include <mbedtls/md.h>
#include <mbedtls/platform_util.h>

#include "card_priv.h"
#include "keywrap.h"
#include "reseal.h"
#include "wire.h"

#define XFER_INFO "portdp-xfer-1"
#define XFER_INFO_LEN 13

struct reseal_ctx {
	uint32_t handle;
	uint32_t len; /* ciphertext bytes in = out */
	uint32_t got;
	mbedtls_gcm_context in, out;
};

static void drop(struct card *c, unsigned int i)
{
	struct reseal_ctx *r = c->reseal[i];

	if (!r)
		return;
	mbedtls_gcm_free(&r->in);
	mbedtls_gcm_free(&r->out);
	mbedtls_platform_zeroize(r, sizeof(*r));
	free(r);
	c->reseal[i] = NULL;
}

void reseal_drop_all(struct card *c)
{
	unsigned int i;

	for (i = 0; i < PDC_RESEAL_MAX_OPEN; i++)
		drop(c, i);
}

static int find(struct card *c, uint32_t handle)
{
	unsigned int i;

	for (i = 0; handle && i < PDC_RESEAL_MAX_OPEN; i++)
		if (c->reseal[i] && c->reseal[i]->handle == handle)
			return (int)i;
	return -1;
}

/* The transfer envelope's key from z (bundle.h). */
static enum pdc_status xfer_key(const uint8_t z[PDC_SHARED_LEN], const uint8_t id[PDC_XFER_ID_LEN],
				const uint8_t pub[PDC_PUBKEY_LEN], const uint8_t *iccid,
				size_t iccid_len, uint8_t key[32])
{
	uint8_t info[XFER_INFO_LEN + PDC_PUBKEY_LEN + PDC_ICCID_MAX];

	memcpy(info, XFER_INFO, XFER_INFO_LEN);
	memcpy(info + XFER_INFO_LEN, pub, PDC_PUBKEY_LEN);
	memcpy(info + XFER_INFO_LEN + PDC_PUBKEY_LEN, iccid, iccid_len);
	if (mbedtls_hkdf(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), id, PDC_XFER_ID_LEN, z,
			 PDC_SHARED_LEN, info, XFER_INFO_LEN + PDC_PUBKEY_LEN + iccid_len, key, 32))
		return PDC_ST_CRYPTO;
	return PDC_ST_OK;
}

/* Start @g (mode) with @key, @nonce and the AAD of the form. */
static enum pdc_status gcm_start(mbedtls_gcm_context *g, int mode, const uint8_t key[32],
				 const uint8_t nonce[PDC_UPP_NONCE_LEN], const uint8_t *a1,
				 size_t a1_len, const uint8_t *a2, size_t a2_len)
{
	uint8_t aad[PDC_XFER_ID_LEN + PDC_UPP_AAD_MAX];

	/* either part may be empty (and NULL): memcpy wants a pointer even for 0 bytes */
	if (a1_len)
		memcpy(aad, a1, a1_len);
	if (a2_len)
		memcpy(aad + a1_len, a2, a2_len);
	if (mbedtls_gcm_setkey(g, MBEDTLS_CIPHER_ID_AES, key, 256) ||
	    mbedtls_gcm_starts(g, mode, nonce, PDC_UPP_NONCE_LEN, aad, a1_len + a2_len))
		return PDC_ST_CRYPTO;
	return PDC_ST_OK;
}

static bool digits(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] < '0' || p[i] > '9')
			return false;
	return true;
}

/* Every field of @r that does not depend on the key store. */
static enum pdc_status check_open(const struct pdc_reseal_open_req *r)
{
	bool xfer = r->in_kind == PDC_SEAL_XFER || r->out_kind == PDC_SEAL_XFER;
	bool stock = r->in_kind == PDC_SEAL_STOCK || r->out_kind == PDC_SEAL_STOCK;
	uint32_t ct_len = le32(r->ct_len);

	if ((r->in_kind != PDC_SEAL_STOCK && r->in_kind != PDC_SEAL_XFER) ||
	    (r->out_kind != PDC_SEAL_STOCK && r->out_kind != PDC_SEAL_XFER) || r->rsvd ||
	    !all_zero(r->rsvd2, sizeof(r->rsvd2)))
		return PDC_ST_BAD_PARAM;
	if (ct_len < 1 || ct_len > PDC_UPP_MAX_LEN)
		return PDC_ST_BAD_LENGTH;
	if (xfer ? r->iccid_len < 10 || r->iccid_len > PDC_ICCID_MAX : r->iccid_len != 0)
		return PDC_ST_BAD_LENGTH;
	if (stock ? r->aad_len < 1 || r->aad_len > PDC_UPP_AAD_MAX : r->aad_len != 0)
		return PDC_ST_BAD_LENGTH;
	if (!digits(r->iccid, r->iccid_len) ||
	    !all_zero(r->iccid + r->iccid_len, PDC_ICCID_MAX - r->iccid_len) ||
	    !all_zero(r->aad + r->aad_len, PDC_UPP_AAD_MAX - r->aad_len))
		return PDC_ST_BAD_PARAM;
	/* a profile keeps its ICCID across forms */
	if (xfer && stock &&
	    (r->aad_len < r->iccid_len ||
	     memcmp(r->aad + r->aad_len - r->iccid_len, r->iccid, r->iccid_len)))
		return PDC_ST_BAD_PARAM;
	if (r->in_kind == PDC_SEAL_STOCK
		? !all_zero(r->in_pub, sizeof(r->in_pub)) || !all_zero(r->in_id, sizeof(r->in_id))
		: !all_zero(r->in_wrapped, sizeof(r->in_wrapped)))
		return PDC_ST_BAD_PARAM;
	if (r->out_kind == PDC_SEAL_STOCK ? !all_zero(r->peer_pub, sizeof(r->peer_pub)) ||
						!all_zero(r->out_id, sizeof(r->out_id))
					  : r->out_slot != 0)
		return PDC_ST_BAD_PARAM;
	return PDC_ST_OK;
}

/* The input side: its key into @key. */
static enum pdc_status in_key(struct card *c, const struct pdc_reseal_open_req *r, uint8_t key[32])
{
	const uint8_t *k;
	uint8_t z[PDC_SHARED_LEN];
	enum pdc_status st;

	if (r->in_kind == PDC_SEAL_STOCK) {
		st = keystore_key(&c->ks, r->in_slot, PDC_KEY_STOCK_AES256, &k);
		return st == PDC_ST_OK ? keywrap_unwrap(k, r->in_wrapped, key) : st;
	}
	st = keystore_key(&c->ks, r->in_slot, PDC_CURVE_P256, &k);
	if (st == PDC_ST_OK)
		st = ecc_shared(&c->ecc.p256, k, r->in_pub, &c->drbg, z);
	if (st == PDC_ST_OK)
		st = xfer_key(z, r->in_id, r->in_pub, r->iccid, r->iccid_len, key);
	mbedtls_platform_zeroize(z, sizeof(z));
	return st;
}

/* The output side: a fresh key into @key, what the host must store into @resp. */
static enum pdc_status out_key(struct card *c, const struct pdc_reseal_open_req *r,
			       struct pdc_reseal_open_resp *resp, uint8_t key[32])
{
	const uint8_t *k;
	uint8_t eph[PDC_PRIVKEY_LEN], z[PDC_SHARED_LEN];
	enum pdc_status st;

	if (r->out_kind == PDC_SEAL_STOCK) {
		st = keystore_key(&c->ks, r->out_slot, PDC_KEY_STOCK_AES256, &k);
		if (st == PDC_ST_OK && mbedtls_ctr_drbg_random(&c->drbg, key, 32))
			st = PDC_ST_CRYPTO;
		return st == PDC_ST_OK ? keywrap_wrap(k, key, resp->out_wrapped) : st;
	}
	/* ecc_shared() checks the destination's point */
	st = ecc_generate(&c->ecc.p256, &c->drbg, eph, resp->out_pub);
	if (st == PDC_ST_OK)
		st = ecc_shared(&c->ecc.p256, eph, r->peer_pub, &c->drbg, z);
	if (st == PDC_ST_OK)
		st = xfer_key(z, r->out_id, resp->out_pub, r->iccid, r->iccid_len, key);
	mbedtls_platform_zeroize(eph, sizeof(eph));
	mbedtls_platform_zeroize(z, sizeof(z));
	return st;
}

enum pdc_status op_reseal_open(struct card *c, const uint8_t *body, size_t len, uint8_t *out,
			       size_t *out_len)
{
	struct pdc_reseal_open_req r;
	struct pdc_reseal_open_resp resp = {0};
	struct reseal_ctx *x = NULL;
	uint8_t kin[32], kout[32];
	const uint8_t *a1, *a2;
	size_t a1_len, a2_len;
	int slot = -1;
	unsigned int i;
	enum pdc_status st;

	(void)len;
	memcpy(&r, body, sizeof(r));
	st = check_open(&r);
	if (st != PDC_ST_OK)
		goto out;
	for (i = 0; i < PDC_RESEAL_MAX_OPEN && slot < 0; i++)
		if (!c->reseal[i])
			slot = (int)i;
	st = PDC_ST_NO_RESOURCES;
	if (slot < 0 || !(x = calloc(1, sizeof(*x))))
		goto out;
	mbedtls_gcm_init(&x->in);
	mbedtls_gcm_init(&x->out);
	st = in_key(c, &r, kin);
	if (st == PDC_ST_OK)
		st = out_key(c, &r, &resp, kout);
	if (st == PDC_ST_OK && mbedtls_ctr_drbg_random(&c->drbg, resp.out_nonce, PDC_UPP_NONCE_LEN))
		st = PDC_ST_CRYPTO;
	if (st != PDC_ST_OK)
		goto out;
	/* the AAD: STOCK the given bytes; XFER bundle id || ICCID */
	if (r.in_kind == PDC_SEAL_STOCK)
		a1 = r.aad, a1_len = r.aad_len, a2 = NULL, a2_len = 0;
	else
		a1 = r.in_id, a1_len = PDC_XFER_ID_LEN, a2 = r.iccid, a2_len = r.iccid_len;
	st = gcm_start(&x->in, MBEDTLS_GCM_DECRYPT, kin, r.in_nonce, a1, a1_len, a2, a2_len);
	if (r.out_kind == PDC_SEAL_STOCK)
		a1 = r.aad, a1_len = r.aad_len, a2 = NULL, a2_len = 0;
	else
		a1 = r.out_id, a1_len = PDC_XFER_ID_LEN, a2 = r.iccid, a2_len = r.iccid_len;
	if (st == PDC_ST_OK)
		st = gcm_start(&x->out, MBEDTLS_GCM_ENCRYPT, kout, resp.out_nonce, a1, a1_len, a2,
			       a2_len);
	if (st != PDC_ST_OK)
		goto out;
	do {
		if (mbedtls_ctr_drbg_random(&c->drbg, (uint8_t *)&x->handle, sizeof(x->handle))) {
			st = PDC_ST_CRYPTO;
			goto out;
		}
	} while (!x->handle || find(c, x->handle) >= 0);
	x->len = le32(r.ct_len);
	c->reseal[slot] = x;
	x = NULL;
	resp.handle = le32(c->reseal[slot]->handle);
	memcpy(out, &resp, sizeof(resp));
	*out_len = sizeof(resp);
out:
	if (x) {
		mbedtls_gcm_free(&x->in);
		mbedtls_gcm_free(&x->out);
		mbedtls_platform_zeroize(x, sizeof(*x));
		free(x);
	}
	mbedtls_platform_zeroize(kin, sizeof(kin));
	mbedtls_platform_zeroize(kout, sizeof(kout));
	mbedtls_platform_zeroize(&r, sizeof(r));
	mbedtls_platform_zeroize(&resp, sizeof(resp));
	return st;
}

enum pdc_status op_reseal_data(struct card *c, const uint8_t *body, size_t len, uint8_t *out,
			       size_t *out_len)
{
	struct pdc_upp_data_req r;
	uint8_t pt[PDC_UPP_DATA_MAX];
	struct reseal_ctx *x;
	size_t n;
	int i;
	enum pdc_status st = PDC_ST_OK;

	memcpy(&r, body, sizeof(r));
	n = le16(r.len);
	if (len != sizeof(r) + n || n < 1 || n > PDC_UPP_DATA_MAX)
		return PDC_ST_BAD_LENGTH;
	if (r.rsvd)
		return PDC_ST_BAD_PARAM;
	i = find(c, le32(r.handle));
	if (i < 0)
		return PDC_ST_BAD_SESSION;
	x = c->reseal[i];
	if (le32(r.offset) != x->got)
		return PDC_ST_BAD_PARAM; /* in order, once */
	if (n > x->len - x->got || (n % 16 && x->got + n != x->len))
		return PDC_ST_BAD_LENGTH;
	if (mbedtls_gcm_update(&x->in, n, body + sizeof(r), pt) ||
	    mbedtls_gcm_update(&x->out, n, pt, out))
		st = PDC_ST_CRYPTO;
	mbedtls_platform_zeroize(pt, n);
	if (st != PDC_ST_OK) {
		drop(c, (unsigned int)i);
		return st;
	}
	x->got += n;
	*out_len = n;
	return PDC_ST_OK;
}

enum pdc_status op_reseal_finish(struct card *c, const uint8_t *body, size_t len, uint8_t *out,
				 size_t *out_len)
{
	struct pdc_upp_finish_req r;
	struct pdc_reseal_finish_resp resp;
	uint8_t tag[PDC_UPP_TAG_LEN], diff = 0;
	struct reseal_ctx *x;
	unsigned int k;
	int i;
	enum pdc_status st = PDC_ST_OK;

	(void)len;
	memcpy(&r, body, sizeof(r));
	i = find(c, le32(r.handle));
	if (i < 0)
		return PDC_ST_BAD_SESSION;
	x = c->reseal[i];
	if (x->got != x->len)
		return PDC_ST_BAD_LENGTH;
	if (mbedtls_gcm_finish(&x->in, tag, sizeof(tag)))
		st = PDC_ST_CRYPTO;
	for (k = 0; k < sizeof(tag); k++)
		diff |= tag[k] ^ r.tag[k];
	if (st == PDC_ST_OK && diff)
		st = PDC_ST_BAD_SIGNATURE;
	/* the output's tag only for an input that verified */
	if (st == PDC_ST_OK && mbedtls_gcm_finish(&x->out, resp.tag, sizeof(resp.tag)))
		st = PDC_ST_CRYPTO;
	drop(c, (unsigned int)i);
	if (st != PDC_ST_OK)
		return st;
	memcpy(out, &resp, sizeof(resp));
	*out_len = sizeof(resp);
	return PDC_ST_OK;
}

enum pdc_status op_reseal_abort(struct card *c, const uint8_t *body, size_t len, uint8_t *out,
				size_t *out_len)
{
	struct pdc_session_req r;
	int i;

	(void)len;
	(void)out;
	memcpy(&r, body, sizeof(r));
	i = find(c, le32(r.handle));
	if (i < 0)
		return PDC_ST_BAD_SESSION;
	drop(c, (unsigned int)i);
	*out_len = 0;
	return PDC_ST_OK;
}
