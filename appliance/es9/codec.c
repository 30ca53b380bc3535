// SPDX-License-Identifier: Apache-2.0
/*
 * Base64 and hex for ES9+ JSON fields. Decoding is our own single pass: it
 * must check the alphabet, the padding and the unused trailing bits, which
 * EVP_DecodeBlock does not (it tolerates whitespace and ignores padding), and
 * a separate check pass cost as much as the decoding. Encoding is OpenSSL's.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "codec.h"

/* Value of each base64 alphabet byte, -1 for every other byte. */
static const int8_t b64_values[256] = {
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 62, -1, -1, -1, 63,
	52, 53, 54, 55, 56, 57, 58, 59, 60, 61, -1, -1, -1, -1, -1, -1,
	-1,  0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11, 12, 13, 14,
	15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, -1, -1, -1, -1, -1,
	-1, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,
	41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
};

static int b64_value(unsigned char c)
{
	return b64_values[c];
}

ssize_t es9_b64_decode(const char *in, size_t in_len, uint8_t **out)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t pad = 0, i, o = 0;
	uint8_t *buf;
	int v[4], k;

	*out = NULL;
	if (in_len == 0 || in_len % 4 || in_len > (size_t)INT32_MAX)
		return -EINVAL;
	if (in[in_len - 1] == '=')
		pad = in[in_len - 2] == '=' ? 2 : 1;
	buf = malloc(in_len / 4 * 3 + 1);
	if (!buf)
		return -ENOMEM;
	/* One pass: check the alphabet and decode; the last quad may carry the padding. */
	for (i = 0; i < in_len; i += 4) {
		int last = i + 4 == in_len;

		for (k = 0; k < 4; k++)
			v[k] = last && k >= 4 - (int)pad ? 0 : b64_value(s[i + k]);
		if ((v[0] | v[1] | v[2] | v[3]) < 0)
			goto invalid;
		buf[o++] = (uint8_t)(v[0] << 2 | v[1] >> 4);
		buf[o++] = (uint8_t)(v[1] << 4 | v[2] >> 2);
		buf[o++] = (uint8_t)(v[2] << 6 | v[3]);
	}
	/* The bits the padding leaves unused must be zero (canonical form). */
	if ((pad == 1 && (v[2] & 0x03)) || (pad == 2 && (v[1] & 0x0f)))
		goto invalid;
	*out = buf;
	return (ssize_t)(o - pad);
invalid:
	free(buf);
	return -EINVAL;
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
