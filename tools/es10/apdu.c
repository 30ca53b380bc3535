// SPDX-License-Identifier: Apache-2.0
/* ISO 7816-4 command APDUs: build, parse, class bytes, status word names. */
#include "apdu.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

uint8_t apdu_cla(unsigned channel, bool proprietary)
{
	uint8_t cla;

	/* Channels 0-3: b2b1 of the first interindustry class; 4-19: the further class. */
	if (channel < 4)
		cla = (uint8_t)channel;
	else
		cla = (uint8_t)(0x40 | ((channel - 4) & 0x0F));
	return proprietary ? (uint8_t)(cla | 0x80) : cla;
}

unsigned apdu_channel(uint8_t cla)
{
	if (cla & 0x40)
		return 4 + (cla & 0x0F);
	return cla & 0x03;
}

int apdu_build(const struct apdu *a, uint8_t *out, size_t cap, size_t *len)
{
	bool ext = a->lc > APDU_SHORT_MAX_LC || a->ne > APDU_SHORT_MAX_NE;
	size_t n = 4;

	if (ext && !a->extended)
		return -EINVAL;
	ext = ext || a->extended;
	if (a->lc > APDU_EXT_MAX_LC || a->ne > APDU_EXT_MAX_NE || (a->lc && !a->data))
		return -EINVAL;
	if (cap < 4 + 3 + a->lc + 3)
		return -ENOSPC;
	out[0] = a->cla;
	out[1] = a->ins;
	out[2] = a->p1;
	out[3] = a->p2;
	if (a->lc) {
		if (ext) {
			out[n++] = 0;
			out[n++] = (uint8_t)(a->lc >> 8);
			out[n++] = (uint8_t)a->lc;
		} else {
			out[n++] = (uint8_t)a->lc;
		}
		memcpy(out + n, a->data, a->lc);
		n += a->lc;
	}
	if (a->ne) {
		/* 256 (short) and 65536 (extended) are coded as zero. */
		if (ext) {
			if (!a->lc)
				out[n++] = 0;
			out[n++] = (uint8_t)((a->ne & 0xFFFF) >> 8);
			out[n++] = (uint8_t)a->ne;
		} else {
			out[n++] = (uint8_t)a->ne;
		}
	}
	*len = n;
	return 0;
}

int apdu_parse(const uint8_t *b, size_t len, struct apdu *out)
{
	memset(out, 0, sizeof(*out));
	if (len < 4)
		return -EBADMSG;
	out->cla = b[0];
	out->ins = b[1];
	out->p1 = b[2];
	out->p2 = b[3];
	if (len == 4)
		return 0;                                  /* case 1 */
	if (len == 5) {                                    /* case 2 short */
		out->ne = b[4] ? b[4] : 256;
		return 0;
	}
	if (b[4]) {                                        /* short, with data */
		size_t lc = b[4];

		out->lc = lc;
		out->data = b + 5;
		if (len == 5 + lc)
			return 0;
		if (len == 6 + lc) {
			out->ne = b[5 + lc] ? b[5 + lc] : 256;
			return 0;
		}
		return -EBADMSG;
	}
	out->extended = true;
	if (len == 7) {                                    /* case 2 extended */
		size_t le = (size_t)b[5] << 8 | b[6];

		out->ne = le ? le : 65536;
		return 0;
	}
	if (len < 8)
		return -EBADMSG;
	out->lc = (size_t)b[5] << 8 | b[6];
	out->data = b + 7;
	if (!out->lc)
		return -EBADMSG;
	if (len == 7 + out->lc)
		return 0;
	if (len == 9 + out->lc) {
		size_t le = (size_t)b[7 + out->lc] << 8 | b[8 + out->lc];

		out->ne = le ? le : 65536;
		return 0;
	}
	return -EBADMSG;
}

int apdu_sw(const uint8_t *resp, size_t len)
{
	if (len < 2)
		return -1;
	return resp[len - 2] << 8 | resp[len - 1];
}

const char *apdu_sw_str(int sw)
{
	static __thread char buf[80];
	static const struct {
		int sw;
		const char *s;
	} names[] = {
		{ 0x9000, "success" },
		{ 0x6282, "end of file reached before Le bytes" },
		{ 0x6581, "memory failure" },
		{ 0x6700, "wrong length" },
		{ 0x6881, "logical channel not supported" },
		{ 0x6882, "secure messaging not supported" },
		{ 0x6982, "security status not satisfied" },
		{ 0x6985, "conditions of use not satisfied" },
		{ 0x6986, "command not allowed" },
		{ 0x6A80, "incorrect data" },
		{ 0x6A81, "function not supported" },
		{ 0x6A82, "file or application not found" },
		{ 0x6A84, "not enough memory space" },
		{ 0x6A86, "incorrect P1 P2" },
		{ 0x6A88, "referenced data not found" },
		{ 0x6B00, "wrong parameters (offset outside the EF)" },
		{ 0x6D00, "instruction not supported" },
		{ 0x6E00, "class not supported" },
		{ 0x6F00, "no precise diagnosis" },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].sw == sw) {
			snprintf(buf, sizeof(buf), "%04X %s", sw, names[i].s);
			return buf;
		}
	if ((sw & 0xFF00) == 0x6100)
		snprintf(buf, sizeof(buf), "%04X %u bytes still available", sw, sw & 0xFF);
	else if ((sw & 0xFF00) == 0x6C00)
		snprintf(buf, sizeof(buf), "%04X wrong Le, %u expected", sw, sw & 0xFF);
	else if (sw < 0)
		snprintf(buf, sizeof(buf), "no status word (response under 2 bytes)");
	else
		snprintf(buf, sizeof(buf), "%04X unexpected status word", sw);
	return buf;
}
