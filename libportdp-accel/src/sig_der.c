// SPDX-License-Identifier: Apache-2.0
/*
 * ECDSA signature encodings: SGP.22 puts raw r||s on the wire, OpenSSL and
 * X.509 use DER ECDSA-Sig-Value. Done by hand: no allocation per signature.
 */
#include <errno.h>
#include <string.h>

#include "portdp/accel.h"

#define HALF (PDP_SIG_LEN / 2)

static size_t put_int(uint8_t *p, const uint8_t *v)
{
	size_t skip = 0, n;
	int pad;

	while (skip < HALF - 1 && !v[skip])
		skip++;
	n = HALF - skip;
	pad = v[skip] & 0x80 ? 1 : 0; /* keep the INTEGER positive */
	p[0] = 0x02;
	p[1] = n + pad;
	p[2] = 0;
	memcpy(p + 2 + pad, v + skip, n);
	return 2 + pad + n;
}

int pdp_sig_raw_to_der(const uint8_t raw[PDP_SIG_LEN], uint8_t *der, size_t *der_len)
{
	uint8_t tmp[PDP_SIG_DER_MAX];
	size_t n;

	if (!raw || !der || !der_len)
		return -EINVAL;
	n = 2;
	n += put_int(tmp + n, raw);
	n += put_int(tmp + n, raw + HALF);
	tmp[0] = 0x30;
	tmp[1] = n - 2;
	if (*der_len < n)
		return -ENOSPC;
	memcpy(der, tmp, n);
	*der_len = n;
	return 0;
}

/* One minimal positive INTEGER of at most 32 significant bytes into @v. */
static int get_int(const uint8_t **p, const uint8_t *end, uint8_t v[HALF])
{
	const uint8_t *q = *p;
	size_t n;

	if (end - q < 2 || q[0] != 0x02)
		return -EINVAL;
	n = q[1];
	q += 2;
	if (!n || n > HALF + 1 || (size_t)(end - q) < n || (q[0] & 0x80))
		return -EINVAL;
	if (q[0] == 0 && n > 1) {
		if (!(q[1] & 0x80))
			return -EINVAL; /* not minimal */
		q++;
		n--;
	}
	if (n > HALF)
		return -EINVAL;
	memset(v, 0, HALF - n);
	memcpy(v + HALF - n, q, n);
	*p = q + n;
	return 0;
}

int pdp_sig_der_to_raw(const uint8_t *der, size_t der_len, uint8_t raw[PDP_SIG_LEN])
{
	const uint8_t *p = der, *end;
	uint8_t tmp[PDP_SIG_LEN];

	if (!der || !raw || der_len < 8 || der_len > PDP_SIG_DER_MAX)
		return -EINVAL;
	if (der[0] != 0x30 || der[1] >= 0x80 || (size_t)der[1] + 2 != der_len)
		return -EINVAL;
	end = der + der_len;
	p += 2;
	if (get_int(&p, end, tmp) || get_int(&p, end, tmp + HALF) || p != end)
		return -EINVAL;
	memcpy(raw, tmp, PDP_SIG_LEN);
	return 0;
}
