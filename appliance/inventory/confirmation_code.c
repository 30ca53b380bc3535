// SPDX-License-Identifier: Apache-2.0
/*
 * Confirmation codes. Only SHA-256(CC) is stored: SGP.22 has the eUICC send
 * hashCc = SHA-256(SHA-256(CC) || transactionId), so the server never needs
 * the code itself.
 */
#include <errno.h>
#include <string.h>
#include <openssl/evp.h>
#include "inventory.h"

int inv_hash_cc(const char *confirmation_code, uint8_t out[32])
{
	size_t n = confirmation_code ? strlen(confirmation_code) : 0;
	unsigned len = 0;

	if (!n || !out)
		return -EINVAL;
	if (!EVP_Digest(confirmation_code, n, out, &len, EVP_sha256(), NULL) || len != 32)
		return -EIO;
	return 0;
}

int inv_expected_hash_cc(const struct inv_profile *p, const uint8_t *tid, size_t tid_len,
			 uint8_t out[32])
{
	uint8_t buf[32 + 16];
	unsigned len = 0;

	if (!p || !p->cc_required || !tid || !tid_len || tid_len > 16 || !out)
		return -EINVAL;
	memcpy(buf, p->cc_hash, 32);
	memcpy(buf + 32, tid, tid_len);
	if (!EVP_Digest(buf, 32 + tid_len, out, &len, EVP_sha256(), NULL) || len != 32)
		return -EIO;
	return 0;
}
