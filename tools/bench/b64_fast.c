// SPDX-License-Identifier: Apache-2.0
/*
 * Strict base64 decoding for big answers (the ~24 KiB boundProfilePackage),
 * as strict as tools/lpa/b64.c but without its per-character check:
 * EVP_DecodeBlock already refuses every byte outside the alphabet except '='
 * (checked with all 255 bytes at every position) and only strips whitespace
 * at the two ends, so checking the ends and '=' (memchr) is enough.
 */
#include "bench.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>

static bool b64_alpha(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '+' || c == '/';
}

int bench_b64_decode(const char *in, size_t n, uint8_t **out, size_t *out_len)
{
	size_t pad = 0;
	uint8_t *buf;
	int got;

	if (n % 4 || n > 0x3ffffff0)
		return -EINVAL;
	if (n) {
		if (in[n - 1] == '=')
			pad = in[n - 2] == '=' ? 2 : 1;
		/* No whitespace at the ends for EVP_DecodeBlock to strip, no '=' inside. */
		if (!b64_alpha(in[0]) || (!pad && !b64_alpha(in[n - 1])) ||
		    memchr(in, '=', n - pad))
			return -EINVAL;
	}
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
