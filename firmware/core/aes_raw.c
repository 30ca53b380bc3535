// SPDX-License-Identifier: Apache-2.0
/*
 * aes_raw.c - raw AES for the kernel crypto API (aes_raw.h).
 */
#include <string.h>

#include <mbedtls/aes.h>
#include <mbedtls/cipher.h>
#include <mbedtls/cmac.h>
#include <mbedtls/platform_util.h>

#include "aes_raw.h"
#include "wire.h"

static bool key_len_ok(size_t key_len)
{
	return key_len == 16 || key_len == 24 || key_len == 32;
}

enum pdc_status aes_raw_cbc(const uint8_t *key, size_t key_len, bool encrypt, uint8_t iv[16],
			    const uint8_t *in, size_t len, uint8_t *out)
{
	mbedtls_aes_context aes;
	enum pdc_status st = PDC_ST_CRYPTO;
	int rc;

	if (!key_len_ok(key_len))
		return PDC_ST_BAD_LENGTH;
	if (len == 0 || len % 16)
		return PDC_ST_BAD_LENGTH;
	mbedtls_aes_init(&aes);
	if (encrypt)
		rc = mbedtls_aes_setkey_enc(&aes, key, key_len * 8);
	else
		rc = mbedtls_aes_setkey_dec(&aes, key, key_len * 8);
	/* mbedTLS leaves the next IV (last ciphertext block) in iv. */
	if (!rc && !mbedtls_aes_crypt_cbc(&aes, encrypt ? MBEDTLS_AES_ENCRYPT : MBEDTLS_AES_DECRYPT,
					  len, iv, in, out))
		st = PDC_ST_OK;
	mbedtls_aes_free(&aes);
	return st;
}

enum pdc_status aes_raw_cmac(const uint8_t *key, size_t key_len, bool final, uint8_t state[16],
			     const uint8_t *in, size_t len)
{
	const mbedtls_cipher_info_t *info;
	mbedtls_cipher_context_t ctx;
	mbedtls_aes_context aes;
	uint8_t tmp[PDC_AES_MAX_DATA];
	enum pdc_status st = PDC_ST_CRYPTO;

	if (!key_len_ok(key_len))
		return PDC_ST_BAD_LENGTH;
	if (len > sizeof(tmp))
		return PDC_ST_BAD_LENGTH;
	if (!final) {
		/* Middle chunks: plain CBC-MAC steps from the given state. */
		if (len == 0 || len % 16)
			return PDC_ST_BAD_LENGTH;
		mbedtls_aes_init(&aes);
		if (!mbedtls_aes_setkey_enc(&aes, key, key_len * 8) &&
		    !mbedtls_aes_crypt_cbc(&aes, MBEDTLS_AES_ENCRYPT, len, state, in, tmp))
			st = PDC_ST_OK;
		mbedtls_aes_free(&aes);
		mbedtls_platform_zeroize(tmp, len);
		return st;
	}
	/* The last block needs its subkey, so the final chunk is never empty after data. */
	if (len == 0 && !all_zero(state, 16))
		return PDC_ST_BAD_LENGTH;
	info = mbedtls_cipher_info_from_values(MBEDTLS_CIPHER_ID_AES, (int)key_len * 8,
					       MBEDTLS_MODE_ECB);
	mbedtls_cipher_init(&ctx);
	if (!info || mbedtls_cipher_setup(&ctx, info) ||
	    mbedtls_cipher_cmac_starts(&ctx, key, key_len * 8))
		goto out;
	/* Resume from the host's chaining state (mbedTLS 2.x keeps it here). */
	memcpy(ctx.cmac_ctx->state, state, 16);
	if (mbedtls_cipher_cmac_update(&ctx, in, len) || mbedtls_cipher_cmac_finish(&ctx, state))
		goto out;
	st = PDC_ST_OK;
out:
	mbedtls_cipher_free(&ctx);
	return st;
}
