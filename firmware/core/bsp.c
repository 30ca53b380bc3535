// SPDX-License-Identifier: Apache-2.0
/*
 * bsp.c - SGP.22 KDF and SCP03t sealing (see SGP22-NOTES.md and bsp.h).
 */
#include <stdbool.h>
#include <string.h>

#include <mbedtls/aes.h>
#include <mbedtls/cipher.h>
#include <mbedtls/cmac.h>
#include <mbedtls/md.h>
#include <mbedtls/platform_util.h>

#include "bsp.h"

#define BSP_MAC_LEN 8

enum pdc_status bsp_x963_kdf(const uint8_t *z, size_t zlen, const uint8_t *shared_info,
			     size_t si_len, uint8_t *out, size_t out_len)
{
	const mbedtls_md_info_t *md = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
	mbedtls_md_context_t ctx;
	uint8_t block[32];
	uint32_t counter = 1;
	enum pdc_status st = PDC_ST_CRYPTO;

	mbedtls_md_init(&ctx);
	if (!md || mbedtls_md_setup(&ctx, md, 0))
		goto out;
	while (out_len) {
		uint8_t ctr[4] = {counter >> 24, counter >> 16, counter >> 8, counter};
		size_t n = out_len < sizeof(block) ? out_len : sizeof(block);

		if (mbedtls_md_starts(&ctx) || mbedtls_md_update(&ctx, z, zlen) ||
		    mbedtls_md_update(&ctx, ctr, sizeof(ctr)) ||
		    mbedtls_md_update(&ctx, shared_info, si_len) || mbedtls_md_finish(&ctx, block))
			goto out;
		memcpy(out, block, n);
		out += n;
		out_len -= n;
		counter++;
	}
	st = PDC_ST_OK;
out:
	mbedtls_platform_zeroize(block, sizeof(block));
	mbedtls_md_free(&ctx);
	return st;
}

enum pdc_status bsp_derive(const uint8_t z[PDC_SHARED_LEN], const uint8_t *host_id,
			   size_t host_id_len, const uint8_t eid[PDC_EID_LEN], struct bsp_keys *out)
{
	uint8_t si[3 + PDC_HOST_ID_MAX + 1 + PDC_EID_LEN];
	uint8_t keys[48];
	size_t n = 0;
	enum pdc_status st;

	if (host_id_len < 1 || host_id_len > PDC_HOST_ID_MAX)
		return PDC_ST_BAD_LENGTH;
	si[n++] = 0x88; /* key type: AES */
	si[n++] = 0x10; /* key length: 16 */
	si[n++] = (uint8_t)host_id_len;
	memcpy(si + n, host_id, host_id_len);
	n += host_id_len;
	si[n++] = PDC_EID_LEN;
	memcpy(si + n, eid, PDC_EID_LEN);
	n += PDC_EID_LEN;

	st = bsp_x963_kdf(z, PDC_SHARED_LEN, si, n, keys, sizeof(keys));
	if (st == PDC_ST_OK) {
		memcpy(out->mcv, keys, 16);
		memcpy(out->s_enc, keys + 16, 16);
		memcpy(out->s_mac, keys + 32, 16);
		out->counter = 1;
	}
	mbedtls_platform_zeroize(keys, sizeof(keys));
	return st;
}

size_t bsp_max_plain(uint8_t tag)
{
	switch (tag) {
	case 0x86:
	case 0x87:
		return PDC_BSP_MAX_PLAIN_ENC;
	case 0x88:
		return PDC_BSP_MAX_PLAIN_MAC;
	default:
		return 0;
	}
}

/* BER length of @len into @p; returns the bytes used. */
static size_t ber_len(size_t len, uint8_t *p)
{
	if (len < 0x80) {
		p[0] = (uint8_t)len;
		return 1;
	}
	if (len < 0x100) {
		p[0] = 0x81;
		p[1] = (uint8_t)len;
		return 2;
	}
	p[0] = 0x82;
	p[1] = (uint8_t)(len >> 8);
	p[2] = (uint8_t)len;
	return 3;
}

enum pdc_status bsp_seal(struct bsp_keys *k, uint8_t tag, const uint8_t *in, size_t in_len,
			 uint8_t *out, size_t out_cap, size_t *out_len)
{
	const mbedtls_cipher_info_t *cmac_info =
	    mbedtls_cipher_info_from_type(MBEDTLS_CIPHER_AES_128_ECB);
	size_t max = bsp_max_plain(tag);
	bool encrypt = tag != 0x88;
	size_t data_len, hdr_len, total;
	uint8_t hdr[4], mac[16], icv[16], ctr[16] = {0};
	uint8_t *data;
	mbedtls_cipher_context_t cctx;
	mbedtls_aes_context aes;
	enum pdc_status st = PDC_ST_CRYPTO;

	if (!max)
		return PDC_ST_BAD_PARAM;
	if (in_len < 1 || in_len > max)
		return PDC_ST_BAD_LENGTH;
	data_len = encrypt ? (in_len / 16 + 1) * 16 : in_len;
	hdr[0] = tag;
	hdr_len = 1 + ber_len(data_len + BSP_MAC_LEN, hdr + 1);
	total = hdr_len + data_len + BSP_MAC_LEN;
	if (total > PDC_BSP_MAX_SEGMENT)
		return PDC_ST_BAD_LENGTH;
	if (total > out_cap)
		return PDC_ST_TOO_LARGE;
	if (k->counter == UINT32_MAX)
		return PDC_ST_SESSION_LIMIT;

	memcpy(out, hdr, hdr_len);
	data = out + hdr_len;
	memcpy(data, in, in_len);

	mbedtls_aes_init(&aes);
	mbedtls_cipher_init(&cctx);
	if (encrypt) {
		/* padding 80 00.., ICV = E(S-ENC, counter as 16 bytes big-endian) */
		data[in_len] = 0x80;
		memset(data + in_len + 1, 0, data_len - in_len - 1);
		ctr[12] = k->counter >> 24;
		ctr[13] = k->counter >> 16;
		ctr[14] = k->counter >> 8;
		ctr[15] = k->counter;
		if (mbedtls_aes_setkey_enc(&aes, k->s_enc, 128) ||
		    mbedtls_aes_crypt_ecb(&aes, MBEDTLS_AES_ENCRYPT, ctr, icv) ||
		    mbedtls_aes_crypt_cbc(&aes, MBEDTLS_AES_ENCRYPT, data_len, icv, data, data))
			goto out;
	}
	if (!cmac_info || mbedtls_cipher_setup(&cctx, cmac_info) ||
	    mbedtls_cipher_cmac_starts(&cctx, k->s_mac, 128) ||
	    mbedtls_cipher_cmac_update(&cctx, k->mcv, 16) ||
	    mbedtls_cipher_cmac_update(&cctx, out, hdr_len + data_len) ||
	    mbedtls_cipher_cmac_finish(&cctx, mac))
		goto out;
	memcpy(data + data_len, mac, BSP_MAC_LEN);
	memcpy(k->mcv, mac, 16);
	k->counter++;
	*out_len = total;
	st = PDC_ST_OK;
out:
	if (st != PDC_ST_OK)
		mbedtls_platform_zeroize(out, total);
	mbedtls_aes_free(&aes);
	mbedtls_cipher_free(&cctx);
	return st;
}
