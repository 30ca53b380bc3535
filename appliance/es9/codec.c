// SPDX-License-Identifier: Apache-2.0
/*
 * Base64 and hex for ES9+ JSON fields. OpenSSL's EVP_DecodeBlock does the
 * arithmetic; we check the alphabet, the padding and the unused trailing bits
 * ourselves because EVP_DecodeBlock tolerates whitespace and ignores padding.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "codec.h"

static int b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

ssize_t es9_b64_decode(const char *in, size_t in_len, uint8_t **out)
{
	size_t pad = 0, i;
	uint8_t *buf;
	int n;

	*out = NULL;
	if (in_len == 0 || in_len % 4 || in_len > (size_t)INT32_MAX)
		return -EINVAL;
	if (in[in_len - 1] == '=')
		pad = in[in_len - 2] == '=' ? 2 : 1;
	for (i = 0; i < in_len - pad; i++)
		if (b64_value((unsigned char)in[i]) < 0)
			return -EINVAL;
	/* The bits the padding leaves unused must be zero (canonical form). */
	if (pad == 1 && (b64_value((unsigned char)in[in_len - 2]) & 0x03))
		return -EINVAL;
	if (pad == 2 && (b64_value((unsigned char)in[in_len - 3]) & 0x0f))
		return -EINVAL;

	buf = malloc(in_len / 4 * 3 + 1);
	if (!buf)
		return -ENOMEM;
	n = EVP_DecodeBlock(buf, (const unsigned char *)in, (int)in_len);
	if (n < 0 || (size_t)n < pad) {
		free(buf);
		return -EINVAL;
	}
	*out = buf;
	return n - (ssize_t)pad;
}

ssize_t es9_b64_encode(const uint8_t *in, size_t len, char **out)
{
	size_t cap = (len + 2) / 3 * 4 + 1;
	char *buf;
	int n;

	*out = NULL;
	if (len > (size_t)INT32_MAX / 2)
		return -EINVAL;
	buf = malloc(cap);
	if (!buf)
		return -ENOMEM;
	n = EVP_EncodeBlock((unsigned char *)buf, in, (int)len);
	buf[n] = '\0';
	*out = buf;
	return n;
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

ssize_t es9_hex_decode(const char *in, size_t in_len, uint8_t *out, size_t cap)
{
	size_t i;

	if (in_len % 2 || in_len / 2 > cap)
		return -EINVAL;
	for (i = 0; i < in_len; i += 2) {
		int hi = hex_value(in[i]), lo = hex_value(in[i + 1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		out[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	return (ssize_t)(in_len / 2);
}

void es9_hex_encode(const uint8_t *in, size_t len, char *out)
{
	static const char digits[] = "0123456789ABCDEF";
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 0x0f];
	}
	out[2 * len] = '\0';
}
