// SPDX-License-Identifier: Apache-2.0
/*
 * The envelope of one UPP in a transfer bundle (bundle.h): ECDH P-256 from a one-time key of
 * the sender to the destination unit's key, HKDF-SHA256, AES-256-GCM. The destination's side
 * of the ECDH runs where its key lives (pdp_ecdh: the card, or the soft key file), so only z
 * reaches bundle_open().
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include "bundle.h"

static int derive_key(const uint8_t id[16], const char *iccid, const uint8_t eph_pub[65],
		      const uint8_t z[32], uint8_t key[32])
{
	uint8_t info[13 + 65 + 20];
	size_t n = strlen(iccid);
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	EVP_KDF_CTX *kc = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
	OSSL_PARAM p[5];
	int ok;

	memcpy(info, "portdp-xfer-1", 13);
	memcpy(info + 13, eph_pub, 65);
	memcpy(info + 78, iccid, n);
	p[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, "SHA256", 0);
	p[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)z, 32);
	p[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)id, 16);
	p[3] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info, 78 + n);
	p[4] = OSSL_PARAM_construct_end();
	ok = kc && EVP_KDF_derive(kc, key, 32, p) > 0;
	EVP_KDF_CTX_free(kc);
	EVP_KDF_free(kdf);
	return ok ? 0 : -EIO;
}

static int gcm(int enc, const uint8_t key[32], const uint8_t nonce[12], const uint8_t id[16],
	       const char *iccid, const uint8_t *in, size_t in_len, uint8_t *out, uint8_t tag[16])
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int n = 0, ok;

	ok = c && EVP_CipherInit_ex(c, EVP_aes_256_gcm(), NULL, key, nonce, enc) &&
	     EVP_CipherUpdate(c, NULL, &n, id, 16) &&
	     EVP_CipherUpdate(c, NULL, &n, (const uint8_t *)iccid, (int)strlen(iccid)) &&
	     EVP_CipherUpdate(c, out, &n, in, (int)in_len);
	if (ok && !enc)
		ok = EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, 16, tag);
	if (ok)
		ok = EVP_CipherFinal_ex(c, out + n, &n) > 0;
	if (ok && enc)
		ok = EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, tag);
	EVP_CIPHER_CTX_free(c);
	return ok ? 0 : -EBADMSG;
}

static EVP_PKEY *pub_key(const uint8_t pub[65])
{
	OSSL_PARAM p[3];
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	EVP_PKEY *k = NULL;

	p[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, "P-256", 0);
	p[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, (void *)pub, 65);
	p[2] = OSSL_PARAM_construct_end();
	if (!c || EVP_PKEY_fromdata_init(c) <= 0 ||
	    EVP_PKEY_fromdata(c, &k, EVP_PKEY_PUBLIC_KEY, p) <= 0)
		k = NULL;
	EVP_PKEY_CTX_free(c);
	return k;
}

int bundle_seal(const uint8_t id[16], const char *iccid, const uint8_t dest_pub[65],
		const uint8_t *upp, size_t upp_len, uint8_t eph_pub[65], uint8_t nonce[12],
		uint8_t **out, size_t *out_len)
{
	EVP_PKEY *eph = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256"), *peer = pub_key(dest_pub);
	EVP_PKEY_CTX *dc = eph ? EVP_PKEY_CTX_new(eph, NULL) : NULL;
	uint8_t z[32], key[32], *ct = NULL;
	size_t zlen = sizeof(z), n = 0;
	int err = -EIO;

	if (!eph || !peer || !dc || EVP_PKEY_derive_init(dc) <= 0 ||
	    EVP_PKEY_derive_set_peer(dc, peer) <= 0 || EVP_PKEY_derive(dc, z, &zlen) <= 0 ||
	    zlen != 32)
		goto out;
	if (!EVP_PKEY_get_octet_string_param(eph, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, eph_pub, 65,
					     &n) ||
	    n != 65 || RAND_bytes(nonce, 12) != 1)
		goto out;
	err = derive_key(id, iccid, eph_pub, z, key);
	if (err)
		goto out;
	err = -ENOMEM;
	ct = malloc(upp_len + 16);
	if (!ct)
		goto out;
	err = gcm(1, key, nonce, id, iccid, upp, upp_len, ct, ct + upp_len);
	if (!err) {
		*out = ct;
		*out_len = upp_len + 16;
		ct = NULL;
	}
out:
	OPENSSL_cleanse(z, sizeof(z));
	OPENSSL_cleanse(key, sizeof(key));
	free(ct);
	EVP_PKEY_CTX_free(dc);
	EVP_PKEY_free(eph);
	EVP_PKEY_free(peer);
	return err;
}

int bundle_open(const uint8_t id[16], const char *iccid, const uint8_t eph_pub[65],
		const uint8_t z[32], const uint8_t nonce[12], const uint8_t *sealed,
		size_t sealed_len, uint8_t **upp, size_t *upp_len)
{
	uint8_t key[32], tag[16], *pt;
	size_t n;
	int err;

	if (sealed_len <= 16)
		return -EBADMSG;
	n = sealed_len - 16;
	err = derive_key(id, iccid, eph_pub, z, key);
	if (err)
		return err;
	pt = malloc(n + 16);
	if (!pt)
		return -ENOMEM;
	memcpy(tag, sealed + n, 16);
	err = gcm(0, key, nonce, id, iccid, sealed, n, pt, tag);
	OPENSSL_cleanse(key, sizeof(key));
	if (err) {
		OPENSSL_cleanse(pt, n);
		free(pt);
		return err;
	}
	*upp = pt;
	*upp_len = n;
	return 0;
}
