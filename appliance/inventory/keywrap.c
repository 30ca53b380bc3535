// SPDX-License-Identifier: Apache-2.0
/*
 * RFC 3394 key wrap of a 32-byte data key under an AES-256 key, on AES-256-ECB.
 * OpenSSL 3.0's "id-aes256-wrap" runs its rounds with the table AES (AES_decrypt, a key
 * schedule per call, no AES-NI): ~62,000 instructions to open one UPP, ~1% of a keep-alive
 * binding in portdpd. ECB goes through AES-NI where there is one: ~10x fewer. The output is
 * the same bytes (the RFC's and OpenSSL's, tested in test_sealed.c), so stored UPPs open
 * either way.
 */
#include <errno.h>
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include "inv_internal.h"

#define N 4 /* 64-bit blocks in the data key */

static const uint8_t iv[8] = {0xa6, 0xa6, 0xa6, 0xa6, 0xa6, 0xa6, 0xa6, 0xa6};

/* One block through the cipher context; 0 on success. */
static int block(EVP_CIPHER_CTX *cx, uint8_t b[16])
{
	int n = 0;

	return EVP_CipherUpdate(cx, b, &n, b, 16) && n == 16 ? 0 : -1;
}

int inv_keywrap(int enc, const uint8_t kek[32], const uint8_t *in, uint8_t *out)
{
	EVP_CIPHER_CTX *cx = EVP_CIPHER_CTX_new();
	uint8_t a[8], r[N][8], b[16];
	int err = -EIO;

	if (!cx || !EVP_CipherInit_ex2(cx, EVP_aes_256_ecb(), kek, NULL, enc, NULL) ||
	    !EVP_CIPHER_CTX_set_padding(cx, 0))
		goto out;
	if (enc) {
		memcpy(a, iv, 8);
		memcpy(r, in, sizeof(r));
		for (unsigned j = 0; j < 6; j++)
			for (unsigned i = 0; i < N; i++) {
				uint64_t t = (uint64_t)N * j + i + 1;

				memcpy(b, a, 8);
				memcpy(b + 8, r[i], 8);
				if (block(cx, b))
					goto out;
				memcpy(a, b, 8);
				for (int k = 0; k < 8; k++)
					a[7 - k] ^= (uint8_t)(t >> (8 * k));
				memcpy(r[i], b + 8, 8);
			}
		memcpy(out, a, 8);
		memcpy(out + 8, r, sizeof(r));
	} else {
		memcpy(a, in, 8);
		memcpy(r, in + 8, sizeof(r));
		for (int j = 5; j >= 0; j--)
			for (int i = N - 1; i >= 0; i--) {
				uint64_t t = (uint64_t)N * (unsigned)j + (unsigned)i + 1;

				for (int k = 0; k < 8; k++)
					a[7 - k] ^= (uint8_t)(t >> (8 * k));
				memcpy(b, a, 8);
				memcpy(b + 8, r[i], 8);
				if (block(cx, b))
					goto out;
				memcpy(a, b, 8);
				memcpy(r[i], b + 8, 8);
			}
		/* The integrity check of the wrap: the initial value must come back. */
		if (CRYPTO_memcmp(a, iv, 8))
			goto out;
		memcpy(out, r, sizeof(r));
	}
	err = 0;
out:
	OPENSSL_cleanse(r, sizeof(r));
	OPENSSL_cleanse(b, sizeof(b));
	EVP_CIPHER_CTX_free(cx);
	return err;
}
