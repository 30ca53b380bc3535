// SPDX-License-Identifier: Apache-2.0
/* ATR parsing (card capabilities) and the short/extended length choice. */
#include "atr.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "apdu.h"

static int bad(struct atr_info *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int bad(struct atr_info *o, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(o->err, sizeof(o->err), fmt, ap);
	va_end(ap);
	o->valid = o->caps = o->extended = false;
	o->cap3 = 0;
	o->channels = 0;
	return -EBADMSG;
}

/* The historical bytes: only categories 00 and 80 carry compact-TLV objects. */
static int historical(const uint8_t *h, size_t k, struct atr_info *o)
{
	size_t end = k;

	if (!k)
		return 0;
	if (h[0] == 0x00) {
		if (k < 4)
			return bad(o, "category 00 without its 3-byte status indicator");
		end = k - 3;
	} else if (h[0] != 0x80) {
		return 0; /* 10 (DIR data reference), RFU or proprietary: nothing said */
	}
	for (size_t i = 1; i < end;) {
		unsigned tag = h[i] >> 4, l = h[i] & 0x0F;

		if (i + 1 + l > end)
			return bad(o, "compact-TLV object %02X runs past the historical bytes", h[i]);
		if (tag == 7 && l >= 3) {
			o->caps = true;
			o->cap3 = h[i + 3];
		}
		i += 1 + l;
	}
	if (o->caps) {
		unsigned c = o->cap3 & 0x07;

		o->extended = (o->cap3 & ATR_CAP3_EXTENDED) != 0;
		/* b5-b4 00: no logical channels; else b3-b1 = n - 1 (111: 8 or more) */
		o->channels = !(o->cap3 & 0x18) ? 1 : c + 1;
	}
	return 0;
}

int atr_parse(const uint8_t *a, size_t len, struct atr_info *o)
{
	size_t i = 2, k;
	unsigned y, groups = 0;
	bool tck = false;

	memset(o, 0, sizeof(*o));
	if (!a || len < 2)
		return bad(o, "%zu bytes: no TS and T0", a ? len : 0);
	if (len > ATR_MAX)
		return bad(o, "%zu bytes (at most %d)", len, ATR_MAX);
	if (a[0] != 0x3B && a[0] != 0x3F)
		return bad(o, "TS %02X is neither 3B nor 3F", a[0]);
	y = a[1] >> 4;
	k = a[1] & 0x0F;
	for (;;) {
		unsigned td;

		groups++;
		for (unsigned b = 1; b <= 4; b <<= 1)
			if ((y & b) && i++ >= len)
				return bad(o, "interface bytes of group %u cut short", groups);
		if (!(y & 8))
			break;
		if (i >= len)
			return bad(o, "TD%u cut short", groups);
		td = a[i++];
		/* T=15 names global interface bytes, not a protocol; it still asks for TCK */
		if (td & 0x0F)
			tck = true;
		if ((td & 0x0F) != 15)
			o->protocols |= 1u << (td & 0x0F);
		y = td >> 4;
	}
	if (!o->protocols)
		o->protocols = 1; /* T=0 */
	if (i + k + (tck ? 1 : 0) != len)
		return bad(o, "%zu bytes where T0 and the interface bytes say %zu", len,
			   i + k + (tck ? 1 : 0));
	if (tck) {
		uint8_t x = 0;

		for (size_t j = 1; j < len; j++)
			x ^= a[j];
		if (x)
			return bad(o, "TCK does not check (XOR %02X)", x);
	}
	if (historical(a + i, k, o))
		return -EBADMSG;
	o->valid = true;
	return 0;
}

/* An ATR around @hist: T=0 implied, or TD1/TD2 announcing T=0 and T=1 and then TCK. */
static size_t atr_frame(bool t1, const uint8_t *hist, size_t hl, uint8_t out[ATR_MAX])
{
	size_t n = 0;

	out[n++] = 0x3B;
	if (t1) {
		out[n++] = (uint8_t)(0x80 | hl); /* TD1 follows */
		out[n++] = 0x80;                 /* TD1: T=0, TD2 follows */
		out[n++] = 0x01;                 /* TD2: T=1 */
	} else {
		out[n++] = (uint8_t)hl; /* T=0 implied, no TCK */
	}
	memcpy(out + n, hist, hl);
	n += hl;
	if (t1) {
		uint8_t x = 0;

		for (size_t j = 1; j < n; j++)
			x ^= out[j];
		out[n++] = x;
	}
	return n;
}

size_t atr_build(bool extended, bool t1, uint8_t out[ATR_MAX])
{
	/* 80: compact-TLV; 73: card capabilities (by full DF name; data coding 21;
	 * 4 channels assigned by card or IFD, extended Lc/Le); 82 9000: status */
	const uint8_t hist[] = { 0x80, 0x73, 0x80, 0x21,
				 (uint8_t)(0x1B | (extended ? ATR_CAP3_EXTENDED : 0)),
				 0x82, 0x90, 0x00 };

	return atr_frame(t1, hist, sizeof(hist), out);
}

size_t atr_build_plain(bool t1, uint8_t out[ATR_MAX])
{
	const uint8_t hist[] = { 0x80, 0x82, 0x90, 0x00 }; /* compact-TLV: status 9000 only */

	return atr_frame(t1, hist, sizeof(hist), out);
}

/*
 * What EF.ATR/INFO says of the card's side: true when it settles it (*ok, and
 * *card_max the largest Nc/Ne its 7F66 allows, else unchanged), with the words.
 */
static bool ef_atr_says(const struct ef_atr_info *e, bool *ok, long *card_max, char *w,
			size_t wl)
{
	if (e->ext_len) {
		long c = e->max_cmd > 9 ? (long)e->max_cmd - 9 : 0; /* 7-byte header, 2-byte Le */
		long r = e->max_resp > 2 ? (long)e->max_resp - 2 : 0;

		*card_max = c < r ? c : r;
		*ok = *card_max > APDU_SHORT_MAX_LC;
		snprintf(w, wl, "card: EF.ATR/INFO 7F66, command APDUs up to %lu bytes, responses "
			 "up to %lu%s", e->max_cmd, e->max_resp, *ok ? "" : " (short only)");
		return true;
	}
	if (e->caps) {
		*ok = (e->cap3 & ATR_CAP3_EXTENDED) != 0;
		snprintf(w, wl, "card: EF.ATR/INFO card capabilities %s extended Lc/Le",
			 *ok ? "with" : "without");
		return true;
	}
	return false;
}

void apdu_mode_choose(const struct apdu_mode_in *in, struct apdu_mode *out)
{
	struct atr_info ai;
	char card[150], reader[200];
	bool card_ok = false, reader_ok = false, atr_settles;
	long max = APDU_EXT_MAX_NE, card_max = -1;
	const char *forced = "";

	memset(out, 0, sizeof(*out));
	atr_settles = !atr_parse(in->atr, in->atr_len, &ai) && ai.caps &&
		      !(ai.cap3 & ATR_CAP3_EXT_INFO);
	if (!ai.valid)
		snprintf(card, sizeof(card), "card: ATR unreadable (%s)", ai.err);
	else if (!ai.caps)
		snprintf(card, sizeof(card), "card: no card capabilities in the ATR");
	else if (!ai.extended)
		snprintf(card, sizeof(card), "card: ATR card capabilities without extended Lc/Le");
	else
		card_ok = true;
	if (card_ok)
		snprintf(card, sizeof(card), "card: extended Lc/Le in the ATR card capabilities");
	if (in->ef_atr_state == EF_ATR_READ && in->ef_atr) {
		char w[sizeof(card)];

		if (ef_atr_says(in->ef_atr, &card_ok, &card_max, w, sizeof(w)))
			memcpy(card, w, sizeof(card));
		else
			snprintf(card + strlen(card), sizeof(card) - strlen(card),
				 ", EF.ATR/INFO without sizes");
	} else if (in->ef_atr_state == EF_ATR_NONE || in->ef_atr_state == EF_ATR_BAD) {
		snprintf(card + strlen(card), sizeof(card) - strlen(card), ", %s",
			 in->ef_atr_state == EF_ATR_NONE ? "no EF.ATR/INFO" : "EF.ATR/INFO malformed");
	}
	if (in->reader_max_data >= 0) {
		max = in->reader_max_data;
		reader_ok = max > APDU_SHORT_MAX_LC;
		snprintf(reader, sizeof(reader), "reader: %s %ld%s",
			 in->reader_src ? in->reader_src : "largest APDU data", max,
			 reader_ok ? "" : " (short APDUs only)");
	} else if (in->t1) {
		reader_ok = true;
		snprintf(reader, sizeof(reader), "reader: no limit reported (%s), T=1 carries "
			 "extended APDUs", in->reader_src ? in->reader_src : "nothing asked");
	} else {
		snprintf(reader, sizeof(reader), "reader: no limit reported (%s), T=0 carries short "
			 "APDUs only (extended would need ENVELOPE)",
			 in->reader_src ? in->reader_src : "nothing asked");
	}
	if (in->force == APDU_FORCE_EXTENDED) {
		out->extended = true;
		forced = ", forced by --extended";
	} else if (in->force == APDU_FORCE_SHORT) {
		forced = ", forced by --no-extended";
	} else {
		out->extended = card_ok && reader_ok;
		out->ask_ef_atr = reader_ok && !atr_settles && in->ef_atr_state == EF_ATR_NOT_READ;
	}
	if (card_max > APDU_SHORT_MAX_LC && (max <= APDU_SHORT_MAX_LC || card_max < max))
		max = card_max;
	if (max > APDU_EXT_MAX_NE || max <= APDU_SHORT_MAX_LC)
		max = APDU_EXT_MAX_NE;
	out->max_data = out->extended ? (unsigned)max : 0;
	snprintf(out->why, sizeof(out->why), "%s APDUs (%s; %s%s)",
		 out->extended ? "extended-length" : "short", card, reader, forced);
}
