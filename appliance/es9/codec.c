// SPDX-License-Identifier: Apache-2.0
/* Hex for the transactionId of ES9+ JSON (base64 is rsp's b64.c); address ports. */
#include <errno.h>
#include <stdint.h>

#include "codec.h"

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

int es9_parse_port(const char *in, size_t in_len, uint16_t *port)
{
	unsigned long v = 0;
	size_t i;

	if (!in_len || in_len > 5 || in[0] == '0')
		return -EINVAL;
	for (i = 0; i < in_len; i++) {
		if (in[i] < '0' || in[i] > '9')
			return -EINVAL;
		v = v * 10 + (unsigned long)(in[i] - '0');
	}
	if (v > 65535)
		return -EINVAL;
	*port = (uint16_t)v;
	return 0;
}
