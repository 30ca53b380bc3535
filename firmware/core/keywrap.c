// SPDX-License-Identifier: Apache-2.0
/*
 * keywrap.c - RFC 3394 AES key wrap, 2.2.1/2.2.2 (the index-based form).
 */
#include <string.h>

#include <mbedtls/aes.h>
#include <mbedtls/platform_util.h>

#include "keywrap.h"

#define N (PDC_STOCK_KEY_LEN / 8)

static const uint8_t default_iv[8] = {0xa6, 0xa6, 0xa6, 0xa6, 0xa6, 0xa6, 0xa6, 0xa6};

static void xor_t(uint8_t a[8], uint32_t t)
{
	a[7] ^= (uint8_t)t;
	a[6] ^= (uint8_t)(t >> 8);
	a[5] ^= (uint8_t)(t >> 16);
	a[4] ^= (uint8_t)(t >> 24);
}

enum pdc_status keywrap_wrap(const uint8_t kek[PDC_STOCK_KEY_LEN],
			     const uint8_t key[PDC_STOCK_KEY_LEN], uint8_t out[PDC_STOCK_WRAP_LEN])
{
	mbedtls_aes_context aes;
	uint8_t b[16];
	unsigned int i, j;
	enum pdc_status st = PDC_ST_CRYPTO;

	mbedtls_aes_init(&aes);
	if (mbedtls_aes_setkey_enc(&aes, kek, 256))
		goto out;
	memcpy(out, default_iv, 8);
	memcpy(out + 8, key, PDC_STOCK_KEY_LEN);
	for (j = 0; j < 6; j++)
		for (i = 1; i <= N; i++) {
			memcpy(b, out, 8);
			memcpy(b + 8, out + 8 * i, 8);
			if (mbedtls_aes_crypt_ecb(&aes, MBEDTLS_AES_ENCRYPT, b, b))
				goto out;
			memcpy(out, b, 8);
			xor_t(out, N * j + i);
			memcpy(out + 8 * i, b + 8, 8);
		}
	st = PDC_ST_OK;
out:
	if (st != PDC_ST_OK)
		mbedtls_platform_zeroize(out, PDC_STOCK_WRAP_LEN);
	mbedtls_platform_zeroize(b, sizeof(b));
	mbedtls_aes_free(&aes);
	return st;
}

enum pdc_status keywrap_unwrap(const uint8_t kek[PDC_STOCK_KEY_LEN],
			       const uint8_t in[PDC_STOCK_WRAP_LEN], uint8_t key[PDC_STOCK_KEY_LEN])
{
	mbedtls_aes_context aes;
	uint8_t a[8], r[PDC_STOCK_KEY_LEN], b[16], diff = 0;
	unsigned int i, j, k;
	enum pdc_status st = PDC_ST_CRYPTO;

	mbedtls_aes_init(&aes);
	if (mbedtls_aes_setkey_dec(&aes, kek, 256))
		goto out;
	memcpy(a, in, 8);
	memcpy(r, in + 8, sizeof(r));
	for (j = 6; j-- > 0;)
		for (i = N; i >= 1; i--) {
			memcpy(b, a, 8);
			xor_t(b, N * j + i);
			memcpy(b + 8, r + 8 * (i - 1), 8);
			if (mbedtls_aes_crypt_ecb(&aes, MBEDTLS_AES_DECRYPT, b, b))
				goto out;
			memcpy(a, b, 8);
			memcpy(r + 8 * (i - 1), b + 8, 8);
		}
	for (k = 0; k < 8; k++)
		diff |= a[k] ^ default_iv[k];
	st = diff ? PDC_ST_KEY_REJECTED : PDC_ST_OK;
	if (st == PDC_ST_OK)
		memcpy(key, r, PDC_STOCK_KEY_LEN);
out:
	if (st != PDC_ST_OK)
		mbedtls_platform_zeroize(key, PDC_STOCK_KEY_LEN);
	mbedtls_platform_zeroize(r, sizeof(r));
	mbedtls_platform_zeroize(b, sizeof(b));
	mbedtls_platform_zeroize(a, sizeof(a));
	mbedtls_aes_free(&aes);
	return st;
}
