// SPDX-License-Identifier: Apache-2.0
/* Base64 through OpenSSL's block codec, with the checks it leaves to its caller. */
#include "b64.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>

char *b64_encode(const uint8_t *in, size_t len)
{
	char *out = malloc(4 * ((len + 2) / 3) + 1);

	if (out)
		EVP_EncodeBlock((unsigned char *)out, in, (int)len);
	return out;
}

static int b64_char_ok(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '+' || c == '/';
}

int b64_decode(const char *in, uint8_t **out, size_t *out_len)
{
	size_t n = strlen(in), pad = 0;
	uint8_t *buf;
	int got;

	/* EVP_DecodeBlock skips whitespace and ignores junk padding: check first. */
	if (n % 4 || n > 0x3ffffff0)
		return -EINVAL;
	if (n && in[n - 1] == '=')
		pad = (n >= 2 && in[n - 2] == '=') ? 2 : 1;
	for (size_t i = 0; i < n - pad; i++)
		if (!b64_char_ok(in[i]))
			return -EINVAL;
	buf = malloc(n / 4 * 3 + 1);
	if (!buf)
		return -ENOMEM;
	got = EVP_DecodeBlock(buf, (const unsigned char *)in, (int)n);
	if (got < 0 || (size_t)got < pad) {
		free(buf);
		return -EINVAL;
	}
	*out = buf;
	*out_len = (size_t)got - pad;
	return 0;
}
