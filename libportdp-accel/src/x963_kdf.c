// SPDX-License-Identifier: Apache-2.0
/*
 * ANSI X9.63 KDF (SHA-256) and the SGP.22 session key derivation on top.
 * SharedInfo layout matched against vectors/bsp.json "kdf".
 */
#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "portdp/accel.h"
#include "portdp/scp03t.h"

#define SHA256_LEN 32
#define SGP22_KEY_TYPE 0x88 /* AES */
#define SGP22_KEY_LEN 0x10
#define SGP22_HOST_ID_MAX 16

int pdp_x963_kdf_sha256(const uint8_t *z, size_t zlen, const uint8_t *shared_info, size_t si_len,
			uint8_t *out, size_t out_len)
{
	uint8_t block[SHA256_LEN];
	EVP_MD_CTX *md;
	uint32_t counter;
	int ret = 0;

	if (!z || !zlen || (!shared_info && si_len) || !out || !out_len)
		return -EINVAL;
	md = EVP_MD_CTX_new();
	if (!md)
		return -ENOMEM;
	for (counter = 1; out_len; counter++) {
		uint8_t c[4] = {counter >> 24, counter >> 16, counter >> 8, counter};
		size_t n = out_len < SHA256_LEN ? out_len : SHA256_LEN;

		if (!EVP_DigestInit_ex2(md, EVP_sha256(), NULL) || !EVP_DigestUpdate(md, z, zlen) ||
		    !EVP_DigestUpdate(md, c, 4) ||
		    (si_len && !EVP_DigestUpdate(md, shared_info, si_len)) ||
		    !EVP_DigestFinal_ex(md, block, NULL)) {
			ret = -EIO;
			break;
		}
		memcpy(out, block, n);
		out += n;
		out_len -= n;
	}
	OPENSSL_cleanse(block, sizeof(block));
	EVP_MD_CTX_free(md);
	return ret;
}

int pdp_sgp22_derive(const uint8_t *z, size_t zlen, const uint8_t *host_id, size_t host_id_len,
		     const uint8_t eid[16], struct pdp_scp03t *out)
{
	uint8_t si[2 + 1 + SGP22_HOST_ID_MAX + 1 + PDP_EID_LEN], keys[48];
	size_t n = 0;
	int ret;

	if (!host_id || !host_id_len || host_id_len > SGP22_HOST_ID_MAX || !eid || !out)
		return -EINVAL;
	si[n++] = SGP22_KEY_TYPE;
	si[n++] = SGP22_KEY_LEN;
	si[n++] = host_id_len;
	memcpy(si + n, host_id, host_id_len);
	n += host_id_len;
	si[n++] = PDP_EID_LEN;
	memcpy(si + n, eid, PDP_EID_LEN);
	n += PDP_EID_LEN;

	ret = pdp_x963_kdf_sha256(z, zlen, si, n, keys, sizeof(keys));
	if (!ret)
		pdp_scp03t_init(out, keys + 16, keys + 32, keys); /* MCV || S-ENC || S-MAC */
	OPENSSL_cleanse(keys, sizeof(keys));
	return ret;
}
