// SPDX-License-Identifier: Apache-2.0
/* EF.ATR/INFO: read from the card, its APDU-size objects parsed (ef_atr.h). */
#include "ef_atr.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "apdu.h"

/* One BER-TLV header at @d[*i] (tag up to 3 bytes, definite length up to 3 bytes). */
static int tlv(const uint8_t *d, size_t len, size_t *i, unsigned *tag, size_t *vlen)
{
	size_t p = *i, l;

	*tag = d[p++];
	if ((*tag & 0x1F) == 0x1F) {
		do {
			if (p >= len || *tag > 0xFFFF)
				return -EBADMSG;
			*tag = *tag << 8 | d[p];
		} while (d[p++] & 0x80);
	}
	if (p >= len)
		return -EBADMSG;
	l = d[p++];
	if (l & 0x80) {
		unsigned n = l & 0x7F;

		if (!n || n > 3 || p + n > len)
			return -EBADMSG;
		for (l = 0; n--;)
			l = l << 8 | d[p++];
	}
	if (l > len - p)
		return -EBADMSG;
	*i = p;
	*vlen = l;
	return 0;
}

/* An integer DO 02 (1-4 bytes, read unsigned: sizes are never negative). */
static int integer(const uint8_t *d, size_t len, size_t *i, unsigned long *v)
{
	unsigned tag;
	size_t l;

	if (*i >= len || tlv(d, len, i, &tag, &l) || tag != 0x02 || !l || l > 4)
		return -EBADMSG;
	for (*v = 0; l--;)
		*v = *v << 8 | d[(*i)++];
	return 0;
}

int ef_atr_parse(const uint8_t *d, size_t len, struct ef_atr_info *out)
{
	size_t i = 0;

	memset(out, 0, sizeof(*out));
	while (i < len && d[i] != 0x00 && d[i] != 0xFF) {
		unsigned tag;
		size_t l;

		if (tlv(d, len, &i, &tag, &l))
			return -EBADMSG;
		if (tag == 0x7F66) {
			size_t j = i;

			if (integer(d, i + l, &j, &out->max_cmd) ||
			    integer(d, i + l, &j, &out->max_resp))
				return -EBADMSG;
			out->ext_len = true;
		} else if (tag == 0x47 && l >= 3) {
			out->caps = true;
			out->cap3 = d[i + 2];
		}
		i += l;
	}
	return 0;
}

static int xchg(ef_atr_xmit xmit, void *ctx, const uint8_t *cmd, size_t n, uint8_t *resp,
		size_t *rlen)
{
	int ret;

	*rlen = APDU_MAX_RESP;
	ret = xmit(ctx, cmd, n, resp, rlen);

	if (ret)
		return ret;
	return *rlen < 2 ? -EPROTO : apdu_sw(resp, *rlen);
}

int ef_atr_read(ef_atr_xmit xmit, void *ctx, uint8_t *out, size_t cap, size_t *len)
{
	/* SELECT by path from the MF, no answer data asked (P2 0C) */
	const uint8_t sel[] = { 0x00, 0xA4, 0x08, 0x0C, 0x02, EF_ATR_FID >> 8, EF_ATR_FID & 0xFF };
	uint8_t rb[] = { 0x00, 0xB0, 0x00, 0x00, 0x00 };
	uint8_t *resp;
	size_t rl, got = 0;
	int sw;

	*len = 0;
	if (cap < EF_ATR_MAX)
		return -EINVAL;
	resp = malloc(APDU_MAX_RESP); /* what a transmit may fill */
	if (!resp)
		return -ENOMEM;
	sw = xchg(xmit, ctx, sel, sizeof(sel), resp, &rl);
	if (sw >= 0 && sw != SW_OK && (sw & 0xFF00) != SW_BYTES_LEFT)
		sw = -ENOENT;
	if (sw >= 0)
		sw = xchg(xmit, ctx, rb, sizeof(rb), resp, &rl);
	if (sw > 0 && (sw & 0xFF00) == SW_WRONG_LE) {
		/* the exact length, once (T=0 cards say so) */
		rb[4] = (uint8_t)sw;
		sw = xchg(xmit, ctx, rb, sizeof(rb), resp, &rl);
	}
	for (;;) {
		size_t n;

		/* 6282: end of file before Le bytes, the data is good */
		if (sw >= 0 && sw != SW_OK && sw != SW_EOF_BEFORE_NE &&
		    (sw & 0xFF00) != SW_BYTES_LEFT)
			sw = -ENOENT;
		if (sw < 0) {
			free(resp);
			return sw;
		}
		n = rl - 2;
		if (n > cap - got)
			n = cap - got;
		memcpy(out + got, resp, n);
		got += n;
		if ((sw & 0xFF00) != SW_BYTES_LEFT || got == cap)
			break;
		{
			const uint8_t gr[] = { 0x00, APDU_INS_GET_RESPONSE, 0x00, 0x00, (uint8_t)sw };

			sw = xchg(xmit, ctx, gr, sizeof(gr), resp, &rl);
		}
	}
	free(resp);
	*len = got;
	return 0;
}
