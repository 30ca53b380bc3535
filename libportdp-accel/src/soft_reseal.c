// SPDX-License-Identifier: Apache-2.0
/*
 * pdp_upp_reseal() on the soft backend: the input opened into one buffer
 * (its tag checked before anything is sealed), sealed again, the buffer and
 * the keys wiped before the call returns. The same forms as the card
 * (firmware/core/reseal.c) and portdpctl's bundle_seal.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>

#include "soft.h"

static int xfer_key(const uint8_t z[32], const uint8_t id[PDP_XFER_ID_LEN],
		    const uint8_t pub[PDP_PUBKEY_LEN], const char *iccid, size_t iccid_len,
		    uint8_t key[32])
{
	uint8_t info[13 + PDP_PUBKEY_LEN + 20];
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	EVP_KDF_CTX *kc = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
	OSSL_PARAM p[5];
	int ok;

	memcpy(info, "portdp-xfer-1", 13);
	memcpy(info + 13, pub, PDP_PUBKEY_LEN);
	memcpy(info + 13 + PDP_PUBKEY_LEN, iccid, iccid_len);
	p[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, "SHA256", 0);
	p[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)z, 32);
	p[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)id, PDP_XFER_ID_LEN);
	p[3] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info,
						 13 + PDP_PUBKEY_LEN + iccid_len);
	p[4] = OSSL_PARAM_construct_end();
	ok = kc && EVP_KDF_derive(kc, key, 32, p) > 0;
	EVP_KDF_CTX_free(kc);
	EVP_KDF_free(kdf);
	return ok ? 0 : -EIO;
}

/* AES-256-GCM over @in into @out; AAD a1 || a2. Decrypting: -EBADMSG if @tag fails. */
static int gcm(int enc, const uint8_t key[32], const uint8_t nonce[12], const uint8_t *a1,
	       size_t a1_len, const uint8_t *a2, size_t a2_len, const uint8_t *in, size_t len,
	       uint8_t *out, uint8_t tag[16])
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int n = 0, ok;

	ok = c && EVP_CipherInit_ex2(c, EVP_aes_256_gcm(), key, nonce, enc, NULL) &&
	     EVP_CipherUpdate(c, NULL, &n, a1, (int)a1_len) &&
	     (!a2_len || EVP_CipherUpdate(c, NULL, &n, a2, (int)a2_len)) &&
	     EVP_CipherUpdate(c, out, &n, in, (int)len);
	if (ok && !enc)
		ok = EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, 16, tag);
	if (ok)
		ok = EVP_CipherFinal_ex(c, out + n, &n) > 0;
	if (ok && enc)
		ok = EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, tag);
	EVP_CIPHER_CTX_free(c);
	ERR_clear_error();
	return ok ? 0 : enc ? -EIO : -EBADMSG;
}

static int unwrap(const struct pdp_stock_key *key, const uint8_t *wrapped, uint8_t dk[32])
{
	EVP_CIPHER_CTX *cx = EVP_CIPHER_CTX_new();
	int n = 0, m = 0, ok;

	ok = cx && EVP_DecryptInit_ex2(cx, EVP_aes_256_wrap(), key->key, NULL, NULL) &&
	     EVP_DecryptUpdate(cx, dk, &n, wrapped, PDP_STOCK_WRAP_LEN) &&
	     EVP_DecryptFinal_ex(cx, dk + n, &m) && n + m == PDP_STOCK_KEY_LEN;
	EVP_CIPHER_CTX_free(cx);
	ERR_clear_error();
	if (!ok)
		OPENSSL_cleanse(dk, 32);
	return ok ? 0 : -EKEYREJECTED;
}

/* The destination's envelope key: a fresh one-time key into @pub. */
static int xfer_out_key(const struct pdp_sealed_form *f, const char *iccid, size_t iccid_len,
			uint8_t pub[PDP_PUBKEY_LEN], uint8_t key[32])
{
	EVP_PKEY *eph = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256"), *peer = NULL;
	EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL), *dc = NULL;
	OSSL_PARAM p[3];
	uint8_t z[32];
	size_t zlen = sizeof(z), n = 0;
	int ret = -EINVAL;

	p[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, "P-256", 0);
	p[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, (void *)f->peer_pub,
						 PDP_PUBKEY_LEN);
	p[2] = OSSL_PARAM_construct_end();
	if (!eph || !pc || EVP_PKEY_fromdata_init(pc) <= 0 ||
	    EVP_PKEY_fromdata(pc, &peer, EVP_PKEY_PUBLIC_KEY, p) <= 0)
		goto out;
	dc = EVP_PKEY_CTX_new(eph, NULL);
	if (!dc || EVP_PKEY_derive_init(dc) <= 0 || EVP_PKEY_derive_set_peer(dc, peer) <= 0 ||
	    EVP_PKEY_derive(dc, z, &zlen) <= 0 || zlen != 32)
		goto out;
	ret = -EIO;
	if (!EVP_PKEY_get_octet_string_param(eph, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, pub,
					     PDP_PUBKEY_LEN, &n) ||
	    n != PDP_PUBKEY_LEN)
		goto out;
	ret = xfer_key(z, f->id, pub, iccid, iccid_len, key);
out:
	OPENSSL_cleanse(z, sizeof(z));
	EVP_PKEY_CTX_free(dc);
	EVP_PKEY_CTX_free(pc);
	EVP_PKEY_free(peer);
	EVP_PKEY_free(eph);
	ERR_clear_error();
	return ret;
}

int soft_reseal(struct pdp_accel *accel, const char *iccid, size_t iccid_len,
		const struct pdp_sealed_form *in, const uint8_t *ct_in, size_t ct_len,
		struct pdp_sealed_form *out, uint8_t *ct_out)
{
	uint8_t key[32], z[32], tag[16], *pt = OPENSSL_malloc(ct_len);
	int ret;

	if (!pt)
		return -ENOMEM;
	/* open */
	if (in->kind == PDP_SEAL_STOCK) {
		ret = unwrap(in->stock, in->wrapped, key);
	} else {
		ret = soft_ecdh(accel, in->unit, in->pub, z);
		if (!ret)
			ret = xfer_key(z, in->id, in->pub, iccid, iccid_len, key);
	}
	memcpy(tag, in->tag, sizeof(tag));
	if (!ret)
		ret = in->kind == PDP_SEAL_STOCK
			  ? gcm(0, key, in->nonce, in->aad, in->aad_len, NULL, 0, ct_in, ct_len, pt,
				tag)
			  : gcm(0, key, in->nonce, in->id, PDP_XFER_ID_LEN, (const uint8_t *)iccid,
				iccid_len, ct_in, ct_len, pt, tag);
	if (ret)
		goto out;
	/* seal again */
	ret = -EIO;
	if (RAND_bytes(out->nonce, PDP_UPP_NONCE_LEN) != 1)
		goto out;
	if (out->kind == PDP_SEAL_STOCK) {
		ret = RAND_priv_bytes(key, sizeof(key)) == 1 ? 0 : -EIO;
		if (!ret)
			ret = soft_stock_wrap(accel, out->stock, key, out->wrapped);
		if (!ret)
			ret = gcm(1, key, out->nonce, out->aad, out->aad_len, NULL, 0, pt, ct_len,
				  ct_out, out->tag);
	} else {
		ret = xfer_out_key(out, iccid, iccid_len, out->pub, key);
		if (!ret)
			ret = gcm(1, key, out->nonce, out->id, PDP_XFER_ID_LEN,
				  (const uint8_t *)iccid, iccid_len, pt, ct_len, ct_out, out->tag);
	}
out:
	OPENSSL_cleanse(key, sizeof(key));
	OPENSSL_cleanse(z, sizeof(z));
	OPENSSL_clear_free(pt, ct_len);
	return ret;
}
